"""Monitoring settings of an operation, for its managers (coordinator, IMO): designated analysts,
duplicate window and early-warning parameters; organisations' GBV sharing agreements; area
populations (CSV upload, all or nothing); reference lists and typology mappings. Every write is
audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from tutela.core import access
from tutela.core.counts import max_count_text
from tutela.core.imports.matching import match_columns
from tutela.core.imports.problems import ImportFileError, Problem, display_value
from tutela.core.imports.readers import iter_records, read_table
from tutela.core.imports.values import ParseError, is_blank, parse_count, text
from tutela.core.models import AuditEntry, Operation, Organisation, ProtectionRisk, User
from tutela.core.models.reference import localised_names_set
from tutela.core.pcodes import GazetteerIndex, name_key
from tutela.core.selectors import country_pcodes
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot
from tutela.monitoring.models import (
    AgeBand,
    AreaPopulation,
    MonitoringSettings,
    PerpetratorCategory,
    ReferralService,
    RiskMapping,
    SharingAgreement,
    Source,
    VerificationStatus,
    ViolationType,
)
from tutela.monitoring.services.atoms import atoms_refresh

# The reference lists a manager edits, by the name used in URLs.
REFERENCE_MODELS: dict[str, type[Model]] = {
    "risks": ProtectionRisk,
    "violations": ViolationType,
    "perpetrators": PerpetratorCategory,
    "age-bands": AgeBand,
    "sources": Source,
    "verification": VerificationStatus,
    "services": ReferralService,
}
# Fields a manager may set, besides code, names, order and the active flag.
REFERENCE_EXTRA = {
    "risks": ("number", "is_gbv"),
    "violations": ("risk", "family"),
    "perpetrators": (),
    "age-bands": ("min_age", "max_age"),
    "sources": (),
    "verification": ("is_verified",),
    "services": (),
}
REFERENCE_COMMON = ("code", "name_en", "name_fr", "name_es", "order", "is_active")


def _require_manager(by: User, operation: Operation) -> None:
    if not access.is_manager(by, operation):
        raise PermissionDenied


def _audit_saved(
    *,
    by: User,
    instance: Model,
    operation: Operation,
    before: dict[str, Any] | None,
    request: HttpRequest | None,
) -> None:
    """A create entry for a new row (`before` is None), an update entry with what changed
    otherwise."""
    if before is None:
        audit_create(actor=by, instance=instance, operation=operation, request=request)
    else:
        audit_update(
            actor=by, instance=instance, operation=operation, before=before, request=request
        )


def settings_for(operation: Operation) -> MonitoringSettings:
    found, _created = MonitoringSettings.objects.get_or_create(operation=operation)
    return found


def analyst_candidates(operation: Operation) -> list[User]:
    """The operation's users (any role in it): analysts are chosen among them."""
    return list(
        User.objects.filter(is_active=True, operation_roles__operation=operation)
        .distinct()
        .order_by("full_name", "email")
    )


@transaction.atomic
def monitoring_settings_update(
    *,
    operation: Operation,
    by: User,
    analysts: list[User],
    duplicate_window_days: int,
    baseline_months: int,
    min_count: int,
    significance: float,
    request: HttpRequest | None = None,
) -> MonitoringSettings:
    _require_manager(by, operation)
    allowed = {u.pk for u in analyst_candidates(operation)}
    outside = [u for u in analysts if u.pk not in allowed]
    if outside:
        raise ValidationError(
            {
                "analysts": _("Analysts must be users of this operation: %(names)s.")
                % {"names": ", ".join(u.email for u in outside)}
            }
        )
    if not 0 < significance < 1:
        raise ValidationError({"significance": _("The significance level is between 0 and 1.")})
    if not 1 <= baseline_months <= 36:
        raise ValidationError({"baseline_months": _("Between 1 and 36 months.")})
    if not 0 <= duplicate_window_days <= 60:
        raise ValidationError({"duplicate_window_days": _("Between 0 and 60 days.")})
    # A signal tells other organisations that an area, risk and month holds at least this many
    # incidents: never fewer than the small-count threshold.
    if min_count < operation.disclosure_threshold:
        raise ValidationError(
            {
                "min_count": _(
                    "At least the operation's small-count threshold (%(threshold)s): a signal "
                    "tells that many incidents happened."
                )
                % {"threshold": operation.disclosure_threshold}
            }
        )
    instance = settings_for(operation)
    before = snapshot(instance)
    instance.duplicate_window_days = duplicate_window_days
    instance.baseline_months = baseline_months
    instance.min_count = min_count
    instance.significance = significance
    instance.full_clean()
    instance.save()
    instance.analysts.set(analysts)
    audit_update(actor=by, instance=instance, operation=operation, before=before, request=request)
    return instance


