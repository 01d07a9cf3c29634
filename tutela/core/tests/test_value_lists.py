"""The value mapping's lists (tutela.core.imports.value_lists): every distinct value with its
count, fields keyed by the value and not by its position, suggestions, pages."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from tutela.core.imports import value_lists


def test_every_distinct_value_is_counted_whole_the_most_frequent_first() -> None:
    cells = ["Violence against civilians", "Riots", None, "", " Riots", "Riots", 12, 12.0]
    assert value_lists.distinct_counts(cells) == [
        ("Riots", 3),
        ("12", 2),
        ("Violence against civilians", 1),
    ]


def test_a_value_keeps_its_field_name_whatever_its_position() -> None:
    first = value_lists.value_field_name("activity", "Appui psychosocial")
    assert first == value_lists.value_field_name("activity", "Appui psychosocial")
    assert first != value_lists.value_field_name("activity", "Appui psychosocial ")
    assert first != value_lists.value_field_name("status", "Appui psychosocial")
    assert first.startswith("val_activity_")

    class Form(forms.Form):
        pass

    choices = {"activity": [("PSS", "PSS — Psychosocial support")]}
    forward = Form()
    value_lists.add_value_fields(
        forward,
        unknown={"activity": [("a", 1), ("b", 1)]},
        choices=choices,
        blank_choices=[("", "-")],
        initial=None,
        field_labels={},
    )
    backward = Form()
    value_lists.add_value_fields(
        backward,
        unknown={"activity": [("b", 1), ("a", 1)]},
        choices=choices,
        blank_choices=[("", "-")],
        initial=None,
        field_labels={},
    )
    assert set(forward.fields) == set(backward.fields)
    assert forward.fields[value_lists.value_field_name("activity", "a")].label == "a"


def test_suggestions_come_from_codes_and_names_close_to_the_value() -> None:
    suggester = value_lists.Suggester(
        [("HST", "HST — Host community"), ("IDP", "IDP — Internally displaced people")]
    )
    assert suggester.suggest("Host comunity") == "HST"
    assert suggester.suggest("internally displaced peple") == "IDP"
    assert suggester.suggest("Nomades") == ""


def _rows(count: int) -> list[value_lists.ValueRow]:
    class Form(forms.Form):
        pass

    return value_lists.add_value_fields(
        Form(),
        unknown={"activity": [(f"value {n:03d}", count - n) for n in range(count)]},
        choices={"activity": [("V007", "value 007 bis")]},
        blank_choices=[("", "-")],
        initial=None,
        field_labels={"activity": "Activity"},
    )


def test_values_are_shown_a_page_at_a_time_with_the_rest_hidden() -> None:
    rows = _rows(120)
    first = value_lists.values_view(rows, {})
    assert first.total == 120
    assert first.page is not None
    assert first.page.paginator.num_pages == 3
    assert [r.value for r in first.page.object_list][:2] == ["value 000", "value 001"]
    assert len(first.hidden) == 70
    third = value_lists.values_view(rows, {"vpage": "3"})
    assert third.page is not None
    assert [r.value for r in third.page.object_list][-1] == "value 119"
    found = value_lists.values_view(rows, {"vq": "VALUE 11"})
    assert found.total == 10
    assert len(found.hidden) == 110


def test_accepting_all_suggestions_keeps_the_choices_already_made() -> None:
    rows = _rows(120)
    suggested = [r for r in rows if r.suggestion]
    assert [r.value for r in suggested] == ["value 007"]
    posted = QueryDict(mutable=True)
    data, accepted = value_lists.accept_suggestions(posted, rows)
    assert accepted == 1
    assert data[suggested[0].key] == "V007"
    posted[suggested[0].key] = "OTHER"
    data, accepted = value_lists.accept_suggestions(posted, rows)
    assert accepted == 0
    assert data[suggested[0].key] == "OTHER"


def test_the_saved_tables_keep_the_values_of_earlier_files() -> None:
    rows = _rows(3)
    cleaned = {rows[0].key: "A", rows[1].key: ""}
    existing = {"activity": {"from last month": "B", "value 001": "C"}, "status": {"x": "y"}}
    assert value_lists.posted_values(cleaned, rows, existing) == {
        "activity": {"from last month": "B", "value 000": "A"},
        "status": {"x": "y"},
    }
