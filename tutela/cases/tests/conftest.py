"""Case management personas, on top of the shared `world` (tutela/conftest.py):

AMSS (the caseworker's organisation): `caseworker` (Moussa), `caseworker2` (Aminata, same team),
`supervisor` (Salif). DRC (another organisation, receives referrals): `drc_caseworker`,
`drc_supervisor`. Plus the shared coordinator, IMO, partner focal point, other organisation's
partner and viewer, who see no case.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from tutela.cases.models import Case, Consent
from tutela.cases.services import consent as consent_services
from tutela.cases.services.cases import PersonData, case_register
from tutela.cases.services.reference import cases_seed
from tutela.conftest import World, make_user
from tutela.core.models import OperationRole, User
from tutela.core.models.roles import Role
from tutela.core.services.reference import reference_seed


@dataclass
class CaseWorld:
    world: World
    caseworker: User
    caseworker2: User
    supervisor: User
    drc_caseworker: User
    drc_supervisor: User

    @property
    def operation(self) -> Any:
        return self.world.operation


def _role(user: User, role: str, world: World) -> User:
    OperationRole.objects.create(user=user, operation=world.operation, role=role)
    return user


@pytest.fixture
def cw(world: World) -> CaseWorld:
    reference_seed(operation=world.operation)
    cases_seed(operation=world.operation)
    return CaseWorld(
        world=world,
        caseworker=world.caseworker,
        caseworker2=_role(
            make_user("case2@amss.test", "Aminata Second", world.amss), Role.CASEWORKER, world
        ),
        supervisor=_role(
            make_user("sup@amss.test", "Salif Supervisor", world.amss), Role.SUPERVISOR, world
        ),
        drc_caseworker=_role(
            make_user("case@drc.test", "Dina Caseworker", world.drc), Role.CASEWORKER, world
        ),
        drc_supervisor=_role(
            make_user("sup@drc.test", "Didier Supervisor", world.drc), Role.SUPERVISOR, world
        ),
    )


def person(**values: Any) -> PersonData:
    defaults: dict[str, Any] = {
        "given_name": "Aïcha",
        "family_name": "Traoré",
        "sex": "F",
        "date_of_birth": datetime.date(1994, 3, 12),
        "phone": "+223 76 12 34 56",
        "id_type": "national_id",
        "id_number": "ML-0457-88213",
    }
    defaults.update(values)
    return PersonData(**defaults)


def register(cw: CaseWorld, by: User | None = None, **values: Any) -> Case:
    """A case registered through the service, as a caseworker does."""
    principal = values.pop("principal", None) or person()
    values.setdefault(
        "area",
        cw.world.operation.countries.get().children.get(pcode="ML05").children.get(pcode="ML0501"),
    )
    values.setdefault("confirm_not_duplicate", True)
    return case_register(
        operation=cw.operation, by=by or cw.caseworker, principal=principal, **values
    )


def consent(
    cw: CaseWorld,
    case: Case,
    purpose: str = Consent.Purpose.SHARING,
    by: User | None = None,
    **values: Any,
) -> Consent:
    if purpose in (Consent.Purpose.SHARING, Consent.Purpose.TRACING):
        values.setdefault("organisations", [cw.world.drc])
        values.setdefault("fields", ["names", "sex", "age", "phone", "location"])
    return consent_services.consent_record(
        case=case, by=by or cw.caseworker, purpose=purpose, **values
    )
