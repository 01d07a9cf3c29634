"""The shared kernel of reference data that several domains use: names kept in the operation's
languages (`Localised`), population groups and the GPC's protection risks.

5W rows, incidents, cases, plans and trainings all speak of the same population groups and the same
protection risks, so they live here and every domain app refers to them through core.

The two tables keep the names they had when they belonged to the 5W and monitoring apps
(`activities_populationgroup`, `monitoring_protectionrisk`): moving the models changed no data. A
later migration that changes one of these models must depend on
`core.0004_kernel_reference_models`, which runs after the apps that created the tables.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

NAME_LANGUAGES = ("en", "fr", "es")


def operation_name_languages(operation: Any) -> list[str]:
    """The languages an operation's names must be given in: its own (in its order, the default
    first), or English and French when it names none."""
    default = getattr(operation, "default_language", "") or ""
    languages = [default, *(getattr(operation, "languages", None) or [])]
    chosen = [lang for lang in dict.fromkeys(languages) if lang in NAME_LANGUAGES]
    return chosen or ["en", "fr"]


def localised_fill(instance: Localised, operation: Any) -> None:
    """Fill the name columns the database keeps non-empty (English, French) that an operation
    working in other languages left blank, with the name in the operation's first language that
    has one, so no label is ever empty (a French-only operation gives no English name)."""
    given = [
        str(getattr(instance, f"name_{lang}", "") or "")
        for lang in [*operation_name_languages(operation), *NAME_LANGUAGES]
    ]
    fallback = next((name for name in given if name.strip()), "")
    for lang in ("en", "fr"):
        if not str(getattr(instance, f"name_{lang}", "") or "").strip():
            setattr(instance, f"name_{lang}", fallback)


def localised_names_set(
    instance: Localised, operation: Any, data: dict[str, Any], *, created: bool
) -> None:
    """Set `data` on `instance` (a reference item being saved for `operation`), requiring its
    names only in the operation's languages. A name filled in for a language the operation does
    not use (a copy of its own name) follows that name when it changes; then the blanks are
    filled (`localised_fill`). ValidationError names each missing name."""
    languages = operation_name_languages(operation)
    copied = {
        lang
        for lang in ("en", "fr")
        if lang not in languages
        and not created
        and getattr(instance, f"name_{lang}", "") == getattr(instance, f"name_{languages[0]}", None)
    }
    for name, value in data.items():
        setattr(instance, name, value)
    for lang in copied:
        if data.get(f"name_{lang}") in (None, "", getattr(instance, f"name_{lang}")):
            setattr(instance, f"name_{lang}", "")
    missing = [
        lang for lang in languages if not str(getattr(instance, f"name_{lang}", "") or "").strip()
    ]
    if missing:
        raise ValidationError(
            {
                f"name_{lang}": gettext("Give the name in this operation's languages.")
                for lang in missing
            }
        )
    localised_fill(instance, operation)


class Localised(models.Model):
    """A name kept in English and French (Spanish optional), shown in the reader's language.
    An operation gives names only in its own languages: `localised_fill` fills the others."""

    name_en = models.CharField(_("name (English)"), max_length=300)
    name_fr = models.CharField(_("name (French)"), max_length=300)
    name_es = models.CharField(_("name (Spanish)"), max_length=300, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = (get_language() or "en")[:2]
        # The reader's language, else the first name given (never an empty label).
        for name in (getattr(self, f"name_{language}", ""), self.name_en, self.name_fr):
            if name:
                return str(name)
        return str(self.name_es or "")


class ReferenceItem(Localised):
    """A coded, translated, orderable item of an operation's reference data."""

    operation = models.ForeignKey("core.Operation", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(_("code"), max_length=40)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["operation", "order", "code"]


class PopulationGroup(Localised):
    """Population groups (HDX HAPI codes: REF, ASY, IDP, RET, HST, STA, OOC...), per operation."""

    operation = models.ForeignKey(
        "core.Operation", on_delete=models.CASCADE, related_name="population_groups"
    )
    code = models.CharField(_("code"), max_length=20)
    hxl_attribute = models.CharField(
        _("HXL attribute"), max_length=30, blank=True, help_text=_("e.g. +idps, +refugees")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "activities_populationgroup"
        ordering = ["operation", "code"]
        verbose_name = _("population group")
        verbose_name_plural = _("population groups")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="popgroup_unique_code")
        ]


class ProtectionRisk(ReferenceItem):
    """One of the GPC's 15 protection risks (number 1-15), or a risk an operation adds."""

    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    # Incidents under a GBV risk follow the GBV information-sharing protocol.
    is_gbv = models.BooleanField(_("gender-based violence"), default=False)

    class Meta(ReferenceItem.Meta):
        db_table = "monitoring_protectionrisk"
        verbose_name = _("protection risk")
        verbose_name_plural = _("protection risks")
        constraints = [
            models.UniqueConstraint(fields=["operation", "code"], name="risk_unique_code"),
        ]
