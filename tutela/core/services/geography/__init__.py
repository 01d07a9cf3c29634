"""Loading admin boundaries and gazetteers (the format of data/geo/, see its README).

A load is validated whole before anything is written, then written in one transaction: a bad file
loads nothing. Loading the same files again updates areas in place (keyed by P-code).

Files are read in a child process with memory and CPU limits (tutela.core.sandbox), after a size
check (TUTELA_GEO_MAX_BYTES): a GeoJSON nested a million levels deep or inflated to gigabytes is a
problem listed like any other, not the end of the process.
"""

from tutela.core.services.geography.loading import (
    BUNDLED,
    BUNDLED_DIR,
    geo_load,
    geo_load_bundled,
)
from tutela.core.services.geography.readers import (
    DEFAULT_LANGUAGES,
    GAZETTEER_COLUMNS,
    MAX_BYTES,
    MAX_LEVEL,
    GeoLoadError,
    GeoLoadResult,
    GeoProblem,
)

__all__ = [
    "BUNDLED",
    "BUNDLED_DIR",
    "DEFAULT_LANGUAGES",
    "GAZETTEER_COLUMNS",
    "GeoLoadError",
    "GeoLoadResult",
    "GeoProblem",
    "MAX_BYTES",
    "MAX_LEVEL",
    "geo_load",
    "geo_load_bundled",
]
