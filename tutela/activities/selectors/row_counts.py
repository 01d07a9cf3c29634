"""How many 5W rows a user may list under some filters, kept per data version.

The row list (API and pages) pages through the rows and shows their number. For a partner or a
viewer, that COUNT joins every row to its submission and activity (validated or own, sensitive
activities of others left out): ~0.3 s over 100,000 rows alone and over a second under load
(bench/bench_load.py, "5W rows API"), for every page of every request. The number only changes
with a write that bumps the 5W data version (selectors.disclosure.data_version_key), so it is
counted once per version, user's visibility and filters, and read from the cache after."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils.functional import cached_property

from tutela.activities.selectors import disclosure
from tutela.activities.selectors.filters import Filters
from tutela.core.models import Operation, User

CACHE_SECONDS = 300


def listable_rows_count_key(user: User, operation: Operation, filters: Filters) -> str | None:
    """The cache key of the number of rows `user` may list under `filters` (None when it must not
    be cached: the operation has no 5W data version yet)."""
    return disclosure.data_version_key(
        "activities:rows-count:",
        operation,
        user,
        tuple(disclosure.filters_key(filters)),
    )


class CountCachedPaginator(Paginator):
    """Django's paginator whose `count` is read from the cache under `count_key` (counted and
    kept when missing; counted every time when the key is None)."""

    def __init__(self, *args: Any, count_key: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        if self.count_key is None:
            return super().count
        found = cache.get(self.count_key)
        if isinstance(found, int):
            return found
        counted = super().count
        cache.set(self.count_key, counted, CACHE_SECONDS)
        return counted
