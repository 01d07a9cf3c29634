"""Reading the cells of one row of a monitoring-network file (text, dates, counts, yes/no, codes,
lists of codes, locations), each problem reported by row and column. `imports.rows` builds the
incident or community item from them."""

from tutela.monitoring.imports.cells.values import CellReader, SkipRow

__all__ = ["CellReader", "SkipRow"]
