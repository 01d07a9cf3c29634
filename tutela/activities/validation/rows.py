"""Checking one whole row: its codes together, dates against the month, counts and outliers."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tutela.activities.models import ActivityReport
from tutela.activities.models.fields import SEX_AGE
from tutela.activities.validation.cells import TEXT_LIMITS, CellChecks
from tutela.activities.validation.locations import LocationChecks
from tutela.activities.validation.problems import cache_key
from tutela.activities.validation.records import (
    ActivityRef,
    CleanRow,
    IndicatorRef,
    OrganisationRef,
    site_key,
)
from tutela.activities.validation.rules import (
    SEX_AGE_NOT_PEOPLE,
    sex_age_message,
    sex_age_refused,
    unit_label,
)
from tutela.core.imports.problems import ERROR, WARNING
from tutela.core.imports.values import MAX_COUNT, is_blank, month_end, text
from tutela.core.site_names import site_is_valid, site_problem_message

NUMBER_FIELDS = (*SEX_AGE, "total", "with_disability", "quantity")


class RowChecker(CellChecks, LocationChecks):
    """Checks one batch of rows against a context; collects problems."""

    def _dimensions(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        """The row's codes resolved: organisation, activity, indicator, population group, month
        (and round), implementing partner, status, modality. Rows repeat the same few
        combinations, so this runs once per distinct combination."""
        c = self.c
        memo = self.memo
        org_raw, activity_raw, indicator_raw, group_raw, month_raw = raw[:5]
        partner_raw, status_raw, modality_raw = raw[5:]
        organisation = memo("organisation", cache_key(org_raw), self.organisation, org_raw)
        activity = memo("activity", cache_key(activity_raw), self.activity, activity_raw)
        indicator = None
        if activity is not None:
            indicator = memo(
                "indicator",
                (activity.id, cache_key(indicator_raw)),
                self.indicator,
                indicator_raw,
                activity,
            )
        group = memo("population_group", cache_key(group_raw), self.population_group, group_raw)
        month = memo("month", cache_key(month_raw), self.month, month_raw)
        partner = (
            None
            if is_blank(partner_raw)
            else memo(
                "implementing_partner",
                cache_key(partner_raw),
                self.implementing_partner,
                partner_raw,
            )
        )
        status = (
            ActivityReport.Status.ONGOING
            if is_blank(status_raw)
            else memo(
                "status", cache_key(status_raw), self.choice, "status", status_raw, c.statuses, ""
            )
        )
        modality = (
            ""
            if is_blank(modality_raw)
            else memo(
                "modality",
                cache_key(modality_raw),
                self.choice,
                "modality",
                modality_raw,
                c.modalities,
                "",
            )
        )
        if modality and activity and activity.modalities and modality not in activity.modalities:
            self.add(
                "modality",
                "modality_not_allowed",
                _(
                    "Row %(row)s, column “%(column)s”: the modality “%(value)s” is not used for "
                    "the activity %(activity)s."
                ),
                value=modality_raw,
                activity=activity.code,
            )
        return organisation, activity, indicator, group, month, partner, status, modality

    def _project(
        self, code: str, organisation: OrganisationRef | None, partner: int | None
    ) -> int | None:
        """The plan's project with this code, when it is the row's organisation's (or its
        implementing partner's); a warning when it belongs to someone else."""
        ref = self.c.projects.get(code.lower())
        if ref is None or organisation is None:
            return None
        if organisation.id in ref.organisations or partner in ref.organisations:
            return ref.id
        self.add(
            "project_code",
            "project_of_other_organisation",
            _(
                "Row %(row)s, column “%(column)s”: the project %(value)s is another "
                "organisation's; the row is not counted against it."
            ),
            value=code,
            severity=WARNING,
        )
        return None

    def _dates(
        self, start_raw: Any, end_raw: Any, month: tuple[datetime.date, int] | None
    ) -> tuple[datetime.date | None, datetime.date | None]:
        start = None if is_blank(start_raw) else self._date("start_date", start_raw)
        end = None if is_blank(end_raw) else self._date("end_date", end_raw)
        if start and end and start > end:
            self.add(
                "end_date",
                "end_before_start",
                _(
                    "Row %(row)s, column “%(column)s”: the end date %(value)s is before the "
                    "start date."
                ),
                value=end,
            )
        if month is not None:
            first, last = month[0], month_end(month[0])
            if start and start > last:
                self.add(
                    "start_date",
                    "start_after_month",
                    _(
                        "Row %(row)s, column “%(column)s”: the activity starts (%(value)s) after "
                        "the reporting month %(month)s."
                    ),
                    value=start,
                    month=first.strftime("%Y-%m"),
                )
            if end and end < first:
                self.add(
                    "end_date",
                    "end_before_month",
                    _(
                        "Row %(row)s, column “%(column)s”: the activity ended (%(value)s) before "
                        "the reporting month %(month)s."
                    ),
                    value=end,
                    month=first.strftime("%Y-%m"),
                )
        return start, end

    def check(self, number: int, row: Mapping[str, Any]) -> CleanRow | None:
        """The row checked and resolved, or None when it has an error. Written for speed: this
        runs for every row of a 100,000-row file. Problems come in the order of the steps."""
        self.row = number
        before = len(self.problems)
        dimensions = self._row_dimensions(row)
        organisation, activity, indicator, group, month, partner, status, modality = dimensions
        location = self.location(row)
        start, end = self._row_dates(row, month)
        site = self._site(row)
        site_code = self._text(row, "site_code")
        latitude, longitude = self._coordinates(row)
        project_code = self._text(row, "project_code")
        project_id = self._project(project_code, organisation, partner) if project_code else None
        bands, total, disability, quantity = self._people(row, activity, indicator)
        if location is None or self._failed(before, dimensions):
            return None
        area, ancestors = location
        counted = [v or 0 for v in bands]  # the sex and age columns, a blank one as 0
        if total and self.c._history:
            self._check_outlier(total, organisation, activity, month[0])
        return CleanRow(
            row=number,
            organisation_id=organisation.id,
            activity_id=activity.id,
            area_id=area.id,
            month=month[0],
            population_group_id=group,
            round_id=month[1],
            body_id=activity.body_id,
            indicator_id=indicator.id if indicator else None,
            implementing_partner_id=partner,
            admin1_id=ancestors[0],
            admin2_id=ancestors[1],
            admin3_id=ancestors[2],
            site=site,
            site_code=site_code,
            site_key=site_key(site, site_code),
            latitude=latitude,
            longitude=longitude,
            status=status or ActivityReport.Status.ONGOING,
            modality=modality or "",
            start_date=start,
            end_date=end,
            girls=counted[0],
            boys=counted[1],
            women=counted[2],
            men=counted[3],
            older_women=counted[4],
            older_men=counted[5],
            total=total,
            with_disability=disability or 0,
            quantity=quantity,
            project_code=project_code,
            project_id=project_id,
        )

    def _row_dimensions(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        """The row's codes resolved (see `_dimensions`), once per distinct combination of raw
        values and their types."""
        g = row.get
        raw = (
            g("organisation"),
            g("activity"),
            g("indicator"),
            g("population_group"),
            g("month"),
            g("implementing_partner"),
            g("status"),
            g("modality"),
        )
        return self.memo("dimensions", (raw, tuple(map(type, raw))), self._dimensions, raw)

    def _people(
        self, row: Mapping[str, Any], activity: ActivityRef | None, indicator: IndicatorRef | None
    ) -> tuple[list[int | None], int, int | None, Any]:
        """The row's sex and age counts, total, people with disability and quantity, checked
        together: the total against the sum of the sex and age columns, the counts against the
        activity's rules, people with disability against the total."""
        numbers = self._numbers(row)
        bands = numbers[:6]
        total_given, disability, quantity = numbers[6:]
        given = [v for v in bands if v is not None]
        band_sum = sum(given)
        if given and total_given is not None and band_sum != total_given:
            self.add(
                "total",
                "total_mismatch",
                _(
                    "Row %(row)s, column “%(column)s”: the total %(value)s is not the sum of the "
                    "sex and age columns (%(sum)s)."
                ),
                value=total_given,
                sum=band_sum,
            )
        total = band_sum if given else (total_given or 0)
        if activity is not None:
            self._check_counts(
                activity, indicator, bands, given, band_sum, total_given, disability, quantity
            )
        if disability is not None and disability > total:
            self.add(
                "with_disability",
                "disability_over_total",
                _(
                    "Row %(row)s, column “%(column)s”: %(value)s persons with disability is more "
                    "than the %(total)s people reached."
                ),
                value=disability,
                total=total,
            )
        return bands, total, disability, quantity

    def _failed(self, before: int, dimensions: tuple[Any, ...]) -> bool:
        """Whether the row cannot be saved: a code that is required was not resolved, or an error
        was added since the row's problems started at `before`."""
        organisation, activity, _indicator, group, month = dimensions[:5]
        if organisation is None or activity is None or group is None or month is None:
            return True
        return len(self.problems) != before and any(
            p.severity == ERROR for p in self.problems[before:]
        )

    def _row_dates(self, row: Mapping[str, Any], month: Any) -> tuple[Any, Any]:
        """The row's start and end dates, checked against its reporting month (once per
        distinct triple)."""
        start_raw, end_raw = row.get("start_date"), row.get("end_date")
        if (start_raw is None or start_raw == "") and (end_raw is None or end_raw == ""):
            return None, None
        return self.memo(
            "dates",
            (cache_key(start_raw), cache_key(end_raw), month),
            self._dates,
            start_raw,
            end_raw,
            month,
        )

    def _text(self, row: Mapping[str, Any], name: str) -> str:
        """A free-text cell, stripped; cut to its limit (with a problem) when too long."""
        value = row.get(name)
        if value is None or value == "":
            return ""
        if type(value) is not str or len(value) > TEXT_LIMITS[name]:
            return self.short_text(row, name)
        return value.strip()

    def _site(self, row: Mapping[str, Any]) -> str:
        site = self._text(row, "site")
        if site and not site_is_valid(site):
            self.add(
                "site",
                "invalid",
                _("Row %(row)s, column “%(column)s”: %(problem)s"),
                value=site,
                problem=site_problem_message(),
            )
        return site

    def _coordinates(self, row: Mapping[str, Any]) -> tuple[float | None, float | None]:
        """The site's latitude and longitude (decimal degrees), None where blank; an error for
        a value that is not a number in range."""
        found: list[float | None] = []
        for name, bound in (("latitude", 90.0), ("longitude", 180.0)):
            raw = row.get(name)
            if is_blank(raw):
                found.append(None)
                continue
            value: float
            try:
                # A decimal comma ("14,35") is read as a point.
                source: Any = str(raw).strip().replace(",", ".") if type(raw) is str else raw
                value = float(source)
            except (TypeError, ValueError):
                value = math.nan
            if not math.isfinite(value) or abs(value) > bound:
                if name == "latitude":
                    message = _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is not a latitude in "
                        "decimal degrees (between -90 and 90)."
                    )
                else:
                    message = _(
                        "Row %(row)s, column “%(column)s”: “%(value)s” is not a longitude in "
                        "decimal degrees (between -180 and 180)."
                    )
                self.add(name, "not_coordinate", message, value=text(raw))
                found.append(None)
                continue
            found.append(value)
        return found[0], found[1]

    def _numbers(self, row: Mapping[str, Any]) -> list[int | None]:
        """The counts of NUMBER_FIELDS, in order (None where blank). Whole numbers in range are
        taken as they are; anything else goes through `count`, which explains the problem."""
        numbers: list[int | None] = []
        for name in NUMBER_FIELDS:
            value: Any = row.get(name)
            kind = type(value)
            if kind is float:
                if value.is_integer() and 0 <= value <= MAX_COUNT:
                    numbers.append(int(value))
                    continue
            elif kind is int:
                if 0 <= value <= MAX_COUNT:
                    numbers.append(value)
                    continue
            elif value is None or value == "":
                numbers.append(None)
                continue
            numbers.append(self.count(row, name))
        return numbers

    def _check_outlier(
        self, total: int, organisation: Any, activity: Any, month: datetime.date
    ) -> None:
        """A warning when the total is far above the organisation's usual figure."""
        c = self.c
        median = c.median_for(organisation.id, activity.id, month)
        if median and total > c.outlier_factor * median:
            self.add(
                "total",
                "outlier",
                _(
                    "Row %(row)s, column “%(column)s”: %(value)s is more than %(factor)s "
                    "times the usual figure of %(organisation)s for this activity "
                    "(%(median)s); please check."
                ),
                value=total,
                severity=WARNING,
                factor=c.outlier_factor,
                organisation=organisation.acronym,
                median=round(median),
            )

    def _check_counts(
        self,
        activity: ActivityRef,
        indicator: IndicatorRef | None,
        bands: list[int | None],
        given: list[int],
        band_sum: int,
        total_given: int | None,
        disability: int | None,
        quantity: int | None,
    ) -> None:
        counts_people = indicator.counts_people if indicator else True
        refused = (
            sex_age_refused(unit=indicator.unit, bands=bands) if indicator is not None else None
        )
        if refused is not None and indicator is not None:
            self.add(
                SEX_AGE[refused],
                SEX_AGE_NOT_PEOPLE,
                sex_age_message(),
                value=bands[refused],
                indicator=indicator.code,
                unit=unit_label(indicator.unit),
            )
        elif band_sum and not activity.by_sex_age:
            position = next(i for i, v in enumerate(bands) if v)
            self.add(
                SEX_AGE[position],
                "bands_not_expected",
                _(
                    "Row %(row)s, column “%(column)s”: the activity %(activity)s is not "
                    "reported by sex and age; only the total is used."
                ),
                value=bands[position],
                severity=WARNING,
                activity=activity.code,
            )
        if disability and not activity.by_disability:
            self.add(
                "with_disability",
                "disability_not_expected",
                _(
                    "Row %(row)s, column “%(column)s”: the activity %(activity)s is not "
                    "reported by disability."
                ),
                value=disability,
                severity=WARNING,
                activity=activity.code,
            )
        if counts_people and not given and total_given is None:
            self.add(
                "total",
                "people_missing",
                _("Row %(row)s, column “%(column)s”: the number of people reached is missing."),
            )
        if not counts_people and quantity is None:
            self.add(
                "quantity",
                "quantity_missing",
                _(
                    "Row %(row)s, column “%(column)s”: the indicator %(indicator)s is not "
                    "counted in people; give the quantity."
                ),
                indicator=indicator.code if indicator else "",
            )
