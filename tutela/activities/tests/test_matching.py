"""Matching a file's columns to the 5W fields: names, HXL hashtags, saved mappings, synonyms."""

from __future__ import annotations

from tutela.activities.models.fields import FIELDS
from tutela.core.imports.matching import match_columns, match_score


def match(headers: list[str], tags: list[str] | None = None, **kwargs: object) -> dict[str, str]:
    result = match_columns(headers, tags, targets=FIELDS, **kwargs)  # type: ignore[arg-type]
    return {headers[i]: name for i, name in result.columns.items()}


def test_field_names_match_exactly() -> None:
    assert match(["month", "activity", "admin2_pcode", "total"]) == {
        "month": "month",
        "activity": "activity",
        "admin2_pcode": "admin2_pcode",
        "total": "total",
    }


def test_hxl_tags_match_with_attributes_in_any_order() -> None:
    result = match_columns(
        ["A", "B", "C", "D"],
        ["#adm1 +code", "#reached +children +f", "#org+acronym+impl", "#adm2+name+v_fr"],
        targets=FIELDS,
    )
    assert result.columns == {
        0: "admin1_pcode",
        1: "girls",
        2: "implementing_partner",
        3: "admin2_name",
    }
    assert {result.how[i] for i in result.columns} == {"hxl"}


def test_a_bare_hashtag_matching_several_fields_is_left_unmatched() -> None:
    result = match_columns(["Partner X", "Zone"], ["#org", "#adm1"], targets=FIELDS)
    assert result.columns == {}
    assert result.unmatched == ["Partner X", "Zone"]
    # The header then decides.
    result = match_columns(["Org", "Admin1"], ["#org", "#adm1"], targets=FIELDS)
    assert result.columns == {0: "organisation", 1: "admin1_name"}
    assert set(result.how.values()) == {"synonym"}


def test_french_headers_match_by_synonym_without_accents_or_case() -> None:
    assert match(
        ["Mois", "ACTIVITÉ", "Région", "Filles", "Garçons", "Femmes âgées", "Handicap"]
    ) == {
        "Mois": "month",
        "ACTIVITÉ": "activity",
        "Région": "admin1_name",
        "Filles": "girls",
        "Garçons": "boys",
        "Femmes âgées": "older_women",
        "Handicap": "with_disability",
    }


def test_long_header_matches_on_its_first_line() -> None:
    headers = [
        "TYPE DE BENEFICIAIRES",
        "NOMBRE DE BENEFICIAIRES DIRECTS \n(indiquer nombre de personnes)",
        "DATE DEBUT",
        "Territoire",
    ]
    assert match(headers) == {
        "TYPE DE BENEFICIAIRES": "population_group",
        "NOMBRE DE BENEFICIAIRES DIRECTS \n(indiquer nombre de personnes)": "total",
        "DATE DEBUT": "start_date",
        "Territoire": "admin2_name",
    }


def test_translated_labels_match() -> None:
    assert match(["Reporting month", "People reached (total)"]) == {
        "Reporting month": "month",
        "People reached (total)": "total",
    }


def test_saved_mapping_wins_and_can_ignore_columns() -> None:
    headers = ["MONTH", "ActivityId", "Admin1", "Achieved", "Cluster"]
    result = match_columns(
        headers,
        None,
        targets=FIELDS,
        mapping={"ActivityId": "activity", "Achieved": "total", "MONTH": "", "Gone": "site"},
    )
    named = {headers[i]: name for i, name in result.columns.items()}
    assert named == {"ActivityId": "activity", "Achieved": "total", "Admin1": "admin1_name"}
    assert result.ignored == ["MONTH"]
    assert result.unmatched == ["Cluster"]
    assert result.mapping_missing == ["Gone"]
    assert result.how[1] == "mapping"


def test_mapping_keys_match_despite_spacing_and_line_breaks() -> None:
    headers = ["CLUSTER\n(Choisir dans la liste déroulante)"]
    result = match_columns(
        headers,
        None,
        targets=FIELDS,
        mapping={"CLUSTER (Choisir dans la liste deroulante)": "activity"},
    )
    assert result.columns == {0: "activity"}


def test_mapping_only_when_auto_is_off() -> None:
    result = match_columns(
        ["month", "total"], None, targets=FIELDS, mapping={"total": "total"}, auto=False
    )
    assert result.columns == {1: "total"}
    assert result.unmatched == ["month"]


def test_second_column_for_a_field_is_a_duplicate() -> None:
    result = match_columns(["total", "Total bénéficiaires"], None, targets=FIELDS)
    assert result.columns == {0: "total"}
    assert result.duplicates == [("Total bénéficiaires", "total", "total")]
    assert result.header_for("total") == "total"
    assert result.missing(["month", "total"]) == ["month"]


def test_match_score_counts_matched_fields() -> None:
    assert match_score(["month", "activity", "nothing"], None, targets=FIELDS) == 2.0
