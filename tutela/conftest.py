"""Shared test personas (see ../shared/STYLE.md, Tests).

A Mali operation with a few real admin areas, four organisations and one user per persona:
coordinator, information management officer, partner focal point, caseworker (both of AMSS),
a partner of another organisation, a user of another operation, and an outsider with no role.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tutela.core import assets
from tutela.core.models import (
    AdminArea,
    Body,
    Membership,
    Operation,
    OperationRole,
    Organisation,
    User,
)
from tutela.core.models.roles import Role
from tutela.core.pcodes import name_key

PASSWORD = "Correct-Horse-Battery-9"


def make_area(pcode: str, name: str, level: int, parent: AdminArea | None) -> AdminArea:
    return AdminArea.objects.create(
        pcode=pcode,
        name=name,
        name_key=name_key(name),
        level=level,
        parent=parent,
        country_pcode=pcode[:2],
        geometry={
            "type": "Polygon",
            "coordinates": [[[-4.0, 14.0], [-3.0, 14.0], [-3.0, 15.0], [-4.0, 14.0]]],
        },
    )


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts and ends in the default language: a signed-in user's request activates
    their language in the thread (core.middleware.UserLanguageMiddleware; each request sets its
    own), so a French user's request would leave French active for the worker's next tests."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def areas(db: Any) -> dict[str, AdminArea]:
    ml = make_area("ML", "Mali", 0, None)
    segou = make_area("ML04", "Ségou", 1, ml)
    mopti = make_area("ML05", "Mopti", 1, ml)
    bandiagara = make_area("ML0501", "Bandiagara", 2, mopti)
    djenne = make_area("ML0502", "Djenné", 2, mopti)
    co = make_area("CO", "Colombia", 0, None)
    return {
        "ML": ml,
        "ML04": segou,
        "ML05": mopti,
        "ML0501": bandiagara,
        "ML0502": djenne,
        "CO": co,
    }


def make_user(email: str, name: str, org: Organisation | None, **extra: Any) -> User:
    return User.objects.create_user(email, PASSWORD, full_name=name, organisation=org, **extra)


@dataclass
class World:
    operation: Operation
    other_operation: Operation
    unhcr: Organisation
    drc: Organisation
    amss: Organisation
    other_org: Organisation
    cluster: Body
    cp_aor: Body
    coordinator: User
    imo: User
    partner: User
    caseworker: User
    other_partner: User
    other_operation_user: User
    outsider: User
    viewer: User


@pytest.fixture
def world(areas: dict[str, AdminArea]) -> World:
    op = Operation.objects.create(
        slug="mali",
        name="Mali Protection Cluster 2026",
        languages=["fr", "en"],
        default_language="fr",
        admin_level_labels={"1": "Région", "2": "Cercle", "3": "Commune"},
    )
    op.countries.add(areas["ML"])
    other_op = Operation.objects.create(slug="colombia", name="Colombia Protection Cluster")
    other_op.countries.add(areas["CO"])
    unhcr = Organisation.objects.create(name="UNHCR", acronym="UNHCR", type="un")
    drc = Organisation.objects.create(name="Danish Refugee Council", acronym="DRC", type="ingo")
    amss = Organisation.objects.create(
        name="Association Malienne pour la Survie au Sahel", acronym="AMSS", type="nngo"
    )
    other = Organisation.objects.create(name="Other Partner", acronym="OTHER", type="nngo")
    for org in (unhcr, drc, amss, other):
        org.operations.add(op)
    cluster = Body.objects.create(
        operation=op,
        name="Cluster Protection Mali",
        code="PRO",
        kind="cluster",
        lead=unhcr,
        co_lead=drc,
    )
    cp = Body.objects.create(
        operation=op, name="Child Protection AoR", code="PRO-CPN", kind="aor", parent=cluster
    )
    Membership.objects.create(body=cluster, organisation=unhcr, role="lead", is_nuclear=True)
    Membership.objects.create(body=cluster, organisation=drc, role="co_lead", is_nuclear=True)
    Membership.objects.create(body=cluster, organisation=amss, role="member")
    Membership.objects.create(body=cluster, organisation=other, role="member")

    def with_role(user: User, role: str, operation: Operation = op) -> User:
        OperationRole.objects.create(user=user, operation=operation, role=role)
        return user

    return World(
        operation=op,
        other_operation=other_op,
        unhcr=unhcr,
        drc=drc,
        amss=amss,
        other_org=other,
        cluster=cluster,
        cp_aor=cp,
        coordinator=with_role(
            make_user("coord@unhcr.test", "Awa Coordinator", unhcr), Role.COORDINATOR
        ),
        imo=with_role(make_user("imo@unhcr.test", "Ibrahim IMO", unhcr), Role.IMO),
        partner=with_role(make_user("focal@amss.test", "Fatou Focal", amss), Role.PARTNER),
        caseworker=with_role(
            make_user("case@amss.test", "Moussa Caseworker", amss), Role.CASEWORKER
        ),
        other_partner=with_role(make_user("focal@other.test", "Oumar Other", other), Role.PARTNER),
        other_operation_user=with_role(
            make_user("coord@colombia.test", "Camila Colombia", unhcr),
            Role.COORDINATOR,
            other_op,
        ),
        outsider=make_user("nobody@nowhere.test", "No Role", None),
        viewer=with_role(make_user("donor@echo.test", "Dana Donor", None), Role.VIEWER),
    )


def api_key_for(user: User, *, second_factor: bool = False) -> str:
    """A new API token of `user` (as POST /api/v1/auth/token/ issues one, without its audit
    entry); returns the key to send as `Authorization: Token <key>`."""
    import secrets

    from django.conf import settings
    from django.utils import timezone

    from tutela.core.models import ApiToken
    from tutela.core.services.api_tokens import api_token_hash

    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        key_hash=api_token_hash(key),
        key_prefix=key[:8],
        second_factor=second_factor,
        expires_at=timezone.now() + settings.API_TOKEN_LIFETIME,
    )
    return key


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    # As a browser after its first page: our stylesheet and script are linked, not inlined
    # (tutela.core.assets; core/tests/test_assets.py drops the cookie to test a first visit).
    client.cookies[assets.COOKIE] = assets.version()
    return client


@pytest.fixture
def as_user() -> Any:
    """as_user(world.coordinator) -> a logged-in Django test client."""
    return client_for


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Any:
    """Headless Debian Chromium driven by Playwright (Playwright's own browser download is not
    used)."""
    import os

    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests make
    # around it are synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def audit_log_flushable(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Live-server tests run as transactional tests, which empty the tables after each test; the
    audit log's append-only triggers refuse that. Lift them for the module (put back after its last
    flush), as migration 0002's backward step does."""
    import importlib

    from django.db import connection

    append_only = importlib.import_module("tutela.core.migrations.0002_audit_append_only")
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        append_only.backward(None, editor)
    yield
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        append_only.forward(None, editor)


