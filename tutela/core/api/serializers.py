"""Input and output serializers of the API, kept apart (HackSoft style).

Output serializers (`...Out`) only render. Input serializers (`...In`) only parse and validate the
request body; views hand their `validated_data` to the same services the HTML views call, so no
serializer has a `create()`/`update()` and no logic lives in `save()`.

Related records are named the way people name them (organisations by acronym, areas by P-code)
and can only be chosen within the operation of the request (`context["operation"]`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from tutela.core import access
from tutela.core.models import (
    AdminArea,
    ApiToken,
    AuditEntry,
    Body,
    Contact,
    Membership,
    Operation,
    Organisation,
    User,
)
from tutela.core.models.roles import Role

# --- Ids and related fields limited to the operation of the request -----------------------------

# The largest id a database column holds (64-bit signed). A larger number in a request is refused
# as invalid input: SQLite cannot even bind it in a query (OverflowError, a server error).
MAX_ID = 2**63 - 1


class StrictBooleanField(serializers.BooleanField):
    """true or false in a JSON body, nothing else (DRF's own also takes 1, "yes", "on"...)."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
        raise AssertionError  # fail() raises


class QueryBooleanField(serializers.BooleanField):
    """true or false in a query string, nothing else."""

    def to_internal_value(self, data: Any) -> bool:
        if data in ("true", True):
            return True
        if data in ("false", False):
            return False
        self.fail("invalid", input=data)
        raise AssertionError  # fail() raises


class IdField(serializers.IntegerField):
    """A record id given in a request body: a whole number from 1 to MAX_ID."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class _InOperationMixin:
    """The choices are limited to the operation in the serializer context."""

    context: dict[str, Any]

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        return self.limit(queryset, self.context["operation"])

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        raise NotImplementedError


class OrganisationField(_InOperationMixin, serializers.SlugRelatedField):
    """An organisation of the operation, by acronym (case-insensitive)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="acronym", queryset=Organisation.objects.all(), **kwargs)

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        return queryset.filter(operations=operation)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return self.get_queryset().get(acronym__iexact=data.strip())
        except Organisation.DoesNotExist:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        except Organisation.MultipleObjectsReturned:
            self.fail("invalid")


class BodyField(_InOperationMixin, serializers.PrimaryKeyRelatedField):
    """A coordination body of the operation, by id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=Body.objects.all(), **kwargs)

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        return queryset.filter(operation=operation)


class AreaField(_InOperationMixin, serializers.SlugRelatedField):
    """An admin area of one of the operation's countries, by P-code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="pcode", queryset=AdminArea.objects.all(), **kwargs)

    def limit(self, queryset: QuerySet[Any], operation: Operation) -> QuerySet[Any]:
        return queryset.filter(country_pcode__in=operation.countries.values("pcode"))

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


