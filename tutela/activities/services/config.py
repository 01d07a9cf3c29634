"""5W configuration of an operation, changed by its managers: the activity catalogue (activities
and their indicators), population groups and the 5W settings. Every change is audited."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from tutela.activities.models import Activity, ActivityReport, ActivitySettings, Indicator
from tutela.activities.services.summaries import Slices, summaries_apply
from tutela.core import access
from tutela.core.models import AdminArea, AuditEntry, Body, Operation, PopulationGroup, User
from tutela.core.models.reference import localised_names_set
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

ACTIVITY_FIELDS = frozenset(
    {
        "body",
        "code",
        "name_en",
        "name_fr",
        "name_es",
        "description",
        "by_sex_age",
        "by_disability",
        "modalities",
        "is_sensitive",
        "is_active",
    }
)
INDICATOR_FIELDS = frozenset({"code", "name_en", "name_fr", "name_es", "unit"})
POPULATION_GROUP_FIELDS = frozenset({"code", "name_en", "name_fr", "name_es", "hxl_attribute"})
# Names are required in the operation's own languages only (core.models.reference).
NAME_FIELDS = ("name_en", "name_fr", "name_es")


def _clean_code(value: str) -> str:
    return (value or "").strip().upper()


def _check_body(operation: Operation, body: Body | None) -> None:
    if body is None or body.operation_id != operation.pk:
        raise ValidationError({"body": _("Choose a cluster or AoR of this operation.")})


def _check_modalities(modalities: Sequence[str]) -> list[str]:
    allowed = set(ActivityReport.Modality.values)
    unknown = [m for m in modalities if m not in allowed]
    if unknown:
        raise ValidationError(
            {"modalities": _("Unknown modality: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    # Stored in the order of the choices, whatever order they came in.
    return [m for m in ActivityReport.Modality.values if m in set(modalities)]


def _check_activity_code(activity: Activity) -> None:
    clash = Activity.objects.filter(operation_id=activity.operation_id, code__iexact=activity.code)
    if activity.pk is not None:
        clash = clash.exclude(pk=activity.pk)
    if activity.code and clash.exists():
        raise ValidationError({"code": _("Another activity of the operation has this code.")})


# --- activities and indicators -------------------------------------------------------------------


def _save_indicators(*, by: User, activity: Activity, indicators: Iterable[dict[str, Any]]) -> None:
    """Apply indicator lines: {"id": pk or None, "delete": bool, code, names, unit}."""
    operation = activity.operation
    existing = {i.pk: i for i in activity.indicators.all()}
    seen_codes: set[str] = set()
    for position, line in enumerate(indicators, start=1):
        pk = line.get("id")
        indicator = existing.get(pk) if pk else None
        if pk and indicator is None:
            raise ValidationError(_("Unknown indicator."))
        if line.get("delete"):
            if indicator is not None:
                _indicator_delete(by=by, indicator=indicator)
            continue
        values = {k: v for k, v in line.items() if k in INDICATOR_FIELDS}
        values["code"] = _clean_code(values.get("code", ""))
        names = {k: (values.pop(k, "") or "").strip() for k in NAME_FIELDS}
        if values["code"] in seen_codes:
            raise ValidationError(
                _("Indicator line %(line)d: the code %(code)s is used twice.")
                % {"line": position, "code": values["code"]}
            )
        seen_codes.add(values["code"])
        if indicator is None:
            indicator = Indicator(activity=activity, **values)
            _indicator_names_set(indicator, operation, names, position, created=True)
            _full_clean_indicator(indicator, position)
            indicator.save()
            audit_create(actor=by, instance=indicator, operation=operation)
        else:
            before = snapshot(indicator)
            for key, value in values.items():
                setattr(indicator, key, value)
            _indicator_names_set(indicator, operation, names, position, created=False)
            _full_clean_indicator(indicator, position)
            indicator.save()
            audit_update(actor=by, instance=indicator, operation=operation, before=before)


def _names(name_en: str, name_fr: str, name_es: str) -> dict[str, str]:
    return {
        "name_en": (name_en or "").strip(),
        "name_fr": (name_fr or "").strip(),
        "name_es": (name_es or "").strip(),
    }


def _indicator_names_set(
    indicator: Indicator,
    operation: Operation,
    names: dict[str, str],
    position: int,
    *,
    created: bool,
) -> None:
    """The indicator's names, required in the operation's languages only, its line named in
    the message."""
    try:
        localised_names_set(indicator, operation, names, created=created)
    except ValidationError as error:
        raise ValidationError(
            _("Indicator line %(line)d: %(errors)s")
            % {"line": position, "errors": "; ".join(error.messages)}
        ) from None


def _full_clean_indicator(indicator: Indicator, position: int) -> None:
    # Codes are checked across lines above; checked again here only against indicators kept.
    try:
        indicator.full_clean(validate_unique=False)
    except ValidationError as error:
        messages = [
            f"{field}: {message}"
            for field, items in error.message_dict.items()
            for message in items
        ]
        raise ValidationError(
            _("Indicator line %(line)d: %(errors)s")
            % {"line": position, "errors": "; ".join(messages)}
        ) from None


def _indicator_delete(*, by: User, indicator: Indicator) -> None:
    operation = indicator.activity.operation
    before = snapshot(indicator)
    pk = indicator.pk
    try:
        with transaction.atomic():
            indicator.delete()
    except ProtectedError:
        raise ValidationError(
            _("Indicator %(code)s has reported rows: deactivate the activity instead.")
            % {"code": indicator.code}
        ) from None
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        operation=operation,
        entity_type="activities.indicator",
        entity_id=str(pk),
        summary=str(indicator),
        before=before,
    )


@transaction.atomic
def activity_create(
    *,
    by: User,
    operation: Operation,
    body: Body,
    code: str,
    name_en: str,
    name_fr: str,
    name_es: str = "",
    description: str = "",
    by_sex_age: bool = True,
    by_disability: bool = True,
    modalities: Sequence[str] = (),
    is_sensitive: bool = False,
    is_active: bool = True,
    indicators: Iterable[dict[str, Any]] = (),
    request: Any = None,
) -> Activity:
    access.require_manager(by, operation)
    _check_body(operation, body)
    activity = Activity(
        operation=operation,
        body=body,
        code=_clean_code(code),
        description=(description or "").strip(),
        by_sex_age=by_sex_age,
        by_disability=by_disability,
        modalities=_check_modalities(modalities),
        is_sensitive=is_sensitive,
        is_active=is_active,
    )
    localised_names_set(activity, operation, _names(name_en, name_fr, name_es), created=True)
    _check_activity_code(activity)
    activity.full_clean()
    activity.save()
    audit_create(actor=by, instance=activity, operation=operation, request=request)
    _save_indicators(by=by, activity=activity, indicators=indicators)
    return activity


@transaction.atomic
def activity_update(
    *,
    by: User,
    activity: Activity,
    indicators: Iterable[dict[str, Any]] = (),
    request: Any = None,
    **fields: Any,
) -> Activity:
    """Change an activity (any of ACTIVITY_FIELDS) and apply indicator lines."""
    operation = activity.operation
    access.require_manager(by, operation)
    unknown = set(fields) - ACTIVITY_FIELDS
    if unknown:
        raise TypeError(f"activity_update() got unknown field(s): {sorted(unknown)}")
    before = snapshot(activity)
    if "body" in fields:
        _check_body(operation, fields["body"])
    if "code" in fields:
        fields["code"] = _clean_code(fields["code"])
    if "modalities" in fields:
        fields["modalities"] = _check_modalities(fields["modalities"])
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    names = {k: (fields.pop(k) or "").strip() for k in NAME_FIELDS if k in fields}
    for key, value in fields.items():
        setattr(activity, key, value)
    localised_names_set(activity, operation, names, created=False)
    _check_activity_code(activity)
    activity.full_clean()
    activity.save()
    if {"is_sensitive", "body"} & set(fields):
        # The activity's rows are counted as sensitive or not, under their cluster/AoR.
        summaries_apply(
            operation=operation,
            slices=Slices(sensitivity_changed="is_sensitive" in fields).add_rows(
                ActivityReport.objects.filter(activity=activity)
            ),
        )
    audit_update(actor=by, instance=activity, operation=operation, before=before, request=request)
    _save_indicators(by=by, activity=activity, indicators=indicators)
    return activity


# --- population groups ---------------------------------------------------------------------------


def _check_group_code(group: PopulationGroup) -> None:
    clash = PopulationGroup.objects.filter(operation_id=group.operation_id, code__iexact=group.code)
    if group.pk is not None:
        clash = clash.exclude(pk=group.pk)
    if group.code and clash.exists():
        raise ValidationError({"code": _("Another population group has this code.")})


@transaction.atomic
def population_group_create(
    *,
    by: User,
    operation: Operation,
    code: str,
    name_en: str,
    name_fr: str,
    name_es: str = "",
    hxl_attribute: str = "",
    request: Any = None,
) -> PopulationGroup:
    access.require_manager(by, operation)
    group = PopulationGroup(
        operation=operation,
        code=_clean_code(code),
        hxl_attribute=(hxl_attribute or "").strip(),
    )
    localised_names_set(group, operation, _names(name_en, name_fr, name_es), created=True)
    _check_group_code(group)
    group.full_clean()
    group.save()
    audit_create(actor=by, instance=group, operation=operation, request=request)
    return group


@transaction.atomic
def population_group_update(
    *, by: User, group: PopulationGroup, request: Any = None, **fields: Any
) -> PopulationGroup:
    operation = group.operation
    access.require_manager(by, operation)
    unknown = set(fields) - POPULATION_GROUP_FIELDS
    if unknown:
        raise TypeError(f"population_group_update() got unknown field(s): {sorted(unknown)}")
    before = snapshot(group)
    names = {k: (fields.pop(k) or "").strip() for k in NAME_FIELDS if k in fields}
    for key, value in fields.items():
        value = (value or "").strip()
        setattr(group, key, value.upper() if key == "code" else value)
    localised_names_set(group, operation, names, created=False)
    _check_group_code(group)
    group.full_clean()
    group.save()
    audit_update(actor=by, instance=group, operation=operation, before=before, request=request)
    return group


# --- settings ------------------------------------------------------------------------------------


def settings_for(operation: Operation) -> ActivitySettings:
    found = ActivitySettings.objects.filter(operation=operation).first()
    return found if found is not None else ActivitySettings(operation=operation)


def areas_from_pcodes(operation: Operation, pcodes: Iterable[str]) -> list[AdminArea]:
    """Admin areas of the operation's countries, by P-code; unknown codes are a ValidationError."""
    wanted = [p.strip().upper() for p in pcodes if p and p.strip()]
    countries = list(operation.countries.values_list("pcode", flat=True))
    found = {
        a.pcode: a for a in AdminArea.objects.filter(pcode__in=wanted, country_pcode__in=countries)
    }
    missing = [p for p in dict.fromkeys(wanted) if p not in found]
    if missing:
        raise ValidationError(
            {
                "sensitive_areas": _("Unknown P-code in this operation: %(codes)s.")
                % {"codes": ", ".join(missing)}
            }
        )
    return [found[p] for p in dict.fromkeys(wanted)]


