"""Keep the cyclic garbage collector off what a web worker holds for its whole life.

A worker holds ~300,000 objects the collector tracks once Django, the apps, the URL resolvers,
the compiled templates and the translation catalogues are loaded, and none of them is ever
garbage. Every full (generation 2) collection walks all of them: 0.5-0.9 s each on this 2-core
machine under load (`bench/bench_gc.py`), landing on whichever request happened to allocate the
object that triggered it — the long tail of the pages' p95 under load. `gc.freeze()` moves every
object alive at that moment to a generation the collector never walks (they are still freed by
reference counting when released).

The worker freezes what it holds after start-up (settings, apps, models), and again after the
responses that load the rest lazily (the first, tenth and hundredth): each time after the
response has been sent (in the response's close(), which the server calls when it is written),
with a collection first so that no garbage already made is frozen with them.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from typing import Any

# After which responses of a worker the objects it holds are frozen again.
FREEZE_AFTER = frozenset({1, 10, 100})

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def freeze_now() -> None:
    gc.collect()
    gc.freeze()


class _Closing:
    """A response body whose close() freezes once the server has written it."""

    def __init__(self, body: Iterable[bytes], then: Callable[[], None]) -> None:
        self.body = body
        self.then = then

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.body)

    def close(self) -> None:
        try:
            close = getattr(self.body, "close", None)
            if close is not None:
                close()
        finally:
            self.then()


class FreezingApplication:
    """The WSGI application, freezing what the worker holds at start and after FREEZE_AFTER."""

    def __init__(self, application: WSGIApp) -> None:
        self.application = application
        self.responses = 0
        freeze_now()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        body = self.application(environ, start_response)
        self.responses += 1
        if self.responses not in FREEZE_AFTER:
            return body
        # Keep the server's optimisations for files (wsgi.file_wrapper has no close() to wrap).
        if environ.get("wsgi.file_wrapper") is not None and isinstance(
            body, environ["wsgi.file_wrapper"]
        ):
            freeze_now()
            return body
        return _Closing(body, freeze_now)
