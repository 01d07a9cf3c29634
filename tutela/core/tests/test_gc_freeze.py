"""The web worker keeps what it holds off the garbage collector's full passes (core.gc_freeze):
frozen at start and after the first, tenth and hundredth responses, once each is written, with
the body's own close() still called and file responses left to the server."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import RequestFactory

from tutela.core.gc_freeze import FREEZE_AFTER, FreezingApplication


@pytest.fixture(autouse=True)
def _thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


class Body:
    def __init__(self) -> None:
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return iter([b"ok"])

    def close(self) -> None:
        self.closed = True


def _app(bodies: list[Body]) -> Any:
    def application(environ: dict[str, Any], start_response: Any) -> Body:
        start_response("200 OK", [("Content-Type", "text/plain")])
        body = Body()
        bodies.append(body)
        return body

    return application


def test_what_the_worker_holds_is_frozen_at_start_and_after_the_warm_up_responses():
    bodies: list[Body] = []
    app = FreezingApplication(_app(bodies))
    assert gc.get_freeze_count() > 0  # start-up: everything alive now
    environ = RequestFactory().get("/").environ
    frozen_after: list[int] = []
    for number in range(1, 102):
        held = [object() for _ in range(3)] + [[number]]  # a list is tracked by the collector
        body = app(environ, lambda *a: None)
        before = gc.get_freeze_count()
        assert b"".join(body) == b"ok"
        body.close()  # the server has written the response
        assert bodies[-1].closed  # the application's own close() still runs
        if gc.get_freeze_count() > before:
            frozen_after.append(number)
        del held
    assert frozen_after == sorted(FREEZE_AFTER)


def test_frozen_objects_are_left_out_of_full_collections():
    FreezingApplication(_app([]))
    tracked = len(gc.get_objects())
    gc.unfreeze()
    assert len(gc.get_objects()) > tracked + 10_000  # Django and the apps: not walked when frozen


def test_a_file_response_is_left_to_the_server():
    class FileWrapper:
        def __init__(self, *args: Any) -> None:
            self.args = args

        def __iter__(self) -> Iterator[bytes]:
            return iter([b"file"])

    def application(environ: dict[str, Any], start_response: Any) -> FileWrapper:
        return FileWrapper("f")

    app = FreezingApplication(application)
    environ = {**RequestFactory().get("/").environ, "wsgi.file_wrapper": FileWrapper}
    body = app(environ, lambda *a: None)
    assert isinstance(body, FileWrapper)  # unwrapped: sendfile still possible
