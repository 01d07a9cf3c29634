"""The rows of an FTS flows export (see fts_import for the run and what is counted): its fields
with FTS's names, labels and HXL hashtags, amounts written the ways people write them, and the
check of one row at a time against the operation's projects and organisations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutela.core.counts import MAX_AMOUNT, max_amount_text
from tutela.core.imports.problems import ERROR, WARNING, Problem, row_problem
from tutela.core.imports.values import ParseError, is_blank, parse_date, text
from tutela.core.models import Operation
from tutela.core.pcodes import name_key
from tutela.planning.models import FundingFlow, Project


@dataclass(frozen=True)
class FtsField:
    # FTS's own key (the flows API and the HDX files use it as the column name).
    name: str
    label: Promise
    hxl: str = ""
    synonyms: tuple[str, ...] = field(default=())


FTS_FIELDS = (
    FtsField(
        "id",
        gettext_lazy("FTS flow id"),
        "#activity+id+fts_internal",
        ("flow id", "flowid", "fts id", "flow"),
    ),
    FtsField(
        "amountUSD",
        gettext_lazy("Amount (USD)"),
        "#value+funding+total+usd",
        ("amount usd", "amount us", "amount in usd", "usd", "amount"),
    ),
    FtsField("budgetYear", gettext_lazy("Budget year"), "#date+year+budget", ("budget year",)),
    FtsField(
        "description", gettext_lazy("Description"), "#description+notes", ("flow description",)
    ),
    # No hashtag: HDX tags the contribution type and the flow type alike.
    FtsField("flowType", gettext_lazy("Flow type"), "", ("flow type",)),
    FtsField("originalAmount", gettext_lazy("Original amount"), "#value+funding+total"),
    FtsField(
        "originalCurrency",
        gettext_lazy("Original currency"),
        "#value+funding+total+currency",
        ("currency",),
    ),
    FtsField("method", gettext_lazy("Method"), "#financial+method"),
    FtsField(
        "status", gettext_lazy("Status"), "#status+text", ("flow status", "contribution status")
    ),
    FtsField("boundary", gettext_lazy("Boundary"), "#financial+direction", ("flow boundary",)),
    FtsField("onBoundary", gettext_lazy("On boundary"), "", ("on boundary",)),
    FtsField("decisionDate", gettext_lazy("Decision date"), "#date+decision", ("decision date",)),
    FtsField("date", gettext_lazy("Flow date"), "#date", ("flow date",)),
    FtsField(
        "srcOrganization",
        gettext_lazy("Source organisation"),
        "#org+name+funder",
        (
            "source organization",
            "source organisation",
            "source org",
            "donor",
            "source organizations",
        ),
    ),
    FtsField(
        "destOrganization",
        gettext_lazy("Destination organisation"),
        "#org+name+impl",
        (
            "destination organization",
            "destination organisation",
            "destination org",
            "recipient organization",
            "recipient",
        ),
    ),
    FtsField(
        "destOrganizationTypes",
        gettext_lazy("Destination organisation type"),
        "#org+type+impl+list",
        ("destination organization type", "destination organisation type"),
    ),
    FtsField(
        "destProjectCode",
        gettext_lazy("Destination project code"),
        "#activity+project+code+impl",
        ("destination project code", "project code"),
    ),
    FtsField(
        "destProject",
        gettext_lazy("Destination project"),
        "#activity+project+name+impl",
        ("destination project",),
    ),
    FtsField(
        "destPlan",
        gettext_lazy("Destination plan"),
        "#activity+appeal+name+impl",
        ("destination plan",),
    ),
    FtsField(
        "destPlanCode",
        gettext_lazy("Destination plan code"),
        "#activity+appeal+id+external+impl",
        ("destination plan code",),
    ),
    FtsField(
        "destPlanId",
        gettext_lazy("Destination plan id"),
        "#activity+appeal+id+fts_internal+impl",
        ("destination plan id",),
    ),
    FtsField(
        "destGlobalClusters",
        gettext_lazy("Destination global cluster"),
        "#sector+cluster+name+impl+list",
        ("destination global cluster", "destination global clusters", "global cluster"),
    ),
    FtsField(
        "destUsageYearStart",
        gettext_lazy("Destination usage year (start)"),
        "#date+year+start+impl",
        ("destination usage year start", "destination usage year", "usage year"),
    ),
    FtsField(
        "destUsageYearEnd",
        gettext_lazy("Destination usage year (end)"),
        "#date+year+end+impl",
        ("destination usage year end",),
    ),
    FtsField("parentFlowId", gettext_lazy("Parent flow"), "", ("parent flow id", "parent flow")),
)
FTS_BY_NAME = {f.name: f for f in FTS_FIELDS}
REQUIRED = ("id", "amountUSD", "srcOrganization")

STATUSES = {
    "pledge": FundingFlow.Status.PLEDGE,
    "pledged": FundingFlow.Status.PLEDGE,
    "commitment": FundingFlow.Status.COMMITMENT,
    "committed": FundingFlow.Status.COMMITMENT,
    "paid": FundingFlow.Status.PAID,
    "paid contribution": FundingFlow.Status.PAID,
}
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
_SEPARATORS = str.maketrans("", "", " \u00a0\u202f\u2009'’")
# An amount in its original currency: not added up, only shown; bounded by its column (18 digits
# with 2 decimals would take more, but no currency needs it). Amounts in US dollars, which the
# funding figures add up, are bounded by tutela.core.counts.MAX_AMOUNT.
MAX_ORIGINAL_AMOUNT = Decimal("99999999999999.99")


def parse_money(value: Any, maximum: Decimal = MAX_ORIGINAL_AMOUNT) -> Decimal | None:
    """An amount as FTS and spreadsheets write it ("250000", 250000.0, "1,250,000.50",
    "1 250 000,50"); None when blank; ParseError when not a non-negative amount (code
    "too_large" above `maximum`)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ParseError("not_number")
    try:
        if isinstance(value, int | float):
            amount = Decimal(str(value))
        else:
            raw = str(value).strip().translate(_SEPARATORS).removeprefix("$")
            if _GROUPED.match(raw):
                raw = raw.replace(",", "")
            elif _DECIMAL_COMMA.match(raw):
                raw = raw.replace(",", ".")
            amount = Decimal(raw)
    except InvalidOperation:
        raise ParseError("not_number") from None
    if not amount.is_finite():
        raise ParseError("not_number")
    if amount < 0:
        raise ParseError("negative")
    if amount > maximum:
        raise ParseError("too_large")
    return amount.quantize(Decimal("0.01"))


