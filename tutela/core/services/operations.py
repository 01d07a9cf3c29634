"""Operations: creating a humanitarian response on the server, and changing its settings.

A server administrator (or the command line) creates an operation and names its first coordinator;
from then on the operation's managers (coordinators and information management officers) keep its
settings: name, languages, admin level labels, small-count threshold and two-factor rules. What
places the operation on the server (short name, parent operation, countries) stays with server
administrators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from tutela.core import access, extensions
from tutela.core.models import AdminArea, Body, Operation, OperationRole, User
from tutela.core.models.roles import Role
from tutela.core.services.api_tokens import api_tokens_revoke_without_second_factor
from tutela.core.services.audit import audit_create, audit_update, snapshot
from tutela.core.services.reference import reference_seed

# Settings the operation's managers keep.
MANAGER_FIELDS = frozenset(
    {
        "name",
        "languages",
        "default_language",
        "admin_level_labels",
        "disclosure_threshold",
        "require_2fa_roles",
    }
)
# Where the operation sits on the server: server administrators only.
SUPERUSER_FIELDS = frozenset({"slug", "parent", "countries"})

ADMIN_LEVELS = tuple(str(level) for level in range(6))
LABEL_MAX_LENGTH = 60


def _unique(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _normalise_labels(labels: Mapping[Any, Any] | None) -> tuple[dict[str, str], list[str]]:
    """{1: " Région ", "2": "Cercle", "3": ""} -> ({"1": "Région", "2": "Cercle"}, problems).

    Keys are admin levels "0" to "5"; empty labels are dropped (the level then shows as
    "Admin N")."""
    result: dict[str, str] = {}
    problems: list[str] = []
    for key, value in (labels or {}).items():
        level = str(key).strip()
        if level not in ADMIN_LEVELS:
            problems.append(
                _("“%(level)s” is not an admin level: use 0 (country) to 5.") % {"level": key}
            )
            continue
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(
                _("The label of admin level %(level)s must be text.") % {"level": level}
            )
            continue
        text = value.strip()
        if len(text) > LABEL_MAX_LENGTH:
            problems.append(
                _("The label of admin level %(level)s is longer than %(max)d characters.")
                % {"level": level, "max": LABEL_MAX_LENGTH}
            )
        elif text:
            result[level] = text
    return dict(sorted(result.items())), problems


def _validate(
    operation: Operation,
    *,
    countries: list[AdminArea] | None,
    label_problems: list[str],
    extra: dict[str, str] | None = None,
) -> None:
    """full_clean() plus the rules that span fields; every problem at once, by field."""
    errors: dict[str, Any] = {}
    try:
        # Countries are a many-to-many relation, checked below.
        operation.full_clean(exclude=["countries"])
    except ValidationError as error:
        errors = error.update_error_dict(errors)

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message))

    if not operation.languages and "languages" not in errors:
        add("languages", _("Choose at least one language."))
    elif (
        "default_language" not in errors
        and "languages" not in errors
        and operation.default_language not in operation.languages
    ):
        add(
            "default_language",
            _("The default language must be one of the operation's languages."),
        )
    for problem in label_problems:
        add("admin_level_labels", problem)
    if countries is not None:
        if not countries:
            add("countries", _("Choose at least one country."))
        not_countries = [area.pcode for area in countries if area.level != 0]
        if not_countries:
            add(
                "countries",
                _("Not a country (admin level 0): %(pcodes)s.")
                % {"pcodes": ", ".join(not_countries)},
            )
    for field, message in (extra or {}).items():
        add(field, message)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def _national_cluster_create(*, operation: Operation, by: User | None) -> Body:
    """The operation's national cluster body, so that a new operation has from the start the body
    its 5W activities, meetings and plans belong to (renamed or completed on the Structure page).
    Named in the operation's default language."""
    with override(operation.default_language or "en"):
        name = _("Protection Cluster")
    body = Body(operation=operation, name=name, code="PRO", kind=Body.Kind.CLUSTER)
    body.full_clean()
    body.save()
    audit_create(actor=by, instance=body, operation=operation)
    return body


