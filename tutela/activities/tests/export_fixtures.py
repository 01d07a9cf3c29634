"""Fixtures for the 5W template and export tests: the Mali operation with its full gazetteer
(10 regions, 53 cercles, 701 communes), the standard catalogue, an open round, and a few rows made
with the ORM (so that these tests do not depend on the importer).

Use in a test module with
`from tutela.activities.tests.export_fixtures import mali_fixture  # noqa: F401`.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tutela.activities.models import Activity, ActivityReport, ReportingRound, Submission
from tutela.activities.services.catalogue import catalogue_seed
from tutela.conftest import World
from tutela.core.models import AdminArea, Organisation, PopulationGroup
from tutela.core.services.geography import BUNDLED_DIR, geo_load

FEB = datetime.date(2026, 2, 1)
MAR = datetime.date(2026, 3, 1)
SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"


@dataclass
class Mali:
    world: World
    round: ReportingRound

    @property
    def operation(self) -> Any:
        return self.world.operation


@pytest.fixture(name="mali")
def mali_fixture(world: World) -> Mali:
    """The world operation with Mali's real gazetteer, the seeded catalogue and March 2026 open
    (February closed)."""
    geo_load(gazetteer=BUNDLED_DIR / "mli_gazetteer.csv", geojson_files=[])
    catalogue_seed(operation=world.operation)
    ReportingRound.objects.create(
        operation=world.operation,
        month=FEB,
        deadline=datetime.date(2026, 3, 10),
        status=ReportingRound.Status.CLOSED,
    )
    march = ReportingRound.objects.create(
        operation=world.operation, month=MAR, deadline=datetime.date(2026, 4, 10)
    )
    return Mali(world=world, round=march)


def add_row(
    world: World,
    organisation: Organisation,
    *,
    activity: str,
    pcode: str,
    month: datetime.date = MAR,
    group: str = "IDP",
    status: str = Submission.Status.VALIDATED,
    bands: tuple[int, int, int, int, int, int] = (1, 2, 3, 4, 0, 0),
    with_disability: int = 0,
    site: str = "",
    implementing_partner: Organisation | None = None,
) -> ActivityReport:
    round_, _ = ReportingRound.objects.get_or_create(
        operation=world.operation,
        month=month,
        defaults={"deadline": month + datetime.timedelta(days=40)},
    )
    submission, _ = Submission.objects.get_or_create(
        round=round_, organisation=organisation, defaults={"status": status}
    )
    act = Activity.objects.get(operation=world.operation, code=activity)
    area = AdminArea.objects.get(pcode=pcode)
    levels: dict[str, AdminArea | None] = {"admin1": None, "admin2": None, "admin3": None}
    current: AdminArea | None = area
    while current is not None:
        if 1 <= current.level <= 3:
            levels[f"admin{current.level}"] = current
        current = current.parent
    return ActivityReport.objects.create(
        operation=world.operation,
        submission=submission,
        organisation=organisation,
        implementing_partner=implementing_partner,
        month=month,
        activity=act,
        indicator=act.indicators.order_by("code").first(),
        body=act.body,
        area=area,
        population_group=PopulationGroup.objects.get(operation=world.operation, code=group),
        girls=bands[0],
        boys=bands[1],
        women=bands[2],
        men=bands[3],
        older_women=bands[4],
        older_men=bands[5],
        total=sum(bands),
        with_disability=with_disability,
        site=site,
        **levels,
    )


def soffice_convert(source: Path, target: str, outdir: Path) -> subprocess.CompletedProcess[str]:
    """Convert with LibreOffice headless, in a profile of its own (parallel runs don't clash)."""
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        return subprocess.run(  # noqa: S603 - fixed program, arguments built here
            [
                SOFFICE,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# The CSV filter with its options: UTF-8 (76), and the 12th token picks the sheet (2 = "5W").
CSV_SECOND_SHEET = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,2"