def _year(value: Any) -> int | None:
    if is_blank(value):
        return None
    raw = text(value)[:4]
    return int(raw) if raw.isdigit() else None


@dataclass
class FlowRow:
    row: int
    fts_id: str
    amount_usd: Decimal
    status: str
    donor: str
    destination: str
    project_code: str
    project_id: int | None
    organisation_id: int | None
    description: str
    decision_date: Any
    original_amount: Decimal | None
    original_currency: str

    def values(self) -> tuple[Any, ...]:
        return (
            self.amount_usd,
            self.status,
            name_key(self.donor),
            self.project_id,
            self.organisation_id,
            self.description,
            self.decision_date,
            self.original_amount,
            self.original_currency,
            self.destination,
            self.project_code,
        )


def flow_values(flow: FundingFlow) -> tuple[Any, ...]:
    return (
        flow.amount_usd,
        flow.status,
        flow.donor.name_key,
        flow.project_id,
        flow.organisation_id,
        flow.description,
        flow.decision_date,
        flow.original_amount,
        flow.original_currency,
        flow.fts_destination,
        flow.fts_project_code,
    )


class FlowChecker:
    """Checks one row at a time against the operation's projects and organisations."""

    def __init__(self, operation: Operation, year: int, columns: Mapping[str, str]) -> None:
        self.year = year
        self.columns = columns
        self.problems: list[Problem] = []
        self.row = 0
        self.skipped = 0
        self.projects = {
            code.lower(): (pk, org_id)
            for pk, code, org_id in Project.objects.filter(operation=operation).values_list(
                "pk", "code", "organisation_id"
            )
        }
        self.organisations: dict[str, int] = {}
        for pk, acronym, name in operation.organisations.values_list("pk", "acronym", "name"):
            for key in (name_key(name), name_key(acronym)):
                if key:
                    self.organisations.setdefault(key, pk)

    def add(
        self,
        name: str,
        code: str,
        message: str,
        /,
        *,
        value: Any = "",
        severity: str = ERROR,
        **params: Any,
    ) -> None:
        label = str(FTS_BY_NAME[name].label) if name else ""
        self.problems.append(
            row_problem(
                row=self.row,
                field=name,
                column=(self.columns.get(name) or label) if name else "",
                code=code,
                message=message,
                value=value,
                severity=severity,
                **params,
            )
        )

    def skip(self, code: str, message: str, **params: Any) -> None:
        self.skipped += 1
        self.add("", code, message, severity=WARNING, **params)

    def organisation(self, destination: str) -> int | None:
        key = name_key(destination)
        if key in self.organisations:
            return self.organisations[key]
        # "Association Malienne pour la Survie au Sahel (AMSS)".
        found = re.search(r"\(([^)]+)\)\s*$", destination)
        if found:
            return self.organisations.get(name_key(found.group(1)))
        return None

    def money(
        self, row: Mapping[str, Any], name: str, maximum: Decimal = MAX_ORIGINAL_AMOUNT
    ) -> Decimal | None:
        raw = row.get(name)
        try:
            return parse_money(raw, maximum)
        except ParseError as error:
            if error.code == "too_large":
                self.add(
                    name,
                    "too_large",
                    _(
                        "Row %(row)s, column “%(column)s”: %(value)s is more than %(max)s, "
                        "the largest amount Tutela accepts."
                    ),
                    value=raw,
                    max=(
                        max_amount_text()
                        if maximum == MAX_AMOUNT
                        else number_format(maximum, force_grouping=True)
                    ),
                )
                return None
            self.add(
                name,
                "not_amount",
                _("Row %(row)s, column “%(column)s”: “%(value)s” is not an amount of 0 or more."),
                value=raw,
            )
            return None

    def excluded(self, row: Mapping[str, Any], fts_id: str) -> bool:
        """Flows left out on purpose (see the module's rules), with a warning each."""
        flow_type = name_key(text(row.get("flowType")))
        if flow_type == "parked":
            self.skip(
                "parked",
                _(
                    "Row %(row)s: flow %(flow)s is a parked flow; its money is in its child "
                    "flows. Left out."
                ),
                flow=fts_id,
            )
            return True
        boundary = name_key(text(row.get("boundary")))
        if boundary == "outgoing":
            self.skip(
                "outgoing",
                _("Row %(row)s: flow %(flow)s leaves the country (outgoing). Left out."),
                flow=fts_id,
            )
            return True
        types = name_key(text(row.get("destOrganizationTypes")))
        destination = text(row.get("destOrganization"))
        if "pooled fund" in types or re.search(
            r"humanitarian fund|pooled fund|fonds humanitaire", destination, re.IGNORECASE
        ):
            self.skip(
                "to_pooled_fund",
                _(
                    "Row %(row)s: flow %(flow)s goes to a pooled fund (%(fund)s); it is counted "
                    "when the fund allocates it to partners. Left out."
                ),
                flow=fts_id,
                fund=destination,
            )
            return True
        start = _year(row.get("destUsageYearStart"))
        end = _year(row.get("destUsageYearEnd")) or start
        if start is not None and end is not None and not start <= self.year <= end:
            self.skip(
                "other_year",
                _("Row %(row)s: flow %(flow)s is for %(years)s, not %(year)s. Left out."),
                flow=fts_id,
                years=f"{start}" if start == end else f"{start}-{end}",
                year=self.year,
            )
            return True
        return False

    def check(self, number: int, row: Mapping[str, Any]) -> FlowRow | None:
        self.row = number
        before = len(self.problems)
        fts_id = text(row.get("id"))
        if not fts_id:
            self.add("id", "missing", _("Row %(row)s, column “%(column)s”: the value is missing."))
            return None
        if self.excluded(row, fts_id):
            return None
        amount = self.money(row, "amountUSD", MAX_AMOUNT)
        if amount is None and len(self.problems) == before:
            self.add(
                "amountUSD", "missing", _("Row %(row)s, column “%(column)s”: the value is missing.")
            )
        original = self.money(row, "originalAmount")
        donor = text(row.get("srcOrganization"))
        if not donor:
            self.add(
                "srcOrganization",
                "missing",
                _("Row %(row)s, column “%(column)s”: the value is missing."),
            )
        raw_status = text(row.get("status"))
        status = STATUSES.get(name_key(raw_status)) if raw_status else FundingFlow.Status.PAID
        if status is None:
            self.add(
                "status",
                "unknown_status",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an FTS status "
                    "(pledge, commitment, paid)."
                ),
                value=raw_status,
            )
        decision = None
        for name in ("decisionDate", "date"):
            try:
                decision = parse_date(row.get(name))
            except ParseError:
                self.add(
                    name,
                    "not_date",
                    _("Row %(row)s, column “%(column)s”: “%(value)s” is not a date."),
                    value=row.get(name),
                )
            if decision is not None:
                break
        if any(p.severity == ERROR for p in self.problems[before:]):
            return None
        assert amount is not None
        assert status is not None
        destination = text(row.get("destOrganization"))
        code = text(row.get("destProjectCode"))
        project = self.projects.get(code.lower()) if code else None
        organisation_id = project[1] if project else self.organisation(destination)
        if code and project is None:
            self.add(
                "destProjectCode",
                "unknown_project",
                _(
                    "Row %(row)s, column “%(column)s”: no project of the operation has the code "
                    "“%(value)s”; the flow counts for its organisation only."
                ),
                value=code,
                severity=WARNING,
            )
        if organisation_id is None:
            self.add(
                "destOrganization",
                "unknown_organisation",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an organisation of "
                    "the operation; the flow counts in the total only."
                ),
                value=destination,
                severity=WARNING,
            )
        if name_key(text(row.get("onBoundary"))) == "shared":
            self.add(
                "onBoundary",
                "shared",
                _(
                    "Row %(row)s: FTS shares flow %(flow)s across several years or places; its "
                    "whole amount is counted here, as FTS shows it."
                ),
                flow=fts_id,
                severity=WARNING,
            )
        return FlowRow(
            row=number,
            fts_id=fts_id,
            amount_usd=amount,
            status=status,
            donor=donor[:300],
            destination=destination[:300],
            project_code=code[:60],
            project_id=project[0] if project else None,
            organisation_id=organisation_id,
            description=text(row.get("description")),
            decision_date=decision,
            original_amount=original,
            original_currency=text(row.get("originalCurrency"))[:3].upper(),
        )


def field_label(name: str) -> str:
    return str(FTS_BY_NAME[name].label)