def operation_create(
    *,
    by: User | None,
    slug: str,
    name: str,
    countries: Iterable[AdminArea],
    languages: Iterable[str],
    default_language: str,
    admin_level_labels: Mapping[Any, Any] | None = None,
    parent: Operation | None = None,
    disclosure_threshold: int = 5,
    require_2fa_roles: Iterable[str] = (),
    coordinator: User | None = None,
) -> Operation:
    """Create an operation; optionally give `coordinator` the coordinator role in it.

    Server administrators only; `by=None` is the command line (whoever runs it administers the
    server)."""
    if by is not None and not by.is_superuser:
        raise PermissionDenied
    labels, label_problems = _normalise_labels(admin_level_labels)
    country_list = _unique(countries)
    operation = Operation(
        slug=(slug or "").strip(),
        name=(name or "").strip(),
        parent=parent,
        languages=_unique(languages),
        default_language=(default_language or "").strip(),
        admin_level_labels=labels,
        disclosure_threshold=disclosure_threshold,
        require_2fa_roles=_unique(require_2fa_roles),
    )
    extra = {}
    if coordinator is not None and not coordinator.is_active:
        extra["coordinator"] = _("This account is deactivated: it cannot coordinate.")
    _validate(operation, countries=country_list, label_problems=label_problems, extra=extra)
    operation.save()
    operation.countries.set(country_list)
    audit_create(actor=by, instance=operation, operation=operation)
    if coordinator is not None:
        role = OperationRole(user=coordinator, operation=operation, role=Role.COORDINATOR)
        role.full_clean()
        role.save()
        audit_create(actor=by, instance=role, operation=operation)
    _national_cluster_create(operation=operation, by=by)
    # Shared reference data (population groups, the GPC's 15 risks), then each domain's.
    reference_seed(operation=operation, by=by)
    for seed in extensions.operation_seeders:
        seed(operation=operation, by=by)
    return operation


def _changes_placement(operation: Operation, fields: Mapping[str, Any]) -> bool:
    """True when `fields` would move the operation on the server (short name, parent, countries):
    sending back the current values is not a change."""
    if "slug" in fields and (fields["slug"] or "").strip() != operation.slug:
        return True
    if "parent" in fields:
        parent = fields["parent"]
        if (parent.pk if parent is not None else None) != operation.parent_id:
            return True
    if "countries" in fields:
        current = set(operation.countries.values_list("pk", flat=True))
        if {area.pk for area in fields["countries"]} != current:
            return True
    return False


@transaction.atomic
def operation_update(*, by: User, operation: Operation, **fields: Any) -> Operation:
    """Change the operation's settings.

    Managers change the name, languages, default language, admin level labels, small-count
    threshold and the roles that must use two-factor authentication; only server administrators
    change the short name, parent operation and countries.

    Like the pages, it answers 404 (Http404) to a user with no role in the operation and 403
    (PermissionDenied) to a member who does not manage it."""
    access.operation_get_for_user(by, operation.slug)
    access.require_manager(by, operation)
    unknown = set(fields) - MANAGER_FIELDS - SUPERUSER_FIELDS
    if unknown:
        raise TypeError(f"operation_update() got unknown field(s): {sorted(unknown)}")
    operation = Operation.objects.select_for_update().get(pk=operation.pk)
    if not by.is_superuser and _changes_placement(operation, fields):
        raise PermissionDenied
    before = snapshot(operation)
    label_problems: list[str] = []
    countries: list[AdminArea] | None = None
    for field, value in fields.items():
        if field == "countries":
            countries = _unique(value)
            continue
        if field == "admin_level_labels":
            value, label_problems = _normalise_labels(value)
        elif field in {"languages", "require_2fa_roles"}:
            value = _unique(value or [])
        elif isinstance(value, str):
            value = value.strip()
        setattr(operation, field, value)
    _validate(operation, countries=countries, label_problems=label_problems)
    after = snapshot(operation)
    if countries is not None:
        after["countries"] = sorted(area.pk for area in countries)
    if after == before:
        # Saving the settings page unchanged is not an event for the audit log.
        return operation
    operation.save()
    if countries is not None:
        operation.countries.set(countries)
    audit_update(actor=by, instance=operation, operation=operation, before=before)
    newly_required = set(operation.require_2fa_roles) - set(before.get("require_2fa_roles") or [])
    if newly_required:
        # Tokens their holders got with a password only no longer pass (see
        # tutela.core.api.authentication); revoking them now says so in the audit log.
        holders = User.objects.filter(
            operation_roles__operation=operation, operation_roles__role__in=newly_required
        ).distinct()
        api_tokens_revoke_without_second_factor(users=holders, by=by)
    return operation
