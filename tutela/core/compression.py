"""Compressed responses (gzip) for pages, JSON and GeoJSON, with BREACH in mind.

BREACH recovers a secret from a compressed HTTPS response by making the victim's browser send many
requests that reflect a guess next to the secret and watching the response length. What we do:

- Django's CSRF token is masked afresh in every response (a random one-time pad), so the token in
  a page is never the same twice and its compressed length tells nothing.
- Django's GZipMiddleware (4.2+) adds a random number of bytes to every compressed response
  ("Heal the BREACH"), so that a length no longer follows the guess exactly.
- Pages that show a lasting secret (a two-factor secret being set up, an API token just issued)
  and the sign-in forms are not compressed at all: `UNCOMPRESSED_PREFIXES`.
- Static files are compressed once by collectstatic (whitenoise) and hold no secret.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.middleware.gzip import GZipMiddleware

# The account pages (sign-in, two-factor set-up with its secret, password changes, API tokens)
# and invitations (a token in the address).
UNCOMPRESSED_PREFIXES = ("/account/", "/login/", "/invitation/", "/api/v1/auth/")


# Text that compresses well; images, spreadsheets, PDFs and Word files are compressed already.
COMPRESSED_TYPES = (
    "application/json",
    "application/geo+json",
    "application/javascript",
    "application/xml",
    "application/vnd.oai.openapi",
    "image/svg+xml",
)


def compressible(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind.startswith("text/") or kind in COMPRESSED_TYPES or kind.endswith("+json")


class CompressionMiddleware(GZipMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if request.path.startswith(UNCOMPRESSED_PREFIXES) or not compressible(
            response.get("Content-Type", "")
        ):
            return response
        return super().process_response(request, response)