@transaction.atomic
def sharing_agreement_save(
    *,
    operation: Operation,
    by: User,
    organisation: Organisation,
    shares_gbv_aggregates: bool,
    signed_on: Any = None,
    note: str = "",
    request: HttpRequest | None = None,
) -> SharingAgreement:
    """Record (or change) an organisation's consent to count its GBV incidents in aggregates."""
    _require_manager(by, operation)
    if not organisation.operations.filter(pk=operation.pk).exists():
        raise ValidationError({"organisation": _("This organisation is not in the operation.")})
    if shares_gbv_aggregates and signed_on is None:
        raise ValidationError({"signed_on": _("Give the date the written agreement was signed.")})
    agreement = SharingAgreement.objects.filter(
        operation=operation, organisation=organisation
    ).first()
    created = agreement is None
    if agreement is None:
        agreement = SharingAgreement(operation=operation, organisation=organisation)
    before = snapshot(agreement) if not created else None
    agreement.shares_gbv_aggregates = shares_gbv_aggregates
    agreement.signed_on = signed_on
    agreement.note = note
    agreement.recorded_by = by
    agreement.full_clean()
    agreement.save()
    # What the analysis counts changes with the agreement, from now on.
    atoms_refresh(operation.pk)
    _audit_saved(by=by, instance=agreement, operation=operation, before=before, request=request)
    return agreement


@transaction.atomic
def reference_item_save(
    *,
    operation: Operation,
    by: User,
    kind: str,
    data: dict[str, Any],
    instance: Any = None,
    request: HttpRequest | None = None,
) -> Any:
    """Create or edit one item of a reference list (names FR/EN, active flag, order...).
    Codes stay stable once used: renaming a code of an item in use is refused."""
    _require_manager(by, operation)
    model = REFERENCE_MODELS[kind]
    allowed = set(REFERENCE_COMMON) | set(REFERENCE_EXTRA[kind])
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"unexpected fields {sorted(unknown)}")
    if (
        kind == "violations"
        and data.get("risk") is not None
        and data["risk"].operation_id != operation.pk
    ):
        raise ValidationError({"risk": _("Choose a risk of this operation.")})
    created = instance is None
    if instance is None:
        instance = model(operation=operation)
    elif instance.operation_id != operation.pk:
        raise PermissionDenied
    before = snapshot(instance) if not created else None
    localised_names_set(instance, operation, data, created=created)
    instance.full_clean()
    instance.save()
    if kind == "verification":
        # Which incidents count as verified may have changed.
        atoms_refresh(operation.pk)
    _audit_saved(by=by, instance=instance, operation=operation, before=before, request=request)
    return instance


@transaction.atomic
def risk_mapping_save(
    *,
    operation: Operation,
    by: User,
    typology: str,
    label: str,
    risk: ProtectionRisk,
    violation: ViolationType | None = None,
    instance: RiskMapping | None = None,
    request: HttpRequest | None = None,
) -> RiskMapping:
    _require_manager(by, operation)
    if risk.operation_id != operation.pk:
        raise ValidationError({"risk": _("Choose a risk of this operation.")})
    if violation is not None and violation.risk_id != risk.pk:
        raise ValidationError({"violation": _("This violation type belongs to another risk.")})
    created = instance is None
    if instance is None:
        instance = RiskMapping(operation=operation)
    elif instance.operation_id != operation.pk:
        raise PermissionDenied
    before = snapshot(instance) if not created else None
    instance.typology = typology.strip()
    instance.label = label.strip()
    instance.risk = risk
    instance.violation = violation
    instance.label_key = name_key(instance.label)
    instance.full_clean(exclude=["label_key"])
    clash = RiskMapping.objects.filter(
        operation=operation, typology=instance.typology, label_key=instance.label_key
    ).exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({"label": _("This label is already mapped in this typology.")})
    instance.save()
    _audit_saved(by=by, instance=instance, operation=operation, before=before, request=request)
    return instance


@transaction.atomic
def risk_mapping_delete(
    *, mapping: RiskMapping, by: User, request: HttpRequest | None = None
) -> None:
    _require_manager(by, mapping.operation)
    before = snapshot(mapping)
    audit_write(
        actor=by,
        action=AuditEntry.Action.DELETE,
        instance=mapping,
        operation=mapping.operation,
        before=before,
        request=request,
    )
    mapping.delete()


# --- area populations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationField:
    name: str
    label: str
    hxl: str
    synonyms: tuple[str, ...] = ()


POPULATION_FIELDS = (
    PopulationField("pcode", "P-code", "#adm1+code", ("pcode", "p code", "admin pcode", "code")),
    PopulationField(
        "population", "Population", "#population", ("population", "pop", "total population")
    ),
    PopulationField("year", "Year", "#date+year", ("year", "annee", "année")),
    PopulationField("source", "Source", "#meta+source", ("source",)),
)
REQUIRED_POPULATION = ("pcode", "population", "year")


@dataclass
class PopulationImportResult:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    rows: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(p.is_error for p in self.problems)


