import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutela.core.disclosure import exposed_cells, suppress_counts, suppress_table, threshold_for

counts = st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5, 6, 9, 12, 40, 150])
tables = st.integers(1, 6).flatmap(
    lambda cols: st.lists(st.lists(counts, min_size=cols, max_size=cols), min_size=1, max_size=6)
)


def published(table):
    values = [v for row in table.cells for v in row]
    values += table.row_totals + table.col_totals + [table.grand_total]
    return [v for v in values if v is not None]


def test_small_cells_and_their_complements_are_hidden():
    values = [[12, 3, 0], [7, 8, 9], [20, 1, 30]]
    table = suppress_table(values, threshold=5)
    assert table.cells[0][1] is None  # 3: primary
    assert table.cells[2][1] is None  # 1: primary
    # Row 0 total 15 and row 2 total 51 are visible, so one more cell hides in each row.
    assert table.cells[0][0] is None
    assert table.cells[2][0] is None
    assert table.cells[1] == [7, 8, 9]
    assert table.grand_total == 90
    assert exposed_cells(values, table) == set()


def test_zero_is_shown_and_large_counts_stay_visible():
    table = suppress_table([[0, 10], [20, 30]], threshold=5)
    assert table.cells == [[0, 10], [20, 30]]
    assert table.suppressed_count == 0


def test_small_totals_are_hidden_too():
    table = suppress_table([[2, 1], [10, 20]], threshold=5)
    assert table.row_totals[0] is None
    assert all(v is None or v >= 5 or v == 0 for v in published(table))


def test_threshold_comes_from_the_operation_with_default_five():
    class Op:
        disclosure_threshold = 10

    assert threshold_for(Op()) == 10
    assert threshold_for(object()) == 5
    table = suppress_table([[7, 30], [30, 30]], threshold=10)
    assert table.cells[0][0] is None


def test_series_hides_single_small_count_with_a_complement():
    series = suppress_counts({"GBV": 3, "Abduction": 12, "Eviction": 20}, threshold=5)
    assert series.values["GBV"] is None
    assert series.values["Abduction"] is None  # complement: else 35 - 12 - 20 = 3
    assert series.values["Eviction"] == 20
    assert series.total == 35


def test_negative_or_ragged_tables_are_refused():
    with pytest.raises(ValueError, match="negative"):
        suppress_table([[1, -1]])
    with pytest.raises(ValueError, match="same length"):
        suppress_table([[1, 2], [3]])


@settings(max_examples=300, deadline=None)
@given(tables, st.integers(2, 11))
def test_no_published_count_is_small_and_no_hidden_count_can_be_recovered(values, threshold):
    table = suppress_table(values, threshold=threshold)
    assert all(v == 0 or v >= threshold for v in published(table))
    # Solving all row and column equations together recovers no hidden value.
    assert exposed_cells(values, table) == set()
    # Visible values are the true ones.
    for r, row in enumerate(table.cells):
        for c, shown in enumerate(row):
            assert shown is None or shown == values[r][c]
