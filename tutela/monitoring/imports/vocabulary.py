"""The values the monitoring importer recognises in coded columns: an operation's codes, their
English and French names, another typology's labels (RiskMapping), with suggestions for the
others; and the fields of each kind of file."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from rapidfuzz import process

from tutela.core.imports.synonyms import POPULATION_SYNONYMS
from tutela.core.imports.values import text as cell_text
from tutela.core.models import Operation
from tutela.core.pcodes import name_key
from tutela.monitoring.imports import fields
from tutela.monitoring.imports.fields import FieldSet
from tutela.monitoring.incidents.data import (
    References,
)
from tutela.monitoring.models import (
    AgeBand,
    Kind,
    RiskMapping,
)

# A text cell starting so is a formula (or a CSV injection attempt): refused.
FORMULA_START = ("=", "+", "@", "\t", "\r")
SEPARATORS = re.compile(r"[;|\n\r]+")
TRUE = frozenset({"yes", "oui", "true", "vrai", "1", "y", "o", "x", "si"})
FALSE = frozenset({"no", "non", "false", "faux", "0", "n"})
TYPOLOGY_KEY = "_typology"
# Markers of a value not given, as monitoring networks write them ("ND": non disponible / non
# déterminé): read as a blank cell, not as a value to look up (by comparison key, core.pcodes).
NOT_GIVEN = frozenset(
    {
        "nd",
        "n d",
        "na",
        "n a",
        "nr",
        "n r",
        "non disponible",
        "non determine",
        "non determinee",
        "non renseigne",
        "non communique",
        "not available",
        "not applicable",
        "no data",
        "sans objet",
        "s o",
    }
)


# --- fields, vocabulary, matching ----------------------------------------------------------------


def fieldset_for(operation: Operation, kind: str) -> FieldSet:
    if kind == Kind.COMMUNITY:
        return FieldSet(kind, fields.COMMUNITY_FIELDS, fields.COMMUNITY_REQUIRED)
    bands = list(AgeBand.objects.filter(operation=operation, is_active=True).order_by("min_age"))
    return FieldSet(kind, fields.incident_fields(bands), fields.INCIDENT_REQUIRED)


class Vocabulary:
    """The values the importer recognises for each reference list, by comparison key
    (core.pcodes.name_key): codes, names in every language, numbers of the GPC risks, and the
    labels of other typologies (RiskMapping) for risks."""

    def __init__(self, refs: References, *, typology: str = "") -> None:
        self.tables: dict[str, dict[str, Any]] = {}
        self.tables["risk"], self.tables["violation"] = _risk_tables(refs, typology)
        for ref, items in (
            ("perpetrator", refs.perpetrators),
            ("service", refs.services),
            ("source", refs.sources),
            ("verification", refs.verifications),
            ("population_group", refs.population_groups),
        ):
            self.tables[ref] = _reference_table(ref, items.values())
        for ref, rows in (("respondent", fields.RESPONDENTS), ("access", fields.ACCESS)):
            table: dict[str, Any] = {}
            for code, en, fr, synonyms in rows:
                for text in (code, en, fr, *synonyms):
                    _claim(table, text, code)
            self.tables[ref] = table
        coping: dict[str, Any] = {}
        for code, en, fr in fields.COPING:
            for text in (code, en, fr):
                _claim(coping, text, code)
        self.tables["coping"] = coping

    def lookup(self, ref: str, value: Any) -> Any:
        return self.tables.get(ref, {}).get(name_key(cell_text(value)))

    def suggest(self, ref: str, value: Any) -> str:
        """The closest known value, as a hint."""
        table = self.tables.get(ref, {})
        key = name_key(cell_text(value))[:200]
        if not key or not table:
            return ""
        found = process.extractOne(key, list(table), score_cutoff=80.0)
        if not found:
            return ""
        resolved = table[found[0]]
        code = resolved[1] or resolved[0] if isinstance(resolved, tuple) else resolved
        return _("Did you mean “%(code)s”?") % {"code": code}


def _claim(table: dict[str, Any], text: Any, value: Any) -> None:
    """The first value claimed for a comparison key keeps it."""
    key = name_key(str(text or ""))
    if key:
        table.setdefault(key, value)


def _names(item: Any) -> list[str]:
    return [item.code, item.name_en, item.name_fr, getattr(item, "name_es", "")]


def _risk_tables(refs: References, typology: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The risk and violation tables: (risk code, violation code or None) by comparison key.
    Risks: a risk, else a violation type (which brings its risk), else another typology's label."""
    risk: dict[str, Any] = {}
    violation: dict[str, Any] = {}
    for item in refs.risks.values():
        for text in _names(item):
            _claim(risk, text, (item.code, None))
        if item.number:
            for text in (
                str(item.number),
                f"{item.number:02d}",
                f"risk {item.number}",
                f"risque {item.number}",
            ):
                _claim(risk, text, (item.code, None))
    for kind in refs.violations.values():
        for text in _names(kind):
            _claim(violation, text, (kind.risk.code, kind.code))
    labels = _typology_labels(refs, typology)
    for key, value in violation.items():
        risk.setdefault(key, value)
    for key, value in labels.items():
        risk.setdefault(key, value)
    for key, value in labels.items():
        if value[1]:
            violation.setdefault(key, value)
    return risk, violation


def _typology_labels(refs: References, typology: str) -> dict[str, Any]:
    """The labels of the operation's typologies (RiskMapping); the mapping's typology first, so
    its labels win over another typology's."""
    mappings = list(
        RiskMapping.objects.filter(operation=refs.operation).select_related("risk", "violation")
    )
    mappings.sort(key=lambda m: (m.typology != typology, m.typology, m.pk))
    labels: dict[str, Any] = {}
    for mapping in mappings:
        _claim(
            labels,
            mapping.label,
            (mapping.risk.code, mapping.violation.code if mapping.violation else None),
        )
    return labels


def _reference_table(ref: str, items: Any) -> dict[str, Any]:
    """Codes by comparison key for one reference list (population groups also by their HXL
    attribute and synonyms)."""
    table: dict[str, Any] = {}
    for entry in items:
        for text in _names(entry):
            _claim(table, text, entry.code)
        if ref == "population_group":
            _claim(table, getattr(entry, "hxl_attribute", "").lstrip("+"), entry.code)
            for synonym in POPULATION_SYNONYMS.get(entry.code.upper(), ()):
                _claim(table, synonym, entry.code)
    return table
