"""Saving community monitoring rows (the importer's second kind of file)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tutela.core.models import AuditEntry, Operation, Organisation, User
from tutela.core.services.audit import audit_write
from tutela.monitoring import access as monitoring_access
from tutela.monitoring.imports.rows import CommunityItem
from tutela.monitoring.incidents.data import (
    References,
)
from tutela.monitoring.models import (
    CommunityReport,
    CommunityRisk,
    MonitoringImport,
)


@transaction.atomic
def community_reports_save_many(
    *,
    operation: Operation,
    organisation: Organisation,
    by: User | None,
    items: Sequence[CommunityItem],
    import_record: MonitoringImport | None = None,
) -> tuple[int, int]:
    """Save community monitoring rows all or nothing. A row updates the organisation's report
    with the same external identifier, or else the same month, area, community and respondent
    type; the others are created. Returns (created, updated). Raises ValidationError for codes
    the operation does not have."""
    if not operation.organisations.filter(pk=organisation.pk).exists():
        raise ValidationError(
            _("%(org)s is not an organisation of this operation.") % {"org": organisation.acronym}
        )
    if by is not None and not monitoring_access.can_write_for(by, operation, organisation):
        raise PermissionDenied(
            _("Only %(org)s's members change its records.") % {"org": organisation.acronym}
        )
    refs = References.load(operation)
    user = by if getattr(by, "is_authenticated", False) else None
    ours = CommunityReport.objects.filter(operation=operation, organisation=organisation)
    by_id = {
        r.external_id: r
        for r in ours.filter(external_id__in=[i.external_id for i in items if i.external_id])
    }
    months = {i.month for i in items}
    by_key = {
        (r.month, r.area_id, r.community.casefold(), r.respondent): r
        for r in ours.filter(month__in=months)
    }
    new: list[tuple[CommunityReport, CommunityItem]] = []
    changed: list[tuple[CommunityReport, CommunityItem]] = []
    try:
        for item in items:
            area = refs.area(item.area_pcode)
            if area is None or area.level < 1:
                raise ValidationError(
                    _("%(pcode)s is not a known P-code.") % {"pcode": item.area_pcode}
                )
            levels = refs.ancestors(area)
            key = (item.month, area.id, item.community.casefold(), item.respondent)
            report = by_id.get(item.external_id) if item.external_id else None
            report = report or by_key.get(key)
            if report is None:
                report = CommunityReport(
                    operation=operation, organisation=organisation, created_by=user
                )
                new.append((report, item))
            else:
                changed.append((report, item))
            report.month = item.month
            report.area_id = area.id
            report.admin1_id = levels[1].id
            report.admin2_id = levels[2].id if 2 in levels else None
            report.community = item.community
            report.respondent = item.respondent
            report.interviews = item.interviews
            report.coping = item.coping
            report.access_to_services = item.access_to_services
            report.import_record = import_record
            if item.external_id:
                report.external_id = item.external_id
            report.full_clean(
                exclude=[
                    "operation",
                    "organisation",
                    "area",
                    "admin1",
                    "admin2",
                    "import_record",
                    "created_by",
                ],
                validate_unique=False,
                validate_constraints=False,
            )
            by_key[key] = report
        risks = {item_key: refs.risks[item_key] for item_key in refs.risks}
        CommunityReport.objects.bulk_create([r for r, _i in new])
        CommunityReport.objects.bulk_update(
            [r for r, _i in changed],
            [
                "month",
                "area",
                "admin1",
                "admin2",
                "community",
                "respondent",
                "interviews",
                "coping",
                "access_to_services",
                "import_record",
                "external_id",
                "updated_at",
            ],
        )
        CommunityRisk.objects.filter(report__in=[r for r, _i in changed]).delete()
        lines: list[tuple[CommunityRisk, CommunityItem]] = []
        for report, item in (*new, *changed):
            for code in item.risks:
                lines.append((CommunityRisk(report=report, risk=risks[code.lower()]), item))
        CommunityRisk.objects.bulk_create([line for line, _i in lines])
        perpetrator_rows = []
        group_rows = []
        Perpetrators = CommunityRisk.perpetrators.through
        Groups = CommunityRisk.population_groups.through
        for line, item in lines:
            for code in dict.fromkeys(item.perpetrators):
                perpetrator_rows.append(
                    Perpetrators(
                        communityrisk_id=line.pk,
                        perpetratorcategory_id=refs.perpetrators[code.lower()].pk,
                    )
                )
            for code in dict.fromkeys(item.population_groups):
                group_rows.append(
                    Groups(
                        communityrisk_id=line.pk,
                        populationgroup_id=refs.population_groups[code.lower()].pk,
                    )
                )
        Perpetrators.objects.bulk_create(perpetrator_rows)
        Groups.objects.bulk_create(group_rows)
    except KeyError as error:
        raise ValidationError(_("Unknown code %(code)s.") % {"code": error}) from None
    audit_write(
        actor=by,
        action=AuditEntry.Action.CREATE,
        operation=operation,
        entity_type="monitoring.communityreport",
        entity_id=str(import_record.pk) if import_record is not None else "",
        summary=(
            f"Community monitoring rows imported for {organisation.acronym}: "
            f"{len(new)} created, {len(changed)} updated"
        ),
    )
    return len(new), len(changed)
