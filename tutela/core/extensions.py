"""Where domain apps plug into flows that core owns, so that core never imports them.

Core creates operations and loads the demo; each domain app (5W, monitoring, coordination, cases…)
adds what it needs to those flows by registering a function in its `AppConfig.ready()`:

    extensions.operation_seeders.register(monitoring_seed)
    extensions.demo_loaders.register(demo_monitoring_load)

Functions run in registration order, which is the order of INSTALLED_APPS (activities before
monitoring before coordination), inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tutela.core.models import Operation, User


class OperationStep(Protocol):
    """A function run for one operation: `step(operation=..., by=...)` (by may be None)."""

    def __call__(self, *, operation: Operation, by: User | None = ...) -> Any: ...


class Registry:
    """An ordered list of functions; registering one twice keeps the first place."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._steps: list[Callable[..., Any]] = []

    def register(self, step: Callable[..., Any]) -> Callable[..., Any]:
        if step not in self._steps:
            self._steps.append(step)
        return step

    def __iter__(self) -> Iterator[Callable[..., Any]]:
        return iter(list(self._steps))


# Run by core.services.operations.operation_create for every new operation: reference data of
# each domain (core's own population groups and protection risks are seeded before them).
operation_seeders = Registry("operation seeders")
# Run by core.services.demo.demo_load after the demo operation, its organisations and users
# exist: each domain loads its demo data (once; loading again changes nothing).
demo_loaders = Registry("demo loaders")
# Called by core.selectors.work.work_for_user for the operation's home page: each domain returns
# the "my work" panels of a user (`provider(user=..., operation=...) -> list[WorkPanel]`), built
# with its own access helpers, so a panel never counts what its page would not show.
home_panels = Registry("home panels")
# Called by core.services.organisations.organisation_update inside its transaction, once an
# organisation's details changed: `step(organisation=..., changed=frozenset of field names)`.
# Each domain moves on the versions its cached figures are keyed by (a pivot by organisation
# type, the acronyms a table shows).
organisation_changes = Registry("organisation changes")
