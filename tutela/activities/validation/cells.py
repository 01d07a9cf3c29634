"""Checks of single cells: counts, organisation, activity, indicator, population group, month,
choices, dates, text and the implementing partner."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tutela.activities.models import ActivityReport, ReportingRound
from tutela.activities.validation.problems import CheckerBase, cache_key
from tutela.activities.validation.records import ActivityRef, IndicatorRef, OrganisationRef
from tutela.core.counts import max_count_text
from tutela.core.imports.problems import WARNING
from tutela.core.imports.values import (
    MAX_COUNT,
    ParseError,
    is_blank,
    parse_count,
    parse_date,
    parse_month,
    text,
)
from tutela.core.pcodes import name_key

TEXT_LIMITS = {"site": 200, "site_code": 60, "project_code": 60}


class CellChecks(CheckerBase):
    """Checks of single cells; each returns the resolved value or None (and records why)."""

    def parse_error(self, name: str, raw: Any, code: str) -> None:
        messages = {
            "not_number": _("Row %(row)s, column “%(column)s”: “%(value)s” is not a number."),
            "not_whole": _("Row %(row)s, column “%(column)s”: “%(value)s” is not a whole number."),
            "negative": _("Row %(row)s, column “%(column)s”: “%(value)s” is negative."),
            "too_large": _(
                "Row %(row)s, column “%(column)s”: “%(value)s” is too large (at most %(max)s)."
            ),
            "not_month": _(
                "Row %(row)s, column “%(column)s”: “%(value)s” is not a month (write it as "
                "2026-03, 03/2026 or March 2026)."
            ),
            "no_year": _(
                "Row %(row)s, column “%(column)s”: “%(value)s” has no year (write it as 2026-03)."
            ),
            "not_date": _(
                "Row %(row)s, column “%(column)s”: “%(value)s” is not a date (write it as "
                "2026-03-15 or 15/03/2026)."
            ),
        }
        self.add(
            name, code, messages.get(code, messages["not_number"]), value=raw, max=max_count_text()
        )

    def count(self, row: Mapping[str, Any], name: str) -> int | None:
        raw: Any = row.get(name)
        # Fast paths: spreadsheets give floats, the grid strings.
        kind = type(raw)
        if kind is float:
            if raw.is_integer() and 0 <= raw <= MAX_COUNT:
                return int(raw)
        elif kind is int:
            if 0 <= raw <= MAX_COUNT:
                return int(raw)
        elif raw is None or raw == "":
            return None
        return self.memo("count", (name, cache_key(raw)), self._count, name, raw)

    def _count(self, name: str, raw: Any) -> int | None:
        try:
            return parse_count(raw)
        except ParseError as exc:
            self.parse_error(name, raw, exc.code)
            return None

    def organisation(self, raw: Any) -> OrganisationRef | None:
        c = self.c
        if is_blank(raw):
            if c.organisation is not None:
                return OrganisationRef(c.organisation.pk, c.organisation.acronym)
            if not c.is_manager and c.user_organisation_id:
                found = [o for o in c.organisations.values() if o.id == c.user_organisation_id]
                if found:
                    return found[0]
            self.add(
                "organisation",
                "required",
                _("Row %(row)s, column “%(column)s”: the reporting organisation is missing."),
            )
            return None
        value = text(raw)
        ref = c.organisations.get(value.lower()) or c.organisations.get("key:" + name_key(value))
        if ref is None:
            self.add(
                "organisation",
                "unknown_organisation",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an organisation of "
                    "this operation (give its acronym)."
                ),
                value=raw,
            )
            return None
        if c.organisation is not None and ref.id != c.organisation.pk:
            self.add(
                "organisation",
                "other_organisation",
                _(
                    "Row %(row)s, column “%(column)s”: this upload is for %(expected)s, not "
                    "“%(value)s”."
                ),
                value=raw,
                expected=c.organisation.acronym,
            )
            return None
        if c.writable is not None and ref.id not in c.writable:
            if c.is_manager:
                self.add(
                    "organisation",
                    "not_delegated",
                    _(
                        "Row %(row)s, column “%(column)s”: %(value)s reports its 5W through its "
                        "own members and has not authorised the operation's coordinators and "
                        "information management officers to report for it."
                    ),
                    value=ref.acronym,
                )
            else:
                self.add(
                    "organisation",
                    "not_your_organisation",
                    _(
                        "Row %(row)s, column “%(column)s”: you may only report for your own "
                        "organisation, not “%(value)s”."
                    ),
                    value=raw,
                )
            return None
        return ref

    def activity(self, raw: Any) -> ActivityRef | None:
        c = self.c
        if is_blank(raw):
            self.add(
                "activity",
                "required",
                _("Row %(row)s, column “%(column)s”: the activity is missing."),
            )
            return None
        ref = self._find_activity(raw)
        if ref is None:
            self.add(
                "activity",
                "unknown_activity",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an activity of this "
                    "operation's catalogue."
                ),
                value=raw,
            )
            return None
        if not ref.is_active:
            self.add(
                "activity",
                "inactive_activity",
                _(
                    "Row %(row)s, column “%(column)s”: the activity “%(value)s” is no longer "
                    "reported on (inactive)."
                ),
                value=raw,
            )
            return None
        if c.body is not None and ref.body_id != c.body.pk:
            self.add(
                "activity",
                "wrong_body",
                _(
                    "Row %(row)s, column “%(column)s”: the activity “%(value)s” belongs to "
                    "%(body)s, not to %(expected)s."
                ),
                value=raw,
                body=c.bodies.get(ref.body_id, ""),
                expected=c.body.code or c.body.name,
            )
            return None
        return ref

    def _find_activity(self, raw: Any) -> ActivityRef | None:
        c = self.c
        value = text(raw)
        ref = c.activities.get(value.lower())
        if ref is not None:
            return ref
        # "PRO-PSS — Soutien psychosocial" (a dropdown entry): the code before the dash.
        for separator in (" — ", " – ", " - ", ": ", " : "):
            if separator in value:
                ref = c.activities.get(value.split(separator, 1)[0].strip().lower())
                if ref is not None:
                    return ref
        return c.activity_names.get(name_key(value))

    def indicator(self, raw: Any, activity: ActivityRef) -> IndicatorRef | None:
        table = self.c.indicators.get(activity.id, {})
        if is_blank(raw):
            own = {ref.id: ref for ref in table.values()}
            return next(iter(own.values())) if len(own) == 1 else None
        value = text(raw)
        lowered = value.lower()
        ref = (
            table.get(lowered)
            or table.get(f"{activity.code.lower()}-{lowered}")
            or table.get(lowered.split(" ", 1)[0])
            or table.get("name:" + name_key(value))
        )
        if ref is None:
            self.add(
                "indicator",
                "unknown_indicator",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not an indicator of the "
                    "activity %(activity)s."
                ),
                value=raw,
                activity=activity.code,
                suggestion=", ".join(sorted({r.code for r in table.values()})),
            )
        return ref

    def population_group(self, raw: Any) -> int | None:
        c = self.c
        if is_blank(raw):
            self.add(
                "population_group",
                "required",
                _("Row %(row)s, column “%(column)s”: the population group is missing."),
            )
            return None
        value = text(raw)
        found = c.population_groups.get(value.lower()) or c.population_groups.get(name_key(value))
        if found is None:
            self.add(
                "population_group",
                "unknown_population_group",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not a population group "
                    "(use one of %(codes)s)."
                ),
                value=raw,
                codes=", ".join(sorted(c.population_codes.values())),
            )
        return found

    def month(self, raw: Any) -> tuple[datetime.date, int] | None:
        c = self.c
        if is_blank(raw):
            self.add(
                "month", "required", _("Row %(row)s, column “%(column)s”: the month is missing.")
            )
            return None
        try:
            month = parse_month(raw)
        except ParseError as exc:
            self.parse_error("month", raw, exc.code)
            return None
        assert month is not None
        found = c.rounds.get(month)
        shown = month.strftime("%Y-%m")
        if found is None:
            self.add(
                "month",
                "no_round",
                _("Row %(row)s, column “%(column)s”: there is no reporting round for %(month)s."),
                value=raw,
                month=shown,
            )
            return None
        round_id, status = found
        if status == ReportingRound.Status.LOCKED:
            self.add(
                "month",
                "round_locked",
                _(
                    "Row %(row)s, column “%(column)s”: the round of %(month)s is locked; its "
                    "rows can no longer be changed."
                ),
                value=raw,
                month=shown,
            )
            return None
        if status == ReportingRound.Status.CLOSED and not c.is_manager:
            self.add(
                "month",
                "round_closed",
                _(
                    "Row %(row)s, column “%(column)s”: the round of %(month)s is closed; ask "
                    "the information management officer for a correction."
                ),
                value=raw,
                month=shown,
            )
            return None
        return month, round_id

    def choice(self, name: str, raw: Any, lookup: Mapping[str, str], default: str) -> str | None:
        if is_blank(raw):
            return default
        found = lookup.get(name_key(text(raw)))
        if found is None:
            choices = getattr(ActivityReport._meta.get_field(name), "choices", None) or []
            allowed = ", ".join(str(label) for _value, label in choices)
            self.add(
                name,
                f"unknown_{name}",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not a known value "
                    "(%(allowed)s)."
                ),
                value=raw,
                allowed=allowed,
            )
        return found

    def date(self, row: Mapping[str, Any], name: str) -> datetime.date | None:
        raw = row.get(name)
        if raw is None or raw == "":
            return None
        return self.memo("date", (name, cache_key(raw)), self._date, name, raw)

    def _date(self, name: str, raw: Any) -> datetime.date | None:
        try:
            return parse_date(raw)
        except ParseError:
            self.parse_error(name, raw, "not_date")
            return None

    def short_text(self, row: Mapping[str, Any], name: str) -> str:
        raw = row.get(name)
        value = "" if is_blank(raw) else text(raw)
        limit = TEXT_LIMITS[name]
        if len(value) > limit:
            self.add(
                name,
                "too_long",
                _(
                    "Row %(row)s, column “%(column)s”: the text is longer than %(limit)s "
                    "characters."
                ),
                value=raw,
                limit=limit,
            )
            return value[:limit]
        return value

    def implementing_partner(self, raw: Any) -> int | None:
        if is_blank(raw):
            return None
        value = text(raw)
        ref = self.c.partners.get(value.lower())
        if ref is None:
            self.add(
                "implementing_partner",
                "unknown_partner",
                _(
                    "Row %(row)s, column “%(column)s”: “%(value)s” is not in the organisation "
                    "directory; the implementing partner is left empty."
                ),
                value=raw,
                severity=WARNING,
            )
            return None
        return ref.id