class CountryField(serializers.SlugRelatedField):
    """A country (admin level 0), by P-code."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="pcode", queryset=AdminArea.objects.filter(level=0), **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


# --- Authentication and the caller ---------------------------------------------------------------


class TokenObtainIn(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=12,
        required=False,
        allow_blank=True,
        help_text=_("Six-digit code of the authenticator app, for accounts with two-factor on."),
    )


class TokenOut(serializers.Serializer):
    token = serializers.CharField(
        help_text=_(
            "Send it as `Authorization: Token <token>`. It is shown only now: Tutela keeps a "
            "hash of it."
        )
    )
    id = serializers.IntegerField(help_text=_("To revoke it: DELETE /api/v1/auth/tokens/<id>/."))
    expires_at = serializers.DateTimeField()


class ApiTokenOut(serializers.ModelSerializer):
    prefix = serializers.CharField(source="key_prefix", help_text=_("Its first characters."))
    current = serializers.SerializerMethodField(
        help_text=_("True for the token this request was sent with.")
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "prefix",
            "second_factor",
            "created_at",
            "expires_at",
            "last_used_at",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, token: ApiToken) -> bool:
        request = self.context.get("request")
        used = getattr(request, "auth", None)
        return isinstance(used, ApiToken) and used.pk == token.pk


class OrganisationRefOut(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["acronym", "name", "type"]


class OperationRolesOut(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))
    is_manager = serializers.BooleanField()
    can_see_contacts = serializers.BooleanField()


class MeOut(serializers.ModelSerializer):
    organisation = OrganisationRefOut(allow_null=True)
    operations = OperationRolesOut(many=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "language",
            "email_mode",
            "totp_enabled",
            "organisation",
            "operations",
        ]


# --- Operations and geography --------------------------------------------------------------------


class OperationOut(serializers.ModelSerializer):
    # (Field.parent is the enclosing serializer in the stubs; here `parent` is a field name.)
    parent: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    countries: Any = serializers.SlugRelatedField(slug_field="pcode", many=True, read_only=True)
    roles = serializers.SerializerMethodField(help_text=_("The caller's roles here."))

    class Meta:
        model = Operation
        fields = [
            "slug",
            "name",
            "parent",
            "countries",
            "languages",
            "default_language",
            "admin_level_labels",
            "disclosure_threshold",
            "require_2fa_roles",
            "is_demo",
            "roles",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Role.choices)))
    def get_roles(self, operation: Operation) -> list[str]:
        return sorted(access.roles_in(self.context["request"].user, operation))


class OperationField(serializers.SlugRelatedField):
    """An operation the caller can reach, by short name (another answers "does not exist")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", queryset=Operation.objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return access.operations_for_user(self.context["request"].user)


class OperationIn(serializers.Serializer):
    """Operation settings. Managers change the first six fields; `slug`, `parent` and `countries`
    are for server administrators."""

    name = serializers.CharField(max_length=200)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=settings.LANGUAGES), allow_empty=True
    )
    default_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    admin_level_labels = serializers.DictField(
        child=serializers.CharField(max_length=60, allow_blank=True),
        required=False,
        help_text=_('Names of the admin levels "0" to "5": {"1": "Région", "2": "Cercle"}.'),
    )
    disclosure_threshold = serializers.IntegerField(
        required=False,
        help_text=_("Counts above zero and below this are hidden in shared figures (2 to 50)."),
    )
    require_2fa_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        required=False,
        help_text=_("Roles whose holders must use two-factor authentication."),
    )
    slug = serializers.SlugField(max_length=60, required=False)
    parent: Any = OperationField(required=False, allow_null=True)
    countries: Any = CountryField(many=True, required=False)


class OperationCreateIn(OperationIn):
    slug = serializers.SlugField(max_length=60)
    countries: Any = CountryField(many=True)
    coordinator = serializers.EmailField(
        required=False, help_text=_("E-mail address of an existing account: the coordinator.")
    )

    def validate_coordinator(self, value: str) -> User:
        user = User.objects.filter(email__iexact=value.strip()).first()
        if user is None:
            raise serializers.ValidationError(_("No account with this e-mail address."))
        return user


class AreaOut(serializers.ModelSerializer):
    parent_pcode = serializers.CharField(source="parent.pcode", default=None, allow_null=True)

    class Meta:
        model = AdminArea
        fields = ["pcode", "name", "level", "parent_pcode"]


class GeoJSONFeatureOut(serializers.Serializer):
    type = serializers.CharField(default="Feature")
    id = serializers.CharField()
    geometry = serializers.JSONField(allow_null=True)
    properties = AreaOut()


# Never paginated, even where it answers a list endpoint.
@extend_schema_serializer(many=False)
class GeoJSONFeatureCollectionOut(serializers.Serializer):
    type = serializers.CharField(default="FeatureCollection")
    features = GeoJSONFeatureOut(many=True)


