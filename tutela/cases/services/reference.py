"""Case management reference data seeded in every operation (English, French, Spanish):
UNHCR's specific-needs categories and the service types of the referral pathway, and the
operation's case management settings. The operation edits them afterwards; seeding again adds
only what is missing and never changes what was edited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import CaseSettings, ServiceType, SpecificNeed
from tutela.core.models import AuditEntry, Operation, User
from tutela.core.models.reference import localised_names_set
from tutela.core.services.audit import audit_create, audit_update, audit_write, snapshot

# UNHCR specific needs codes (proGres / "Guidance on the use of standardized specific needs
# codes"): code, English, French, Spanish.
SPECIFIC_NEEDS = [
    ("CR", "Child at risk", "Enfant à risque", "Niño/a en riesgo"),
    (
        "SC",
        "Unaccompanied or separated child",
        "Enfant non accompagné ou séparé",
        "Niño/a no acompañado/a o separado/a",
    ),
    ("WR", "Woman at risk", "Femme à risque", "Mujer en riesgo"),
    ("ER", "Older person at risk", "Personne âgée à risque", "Persona mayor en riesgo"),
    ("SP", "Single parent or caregiver", "Parent ou tuteur seul", "Madre, padre o cuidador solo"),
    ("DS", "Disability", "Handicap", "Discapacidad"),
    ("SM", "Serious medical condition", "Problème médical grave", "Condición médica grave"),
    (
        "LP",
        "Specific legal and physical protection needs",
        "Besoins spécifiques de protection juridique et physique",
        "Necesidades específicas de protección legal y física",
    ),
    ("TR", "Torture", "Torture", "Tortura"),
    (
        "SV",
        "Sexual and gender-based violence",
        "Violence sexuelle et basée sur le genre",
        "Violencia sexual y de género",
    ),
    ("FU", "Family unity", "Unité familiale", "Unidad familiar"),
]

# The referral pathway's service types: code, English, French, Spanish.
SERVICE_TYPES = [
    ("health", "Health care", "Soins de santé", "Atención de salud"),
    (
        "cmr",
        "Clinical management of rape",
        "Prise en charge clinique du viol",
        "Manejo clínico de la violación",
    ),
    (
        "mhpss",
        "Mental health and psychosocial support",
        "Santé mentale et soutien psychosocial",
        "Salud mental y apoyo psicosocial",
    ),
    ("legal", "Legal aid", "Assistance juridique", "Asistencia legal"),
    ("documentation", "Civil documentation", "Documentation civile", "Documentación civil"),
    ("shelter", "Safe shelter", "Hébergement sûr", "Albergue seguro"),
    (
        "cash",
        "Cash for protection",
        "Transferts monétaires pour la protection",
        "Efectivo para protección",
    ),
    ("gbv_cm", "GBV case management", "Gestion de cas VBG", "Gestión de casos de VBG"),
    (
        "cp_cm",
        "Child protection case management",
        "Gestion de cas de protection de l'enfant",
        "Gestión de casos de protección infantil",
    ),
    (
        "ftr",
        "Family tracing and reunification",
        "Recherche et réunification familiales",
        "Búsqueda y reunificación familiar",
    ),
    ("alternative_care", "Alternative care", "Prise en charge alternative", "Cuidado alternativo"),
    ("education", "Education", "Éducation", "Educación"),
    ("livelihoods", "Livelihoods", "Moyens de subsistance", "Medios de vida"),
    ("food", "Food and nutrition", "Alimentation et nutrition", "Alimentación y nutrición"),
    (
        "nfi",
        "Shelter and non-food items",
        "Abris et articles non alimentaires",
        "Alojamiento y artículos no alimentarios",
    ),
    (
        "victim_assistance",
        "Victim assistance (explosive ordnance)",
        "Assistance aux victimes (engins explosifs)",
        "Asistencia a víctimas (artefactos explosivos)",
    ),
    (
        "hlp",
        "Housing, land and property",
        "Logement, terre et biens",
        "Vivienda, tierra y propiedad",
    ),
]


def _missing(model: Any, operation: Operation, rows: list[tuple[str, str, str, str]]) -> int:
    existing = set(model.objects.filter(operation=operation).values_list("code", flat=True))
    new = [
        model(operation=operation, code=code, order=order, name_en=en, name_fr=fr, name_es=es)
        for order, (code, en, fr, es) in enumerate(rows, start=1)
        if code not in existing
    ]
    model.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def cases_seed(*, operation: Operation, by: User | None = None) -> int:
    """Seed the operation's case management reference data (idempotent)."""
    created = _missing(SpecificNeed, operation, SPECIFIC_NEEDS)
    created += _missing(ServiceType, operation, SERVICE_TYPES)
    _settings, made = CaseSettings.objects.get_or_create(operation=operation)
    created += int(made)
    if created:
        audit_write(
            actor=by,
            action=AuditEntry.Action.CREATE,
            operation=operation,
            entity_type="cases.reference",
            entity_id=str(operation.pk),
            summary=f"case management reference data seeded ({created} items)",
        )
    return created


REFERENCE_MODELS: dict[str, Any] = {"needs": SpecificNeed, "services": ServiceType}


@transaction.atomic
def case_settings_update(
    *,
    operation: Operation,
    by: User,
    retention_months: int,
    gbv_aggregate_organisations: Any = (),
) -> CaseSettings:

    if not access.can_manage_settings(by, operation):
        raise PermissionDenied
    settings, _made = CaseSettings.objects.get_or_create(operation=operation)
    before = snapshot(settings)
    settings.retention_months = retention_months
    settings.full_clean(exclude=["operation"])
    settings.save()
    members = set(operation.organisations.values_list("pk", flat=True))
    settings.gbv_aggregate_organisations.set(
        [org for org in gbv_aggregate_organisations if org.pk in members]
    )
    audit_update(actor=by, instance=settings, operation=operation, before=before)
    return settings


@transaction.atomic
def reference_item_save(
    *,
    operation: Operation,
    by: User,
    kind: str,
    item: Any = None,
    code: str,
    name_en: str,
    name_fr: str,
    name_es: str = "",
    order: int = 0,
    is_active: bool = True,
) -> Any:
    """Add or change a specific-needs category or a service type of the operation."""

    if not access.can_manage_settings(by, operation):
        raise PermissionDenied
    model = REFERENCE_MODELS[kind]
    code = code.strip()
    clash = model.objects.filter(operation=operation, code__iexact=code)
    if item is not None:
        clash = clash.exclude(pk=item.pk)
    if not code or clash.exists():
        raise ValidationError({"code": _("Give a code that no other item uses.")})
    new = item is None
    item = item or model(operation=operation)
    before = None if new else snapshot(item)
    for name, value in (("code", code), ("order", order), ("is_active", is_active)):
        setattr(item, name, value)
    # Names required in the operation's own languages only; the others filled for display.
    names = {"name_en": name_en.strip(), "name_fr": name_fr.strip(), "name_es": name_es.strip()}
    localised_names_set(item, operation, names, created=new)
    item.full_clean(exclude=["operation"], validate_constraints=False)
    item.save()
    if new:
        audit_create(actor=by, instance=item, operation=operation)
    else:
        audit_update(actor=by, instance=item, operation=operation, before=before or {})
    return item
