"""Input and output serializers of the training endpoints (tutela.capacity.api.trainings): courses
and their question bank, sessions, participants, registrations, attendance and tests.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tutela.capacity.models import (
    Course,
    KnowledgeTest,
    Participant,
    Question,
    Registration,
    TrainingSession,
)
from tutela.core.api.serializers import AreaField, BodyField, OrganisationField

# --- Serializers --------------------------------------------------------------------------------


class CourseOut(serializers.ModelSerializer):
    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "topic",
            "audience",
            "language",
            "duration_days",
            "description",
            "pass_mark",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CourseIn(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    code = serializers.CharField(max_length=30, required=False, allow_blank=True)
    topic = serializers.ChoiceField(choices=Course.Topic.choices)
    audience = serializers.ChoiceField(choices=Course.Audience.choices, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    duration_days = serializers.IntegerField(min_value=1, max_value=30, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    pass_mark = serializers.IntegerField(min_value=1, max_value=100, required=False)
    is_active = serializers.BooleanField(required=False)


class ChoiceOut(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    is_correct = serializers.BooleanField()


class QuestionOut(serializers.ModelSerializer):
    choices = ChoiceOut(many=True, read_only=True)

    class Meta:
        model = Question
        fields = ["id", "text", "kind", "order", "is_active", "choices"]
        read_only_fields = fields


class ChoiceIn(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    is_correct = serializers.BooleanField(default=False)


class QuestionIn(serializers.Serializer):
    text = serializers.CharField(max_length=1000)
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    choices = ChoiceIn(many=True, required=False)
    true = serializers.BooleanField(required=False, allow_null=True, default=None)
    order = serializers.IntegerField(min_value=0, max_value=32000, required=False)


class SessionOut(serializers.ModelSerializer):
    area: Any = serializers.SlugRelatedField(slug_field="pcode", read_only=True)
    host_organisation: Any = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, allow_null=True
    )
    organisations_invited: Any = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, many=True
    )
    registered = serializers.SerializerMethodField()

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "course",
            "title",
            "language",
            "starts_on",
            "ends_on",
            "area",
            "venue",
            "body",
            "host_organisation",
            "trainers",
            "organisations_invited",
            "places",
            "status",
            "registered",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_registered(self, obj: TrainingSession) -> int:
        value = getattr(obj, "registered", None)
        if value is None:
            value = obj.registrations.filter(status=Registration.Status.REGISTERED).count()
        return int(value)


@extend_schema_field(OpenApiTypes.INT)  # its queryset depends on the request
class CourseField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[Course]:
        return Course.objects.filter(operation=self.context["operation"])


class SessionIn(serializers.Serializer):
    course = CourseField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    area: Any = AreaField()
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body: Any = BodyField(required=False, allow_null=True)
    host_organisation: Any = OrganisationField(required=False, allow_null=True)
    trainers = serializers.CharField(required=False, allow_blank=True)
    organisations_invited: Any = serializers.ListField(child=OrganisationField(), required=False)
    places = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=TrainingSession.Status.choices, required=False)


class ParticipantOut(serializers.ModelSerializer):
    organisation: Any = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, allow_null=True
    )

    class Meta:
        model = Participant
        fields = ["id", "full_name", "organisation", "function", "sex", "age_band"]
        read_only_fields = fields


class ParticipantDetailOut(ParticipantOut):
    class Meta(ParticipantOut.Meta):
        fields = [*ParticipantOut.Meta.fields, "email", "phone"]
        read_only_fields = fields


class ParticipantIn(serializers.Serializer):
    full_name = serializers.CharField(max_length=200)
    organisation: Any = OrganisationField(required=False, allow_null=True)
    function = serializers.CharField(max_length=200, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Participant.Sex.choices)
    age_band = serializers.ChoiceField(choices=Participant.AgeBand.choices)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class RegistrationOut(serializers.ModelSerializer):
    participant = ParticipantOut(read_only=True)

    class Meta:
        model = Registration
        fields = ["id", "participant", "status", "created_at"]
        read_only_fields = fields


class RegistrationIn(serializers.Serializer):
    """An existing participant by id, or a new one."""

    participant = serializers.IntegerField(required=False)
    new_participant = ParticipantIn(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("participant" in attrs) == ("new_participant" in attrs):
            raise serializers.ValidationError("Give either participant or new_participant.")
        return attrs


class TrainingAttendanceIn(serializers.Serializer):
    day = serializers.DateField()
    present = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)


class TestOut(serializers.ModelSerializer):
    questions: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = KnowledgeTest
        fields = ["id", "kind", "mode", "max_score", "send_on", "links_sent_at", "questions"]
        read_only_fields = fields


class TestIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KnowledgeTest.Kind.choices)
    mode = serializers.ChoiceField(choices=KnowledgeTest.Mode.choices)
    max_score = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    send_on = serializers.DateField(required=False)


class TestScoresIn(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    )

    def validate_scores(self, value: dict[str, Any]) -> dict[int, Any]:
        try:
            return {int(key): points for key, points in value.items()}
        except ValueError:
            raise serializers.ValidationError("Keys are registration ids.") from None


class NothingIn(serializers.Serializer):
    pass
