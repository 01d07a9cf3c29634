"""Posting a package to another Tutela without being turned against our own network (SSRF).

A peer's address is typed by an operation's manager, and a name can be made to resolve anywhere:
a server that posts wherever it is told can be used to reach what only it can reach (the cloud's
metadata service at 169.254.169.254, the database, an admin page on loopback, the office LAN). So:

- the address is resolved and every address it resolves to must be public (`is_global`: refuses
  loopback, link-local and so the metadata addresses, private ranges, carrier-grade NAT, ULA,
  multicast, reserved, unspecified, and IPv4 hidden in IPv6); one refused address refuses the peer;
- the connection goes to the address that was checked (pinned: a second lookup that answers
  differently, DNS rebinding, is never used), while TLS still checks the certificate of the name;
- redirects are not followed (http.client never does);
- `settings.TUTELA_PEER_ALLOWED_HOSTS` (environment `TUTELA_PEER_ALLOWED_HOSTS`, comma-separated)
  lists the host names or addresses allowed although not public: two instances on one machine or
  one private network (and the tests' two servers on 127.0.0.1). Empty by default.

Python's standard library does the work (ipaddress, socket, http.client): the SSRF libraries on
PyPI wrap `requests` and are no longer maintained.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings


class AddressRefused(ValueError):
    """The peer's address is not one this instance posts to."""

    def __init__(self, message: str, *, unresolved: bool = False) -> None:
        super().__init__(message)
        self.unresolved = unresolved


def allowed_hosts() -> set[str]:
    return {h.strip().lower().strip("[]") for h in settings.TUTELA_PEER_ALLOWED_HOSTS if h.strip()}


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _split(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(f"{url!r}: an http or https address expected.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise AddressRefused(f"{url!r}: bad port.") from exc
    return parts.scheme, parts.hostname.lower(), port


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, the address to connect to). Raises AddressRefused if the host does not
    resolve or resolves to any address that is not public, unless the host is allowed."""
    scheme, host, port = _split(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(
            f"{host}: the name does not resolve ({exc}).", unresolved=True
        ) from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise AddressRefused(f"{host}: the name does not resolve.", unresolved=True)
    if host not in allowed_hosts():
        refused = sorted({a for a in addresses if not _is_public(a)})
        if refused:
            raise AddressRefused(
                f"{host} resolves to {', '.join(refused)}: not a public address (loopback, "
                "private, link-local or reserved). TUTELA_PEER_ALLOWED_HOSTS lists the hosts "
                "allowed anyway."
            )
    return scheme, host, port, addresses[0]


def check_url(url: str) -> None:
    """At registration: refuse an address that is literally, or resolves now to, a non-public
    address (a name that does not resolve yet is checked again at each delivery)."""
    try:
        resolve(url)
    except AddressRefused as error:
        if not error.unresolved:
            raise


def post(url: str, body: bytes, *, timeout: float) -> tuple[int, bytes]:
    """POST `body` (JSON) to `url`, connecting only to the address checked by `resolve`.
    Returns (HTTP status, at most 10,000 bytes of the answer). Network failures raise OSError."""
    scheme, host, port, address = resolve(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def pinned(_address: Any, timeout: Any = None, source_address: Any = None) -> socket.socket:
        # The checked address, not a new lookup of the name; TLS still verifies the name.
        return socket.create_connection((address, port), timeout, source_address)

    connection._create_connection = pinned  # type: ignore[attr-defined]
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, response.read(10_000)
    except http.client.HTTPException as exc:
        # Not an HTTP answer (garbage, cut off): the same as no answer, tried again later.
        raise OSError(f"{host}: {exc!r}") from exc
    finally:
        connection.close()
