"""The sections of a Protection Analysis Update (the Protection Analytical Framework's, in
order), their titles and languages, and the narrative a new draft starts from, written from the
figures (`pau_figures`) in the draft's language. No writes: the workflow (create, save, submit,
clear, publish) is in services/pau.py, and the documents (pau/documents.py) read the sections
from here."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutela.core.models import AdminArea, Operation
from tutela.monitoring.models import AnalysisUpdate, AnalysisUpdateVersion
from tutela.monitoring.pau.figures import Period, is_pooled, label, parse_period

# The Protection Analytical Framework's sections, in order.
SECTIONS = (
    ("context", gettext_lazy("Context")),
    ("threats", gettext_lazy("Threats, violations and abuses")),
    ("effects", gettext_lazy("Effects on the population and the groups most affected")),
    ("capacities", gettext_lazy("Existing capacities")),
    ("key_messages", gettext_lazy("Key messages")),
    ("recommendations", gettext_lazy("Recommendations")),
)
SECTION_KEYS = tuple(key for key, _title in SECTIONS)
MAX_SECTION_CHARS = 20_000


def section_titles() -> dict[str, str]:
    """{key: title} in the active language."""
    return {key: str(title) for key, title in SECTIONS}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def latest_version(update: AnalysisUpdate) -> AnalysisUpdateVersion | None:
    return update.versions.order_by("-number").first()


def pau_title(operation: Operation, period: Period, scope: AdminArea | None) -> str:
    """In the active language."""
    where = scope.name if scope is not None else operation.name
    return _("Protection Analysis Update — %(where)s — %(period)s") % {
        "where": where,
        "period": period.label(),
    }


def _number(value: int | float | None) -> str:
    if value is None:
        return "–"
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _change_text(change: float | None) -> str:
    if change is None:
        return ""
    sign = "+" if change > 0 else ""
    return f"{sign}{formats.number_format(change, decimal_pos=1, use_l10n=True)} %"


def draft_sections(
    figures: dict[str, Any], *, operation: Operation, language: str
) -> dict[str, str]:
    """The pre-filled narrative (Markdown) of each section, written from the figures in
    `language`. Analysts rewrite it; it only saves them typing the numbers."""
    with translation.override(language):
        note = _(
            "Counts below %(threshold)s, and those that would reveal them, are not shown (–)."
        ) % {"threshold": figures["threshold"]}
        return {
            "context": "\n\n".join(_context(figures, operation)),
            "threats": "\n".join(_threats(figures, language)),
            "effects": "\n\n".join([*_effects(figures, language), f"*{note}*"]),
            "capacities": "\n\n".join(_capacities(figures, language)),
            "key_messages": "\n".join(
                ["- " + _("*First key message.*"), "- " + _("*Second key message.*")]
            ),
            "recommendations": "\n".join(
                [
                    "- **" + _("To the authorities") + "**: …",
                    "- **" + _("To humanitarian actors") + "**: …",
                    "- **" + _("To donors") + "**: …",
                ]
            ),
        }


def _key_figures(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k["key"]: k for k in figures["key_figures"]}


def _context(figures: dict[str, Any], operation: Operation) -> list[str]:
    """The period, the place and how many incidents (and community reports) it draws on."""
    period = parse_period(figures["period"])
    previous = parse_period(figures["previous_period"])
    where = figures["scope"]["name"] if figures["scope"] else operation.name
    incidents = _key_figures(figures)["incidents"]
    context = [
        _(
            "This update covers %(period)s in %(where)s. It draws on %(incidents)s "
            "protection incidents reported by the monitoring partners (%(previous)s in "
            "%(previous_period)s)."
        )
        % {
            "period": period.label(),
            "where": where,
            "incidents": _number(incidents["current"]),
            "previous": _number(incidents["previous"]),
            "previous_period": previous.label(),
        },
    ]
    reports = figures["community"].get("reports")
    if reports:
        context.append(
            _("Community monitoring collected %(n)s community reports in the period.")
            % {"n": _number(reports)}
        )
    context.append(_("*Describe the security, political and humanitarian context of the period.*"))
    return context


def _threats(figures: dict[str, Any], language: str) -> list[str]:
    """The five risks most reported (with their change) and the three areas with most incidents."""
    threats = [_("The protection risks most reported in the period were:"), ""]
    # A pool of small groups is not a risk: never ranked or named as one, told apart below.
    ranked = sorted(
        (r for r in figures["by_risk"] if r["current"] and not is_pooled(r)),
        key=lambda r: -int(r["current"]),
    )
    shown = ranked[:5]
    for risk in shown:
        change = _change_text(risk["change"])
        threats.append(
            f"- **{label(risk, language)}**: "
            + _("%(n)s incidents") % {"n": _number(risk["current"])}
            + (f" ({change})" if change else "")
        )
    if not shown:
        threats = [_("No protection risk can be reported for the period.")]
    pooled = sum(int(r["current"] or 0) for r in figures["by_risk"] if is_pooled(r))
    if pooled:
        threats += [
            "",
            _(
                "%(n)s further incidents belong to groups too small to be shown by risk "
                "without identifying anyone; they are counted in the totals only."
            )
            % {"n": _number(pooled)},
        ]
    top_areas = sorted(
        [a for a in figures["by_area"] if a["current"]], key=lambda a: -a["current"]
    )[:3]
    if top_areas:
        threats += [
            "",
            _("The areas with the most incidents were %(areas)s.")
            % {"areas": ", ".join(a["name"] for a in top_areas)},
        ]
    return threats


def _effects(figures: dict[str, Any], language: str) -> list[str]:
    """People affected, the three groups (sex and age) most affected, disability, displacement."""
    key = _key_figures(figures)
    people = figures["people"]
    effects = [
        _("%(people)s people were affected by the incidents reported in the period.")
        % {"people": _number(key["people"]["current"])}
    ]
    cells = []
    for s, sex in enumerate(people["sexes"]):
        for b, band in enumerate(people["age_bands"]):
            value = people["cells"][s][b] if people["cells"] else None
            if value and not is_pooled(sex) and not is_pooled(band):
                cells.append((value, f"{label(sex, language)} {label(band, language)}"))
    cells.sort(reverse=True)
    if cells:
        effects.append(
            _("The groups most affected were: %(groups)s.")
            % {"groups": ", ".join(f"{name} ({_number(n)})" for n, name in cells[:3])}
        )
    if people["with_disability"]:
        effects.append(
            _("%(n)s people with a disability were among them.")
            % {"n": _number(people["with_disability"])}
        )
    displaced = key["displacement"]["current"]
    if displaced:
        effects.append(
            _("%(n)s incidents caused displacement (%(households)s households).")
            % {"n": _number(displaced), "households": _number(key["households"]["current"])}
        )
    return effects


def _capacities(figures: dict[str, Any], language: str) -> list[str]:
    """Where partners report activities (5W), where none does, and the services referred to."""
    capacities_data = figures["capacities"]
    capacities = []
    if capacities_data["available"]:
        areas = capacities_data["areas"]
        covered = sum(1 for a in areas if a["partners"])
        capacities.append(
            _("Protection partners reported activities (5W) in %(covered)s of %(areas)s areas.")
            % {"covered": _number(covered), "areas": _number(len(areas))}
        )
        uncovered = [a["name"] for a in areas if not a["partners"]]
        if uncovered:
            capacities.append(
                _("No partner reported activities in: %(areas)s.")
                % {"areas": ", ".join(uncovered[:10])}
            )
    services = [s for s in figures["services"] if s["incidents"] and not is_pooled(s)]
    if services:
        capacities.append(
            _("People were referred to: %(services)s.")
            % {
                "services": ", ".join(
                    f"{label(s, language)} ({_number(s['incidents'])})" for s in services
                )
            }
        )
    capacities.append(
        _("*Describe the capacities of the authorities, communities and humanitarian actors.*")
    )
    return capacities
