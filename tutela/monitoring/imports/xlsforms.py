"""XLSForms of the incident form and of the community monitoring form, generated from an
operation's reference data, for partners who collect offline in KoboToolbox or ODK Collect.

The question names are the importer's column names (tutela.monitoring.imports.fields) and the
choices are the operation's codes, so that a Kobo/ODK export of the submissions imports back with
no mapping: "incident/occurred_on" is read as occurred_on, a select_multiple "R02 R11" as two
risks, `_uuid` as the external identifier. Labels are in English and French, and in Spanish too
when the operation works in Spanish (xlsform_spanish.py). No question asks for a name:
perpetrators are categories, people are counts.

    content = xlsform_incidents(operation)      # xlsx bytes (survey, choices, settings)
    xlsform_convert(content)                    # the XForm XML, through pyxform (raises on error)
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import override

from tutela.core.models import AdminArea, Operation, PopulationGroup, ProtectionRisk
from tutela.monitoring.imports import fields
from tutela.monitoring.imports.xlsform_builder import (  # noqa: F401 - EN, FR, ES: the tests' names
    CHOICE_COLUMNS,
    EN,
    ES,
    FORMS,
    FR,
    HINT_EN,
    HINT_ES,
    HINT_FR,
    MSG_EN,
    MSG_ES,
    MSG_FR,
    SURVEY_COLUMNS,
    _Form,
)
from tutela.monitoring.models import (
    AgeBand,
    PerpetratorCategory,
    ReferralService,
    Source,
    VerificationStatus,
    ViolationType,
)


def _active(model: Any, operation: Operation) -> Any:
    return model.objects.filter(operation=operation, is_active=True).order_by("order", "code")


def _locations(form: _Form, operation: Operation, *, required: bool) -> None:
    """Admin 1 → 2 → 3 cascading selects of P-codes (admin 3 only where the operation has it)."""
    countries = list(operation.countries.values_list("country_pcode", flat=True))
    areas = AdminArea.objects.filter(country_pcode__in=countries, level__in=(1, 2, 3)).order_by(
        "level", "name"
    )
    levels: dict[int, list[AdminArea]] = {1: [], 2: [], 3: []}
    parents = dict(AdminArea.objects.filter(country_pcode__in=countries).values_list("id", "pcode"))
    for area in areas:
        levels[area.level].append(area)
    labels = operation.admin_level_labels or {}
    form.begin("location", "Location", "Lieu")
    for level in (1, 2, 3):
        if not levels[level]:
            continue
        for area in levels[level]:
            parent = parents.get(area.parent_id, "") if area.parent_id else ""
            filters = {f"admin{level - 1}": parent} if level > 1 else {}
            form.choice(f"admin{level}", area.pcode, area.name, area.name, area.name, **filters)
        label = str(labels.get(str(level), "")) or f"Admin {level}"
        extra: dict[str, Any] = {}
        if level > 1:
            extra["choice_filter"] = f"admin{level - 1}=${{admin{level - 1}_pcode}}"
            extra["relevant"] = f"${{admin{level - 1}_pcode}} != ''"
        form.q(
            f"select_one admin{level}",
            f"admin{level}_pcode",
            f"{label} (admin {level})",
            f"{label} (admin {level})",
            f"{label} (admin {level})",
            required="yes" if required and level == 1 else "",
            appearance="minimal" if level == 3 else "",
            **extra,
        )
    form.end("location")


def _people(form: _Form, operation: Operation) -> None:
    bands = list(AgeBand.objects.filter(operation=operation, is_active=True).order_by("min_age"))
    people = fields.people_fields(bands)
    form.begin(
        "people",
        "People affected",
        "Personnes affectées",
        hint_en="Numbers only: never a name.",
        hint_fr="Des nombres seulement : jamais de nom.",
    )
    counts = [f for f in people if f.kind == fields.PEOPLE]
    with override("es"):
        in_spanish = {spec.name: str(spec.label) for spec in people}
    with override("en"):
        for spec in counts:
            form.q(
                "integer",
                spec.name,
                str(spec.label),
                spec.label_fr,
                in_spanish[spec.name],
                constraint=". >= 0 and . < 100000",
                msg_en="A number from 0.",
                msg_fr="Un nombre à partir de 0.",
            )
        for spec in people:
            if spec.kind != fields.DISABILITY:
                continue
            form.q(
                "integer",
                spec.name,
                str(spec.label),
                spec.label_fr,
                in_spanish[spec.name],
                relevant=f"${{{spec.of}}} > 0",
                constraint=f". >= 0 and . <= ${{{spec.of}}}",
                msg_en="At most the number of people counted above.",
                msg_fr="Au plus le nombre de personnes comptées plus haut.",
            )
    form.q(
        "select_one population_group",
        "population_group",
        "Population group of the people affected",
        "Groupe de population des personnes affectées",
    )
    form.end("people")
    form.items(
        "population_group", PopulationGroup.objects.filter(operation=operation).order_by("code")
    )


def incident_form(operation: Operation) -> _Form:
    form = _Form(operation.languages or ())
    form.begin("incident", "Incident", "Incident")
    form.q(
        "date",
        "occurred_on",
        "Date of the incident",
        "Date de l'incident",
        required="yes",
        constraint=". <= today()",
        msg_en="The date cannot be in the future.",
        msg_fr="La date ne peut pas être dans le futur.",
    )
    form.q(
        "date",
        "reported_on",
        "Date reported",
        "Date de rapportage",
        required="yes",
        constraint=". >= ${occurred_on} and . <= today()",
        msg_en="Between the date of the incident and today.",
        msg_fr="Entre la date de l'incident et aujourd'hui.",
    )
    form.end("incident")
    _locations(form, operation, required=True)
    form.begin("violation", "Risks and violations", "Risques et violations")
    form.q(
        "select_multiple risk",
        "risks",
        "Protection risks (the main one first)",
        "Risques de protection (le principal d'abord)",
        required="yes",
    )
    form.q(
        "select_multiple violation",
        "violations",
        "Violation types",
        "Types de violation",
        relevant="${risks} != ''",
        choice_filter="selected(${risks}, risk)",
    )
    form.q(
        "select_one perpetrator",
        "perpetrator",
        "Alleged perpetrator category (never a name)",
        "Catégorie d'auteur présumé (jamais de nom)",
    )
    form.end("violation")
    _people(form, operation)
    form.begin("displacement", "Displacement", "Déplacement")
    form.q(
        "select_one yes_no",
        "displacement_caused",
        "Did the incident cause displacement?",
        "L'incident a-t-il provoqué un déplacement ?",
    )
    form.q(
        "integer",
        "displaced_households",
        "Households displaced",
        "Ménages déplacés",
        relevant="${displacement_caused} = 'yes'",
        constraint=". > 0",
        msg_en="At least 1 household.",
        msg_fr="Au moins 1 ménage.",
    )
    form.end("displacement")
    form.begin("follow_up", "Referral and source", "Référencement et source")
    form.q(
        "select_multiple service",
        "services",
        "Services people were referred to",
        "Services vers lesquels les personnes ont été référées",
    )
    form.q(
        "select_one source",
        "source",
        "Source of the information",
        "Source de l'information",
        required="yes",
    )
    form.q(
        "select_one verification",
        "verification",
        "Verification status",
        "Statut de vérification",
        required="yes",
    )
    form.q(
        "text",
        "narrative",
        "What happened (no names, phone or ID numbers)",
        "Description des faits (sans noms, ni numéros de téléphone ou d'identité)",
        appearance="multiline",
        hint_en="Do not write names, phone numbers or ID numbers: they would identify people.",
        hint_fr=(
            "N'écrivez ni noms, ni numéros de téléphone ou d'identité : ils identifieraient "
            "des personnes."
        ),
    )
    form.end("follow_up")

    risks = list(_active(ProtectionRisk, operation))
    form.items("risk", risks)
    active_risks = {r.pk: r.code for r in risks}
    for violation in _active(ViolationType, operation).select_related("risk"):
        if violation.risk_id in active_risks:
            form.choice(
                "violation",
                violation.code,
                violation.name_en or violation.code,
                violation.name_fr or violation.code,
                violation.name_es or violation.name_en or violation.code,
                risk=active_risks[violation.risk_id],
            )
    form.items("perpetrator", _active(PerpetratorCategory, operation))
    form.items("service", _active(ReferralService, operation))
    form.items("source", _active(Source, operation))
    form.items("verification", _active(VerificationStatus, operation))
    form.choice("yes_no", "yes", "Yes", "Oui")
    form.choice("yes_no", "no", "No", "Non")
    return form


def community_form(operation: Operation) -> _Form:
    form = _Form(operation.languages or ())
    form.begin("community_info", "Community", "Communauté")
    form.q(
        "date",
        "month",
        "Month monitored",
        "Mois couvert",
        required="yes",
        appearance="month-year",
        constraint=". <= today()",
        msg_en="The month cannot be in the future.",
        msg_fr="Le mois ne peut pas être dans le futur.",
    )
    form.end("community_info")
    _locations(form, operation, required=True)
    form.begin("interview", "Interview", "Entretien")
    form.q(
        "text",
        "community",
        "Community (village, site or neighbourhood: its name or code)",
        "Communauté (village, site ou quartier : son nom ou son code)",
        required="yes",
        hint_en="The place, never a person's name.",
        hint_fr="Le lieu, jamais le nom d'une personne.",
    )
    form.q(
        "select_one respondent",
        "respondent",
        "Respondent type",
        "Type de répondant",
        required="yes",
    )
    form.q(
        "integer",
        "interviews",
        "Number of interviews",
        "Nombre d'entretiens",
        default="1",
        constraint=". >= 1",
        msg_en="At least 1.",
        msg_fr="Au moins 1.",
    )
    form.end("interview")
    form.begin("findings", "Risks reported", "Risques rapportés")
    form.q(
        "select_multiple risk",
        "risks",
        "Protection risks reported this month",
        "Risques de protection rapportés ce mois",
    )
    form.q(
        "select_multiple perpetrator",
        "perpetrators",
        "Alleged perpetrators (categories)",
        "Auteurs présumés (catégories)",
        relevant="count-selected(${risks}) > 0",
    )
    form.q(
        "select_multiple population_group",
        "affected_groups",
        "Groups affected",
        "Groupes affectés",
        relevant="count-selected(${risks}) > 0",
    )
    form.q(
        "select_multiple coping",
        "coping",
        "Coping mechanisms",
        "Mécanismes d'adaptation",
        constraint="not(selected(., 'none') and count-selected(.) > 1)",
        msg_en="“None” cannot be chosen with another answer.",
        msg_fr="« Aucun » ne peut pas être choisi avec une autre réponse.",
    )
    form.q(
        "select_one access",
        "access_to_services",
        "Access to services",
        "Accès aux services",
    )
    form.end("findings")
    form.items("risk", _active(ProtectionRisk, operation))
    form.items("perpetrator", _active(PerpetratorCategory, operation))
    form.items(
        "population_group", PopulationGroup.objects.filter(operation=operation).order_by("code")
    )
    for code, en, fr in fields.COPING:
        form.choice("coping", code, en, fr)
    for code, en, fr, _synonyms in fields.RESPONDENTS:
        form.choice("respondent", code, en, fr)
    for code, en, fr, _synonyms in fields.ACCESS:
        form.choice("access", code, en, fr)
    return form


def _form_id(operation: Operation, form: str) -> str:
    slug = "".join(c if c.isalnum() else "_" for c in operation.slug)
    return f"tutela_{form}_{slug}"


def xlsform_incidents(operation: Operation) -> bytes:
    """The incident form of the operation as an XLSForm (xlsx)."""
    return incident_form(operation).workbook(
        title=f"{operation.name}: protection incidents / incidents de protection",
        form_id=_form_id(operation, "incidents"),
    )


def xlsform_community(operation: Operation) -> bytes:
    """The community monitoring form of the operation as an XLSForm (xlsx)."""
    return community_form(operation).workbook(
        title=f"{operation.name}: community monitoring / monitoring communautaire",
        form_id=_form_id(operation, "community"),
    )


def xlsform(operation: Operation, form: str) -> bytes:
    if form == "community":
        return xlsform_community(operation)
    if form == "incidents":
        return xlsform_incidents(operation)
    raise ValueError(f"unknown form {form!r}")


def xlsform_convert(content: bytes, warnings: list[str] | None = None) -> str:
    """The XForm XML of an XLSForm, as KoboToolbox would make it (pyxform; ODK Validate, a Java
    program, is not run). Raises pyxform's errors."""
    # pyxform is loaded only when an XLSForm is converted (the command and the tests do).
    from pyxform.xls2xform import convert

    result = convert(
        xlsform=io.BytesIO(content), warnings=warnings, validate=False, file_type=".xlsx"
    )
    return str(result.xform)
