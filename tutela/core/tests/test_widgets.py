"""QuickSelect writes the markup Django's Select writes (the template it replaces), up to the
blank lines between tags."""

from __future__ import annotations

import re

import pytest
from django import forms

from tutela.core.forms.widgets import QuickSelect
from tutela.core.models import Organisation

CHOICES = [
    ("", "—"),
    ("ML05", "Mopti (ML05)"),
    ("x\"<&'>", 'Tom & "Jerry" <script>alert(1)</script>'),
    ("Groups", [("g1", "First"), ("g2", "Second <b>")]),
    (7, "Seven"),
]


def tags(html: object) -> str:
    return re.sub(r">\s+<", "><", str(html))


@pytest.mark.parametrize("value", [None, "", "ML05", "x\"<&'>", "g2", 7, "7"])
def test_quick_select_writes_what_the_select_template_writes(value: object) -> None:
    attrs = {"id": "id_area", "class": "filter", "required": True, "data-x": 'a"b'}
    django_select = forms.Select(choices=CHOICES).render("area", value, attrs=attrs)
    quick = QuickSelect(choices=CHOICES).render("area", value, attrs=attrs)
    assert tags(quick) == tags(django_select)
    assert "<script>" not in quick


def test_quick_select_in_a_model_choice_field(db: None) -> None:
    for acronym, name in (("AOD", "Agence <démo>"), ("SPA", "Sahel & co")):
        Organisation.objects.create(acronym=acronym, name=name, type="nngo")

    class Form(forms.Form):
        organisation = forms.ModelChoiceField(
            queryset=Organisation.objects.order_by("acronym"), to_field_name="acronym"
        )

    class Quick(forms.Form):
        organisation = forms.ModelChoiceField(
            queryset=Organisation.objects.order_by("acronym"),
            to_field_name="acronym",
            widget=QuickSelect,
        )

    data = {"organisation": "SPA"}
    assert tags(Quick(data)["organisation"]) == tags(Form(data)["organisation"])
    assert 'value="SPA" selected' in str(Quick(data)["organisation"])
