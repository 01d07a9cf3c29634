"""Search through the blind index: finds spellings, phones and ID numbers, ranks exact matches
first, stays inside what the user may see, and never decrypts a case."""

from __future__ import annotations

from typing import Any

import pytest

from tutela.cases.selectors.cases import case_search
from tutela.cases.tests.conftest import CaseWorld, person, register
from tutela.core import crypto


@pytest.fixture
def cases(cw: CaseWorld) -> dict[str, Any]:
    return {
        "mohammad": register(
            cw,
            principal=person(
                given_name="Mohammad",
                family_name="Diallo",
                phone="+223 70 11 22 33",
                id_number="A-123456",
            ),
        ),
        "mamadou": register(
            cw, principal=person(given_name="Mamadou", family_name="Diallo", phone="", id_number="")
        ),
        "fatoumata": register(
            cw,
            principal=person(given_name="Fatoumata", family_name="Keïta", phone="", id_number=""),
        ),
        "other": register(
            cw,
            by=cw.caseworker2,
            principal=person(given_name="Muhammad", family_name="Diallo", phone="", id_number=""),
        ),
    }


def test_search_finds_spellings_and_ranks_exact_matches_first(cw: CaseWorld, cases: Any) -> None:
    found = case_search(cw.caseworker, cw.operation, "Muhammad Diallo")
    # "Mamadou" sounds the same; "Mohammad" too; the caseworker2's "Muhammad" is not theirs.
    assert set(found) == {cases["mohammad"], cases["mamadou"]}
    supervisor = case_search(cw.supervisor, cw.operation, "Muhammad Diallo")
    assert supervisor[0] == cases["other"]
    assert set(supervisor) == {cases["mohammad"], cases["mamadou"], cases["other"]}


def test_search_by_phone_id_or_code(cw: CaseWorld, cases: Any) -> None:
    assert case_search(cw.caseworker, cw.operation, "0022370112233") == [cases["mohammad"]]
    assert case_search(cw.caseworker, cw.operation, "a123456") == [cases["mohammad"]]
    code = cases["fatoumata"].code
    assert case_search(cw.caseworker, cw.operation, code.lower()) == [cases["fatoumata"]]


def test_search_reads_nothing_outside_the_organisation(cw: CaseWorld, cases: Any) -> None:
    assert case_search(cw.drc_caseworker, cw.operation, "Diallo") == []
    assert case_search(cw.world.coordinator, cw.operation, "Diallo") == []


def test_search_never_decrypts(cw: CaseWorld, cases: Any, monkeypatch: Any) -> None:
    calls: list[str] = []
    real = crypto.decrypt

    def counting(value: str) -> str:
        calls.append(value)
        return real(value)

    monkeypatch.setattr(crypto, "decrypt", counting)
    found = case_search(cw.supervisor, cw.operation, "Fatimata Keita")
    assert found == [cases["fatoumata"]]
    assert calls == []
