"""People columns, made from the operation's age bands x sex ("girls_0_4", "women", "older_men"...),
each with a "..._disability" column counting those of them who have a disability."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tutela.monitoring.imports.fields.base import DISABILITY, PEOPLE, Field


@dataclass(frozen=True)
class Band:
    code: str
    min_age: int
    max_age: int | None
    name_en: str = ""
    name_fr: str = ""


def _band_of(item: Any) -> Band:
    if isinstance(item, Band):
        return item
    return Band(
        code=item.code,
        min_age=item.min_age,
        max_age=item.max_age,
        name_en=getattr(item, "name_en", "") or item.code,
        name_fr=getattr(item, "name_fr", "") or getattr(item, "name_en", "") or item.code,
    )


def _suffix(band: Band) -> str:
    return f"{band.min_age}_{band.max_age}" if band.max_age is not None else f"{band.min_age}_plus"


def _words(band: Band, adult_bands: int, older_bands: int) -> tuple[str, str]:
    """The column stems for women and men of the band: "girls_12_17", "women", "older_men"."""
    suffix = _suffix(band)
    if band.max_age is not None and band.max_age < 18:
        return f"girls_{suffix}", f"boys_{suffix}"
    if band.min_age >= 60:
        return (
            ("older_women", "older_men")
            if older_bands == 1
            else (
                f"older_women_{suffix}",
                f"older_men_{suffix}",
            )
        )
    if adult_bands == 1:
        return "women", "men"
    return f"women_{suffix}", f"men_{suffix}"


def _sex_words(is_female: bool, child: bool) -> tuple[str, str]:
    """The English and French words of a sex and age group: "Girls"/"Filles", "Men"/"Hommes"."""
    if child:
        return ("Girls", "Filles") if is_female else ("Boys", "Garçons")
    return ("Women", "Femmes") if is_female else ("Men", "Hommes")


def _count_field(name: str, stem: str, sex: str, band: Band) -> Field:
    """The column of the people of one sex in one age band, with the headers files give it."""
    low, high = band.min_age, band.max_age
    span = f"{low}-{high}" if high is not None else f"{low}+"
    is_female = sex == "F"
    word_en, word_fr = _sex_words(is_female, high is not None and high < 18)
    short_en, short_fr = ("f", "f") if is_female else ("m", "h")
    ages = f"{low}_{high}" if high is not None else f"{low}plus"
    synonyms = (
        f"{word_en} {span}",
        f"{word_fr} {span}",
        f"{word_en} {span} years",
        f"{word_fr} {span} ans",
        f"{'female' if is_female else 'male'} {span}",
        f"{short_en} {span}",
        f"{short_fr} {span}",
        f"{'femmes' if is_female else 'hommes'} agees" if low >= 60 else "",
        ("femmes" if is_female else "hommes") if stem in ("women", "men") else "",
    )
    return Field(
        name,
        format_lazy("{word} {band}", word=_(word_en), band=band.name_en or span),
        f"{word_fr} {band.name_fr or span}",
        f"#affected+{'f' if is_female else 'm'}+age{ages}",
        PEOPLE,
        tuple(s for s in synonyms if s),
        sex=sex,
        age_band=band.code,
    )


def _disability_field(count: Field, band: Band) -> Field:
    """Of the people of a count column, how many have a disability."""
    low, high = band.min_age, band.max_age
    span = f"{low}-{high}" if high is not None else f"{low}+"
    word_en, word_fr = _sex_words(count.sex == "F", high is not None and high < 18)
    name = count.name
    return Field(
        f"{name}_disability",
        format_lazy(
            "{word} {band}: {note}",
            word=_(word_en),
            band=band.name_en or span,
            note=_("with a disability (of them)"),
        ),
        f"{word_fr} {band.name_fr or span} : en situation de handicap (parmi eux)",
        f"{count.hxl}+disabled",
        DISABILITY,
        (
            f"{name} with disability",
            f"{name} handicap",
            f"{word_en} {span} with disability",
            f"{word_fr} {span} handicap",
        ),
        sex=count.sex,
        age_band=band.code,
        of=name,
    )


def people_fields(age_bands: Iterable[Any]) -> tuple[Field, ...]:
    """The people columns for these age bands: for each band, women/girls then men/boys, then
    the matching "…_disability" columns (of the people counted, how many have a disability)."""
    bands = [_band_of(b) for b in age_bands]
    adult = sum(1 for b in bands if b.min_age < 60 and (b.max_age is None or b.max_age >= 18))
    older = sum(1 for b in bands if b.min_age >= 60)
    counts: list[Field] = []
    disabled: list[Field] = []
    taken: set[str] = set()
    for band in bands:
        female, male = _words(band, adult, older)
        for stem, sex in ((female, "F"), (male, "M")):
            name = stem
            while name in taken:
                name += "_"
            taken.add(name)
            count = _count_field(name, stem, sex, band)
            counts.append(count)
            disabled.append(_disability_field(count, band))
    return (*counts, *disabled)
