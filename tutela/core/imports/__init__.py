"""Reading spreadsheet and CSV uploads, matching their columns to a target schema, reporting
problems by row and column, and returning the workbook annotated with those problems.

Generic: the 5W importer uses it, and so will other importers (protection monitoring, planning
figures). Nothing here knows about 5W fields; callers pass their own target list.
"""

from tutela.core.imports.problems import ERROR, WARNING, ImportFileError, Problem
from tutela.core.imports.readers import Table, read_table

__all__ = ["ERROR", "WARNING", "ImportFileError", "Problem", "Table", "read_table"]