def _problem(
    row: int | None, column: str, name: str, code: str, message: str, value: Any = ""
) -> Problem:
    return Problem(
        row=row, column=column, field=name, code=code, message=message, value=display_value(value)
    )


def area_populations_import(
    *,
    operation: Operation,
    by: User,
    source: Any,
    file_name: str = "",
    dry_run: bool = False,
    request: HttpRequest | None = None,
) -> PopulationImportResult:
    """Area populations from a CSV (or spreadsheet) with pcode, population, year, source: every
    problem by row, then all rows or none. A row for an area and year already known replaces
    it."""
    _require_manager(by, operation)
    result = PopulationImportResult(dry_run=dry_run)
    try:
        table = read_table(source, file_name=file_name)
    except ImportFileError as error:
        result.problems.append(error.as_problem())
        return result
    match = match_columns(table.headers, table.hxl_tags, targets=POPULATION_FIELDS)
    missing = match.missing(REQUIRED_POPULATION)
    if missing:
        result.problems.append(
            _problem(
                None,
                "",
                "",
                "missing_columns",
                _("Columns missing: %(names)s (expected pcode, population, year, source).")
                % {"names": ", ".join(missing)},
            )
        )
        return result
    headers = match.field_headers()
    gazetteer = GazetteerIndex.for_countries(country_pcodes(operation))
    rows: dict[tuple[int, int], tuple[int, str, int]] = {}
    for number, record in iter_records(table, match.columns):
        result.rows += 1
        raw_pcode = record.get("pcode")
        area = gazetteer.by_pcode(text(raw_pcode)) if not is_blank(raw_pcode) else None
        if area is None:
            result.problems.append(
                _problem(
                    number,
                    headers["pcode"],
                    "pcode",
                    "unknown_pcode",
                    _("Row %(row)s: “%(value)s” is not a P-code of this operation's countries.")
                    % {"row": number, "value": display_value(text(raw_pcode))},
                    raw_pcode,
                )
            )
        values: dict[str, int | None] = {}
        for name in ("population", "year"):
            try:
                values[name] = parse_count(record.get(name))
            except ParseError as error:
                values[name] = None
                if error.code == "too_large":
                    result.problems.append(
                        _problem(
                            number,
                            headers[name],
                            name,
                            "too_large",
                            _("Row %(row)s, column “%(column)s”: at most %(max)s.")
                            % {"row": number, "column": headers[name], "max": max_count_text()},
                            record.get(name),
                        )
                    )
                    continue
            if values[name] is None:
                result.problems.append(
                    _problem(
                        number,
                        headers[name],
                        name,
                        "not_number",
                        _("Row %(row)s, column “%(column)s”: a whole number is needed.")
                        % {"row": number, "column": headers[name]},
                        record.get(name),
                    )
                )
        year = values["year"]
        if year is not None and not 1950 <= year <= 2100:
            result.problems.append(
                _problem(
                    number,
                    headers["year"],
                    "year",
                    "bad_year",
                    _("Row %(row)s: %(value)s is not a plausible year.")
                    % {"row": number, "value": year},
                    year,
                )
            )
            year = None
        population = values["population"]
        if area is not None and year is not None and population is not None:
            key = (area.id, year)
            if key in rows:
                result.problems.append(
                    _problem(
                        number,
                        headers["pcode"],
                        "pcode",
                        "duplicate",
                        _("Row %(row)s repeats the area and year of row %(other)s.")
                        % {"row": number, "other": rows[key][2]},
                        raw_pcode,
                    )
                )
            else:
                rows[key] = (population, text(record.get("source"))[:300], number)
    if not result.rows:
        result.problems.append(
            _problem(None, "", "", "empty", _("The file has no rows of figures."))
        )
    if not result.ok or dry_run:
        return result
    with transaction.atomic():
        existing = {
            (p.area_id, p.year): p
            for p in AreaPopulation.objects.filter(operation=operation).select_for_update()
        }
        new, changed = [], []
        for (area_id, year), (population, src, _row) in rows.items():
            found = existing.get((area_id, year))
            if found is None:
                new.append(
                    AreaPopulation(
                        operation=operation,
                        area_id=area_id,
                        year=year,
                        population=population,
                        source=src,
                    )
                )
            else:
                found.population, found.source = population, src
                found.updated_at = timezone.now()
                changed.append(found)
        AreaPopulation.objects.bulk_create(new)
        AreaPopulation.objects.bulk_update(changed, ["population", "source", "updated_at"])
        result.created, result.updated = len(new), len(changed)
        audit_write(
            actor=by,
            action=AuditEntry.Action.CREATE,
            operation=operation,
            entity_type="monitoring.areapopulation",
            entity_id="",
            summary=f"Area populations imported from {file_name or 'a file'}: "
            f"{result.created} new, {result.updated} updated",
            after={"created": result.created, "updated": result.updated, "file": file_name},
            request=request,
        )
    return result
