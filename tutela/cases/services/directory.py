"""The service directory (the referral pathway): each organisation keeps its services; members
of the operation read the published ones, export them and pick a referral's receiver from them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.cases import access
from tutela.cases.models import Service, ServiceType
from tutela.core.models import AdminArea, Operation, Organisation, PopulationGroup, User
from tutela.core.services.audit import audit_create, audit_update, snapshot

SERVICE_FIELDS = (
    "service_type",
    "name",
    "description",
    "population",
    "languages",
    "hours",
    "contact_name",
    "contact_phone",
    "contact_email",
    "referral_requirements",
    "focal_point",
    "is_published",
    "is_active",
)


def _check(operation: Operation, organisation: Organisation, values: dict[str, Any]) -> None:
    service_type: ServiceType | None = values.get("service_type")
    if service_type is not None and service_type.operation_id != operation.pk:
        raise ValidationError({"service_type": _("Unknown service type.")})
    countries = set(operation.countries.values_list("pcode", flat=True))
    for area in values.get("areas") or ():
        if area.country_pcode not in countries:
            raise ValidationError(
                {
                    "areas": _("%(pcode)s is not in the operation's countries.")
                    % {"pcode": area.pcode}
                }
            )
    for group in values.get("population_groups") or ():
        if group.operation_id != operation.pk:
            raise ValidationError({"population_groups": _("Unknown population group.")})
    focal_point: User | None = values.get("focal_point")
    if focal_point is not None and focal_point.organisation_id != organisation.pk:
        raise ValidationError({"focal_point": _("The focal point must work for the organisation.")})
    languages = values.get("languages")
    if languages is not None and (
        not isinstance(languages, list)
        or not all(isinstance(x, str) and 0 < len(x.strip()) <= 40 for x in languages)
    ):
        raise ValidationError({"languages": _("Give the languages as a list of names.")})


@transaction.atomic
def service_create(
    *,
    operation: Operation,
    by: User,
    organisation: Organisation,
    service_type: ServiceType,
    name: str,
    areas: Iterable[AdminArea],
    population_groups: Iterable[PopulationGroup] = (),
    is_demo: bool = False,
    **values: Any,
) -> Service:
    if not access.can_edit_directory(by, operation, organisation):
        raise PermissionDenied
    if not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError({"organisation": _("Not an organisation of this operation.")})
    unknown = set(values) - set(SERVICE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    areas, population_groups = list(areas), list(population_groups)
    if not areas:
        raise ValidationError({"areas": _("Give at least one area served (P-code).")})
    _check(
        operation,
        organisation,
        {
            "service_type": service_type,
            "areas": areas,
            "population_groups": population_groups,
            **values,
        },
    )
    values["languages"] = [x.strip() for x in values.get("languages") or []]
    service = Service(
        operation=operation,
        organisation=organisation,
        service_type=service_type,
        name=name.strip(),
        is_demo=is_demo,
        **values,
    )
    service.full_clean(exclude=["operation", "organisation", "service_type", "focal_point"])
    service.save()
    service.areas.set(areas)
    service.population_groups.set(population_groups)
    audit_create(actor=by, instance=service, operation=operation)
    return service


@transaction.atomic
def service_update(*, service: Service, by: User, **changes: Any) -> Service:
    operation = service.operation
    if not access.can_edit_directory(by, operation, service.organisation):
        raise PermissionDenied
    unknown = set(changes) - {*SERVICE_FIELDS, "areas", "population_groups"}
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    if "areas" in changes and not list(changes["areas"]):
        raise ValidationError({"areas": _("Give at least one area served (P-code).")})
    _check(operation, service.organisation, changes)
    before = snapshot(service)
    for name in SERVICE_FIELDS:
        if name in changes:
            setattr(service, name, changes[name])
    service.full_clean(exclude=["operation", "organisation", "service_type", "focal_point"])
    service.save()
    if "areas" in changes:
        service.areas.set(changes["areas"])
    if "population_groups" in changes:
        service.population_groups.set(changes["population_groups"])
    audit_update(actor=by, instance=service, operation=operation, before=before)
    return service