@transaction.atomic
def settings_update(
    *,
    by: User,
    operation: Operation,
    cumulative_rule: str,
    outlier_factor: int,
    sensitive_area_pcodes: Iterable[str] = (),
    rounds_open_days_before_end: int | None = None,
    rounds_deadline_day: int = 10,
    request: Any = None,
) -> ActivitySettings:
    """`rounds_open_days_before_end`: the scheduler opens each month's round this many days
    before the month ends (None: managers open rounds themselves)."""
    access.require_manager(by, operation)
    current, created = ActivitySettings.objects.get_or_create(operation=operation)
    before = snapshot(current)
    current.cumulative_rule = cumulative_rule
    current.outlier_factor = outlier_factor
    current.rounds_open_days_before_end = rounds_open_days_before_end
    current.rounds_deadline_day = rounds_deadline_day
    if outlier_factor is not None and outlier_factor < 2:
        raise ValidationError({"outlier_factor": _("Use a factor of 2 or more.")})
    areas = areas_from_pcodes(operation, sensitive_area_pcodes)
    current.full_clean()
    current.save()
    current.sensitive_areas.set(areas)
    # The counting rule and the areas where names are hidden change what counts everywhere.
    summaries_apply(operation=operation, slices=None)
    audit_update(actor=by, instance=current, operation=operation, before=before, request=request)
    return current