class AreaLookupQuery(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text=_("Place name as written."))
    level = serializers.IntegerField(min_value=0, max_value=5, required=False)
    parent: Any = serializers.CharField(
        max_length=20, required=False, help_text=_("Only areas inside this P-code.")
    )
    limit = serializers.IntegerField(min_value=1, max_value=10, default=3)


class AreaMatchOut(serializers.Serializer):
    pcode = serializers.CharField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    parent_pcode = serializers.CharField(allow_null=True)
    score = serializers.FloatField(help_text=_("100 for an exact match, lower when fuzzy."))
    exact = serializers.BooleanField()


class AreaLookupOut(serializers.Serializer):
    name = serializers.CharField()
    matches = AreaMatchOut(many=True)


# --- Organisations and coordination structure ---------------------------------------------------


class OrganisationOut(serializers.ModelSerializer):
    country: Any = serializers.SlugRelatedField(slug_field="pcode", read_only=True, allow_null=True)

    class Meta:
        model = Organisation
        fields = ["acronym", "name", "type", "country", "website", "is_demo"]


class OrganisationIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    acronym = serializers.CharField(max_length=40)
    type = serializers.ChoiceField(choices=Organisation.Type.choices)
    country: Any = CountryField(required=False, allow_null=True)
    website = serializers.URLField(required=False, allow_blank=True)


class OrganisationLinkIn(serializers.Serializer):
    acronym = serializers.CharField(max_length=40)


class BodyOut(serializers.ModelSerializer):
    lead: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True, allow_null=True)
    co_lead: Any = serializers.SlugRelatedField(
        slug_field="acronym", read_only=True, allow_null=True
    )
    scope: Any = serializers.SlugRelatedField(slug_field="pcode", many=True, read_only=True)

    class Meta:
        model = Body
        fields = ["id", "name", "code", "kind", "parent", "lead", "co_lead", "scope"]
        read_only_fields = fields


class BodyIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Body.Kind.choices)
    code = serializers.CharField(max_length=30, required=False, allow_blank=True)
    parent: Any = BodyField(required=False, allow_null=True)
    lead: Any = OrganisationField(required=False, allow_null=True)
    co_lead: Any = OrganisationField(required=False, allow_null=True)
    scope: Any = AreaField(many=True, required=False)


class MembershipOut(serializers.ModelSerializer):
    organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "body", "organisation", "role", "is_nuclear", "since", "until"]
        read_only_fields = fields


class MembershipCreateIn(serializers.Serializer):
    organisation: Any = OrganisationField()
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    is_nuclear = serializers.BooleanField(default=False)
    since = serializers.DateField(required=False, allow_null=True)
    until = serializers.DateField(required=False, allow_null=True)


class MembershipUpdateIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    is_nuclear = serializers.BooleanField(required=False)
    since = serializers.DateField(required=False, allow_null=True)
    until = serializers.DateField(required=False, allow_null=True)


# --- Contacts -------------------------------------------------------------------------------------


class ContactOut(serializers.ModelSerializer):
    organisation: Any = serializers.SlugRelatedField(slug_field="acronym", read_only=True)
    bodies: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "organisation",
            "name",
            "title",
            "email",
            "phone",
            "bodies",
            "is_active",
            "has_account",
        ]
        read_only_fields = fields

    def get_has_account(self, contact: Contact) -> bool:
        return contact.user_id is not None


class ContactIn(serializers.Serializer):
    organisation: Any = OrganisationField()
    name = serializers.CharField(max_length=200)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    bodies: Any = BodyField(many=True, required=False)


class ContactUpdateIn(ContactIn):
    is_active = serializers.BooleanField(
        required=False, help_text=_("false deactivates the contact.")
    )


# --- Audit log ------------------------------------------------------------------------------------


class AuditEntryOut(serializers.ModelSerializer):
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "action",
            "entity_type",
            "entity_id",
            "summary",
            "before",
            "after",
            "ip_address",
        ]
        read_only_fields = fields
