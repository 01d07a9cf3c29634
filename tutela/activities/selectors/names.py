"""Codes and labels of the values of a table's dimensions (one query per dimension)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutela.activities.models import Activity, ActivityReport, Indicator
from tutela.core.models import AdminArea, Body, Organisation, PopulationGroup


@dataclass(frozen=True)
class Name:
    code: str
    label: str


HIDDEN_PARTNER = gettext_lazy("Partner not named (insecure area)")
# The line of a table holding blocks of small groups pooled across its dimension.
POOLED_LABEL = gettext_lazy("Pooled small groups")


def month_value(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def resolve_names(dim: str, values: Iterable[Any]) -> dict[Any, Name]:
    """Codes and labels of one dimension's values: one query per dimension, never per row."""
    ids = {v for v in values if v is not None}
    names: dict[Any, Name] = {}
    if dim == "organisation":
        for pk, acronym in Organisation.objects.filter(pk__in=ids).values_list("pk", "acronym"):
            names[pk] = Name(acronym, acronym)
    elif dim == "organisation_type":
        labels = dict(Organisation.Type.choices)
        names = {v: Name(v, str(labels.get(v, v))) for v in ids}
    elif dim == "body":
        for pk, code, name in Body.objects.filter(pk__in=ids).values_list("pk", "code", "name"):
            names[pk] = Name(code or str(pk), name)
    elif dim in ("activity", "indicator"):
        model = Activity if dim == "activity" else Indicator
        for item in model.objects.filter(pk__in=ids).only(
            "pk", "code", "name_en", "name_fr", "name_es"
        ):
            names[item.pk] = Name(item.code, f"{item.code} — {item.name}")
    elif dim in ("admin1", "admin2", "admin3"):
        for pk, pcode, name in AdminArea.objects.filter(pk__in=ids).values_list(
            "pk", "pcode", "name"
        ):
            names[pk] = Name(pcode, name)
    elif dim == "population_group":
        for group in PopulationGroup.objects.filter(pk__in=ids):
            names[group.pk] = Name(group.code, group.name)
    elif dim == "site":
        # Keys without a site are "Not given" (missing_name); a key's label is the name (and
        # code) written on its rows.
        found = (
            ActivityReport.objects.filter(site_key__in=ids - {""})
            .order_by("site_key", "-month")
            .values_list("site_key", "site_code", "site")
        )
        for key, code, name in found:
            if key not in names:
                label = f"{code} — {name}" if code and name else (name or code)
                names[key] = Name(code or key, label)
    elif dim == "month":
        for value in ids:
            month = month_value(value)
            assert month is not None
            names[value] = Name(f"{month:%Y-%m}", formats.date_format(month, "YEAR_MONTH_FORMAT"))
    return names


def missing_name(dim: str) -> Name:
    if dim == "organisation":
        return Name("", str(HIDDEN_PARTNER))
    if dim == "indicator":
        return Name("", _("No indicator"))
    return Name("", _("Not given"))
