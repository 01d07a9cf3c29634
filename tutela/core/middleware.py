from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import UpdateError
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from tutela.core.access import two_factor_required
from tutela.core.api.authentication import TwoFactorRequired
from tutela.core.api.errors import json_error
from tutela.core.db_locks import write_nowait

Handler = Callable[[HttpRequest], HttpResponse]


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's, unless the language switch
    set a cookie for this browser."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith("/api/")
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class IdleTimeoutMiddleware:
    """Signs a user out after SESSION_IDLE_TIMEOUT seconds without a request.

    The "last seen" stamp is written at most once a minute, after the view, and without waiting
    for the database: when another process holds SQLite's write lock (an import), the page is
    served and the stamp waits for a later request (tutela.core.db_locks.write_nowait)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        stamp: int | None = None
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                return redirect(f"{reverse('core:login')}?expired=1")
            if last is None or now - int(last) > 60:
                stamp = now
        response = self.get_response(request)
        if stamp is not None:
            self._stamp(request, stamp)
        return response

    @staticmethod
    def _stamp(request: HttpRequest, now: int) -> None:
        session = request.session
        if session.modified:
            # The view changed the session: it is saved anyway (and must be), stamp included.
            session["last_seen"] = now
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or session.session_key is None:
            return
        session["last_seen"] = now
        write_nowait(lambda: _session_save(session), what="session last-seen stamp")
        # Saved, or skipped: either way SessionMiddleware must not wait for the lock again.
        session.modified = False


def _session_save(session: Any) -> None:
    """Save the session; the database session backend turns a lock error into UpdateError,
    which is given back as the lock error so that `write_nowait` skips the stamp (under load
    with a long import, pages answered 500 here: bench/bench_load.py on SQLite)."""

    try:
        session.save()
    except UpdateError as error:
        cause = error.__cause__ or error.__context__
        if isinstance(cause, OperationalError):
            raise cause from None
        raise


class TwoFactorMiddleware:
    """Sends a user who must use two-factor authentication (an operation requires it for one of
    their roles) and has not set it up to the set-up page, before anything else. The API, which
    accepts the same session, answers 403 with the error code `two_factor_required` instead (API
    tokens are checked by tutela.core.api.authentication)."""

    ALLOWED_PREFIXES = ("/static/", "/i18n/", "/account/two-factor/", "/logout/")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.totp_enabled
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ) and two_factor_required(user):
            if request.path.startswith("/api/"):
                return json_error(
                    str(TwoFactorRequired.default_detail),
                    TwoFactorRequired.default_code,
                    TwoFactorRequired.status_code,
                )
            return redirect("core:two_factor_setup")
        return self.get_response(request)
