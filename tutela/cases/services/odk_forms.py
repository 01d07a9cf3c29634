"""The operation's ODK key pair and its case registration and follow-up XLSForms.

The forms are for KoboToolbox and ODK Collect: the settings sheet carries the operation's public
key, so that Collect encrypts each finalised submission on the phone; only Tutela, with the
private key, can read it (tutela.cases.services.odk_import). Labels are in the operation's
languages (through the gettext catalogues); the question names are what the importer reads.

    content = xlsform_cases(operation, "registration")   # xlsx bytes
    xlsform_convert(content)                              # the XForm XML, through pyxform
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from openpyxl import Workbook

from tutela.cases import access, odk_crypto
from tutela.cases.models import Case, CasePerson, OdkKey
from tutela.core.models import AdminArea, AuditEntry, Operation, User
from tutela.core.services.audit import audit_write
from tutela.core.spreadsheets import xlsx_row

FORMS = ("registration", "follow_up")
LANGUAGE_NAMES = {"en": "English (en)", "fr": "Français (fr)", "es": "Español (es)"}


def form_id(operation: Operation, kind: str) -> str:
    return f"tutela_{kind}_{operation.slug}".replace("-", "_")


# --- The key pair ---------------------------------------------------------------------------------


def odk_key_get_or_create(*, operation: Operation, by: User | None = None) -> OdkKey:
    """The operation's active key pair, made on first use (the creation is audited)."""
    key = OdkKey.objects.filter(operation=operation, retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _key_create(operation, by)
    except IntegrityError:  # made at the same moment by another request: that one is the key
        return OdkKey.objects.get(operation=operation, retired_at__isnull=True)
    audit_write(
        actor=by,
        action=AuditEntry.Action.SECURITY,
        instance=key,
        operation=operation,
        summary="ODK submission encryption key pair generated",
        after={"public_key": key.public_key[-16:]},
    )
    return key


def _key_create(operation: Operation, by: User | None) -> OdkKey:
    private = odk_crypto.generate_private_key()
    return OdkKey.objects.create(
        operation=operation,
        private_key=private,
        public_key=odk_crypto.public_key_base64(private),
        created_by=by,
    )


def odk_keys_for_import(operation: Operation) -> list[OdkKey]:
    """Every key of the operation, the active one first, then the retired ones newest first: a
    phone may still send submissions of a form made before a rotation."""
    odk_key_get_or_create(operation=operation)
    return sorted(
        OdkKey.objects.filter(operation=operation),
        key=lambda k: (k.retired_at is not None, -(k.pk or 0)),
    )


@transaction.atomic
def odk_key_rotate(*, operation: Operation, by: User) -> OdkKey:
    """Retire the operation's active key and make a new one (audited): the forms made from now on
    carry the new public key; the retired private key is kept (encrypted at rest) so that the
    submissions of the forms made before still import. Tell the form managers to replace the
    forms on the server and the phones."""
    access.require_form_manager(by, operation)
    now = timezone.now()
    current = (
        OdkKey.objects.select_for_update()
        .filter(operation=operation, retired_at__isnull=True)
        .first()
    )
    if current is not None:
        current.retired_at = now
        current.retired_by = by
        current.save(update_fields=["retired_at", "retired_by"])
    key = _key_create(operation, by)
    audit_write(
        actor=by,
        action=AuditEntry.Action.SECURITY,
        instance=key,
        operation=operation,
        summary="ODK submission encryption key rotated",
        before={"key": current.pk, "public_key": current.public_key[-16:]} if current else None,
        after={"key": key.pk, "public_key": key.public_key[-16:]},
    )
    return key


# --- The XLSForms ---------------------------------------------------------------------------------


class _Sheet:
    def __init__(self, languages: list[str]) -> None:
        self.languages = languages
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []

    def labels(self, text: Any, column: str = "label") -> dict[str, str]:
        result = {}
        for code in self.languages:
            with override(code):
                result[f"{column}::{LANGUAGE_NAMES.get(code, f'{code} ({code})')}"] = str(text)
        return result

    def q(self, type_: str, name: str, label: Any, **extra: Any) -> None:
        row: dict[str, Any] = {"type": type_, "name": name, **self.labels(label)}
        for key in ("hint", "constraint_message"):
            if key in extra:
                row.update(self.labels(extra.pop(key), key))
        row.update(extra)
        self.survey.append(row)

    def choice(self, list_name: str, name: str, label: Any, **extra: str) -> None:
        self.choices.append({"list_name": list_name, "name": name, **self.labels(label), **extra})

    def choice_list(self, list_name: str, items: Iterable[tuple[str, Any]]) -> None:
        for name, label in items:
            self.choice(list_name, name, label)

    def workbook(self, settings: dict[str, str]) -> bytes:
        workbook = Workbook()
        for index, (title, rows) in enumerate(
            (("survey", self.survey), ("choices", self.choices), ("settings", [settings]))
        ):
            sheet = workbook.active if index == 0 else workbook.create_sheet(title)
            assert sheet is not None
            sheet.title = title
            columns = list(dict.fromkeys(key for row in rows for key in row))
            sheet.append(xlsx_row(sheet, columns))
            for row in rows:
                sheet.append(xlsx_row(sheet, [row.get(column) or None for column in columns]))
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _yes_no(sheet: _Sheet) -> None:
    sheet.choice_list("yes_no", [("yes", _("Yes")), ("no", _("No"))])


def _person(sheet: _Sheet, prefix: str = "") -> None:
    """Names, sex and age of the person (or, with the prefix member_, of a household member)."""
    sheet.q("text", f"{prefix}given_name", _("Given name"), required="yes")
    sheet.q("text", f"{prefix}family_name", _("Family name"))
    sheet.q("select_one sex", f"{prefix}sex", _("Sex"), required="yes")
    sheet.q(
        "integer",
        f"{prefix}age",
        _("Age"),
        constraint=". >= 0 and . <= 120",
        constraint_message=_("The age must be between 0 and 120."),
    )


def _registration(sheet: _Sheet, operation: Operation) -> None:
    countries = list(operation.countries.values_list("country_pcode", flat=True))
    areas = AdminArea.objects.filter(country_pcode__in=countries, level__in=(1, 2)).order_by(
        "level", "name"
    )
    parents = dict(
        AdminArea.objects.filter(country_pcode__in=countries, level=1).values_list("id", "pcode")
    )
    for area in areas:
        extra = {"admin1": parents.get(area.parent_id or 0, "")} if area.level == 2 else {}
        sheet.choice(f"admin{area.level}", area.pcode, area.name, **extra)
    sheet.choice_list("sex", [("F", _("Female")), ("M", _("Male")), ("O", _("Other"))])
    sheet.choice_list("case_type", Case.Type.choices)
    sheet.choice_list("risk_level", Case.RiskLevel.choices)
    _yes_no(sheet)
    sheet.q(
        "select_one yes_no",
        "consent_services",
        _("Has the person agreed to be registered for case management?"),
        required="yes",
        constraint=". = 'yes'",
        constraint_message=_("Without the person's consent, do not register the case."),
    )
    sheet.q(
        "select_one yes_no",
        "consent_aggregate",
        _("May the case be counted in anonymous statistics?"),
        required="yes",
    )
    sheet.q("date", "registered_on", _("Registration date"), required="yes", default="today()")
    sheet.q("select_one admin1", "admin1_pcode", _("Area (admin 1)"), required="yes")
    sheet.q(
        "select_one admin2",
        "admin2_pcode",
        _("Area (admin 2)"),
        choice_filter="admin1=${admin1_pcode}",
    )
    _person(sheet)
    sheet.q("text", "phone", _("Phone"))
    _household(sheet)
    sheet.q("select_one case_type", "case_type", _("Type of case"), required="yes")
    sheet.q("select_one risk_level", "risk_level", _("Risk level"), required="yes")
    sheet.q("text", "summary", _("Summary"), hint=_("Only what the case needs; no other names."))


# The household members' questions (a repeat group): what the case holds for a member
# (CasePerson), less what the caseworker adds in Tutela (ID documents, date of birth, phone).
MEMBERS = "members"


def _household(sheet: _Sheet) -> None:
    sheet.choice_list(
        "relationship",
        [(v, label) for v, label in CasePerson.Relationship.choices if v != "self"],
    )
    sheet.q(
        "select_one yes_no",
        "household",
        _("Register the person's household with them?"),
        required="yes",
        default="no",
    )
    sheet.survey.append(
        {
            "type": "begin_repeat",
            "name": MEMBERS,
            **sheet.labels(_("Household member")),
            "relevant": "${household} = 'yes'",
        }
    )
    sheet.q(
        "select_one relationship",
        "member_relationship",
        _("Relationship to the person"),
        required="yes",
    )
    _person(sheet, "member_")
    sheet.q("select_one yes_no", "member_disability", _("Person with disability"))
    sheet.survey.append({"type": "end_repeat", "name": MEMBERS})


def _follow_up(sheet: _Sheet) -> None:
    sheet.choice_list("risk_level", Case.RiskLevel.choices)
    sheet.q(
        "text",
        "case_code",
        _("Case code"),
        required="yes",
        hint=_("The code Tutela gave the case, for example AMSS-2026-00012."),
    )
    sheet.q("date", "visited_on", _("Date of the follow-up"), required="yes", default="today()")
    sheet.q("select_one risk_level", "risk_level", _("Risk level now"))
    sheet.q("text", "note", _("Note"), required="yes")


def xlsform_cases(operation: Operation, kind: str, *, submission_url: str = "") -> bytes:
    """The XLSForm (xlsx bytes) of case registration or follow-up, encrypted with the operation's
    public key."""
    if kind not in FORMS:
        raise ValueError(kind)
    submission_url = submission_url.strip()
    if submission_url:
        try:
            URLValidator(schemes=["https"])(submission_url)
        except ValidationError:
            raise ValidationError(
                {"submission_url": _("Give the server's submission address, starting https://.")}
            ) from None
    # The active key only: a retired key is never in a new form (the database holds one active
    # key per operation; cases_odk_key_one_active).
    key = odk_key_get_or_create(operation=operation)
    languages = [code for code in (operation.languages or []) if code] or ["en", "fr"]
    sheet = _Sheet(languages)
    if kind == "registration":
        _registration(sheet, operation)
        title = _("Case registration")
    else:
        _follow_up(sheet)
        title = _("Case follow-up")
    default = operation.default_language or languages[0]
    with override(default):
        form_title = f"{title} – {operation.name}"
    settings = {
        "form_title": form_title,
        "form_id": form_id(operation, kind),
        # The key's number ends the version: the forms of a retired key can be told apart.
        "version": f"{timezone.now():%Y%m%d%H%M}-{key.version_suffix}",
        "default_language": LANGUAGE_NAMES.get(default, f"{default} ({default})"),
        "public_key": key.public_key,
    }
    if submission_url:
        settings["submission_url"] = submission_url
    return sheet.workbook(settings)


def xlsform_convert(content: bytes, warnings: list[str] | None = None) -> str:
    """The XForm XML of an XLSForm, as KoboToolbox would make it (pyxform). Raises its errors."""
    # pyxform is loaded only when a form is converted (the tests do; pages only write xlsx).
    from pyxform.xls2xform import convert

    result = convert(
        xlsform=io.BytesIO(content), warnings=warnings, validate=False, file_type=".xlsx"
    )
    return str(result.xform)
