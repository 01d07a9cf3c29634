"""The Protection Analysis Update as a Word document (.docx, editable for clearance) and as a PDF
(WeasyPrint, from an HTML template and a CSS file), in French or English.

    doc = build_document(update, version, language="fr")   # what both formats show
    data = pau_docx(update, language="fr")                  # bytes (pau.rendering)
    data = pau_pdf(update, version=version, language="en")

Both are built from one `PauDocument`: the title block (period, scope, version, status), the key
figures, then the Protection Analytical Framework's sections, each with its narrative (Markdown,
rendered to paragraphs and bullets) followed by its tables, charts and the hot-spot map. Every
figure comes from the version's snapshot, already disclosure-controlled (pau_figures); hidden
counts print as "–". Drafts carry a status line (and a watermark in the PDF).
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tutela.core.month_names import month_abbr
from tutela.monitoring.models import AnalysisUpdate, AnalysisUpdateVersion
from tutela.monitoring.pau.charts import bar_chart, hotspot_map, line_chart
from tutela.monitoring.pau.figures import is_pooled, label, parse_period
from tutela.monitoring.pau.narrative import markdown_html
from tutela.monitoring.pau.sections import SECTION_KEYS, latest_version, section_titles
from tutela.monitoring.selectors.incidents import grain_notice

HIDDEN = "–"


@dataclass
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]
    # Index of the columns holding numbers (right-aligned).
    numeric: set[int] = field(default_factory=set)
    note: str = ""


@dataclass
class Image:
    caption: str
    png: bytes
    # Width in the page, in centimetres.
    width_cm: float = 15.0

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass
class Section:
    key: str
    title: str
    markdown: str
    tables: list[Table] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)

    @property
    def html(self) -> str:
        return markdown_html(self.markdown)


@dataclass
class PauDocument:
    language: str
    title: str
    operation: str
    period: str
    period_dates: str
    scope: str
    version: int
    status: str
    status_label: str
    is_final: bool
    status_line: str
    generated: str
    key_figures: Table
    sections: list[Section]
    method_note: str


# --- numbers -------------------------------------------------------------------------------------


def num(value: int | float | None) -> str:
    if value is None:
        return HIDDEN
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def pct(value: float | None) -> str:
    if value is None:
        return ""
    sign = "+" if value > 0 else ""
    return f"{sign}{formats.number_format(value, decimal_pos=1, use_l10n=True)} %"


# --- the document --------------------------------------------------------------------------------


def _month_label(code: str, fmt: str = "") -> str:
    """ "2026-07" as the chart's abbreviation in the active language ("juil. 2026"), or in the
    Django format `fmt` ("F Y": "juillet 2026")."""
    year, month = code.split("-")
    day = datetime.date(int(year), int(month), 1)
    return date_format(day, fmt) if fmt else month_abbr(day)


def build_document(
    update: AnalysisUpdate,
    version: AnalysisUpdateVersion | None = None,
    *,
    language: str | None = None,
    with_images: bool = True,
) -> PauDocument:
    """Everything the .docx and the PDF show, in `language` (default: the PAU's)."""
    version = version or latest_version(update)
    language = (language or update.language or "en")[:2]
    sections_text = version.sections if version else {}
    figures = version.figures if version else {}
    with translation.override(language):
        period = parse_period(update.period)
        previous = parse_period(figures.get("previous_period") or update.period).label()
        current = period.label()
        titles = section_titles()
        sections = {
            key: Section(key, titles[key], sections_text.get(key, "")) for key in SECTION_KEYS
        }
        key_table = Table(
            caption=_("Key figures"),
            headers=[
                _("Figure"),
                current,
                previous,
                pgettext("difference between two periods", "Change"),
            ],
            rows=[],
            numeric={1, 2, 3},
        )
        names = {
            "incidents": _("Protection incidents"),
            "people": _("People affected"),
            "displacement": _("Incidents causing displacement"),
            "households": _("Households displaced"),
        }
        for row in figures.get("key_figures", []):
            key_table.rows.append(
                [
                    names.get(row["key"], row["key"]),
                    num(row["current"]),
                    num(row["previous"]),
                    pct(row["change"]),
                ]
            )
        if figures:
            _fill(sections, figures, language, current, previous, with_images)
        status = AnalysisUpdate.Status(update.status)
        is_final = status == AnalysisUpdate.Status.PUBLISHED
        status_line = (
            "" if is_final else _("%(status)s — not for distribution") % {"status": status.label}
        )
        threshold = figures.get("threshold", 5)
        method_note = " ".join(
            [
                _(
                    "Source: protection incidents reported by the monitoring partners; merged "
                    "duplicates are counted once."
                ),
                _(
                    "GBV incidents are included only for the organisations that agreed to share "
                    "them in aggregate (information-sharing protocol)."
                ),
                _(
                    "Counts below %(threshold)s, and those that would reveal them, are not "
                    "shown (–)."
                )
                % {"threshold": threshold},
            ]
        )
        return PauDocument(
            language=language,
            title=update.title,
            operation=update.operation.name,
            period=current,
            period_dates=_("%(start)s to %(end)s")
            % {
                "start": date_format(period.start, "j F Y"),
                "end": date_format(period.end, "j F Y"),
            },
            scope=update.scope.name if update.scope_id and update.scope else _("Whole operation"),
            version=version.number if version else 0,
            status=update.status,
            status_label=str(status.label),
            is_final=is_final,
            status_line=status_line,
            generated=date_format(
                datetime.datetime.fromisoformat(figures["generated_at"]).date()
                if figures.get("generated_at")
                else timezone.localdate(),
                "j F Y",
            ),
            key_figures=key_table,
            sections=list(sections.values()),
            method_note=method_note,
        )


@dataclass(frozen=True)
class _Columns:
    """What every section's tables share: the language and the two periods' column headers."""

    language: str
    current: str
    previous: str
    with_images: bool


def _fill(
    sections: dict[str, Section],
    figures: dict[str, Any],
    language: str,
    current: str,
    previous: str,
    with_images: bool,
) -> None:
    """Add each section's tables and charts from the figures, in the order of the framework."""
    columns = _Columns(language, current, previous, with_images)
    for step in (
        _context_tables,
        _risk_tables,
        _area_tables,
        _perpetrator_tables,
        _people_tables,
        _community_tables,
        _capacity_tables,
    ):
        step(sections, figures, columns)


def _context_tables(sections: dict[str, Section], figures: dict[str, Any], c: _Columns) -> None:
    """Context: the monthly trend over both periods."""
    months = figures["by_month"]
    if months:
        if c.with_images:
            sections["context"].images.append(
                Image(
                    _("Incidents per month"),
                    line_chart(
                        _("Incidents per month"),
                        [_month_label(m["month"]) for m in months],
                        [m["count"] for m in months],
                    ),
                )
            )
        sections["context"].tables.append(
            Table(
                caption=_("Incidents per month"),
                headers=[_("Month"), _("Incidents")],
                rows=[[_month_label(m["month"], "F Y"), num(m["count"])] for m in months],
                numeric={1},
            )
        )


def _risk_tables(sections: dict[str, Section], figures: dict[str, Any], c: _Columns) -> None:
    """Threats: incidents by risk (chart and table)."""
    # Risks first, largest first; a pool of small groups after them (figures stored by earlier
    # versions may have ranked it among the risks).
    risks = sorted(figures["by_risk"], key=is_pooled)
    threats = sections["threats"]
    if risks:
        charted = risk_chart_rows(figures)
        if c.with_images and charted:
            threats.images.append(
                Image(
                    _("Incidents by protection risk"),
                    bar_chart(
                        _("Incidents by protection risk"),
                        [label(r, c.language) for r in charted],
                        [
                            (c.current, [r["current"] for r in charted]),
                            (c.previous, [r["previous"] for r in charted]),
                        ],
                    ),
                )
            )
        totals = figures.get("by_risk_totals") or {}
        threats.tables.append(
            Table(
                caption=_("Incidents by main protection risk"),
                headers=[
                    _("Protection risk"),
                    c.current,
                    c.previous,
                    pgettext("difference between two periods", "Change"),
                ],
                rows=[
                    [label(r, c.language), num(r["current"]), num(r["previous"]), pct(r["change"])]
                    for r in risks
                ]
                + [[_("Total"), num(totals.get("current")), num(totals.get("previous")), ""]],
                numeric={1, 2, 3},
            )
        )


def risk_chart_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The bars of the threats chart: the risks with a published count, largest first. A pool of
    small groups is no risk and is left out of the chart (the table shows it, last)."""
    return sorted(
        (r for r in figures["by_risk"] if not is_pooled(r) and (r["current"] or r["previous"])),
        key=lambda r: (r["current"] is None, -int(r["current"] or 0)),
    )


def _area_tables(sections: dict[str, Section], figures: dict[str, Any], c: _Columns) -> None:
    """Threats: incidents by area (hot-spot map and table)."""
    threats = sections["threats"]
    areas = figures["by_area"]
    if areas:
        if c.with_images:
            png = hotspot_map(figures, c.language)
            if png:
                threats.images.append(Image(_("Hot spots: incidents by area"), png, 14.0))
        threats.tables.append(
            Table(
                caption=_("Incidents by area"),
                headers=[
                    _("Area"),
                    _("P-code"),
                    c.current,
                    c.previous,
                    _("Per 10,000 people"),
                ],
                rows=[
                    [
                        a["name"],
                        a["pcode"],
                        num(a["current"]),
                        num(a["previous"]),
                        formats.number_format(a["rate"], decimal_pos=2, use_l10n=True)
                        if a["rate"] is not None
                        else "",
                    ]
                    for a in areas
                ],
                numeric={2, 3, 4},
                note=area_grain_note(figures),
            )
        )


def area_grain_note(figures: dict[str, Any]) -> str:
    """Which grain the areas are shown at, when it is coarser than the one asked for (admin 1
    instead of admin 2: by admin 2 too many incidents would be pooled), in the active language."""
    grain = figures.get("area_grain") or {}
    if not grain or grain.get("used") == grain.get("asked"):
        return ""
    return grain_notice(grain["used_label"], grain["asked_label"], int(grain["share"]))


def _perpetrator_tables(sections: dict[str, Section], figures: dict[str, Any], c: _Columns) -> None:
    """Threats: incidents by alleged perpetrator category."""
    threats = sections["threats"]
    perpetrators = figures["perpetrators"]
    if perpetrators:
        threats.tables.append(
            Table(
                caption=_("Incidents by alleged perpetrator category"),
                headers=[_("Alleged perpetrator category"), c.current, c.previous],
                rows=[
                    [label(p, c.language), num(p["current"]), num(p["previous"])]
                    for p in perpetrators
                ],
                numeric={1, 2},
            )
        )


def _people_tables(sections: dict[str, Section], figures: dict[str, Any], c: _Columns) -> None:
    """Effects: people by sex × age band (table and chart), by population group."""
    people = figures["people"]
    effects = sections["effects"]
    if people.get("age_bands"):
        bands = people["age_bands"]
        rows = []
        for s, sex in enumerate(people["sexes"]):
            rows.append(
                [label(sex, c.language)]
                + [num(v) for v in people["cells"][s]]
                + [num(people["row_totals"][s])]
            )
        rows.append([_("Total")] + [num(v) for v in people["col_totals"]] + [num(people["total"])])
        effects.tables.append(
            Table(
                caption=_("People affected by sex and age"),
                headers=[_("Sex")] + [label(b, c.language) for b in bands] + [_("Total")],
                rows=rows,
                numeric=set(range(1, len(bands) + 2)),
                note=_("People with a disability: %(n)s") % {"n": num(people["with_disability"])},
            )
        )
        if c.with_images and people.get("total"):
            effects.images.append(
                Image(
                    _("People affected by sex and age"),
                    bar_chart(
                        _("People affected by sex and age"),
                        [label(b, c.language) for b in bands],
                        [
                            (label(sex, c.language), people["cells"][s])
                            for s, sex in enumerate(people["sexes"])
                        ],
                    ),
                    12.0,
                )
            )
    if people.get("by_group"):
        effects.tables.append(
            Table(
                caption=_("People affected by population group"),
                headers=[_("Population group"), _("People")],
                rows=[[label(g, c.language), num(g["people"])] for g in people["by_group"]],
                numeric={1},
            )
        )


def _community_tables(sections: dict[str, Section], figures: dict[str, Any], c: _Columns) -> None:
    """Effects: community monitoring, reports (or communities) mentioning each risk."""
    effects = sections["effects"]
    community = figures["community"]
    if community.get("risks"):
        # Figures made before community reports were counted (by the selectors) counted
        # distinct communities.
        by_reports = community.get("unit") == "reports"
        unit = "reports" if by_reports else "communities"
        effects.tables.append(
            Table(
                caption=_("Community reports mentioning each risk (community monitoring)")
                if by_reports
                else _("Communities reporting each risk (community monitoring)"),
                headers=[
                    _("Protection risk"),
                    _("Reports") if by_reports else _("Communities"),
                    _("Share"),
                ],
                rows=[
                    [
                        label(r, c.language),
                        num(r[unit]),
                        (formats.number_format(r["share"], decimal_pos=1, use_l10n=True) + " %")
                        if r["share"] is not None
                        else HIDDEN,
                    ]
                    for r in community["risks"]
                ],
                numeric={1, 2},
                note=(
                    _("Community reports (one per community, month and type of respondent): %(n)s")
                    if by_reports
                    else _("Communities interviewed: %(n)s")
                )
                % {"n": num(community[unit])},
            )
        )


def _capacity_tables(sections: dict[str, Section], figures: dict[str, Any], c: _Columns) -> None:
    """Capacities: partners present (5W) and referrals."""
    capacities = figures["capacities"]
    cap = sections["capacities"]
    if capacities.get("available"):
        cap.tables.append(
            Table(
                caption=_("Protection partners present (5W)"),
                headers=[_("Area"), _("P-code"), _("Partners")],
                rows=[[a["name"], a["pcode"], num(a["partners"])] for a in capacities["areas"]],
                numeric={2},
            )
        )
    if figures["services"]:
        cap.tables.append(
            Table(
                caption=_("Incidents with a referral, by service"),
                headers=[_("Service"), _("Incidents")],
                rows=[[label(s, c.language), num(s["incidents"])] for s in figures["services"]],
                numeric={1},
            )
        )
