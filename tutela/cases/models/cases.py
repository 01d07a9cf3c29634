"""The case: a person or household followed by a caseworker of one organisation.

What identifies someone (names, date of birth, phone, address, ID numbers, free text, document
contents and names) is encrypted at rest (EncryptedTextField); the rest (sex, age, area, needs,
risks) stays in clear for lists and statistics. `__str__` of every model here is a code, never a
name: the audit log, e-mails and the outbox print it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tutela.core.crypto import EncryptedTextField


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "O", _("Other")
    UNKNOWN = "U", _("Not known / not disclosed")


class AgeBand(models.TextChoices):
    """The 5W / monitoring bands (children 0-17 in three, adults, older people)."""

    UNDER_5 = "0-4", _("0-4 years")
    CHILD = "5-11", _("5-11 years")
    ADOLESCENT = "12-17", _("12-17 years")
    ADULT = "18-59", _("18-59 years")
    OLDER = "60+", _("60 years and over")
    UNKNOWN = "", _("Unknown")


def age_band_for(age: int | None) -> str:
    if age is None:
        return AgeBand.UNKNOWN
    if age < 5:
        return AgeBand.UNDER_5
    if age < 12:
        return AgeBand.CHILD
    if age < 18:
        return AgeBand.ADOLESCENT
    if age < 60:
        return AgeBand.ADULT
    return AgeBand.OLDER


CHILD_BANDS = frozenset({AgeBand.UNDER_5, AgeBand.CHILD, AgeBand.ADOLESCENT})


class Case(models.Model):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        HOUSEHOLD = "household", _("Household")

    class Type(models.TextChoices):
        GENERAL = "general", _("General protection")
        GBV = "gbv", _("Gender-based violence (GBV)")
        CHILD_PROTECTION = "cp", _("Child protection")

    class Stage(models.TextChoices):
        REGISTERED = "registered", _("Registration")
        ASSESSMENT = "assessment", _("Assessment")
        CASE_PLAN = "case_plan", _("Case plan")
        IMPLEMENTATION = "implementation", _("Services and referrals")
        FOLLOW_UP = "follow_up", _("Follow-up")
        CLOSED = "closed", _("Closed")

    class RiskLevel(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    class ClosureReason(models.TextChoices):
        NEEDS_MET = "needs_met", _("Case plan completed, needs met")
        TRANSFERRED = "transferred", _("Transferred to another organisation")
        RELOCATED = "relocated", _("Person moved out of the area")
        NO_CONTACT = "no_contact", _("Contact lost")
        DECLINED = "declined", _("Person no longer wants services")
        DECEASED = "deceased", _("Person died")
        OTHER = "other", _("Other")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    # The organisation that holds the case now (changes only by an accepted transfer).
    organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organisation"),
    )
    registering_organisation = models.ForeignKey(
        "core.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registering organisation"),
    )
    # "ADP-2026-00012": the organisation's acronym, the year and a number; never a name.
    code = models.CharField(_("case code"), max_length=60, editable=False)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.INDIVIDUAL)
    case_type = models.CharField(
        _("case type"), max_length=10, choices=Type.choices, default=Type.GENERAL
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.REGISTERED
    )
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    registered_on = models.DateField(_("registered on"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registering caseworker"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("caseworker in charge"),
    )
    assigned = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("also assigned to"),
    )
    # The principal person's sex and age band, copied from CasePerson by the services (lists
    # and statistics read them without touching the people table).
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    age_band = models.CharField(
        _("age band"), max_length=5, choices=AgeBand.choices, blank=True, default=""
    )
    disability = models.BooleanField(_("person with disability"), default=False)
    # ISO 3166-1 alpha-3 ("MLI", "BFA"); empty when unknown.
    nationality = models.CharField(_("nationality"), max_length=3, blank=True)
    displacement_status = models.ForeignKey(
        "core.PopulationGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("displacement status"),
    )
    area = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", verbose_name=_("location")
    )
    admin1 = models.ForeignKey(
        "core.AdminArea", on_delete=models.PROTECT, related_name="+", editable=False
    )
    address = EncryptedTextField(_("address"), blank=True, default="")
    specific_needs = models.ManyToManyField(
        "cases.SpecificNeed", blank=True, related_name="+", verbose_name=_("specific needs")
    )
    concerns = models.ManyToManyField(
        "core.ProtectionRisk",
        blank=True,
        related_name="+",
        verbose_name=_("protection concerns"),
    )
    summary = EncryptedTextField(_("reason for registration"), blank=True, default="")
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    closure_note = EncryptedTextField(_("closure note"), blank=True, default="")
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # The referral this case was opened from, by the receiving organisation.
    source_referral = models.ForeignKey(
        "cases.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened from referral"),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["operation", "-registered_on", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="case_unique_code"),
            models.CheckConstraint(
                condition=models.Q(stage="closed") | models.Q(closed_on__isnull=True),
                name="case_closed_on_only_when_closed",
            ),
        ]
        indexes = [
            # The caseworker's list and the supervisor's team list.
            models.Index(
                fields=["operation", "organisation", "owner", "-registered_on"],
                name="case_owner_list",
            ),
            models.Index(
                fields=["operation", "organisation", "stage", "-registered_on"],
                name="case_team_list",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_gbv(self) -> bool:
        return self.case_type == self.Type.GBV

    @property
    def is_child_protection(self) -> bool:
        return self.case_type == self.Type.CHILD_PROTECTION

    @property
    def is_closed(self) -> bool:
        return self.stage == self.Stage.CLOSED


class CasePerson(models.Model):
    """The person the case is about (principal) or a member of their household."""

    class Relationship(models.TextChoices):
        SELF = "self", _("Principal (the person)")
        SPOUSE = "spouse", _("Spouse or partner")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Brother or sister")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER_RELATIVE = "relative", _("Other relative")
        CAREGIVER = "caregiver", _("Caregiver (not a relative)")
        OTHER = "other", _("Other")

    class IdType(models.TextChoices):
        NATIONAL_ID = "national_id", _("National identity card")
        PASSPORT = "passport", _("Passport")
        UNHCR = "unhcr", _("UNHCR registration / proGres number")
        BIRTH_CERTIFICATE = "birth", _("Birth certificate")
        OTHER = "other", _("Other document")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="people")
    is_principal = models.BooleanField(default=False)
    relationship = models.CharField(
        _("relationship to the principal"),
        max_length=12,
        choices=Relationship.choices,
        default=Relationship.SELF,
    )
    given_name = EncryptedTextField(_("given name(s)"), blank=True, default="")
    family_name = EncryptedTextField(_("family name"), blank=True, default="")
    other_names = EncryptedTextField(_("other names or spellings"), blank=True, default="")
    # ISO date (YYYY-MM-DD), encrypted: the date of birth identifies; the age does less.
    date_of_birth = EncryptedTextField(_("date of birth"), blank=True, default="")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    id_type = models.CharField(
        _("ID document type"), max_length=12, choices=IdType.choices, blank=True
    )
    id_number = EncryptedTextField(_("ID document number"), blank=True, default="")
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    age_band = models.CharField(
        _("age band"), max_length=5, choices=AgeBand.choices, blank=True, default=""
    )
    disability = models.BooleanField(_("person with disability"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-is_principal", "id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(is_principal=True),
                name="caseperson_one_principal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk}"

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.family_name) if p).strip()


class CaseDocument(models.Model):
    """A photo or document of a case. The file's content and its original name are encrypted;
    the stored file is named by a random identifier (see tutela.cases.files)."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        ID_DOCUMENT = "id", _("Identity document")
        CONSENT_FORM = "consent", _("Signed consent form")
        OTHER = "other", _("Other document")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    person = models.ForeignKey(
        CasePerson, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    filename = EncryptedTextField(_("file name"))
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(default=0)
    # A FileField (not a plain name) so that the sweep of files no record refers to, key
    # rotation and backups know the file; written only through tutela.cases.files.
    storage_name = models.FileField(max_length=200, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["case", "-created_at"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")

    def __str__(self) -> str:
        return f"{self.case_id}/doc{self.pk}"


class CaseSearchToken(models.Model):
    """A blind index entry: a keyed digest of one normalised name token, its sound key, a phone
    number or an ID number (see tutela.cases.blind_index). Searching never decrypts cases."""

    class Kind(models.TextChoices):
        NAME = "name", _("name")
        SOUND = "sound", _("name sound")
        PHONE = "phone", _("phone")
        ID = "id", _("ID number")

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="search_tokens")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    digest = models.CharField(max_length=32)
    # Which field key derived the digest (search tries every key, so rotation needs no reindex).
    key_id = models.CharField(max_length=8)

    class Meta:
        ordering = ["case", "kind"]
        verbose_name = _("search token")
        verbose_name_plural = _("search tokens")
        indexes = [
            models.Index(
                fields=["organisation", "operation", "kind", "digest"], name="casetoken_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"
