"""Forms of the incident pages: the record form (with the people-affected grid) and the list
filters. The form only parses input into an `IncidentData`; the checks are `incident_problems`,
run by the services."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tutela.core.counts import MAX_COUNT
from tutela.core.forms.fields import DateInput
from tutela.core.models import AdminArea, Operation, PopulationGroup, ProtectionRisk
from tutela.core.pcodes import AreaRef
from tutela.monitoring.incidents.data import IncidentData, PeopleCount, References
from tutela.monitoring.models import (
    AgeBand,
    PerpetratorCategory,
    ReferralService,
    Source,
    VerificationStatus,
    ViolationType,
)

SEXES = [("F", _("Female")), ("M", _("Male"))]


# Where the services' problems go in the form ("people" problems go to the grid).
PROBLEM_FIELDS = {
    "occurred_on": "occurred_on",
    "reported_on": "reported_on",
    "area_pcode": "area",
    "site": "site",
    "risks": "main_risk",
    "perpetrator": "perpetrator",
    "displaced_households": "displaced_households",
    "services": "services",
    "source": "source",
    "verification": "verification",
    "narrative": "narrative",
}


def narrative_digest(text: str) -> str:
    """Marks a narrative whose masking the user saw and accepted."""
    return hashlib.sha256((text or "").strip().encode()).hexdigest()[:20]


def _active(model: Any, operation: Operation) -> list[Any]:
    return list(model.objects.filter(operation=operation, is_active=True))


def _set_choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class IncidentForm(forms.Form):
    occurred_on = forms.DateField(label=_("Date of the incident"), widget=DateInput())
    reported_on = forms.DateField(label=_("Date reported"), widget=DateInput())
    area = forms.CharField(
        label=_("Location (P-code or name)"),
        max_length=200,
        help_text=_("Type the P-code or the name of the most precise area known."),
        widget=forms.TextInput(attrs={"list": "area-options", "autocomplete": "off"}),
    )
    site = forms.CharField(
        label=_("Site (optional)"),
        max_length=200,
        required=False,
        help_text=_("A village, camp or neighbourhood. Never a person's name or address."),
    )
    main_risk = forms.ChoiceField(label=_("Main protection risk"))
    other_risks = forms.MultipleChoiceField(
        label=_("Other risks"), required=False, widget=forms.CheckboxSelectMultiple
    )
    violations = forms.MultipleChoiceField(
        label=_("Violation types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every violation that applies; its risk is added."),
    )
    perpetrator = forms.ChoiceField(label=_("Alleged perpetrator category"), required=False)
    displacement_caused = forms.BooleanField(
        label=_("The incident caused displacement"), required=False
    )
    displaced_households = forms.IntegerField(
        label=_("Households displaced"), required=False, min_value=1, max_value=MAX_COUNT
    )
    services = forms.MultipleChoiceField(
        label=_("Services people were referred to"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.ChoiceField(label=_("Source"))
    verification = forms.ChoiceField(label=_("Verification status"))
    narrative = forms.CharField(
        label=_("Narrative"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What happened, without names, phone numbers or identity numbers: they are masked "
            "before saving."
        ),
    )
    narrative_checked = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any = None,
        *,
        operation: Operation,
        blocks: int = 2,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.operation = operation
        risks = _active(ProtectionRisk, operation)
        risk_choices = [(r.code, f"{r.number}. {r.name}" if r.number else r.name) for r in risks]
        _set_choices(self, "main_risk", [("", "—"), *risk_choices])
        _set_choices(self, "other_risks", risk_choices)
        violations = list(
            ViolationType.objects.filter(operation=operation, is_active=True).select_related("risk")
        )
        grouped: dict[str, list[tuple[str, str]]] = {}
        for violation in violations:
            grouped.setdefault(violation.risk.name, []).append((violation.code, violation.name))
        _set_choices(self, "violations", list(grouped.items()))
        _set_choices(
            self,
            "perpetrator",
            [
                ("", "—"),
                *((p.code, p.name) for p in _active(PerpetratorCategory, operation)),
            ],
        )
        _set_choices(
            self, "services", [(s.code, s.name) for s in _active(ReferralService, operation)]
        )
        _set_choices(
            self,
            "source",
            [
                ("", "—"),
                *((s.code, s.name) for s in _active(Source, operation)),
            ],
        )
        _set_choices(
            self, "verification", [(v.code, v.name) for v in _active(VerificationStatus, operation)]
        )
        # People affected: per population group, a sex × age band grid of counts and of those
        # with a disability among them.
        self.age_bands = _active(AgeBand, operation)
        groups = [
            ("", gettext("Not specified")),
            *(
                (g.code, g.name)
                for g in PopulationGroup.objects.filter(operation=operation).order_by("code")
            ),
        ]
        self.blocks = max(1, blocks)
        for block in range(self.blocks):
            # The cells of the other groups' grids say which grid they are in, for screen readers.
            suffix = (
                " " + gettext("(population group %(number)s)") % {"number": block + 1}
                if block
                else ""
            )
            self.fields[f"group_{block}"] = forms.ChoiceField(
                label=f"{gettext('Population group')}{suffix}", choices=groups, required=False
            )
            for sex, sex_label in SEXES:
                for index, band in enumerate(self.age_bands):
                    self.fields[f"n_{block}_{sex}_{index}"] = forms.IntegerField(
                        label=f"{sex_label}, {band.name}{suffix}",
                        required=False,
                        min_value=0,
                        max_value=MAX_COUNT,
                        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "count"}),
                    )
                    self.fields[f"d_{block}_{sex}_{index}"] = forms.IntegerField(
                        label=gettext("%(who)s, %(age)s, with a disability")
                        % {"who": sex_label, "age": band.name}
                        + suffix,
                        required=False,
                        min_value=0,
                        max_value=MAX_COUNT,
                        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "count"}),
                    )

    # --- the grid, for the template --------------------------------------------------------------

    def grid(self) -> list[dict[str, Any]]:
        """[{group field, rows: [{label, disability, cells: [bound fields]}]}] per block."""
        result = []
        for block in range(self.blocks):
            rows = []
            for sex, sex_label in SEXES:
                rows.append(
                    {
                        "label": sex_label,
                        "disability": False,
                        "cells": [self[f"n_{block}_{sex}_{i}"] for i in range(len(self.age_bands))],
                    }
                )
                rows.append(
                    {
                        "label": _("of whom with a disability"),
                        "disability": True,
                        "cells": [self[f"d_{block}_{sex}_{i}"] for i in range(len(self.age_bands))],
                    }
                )
            result.append({"index": block, "group": self[f"group_{block}"], "rows": rows})
        return result

    def area_options(self) -> list[tuple[str, str]]:
        """(P-code, name) of the operation's admin 1-3 areas, for the location's suggestions."""
        countries = list(self.operation.countries.values_list("country_pcode", flat=True))
        return list(
            AdminArea.objects.filter(country_pcode__in=countries, level__gte=1, level__lte=3)
            .order_by("pcode")
            .values_list("pcode", "name")
        )

    # --- validation ------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for block in range(self.blocks):
            for sex, _label in SEXES:
                for index in range(len(self.age_bands)):
                    total = cleaned.get(f"n_{block}_{sex}_{index}") or 0
                    disabled = cleaned.get(f"d_{block}_{sex}_{index}") or 0
                    if disabled > total:
                        self.add_error(
                            f"d_{block}_{sex}_{index}",
                            ValidationError(
                                _("More people with a disability than people in this cell."),
                                code="disability_above_total",
                            ),
                        )
        groups = [
            cleaned.get(f"group_{b}") or "" for b in range(self.blocks) if self._block_used(b)
        ]
        if len(groups) != len(set(groups)):
            raise ValidationError(
                _("The same population group is given twice in the people affected."),
                code="repeated_group",
            )
        return cleaned

    def _block_used(self, block: int) -> bool:
        return any(
            self.cleaned_data.get(f"n_{block}_{sex}_{i}")
            for sex, _label in SEXES
            for i in range(len(self.age_bands))
        )

    def people(self) -> list[PeopleCount]:
        lines = []
        for block in range(self.blocks):
            group = self.cleaned_data.get(f"group_{block}") or None
            for sex, _label in SEXES:
                for index, band in enumerate(self.age_bands):
                    total = self.cleaned_data.get(f"n_{block}_{sex}_{index}") or 0
                    disabled = min(self.cleaned_data.get(f"d_{block}_{sex}_{index}") or 0, total)
                    if disabled:
                        lines.append(PeopleCount(sex, band.code, True, group, disabled))
                    if total - disabled:
                        lines.append(PeopleCount(sex, band.code, False, group, total - disabled))
        return lines

    def risks(self) -> list[tuple[str, str | None]]:
        """The main risk first, with the violation types ticked under each risk."""
        data = self.cleaned_data
        by_risk: dict[str, list[str]] = {}
        risk_of = dict(
            ViolationType.objects.filter(
                operation=self.operation, code__in=data.get("violations") or []
            ).values_list("code", "risk__code")
        )
        for code in data.get("violations") or []:
            by_risk.setdefault(risk_of.get(code, ""), []).append(code)
        order = [data["main_risk"]]
        order += [r for r in data.get("other_risks") or [] if r not in order]
        order += [r for r in by_risk if r and r not in order]
        pairs: list[tuple[str, str | None]] = []
        for risk in order:
            ticked = by_risk.get(risk) or []
            if ticked:
                pairs.extend((risk, v) for v in ticked)
            else:
                pairs.append((risk, None))
        return pairs

    def area_pcode(self, refs: References) -> str:
        """The P-code typed, or that of the one area whose name matches exactly. Otherwise the
        areas the user may have meant are kept for the error message (`area_suggestions`)."""
        raw = (self.cleaned_data.get("area") or "").strip()
        first = raw.split()[0] if raw else ""
        self.area_suggestions: list[AreaRef] = []
        self.area_ambiguous = False
        if refs.area(first) is not None:
            return first.upper()
        name = raw.split("—", 1)[-1].strip()
        found = [m for m in refs.gazetteer.match_name(name, limit=5) if m.area.level >= 1]
        exact = [m for m in found if m.exact]
        if len(exact) == 1:
            return exact[0].area.pcode
        self.area_ambiguous = len(exact) > 1
        self.area_suggestions = [m.area for m in (exact or found)]
        return first

    def _area_message(self, message: str) -> str:
        """A name that several areas share, or a near miss, says which areas were meant."""
        suggestions = getattr(self, "area_suggestions", [])
        if not suggestions:
            return message
        labels = self.operation.admin_level_labels or {}
        choices = ", ".join(
            f"{area.name} ({area.pcode}"
            + (f", {labels[str(area.level)]}" if labels.get(str(area.level)) else "")
            + ")"
            for area in suggestions
        )
        name = (self.cleaned_data.get("area") or "").strip()
        if self.area_ambiguous:
            return gettext(
                "Several areas are called %(name)s: %(choices)s. Type the P-code of the one you "
                "mean."
            ) % {"name": name, "choices": choices}
        return gettext("%(name)s is not a known P-code or area name. Did you mean %(choices)s?") % {
            "name": name,
            "choices": choices,
        }

    def to_data(self, refs: References, *, external_id: str = "") -> IncidentData:
        data = self.cleaned_data
        return IncidentData(
            occurred_on=data["occurred_on"],
            reported_on=data["reported_on"],
            area_pcode=self.area_pcode(refs),
            site=data.get("site") or "",
            risks=self.risks(),
            perpetrator=data.get("perpetrator") or None,
            people=self.people(),
            displacement_caused=bool(data.get("displacement_caused")),
            displaced_households=data.get("displaced_households"),
            services=list(data.get("services") or []),
            source=data["source"],
            verification=data["verification"],
            narrative=data.get("narrative") or "",
            external_id=external_id,
        )

    def apply_problems(self, problems: list[tuple[str, str, str]]) -> None:
        for field_name, code, message in problems:
            target = PROBLEM_FIELDS.get(field_name)
            if field_name == "area_pcode" and code == "unknown":
                message = self._area_message(message)
            self.add_error(target, ValidationError(message, code=code))

    def page_order(self) -> list[str]:
        """The fields in the order the page shows them (the grid comes before the response)."""
        grid = [
            name
            for block in range(self.blocks)
            for name in (
                f"group_{block}",
                *(
                    f"{kind}_{block}_{sex}_{i}"
                    for sex, _label in SEXES
                    for kind in ("n", "d")
                    for i in range(len(self.age_bands))
                ),
            )
        ]
        head = ["occurred_on", "reported_on", "area", "site", "main_risk", "other_risks"]
        head += ["violations", "perpetrator"]
        tail = ["displacement_caused", "displaced_households", "services", "source"]
        tail += ["verification", "narrative"]
        return head + grid + tail

    def focus_first_error(self) -> None:
        """Put the keyboard focus (and the screen) on the first field with a problem: on a phone
        the form is several screens long."""
        for name in self.page_order():
            if name in self.errors and name in self.fields:
                self.fields[name].widget.attrs["autofocus"] = True
                return

    @classmethod
    def initial_for(cls, data: IncidentData, operation: Operation) -> tuple[dict[str, Any], int]:
        """(initial values, number of grid blocks) for editing a record."""
        risk_of = dict(
            ViolationType.objects.filter(operation=operation).values_list("code", "risk__code")
        )
        risk_codes = list(dict.fromkeys(r for r, _v in data.risks))
        initial: dict[str, Any] = {
            "occurred_on": data.occurred_on,
            "reported_on": data.reported_on,
            "area": data.area_pcode,
            "site": data.site,
            "main_risk": risk_codes[0] if risk_codes else "",
            "other_risks": [
                r for r in risk_codes[1:] if r not in {risk_of.get(v) for _r, v in data.risks if v}
            ],
            "violations": [v for _r, v in data.risks if v],
            "perpetrator": data.perpetrator or "",
            "displacement_caused": data.displacement_caused,
            "displaced_households": data.displaced_households,
            "services": data.services,
            "source": data.source,
            "verification": data.verification,
            "narrative": data.narrative,
        }
        bands = [b.code for b in _active(AgeBand, operation)]
        groups = list(dict.fromkeys(p.population_group or "" for p in data.people))
        for line in data.people:
            block = groups.index(line.population_group or "")
            initial[f"group_{block}"] = line.population_group or ""
            if line.age_band not in bands:
                continue
            cell = f"{block}_{line.sex}_{bands.index(line.age_band)}"
            initial[f"n_{cell}"] = initial.get(f"n_{cell}", 0) + line.count
            if line.with_disability:
                initial[f"d_{cell}"] = initial.get(f"d_{cell}", 0) + line.count
        return initial, len(groups) + 1