def signed_in(page: Any, live_server: Any, user: User) -> None:
    """Give the browser tab a session for `user` without going through the sign-in page."""
    from django.conf import settings

    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


@pytest.fixture
def browser_page(browser: Any, live_server: Any, audit_log_flushable: None) -> Any:
    """A fresh browser tab (French-speaking browser) pointed at the live test server; the page
    fails the test on any JavaScript error or Content-Security-Policy violation."""
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.js_errors = errors
    yield page
    context.close()
    assert not errors, f"JavaScript errors or CSP violations: {errors}"


# --- A real SMTP server on loopback ------------------------------------------------------------


class SmtpServer:
    """What the loopback SMTP server (aiosmtpd) received, and how it should answer.

    `refuse(2)` makes it answer the next two messages with "451" (a temporary failure, as a
    busy or grey-listing server does); `refuse(1, "550 ...")` with a permanent one.
    For the older tuple form, `collector, port = smtp_server` still works.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.envelopes: list[Any] = []
        self.refusals: list[str] = []
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refusals:
            self.refused += 1
            return self.refusals.pop(0)
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def refuse(self, count: int = 1, reply: str = "451 4.3.0 Try again later") -> None:
        self.refusals.extend([reply] * count)

    def messages(self) -> list[Any]:
        """The accepted messages, parsed (email.message.EmailMessage, modern policy)."""
        import email
        from email import policy

        return [
            email.message_from_bytes(envelope.original_content, policy=policy.default)
            for envelope in self.envelopes
        ]

    def messages_to(self, address: str) -> list[Any]:
        return [
            message
            for envelope, message in zip(self.envelopes, self.messages(), strict=True)
            if address in envelope.rcpt_tos
        ]

    def recipients(self) -> list[str]:
        return sorted(address for envelope in self.envelopes for address in envelope.rcpt_tos)

    def __iter__(self) -> Any:
        return iter((self, self.port))


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Any:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), with Django's SMTP e-mail backend pointed at
    it for the test. Yields an SmtpServer: `.messages()`, `.envelopes`, `.refuse(n)`..."""
    from aiosmtpd.controller import Controller
    from django.test import override_settings

    server = SmtpServer(free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=server.port,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_TIMEOUT=10,
        ):
            yield server
    finally:
        controller.stop()


@pytest.fixture
def disk_storage(settings: Any, tmp_path: Any) -> Any:
    """Stored files on a real disk under tmp_path/media (encrypted, as in production), and
    uploads being received spooled under tmp_path/uploads; the folder is returned so that a test
    can read every byte written."""
    media = tmp_path / "media"
    uploads = tmp_path / "uploads"
    media.mkdir()
    uploads.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "tutela.core.storage.EncryptedStorage",
            "OPTIONS": {
                "inner": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(media)},
                }
            },
        },
    }
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    return tmp_path


def files_containing(root: Any, needle: bytes) -> list[str]:
    """The files under `root` whose bytes contain `needle`."""
    import pathlib

    return [
        str(path)
        for path in pathlib.Path(root).rglob("*")
        if path.is_file() and needle in path.read_bytes()
    ]
