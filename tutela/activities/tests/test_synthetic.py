"""The synthetic operation generator used by the benchmarks: exact row count, realistic shape, the
same data in the database and in the column arrays (and so in DuckDB)."""

from __future__ import annotations

import datetime

import duckdb
import numpy as np
import pytest
from django.db.models import Count, Sum

from bench.synthetic import fivew as synthetic
from tutela.activities import selectors
from tutela.activities.models import ActivityReport, Submission
from tutela.core.models import Operation, Organisation, User


@pytest.fixture
def synthetic_data(db):  # noqa: ANN001, ANN201
    """A synthetic operation of 4,000 rows (with the real Mali gazetteer) and an administrator."""
    operation = Operation.objects.create(slug="synthetic", name="Synthetic operation")
    result = synthetic.generate(operation=operation, n_rows=4_000, seed=7, batch_size=1_500)
    admin = User.objects.create_superuser("bench@synthetic.test", "not-used-Password-1")
    return result, admin


def test_exact_number_of_rows_over_24_months(synthetic_data) -> None:  # noqa: ANN001
    result, _admin = synthetic_data
    rows = ActivityReport.objects.filter(operation=result.operation)
    assert rows.count() == 4_000 == result.n_rows
    months = sorted(rows.values_list("month", flat=True).distinct())
    assert months[0] == datetime.date(2024, 1, 1)
    assert len(result.months) == 24
    assert set(months) <= set(result.months)


def test_realistic_shape(synthetic_data) -> None:  # noqa: ANN001
    result, _admin = synthetic_data
    operation = result.operation
    assert Organisation.objects.filter(operations=operation).count() == 60
    types = set(Organisation.objects.filter(operations=operation).values_list("type", flat=True))
    assert {"un", "ingo", "nngo", "gov"} <= types
    rows = ActivityReport.objects.filter(operation=operation)
    # Skewed: the largest organisation reports far more than the median one.
    per_org = sorted(
        rows.values("organisation").annotate(n=Count("id")).values_list("n", flat=True)
    )
    assert per_org[-1] > 5 * per_org[len(per_org) // 2]
    # Crisis regions dominate: Mopti reports more than Sikasso.
    by_region = dict(rows.values_list("admin1__pcode").annotate(n=Count("id")))
    assert by_region.get("ML05", 0) > 3 * by_region.get("ML03", 0)
    # Sex and age bands add up where an activity has them; disability within the total.
    people = rows.filter(girls__gt=0)
    assert people.exists()
    for row in people[:200]:
        assert row.sex_age_total == row.total
        assert row.with_disability <= row.total
    assert rows.filter(quantity__isnull=False, total=0).exists()
    assert rows.filter(admin3__isnull=True).exists()
    statuses = dict(
        Submission.objects.filter(round__operation=operation)
        .values_list("status")
        .annotate(n=Count("id"))
    )
    assert statuses["validated"] > statuses.get("draft", 0)


def test_columns_match_the_database(synthetic_data) -> None:  # noqa: ANN001
    result, _admin = synthetic_data
    columns = result.columns
    assert set(columns) == set(synthetic.COLUMNS)
    assert all(len(values) == 4_000 for values in columns.values())
    rows = ActivityReport.objects.filter(operation=result.operation)
    assert rows.aggregate(t=Sum("total"))["t"] == int(columns["total"].sum())
    db_by_region = dict(rows.values_list("admin1_id").annotate(t=Sum("total")))
    for region in np.unique(columns["admin1_id"]):
        mask = columns["admin1_id"] == region
        assert db_by_region[int(region)] == int(columns["total"][mask].sum())


def test_generation_is_deterministic(synthetic_data, db) -> None:  # noqa: ANN001
    result, _admin = synthetic_data
    other = Operation.objects.create(slug="synthetic-2", name="Synthetic again")
    again = synthetic.generate(operation=other, n_rows=4_000, seed=7)
    # Same organisations (shared by acronym), so the same ids; same draws.
    for name in ("organisation_id", "total", "girls", "month", "area_id"):
        assert np.array_equal(again.columns[name], result.columns[name]), name


def test_refuses_an_operation_that_has_rows(synthetic_data) -> None:  # noqa: ANN001
    result, _admin = synthetic_data
    with pytest.raises(ValueError, match="already has 5W rows"):
        synthetic.generate(operation=result.operation, n_rows=10, seed=1)


def test_duckdb_reads_the_same_data_and_agrees_with_the_pivot(
    synthetic_data,
    tmp_path,  # noqa: ANN001
) -> None:
    result, admin = synthetic_data
    parquet = result.write_parquet(tmp_path / "rows.parquet")
    csv_path = result.write_csv(tmp_path / "rows.csv")
    connection = duckdb.connect()
    try:
        assert connection.read_csv(str(csv_path)).count("*").fetchall() == [(4_000,)]
        connection.read_parquet(str(parquet)).create_view("rows")
        # The counting rule (highest month per key) in DuckDB, by region.
        duck = dict(
            connection.execute(
                """
                SELECT admin1_id, sum(total) FROM (
                    SELECT admin1_id, total, row_number() OVER (
                        PARTITION BY organisation_id, activity_id, area_id, population_group_id
                        ORDER BY total DESC, quantity DESC NULLS LAST, month DESC) AS pick
                    FROM rows) WHERE pick = 1 GROUP BY admin1_id
                """
            ).fetchall()
        )
        nulls = connection.execute("SELECT count(*) FROM rows WHERE admin3_id IS NULL").fetchone()
    finally:
        connection.close()
    pivot = selectors.pivot(user=admin, operation=result.operation, rows_by=["admin1"])
    ours = {row.codes[0]: row.values["total"] for row in pivot.rows}
    from tutela.core.models import AdminArea

    pcodes = dict(AdminArea.objects.filter(pk__in=duck).values_list("pk", "pcode"))
    assert {pcodes[k]: int(v) for k, v in duck.items()} == ours
    assert nulls is not None
    assert nulls[0] == int((result.columns["admin3_id"] == -1).sum())
