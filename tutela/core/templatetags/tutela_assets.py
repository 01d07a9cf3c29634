"""`{% asset 'tutela/grid.css' %}` and `{% asset_prefetches %}`: our small files inline on a
browser's first visit, linked after (tutela.core.assets says why)."""

from __future__ import annotations

from django import template
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from tutela.core import assets

register = template.Library()


def _request(context: template.Context) -> HttpRequest | None:
    request = context.get("request")
    return request if isinstance(request, HttpRequest) else None


def _nonce(request: HttpRequest) -> str | None:
    # django-csp's lazy nonce: reading it puts it in this response's policy.
    nonce = getattr(request, "csp_nonce", None)
    return str(nonce) if nonce is not None else None


@register.simple_tag(takes_context=True)
def asset(context: template.Context, path: str, mode: str = "") -> SafeString:
    """A stylesheet or script of ours: inline with the CSP nonce on a first visit when small
    enough, else linked. `mode` "defer" links a script deferred (inline it runs where it is)."""
    request = _request(context)
    text = assets.inlinable(path) if request is not None and assets.first_visit(request) else None
    if request is not None and text is not None:
        # Read only here: a page that inlines nothing keeps a policy without a nonce.
        nonce = _nonce(request)
        if nonce:
            assets.mark_inlined(request, path)
            element = "style" if path.endswith(".css") else "script"
            # The text is our own static file, checked by assets.inlinable to hold no closing tag.
            body = mark_safe(text)  # noqa: S308
            return format_html('<{} nonce="{}">{}</{}>', element, nonce, body, element)
    url = static(path)
    if path.endswith(".css"):
        return format_html('<link rel="stylesheet" href="{}">', url)
    if mode == "defer":
        return format_html('<script src="{}" defer></script>', url)
    return format_html('<script src="{}"></script>', url)


@register.simple_tag(takes_context=True)
def asset_prefetches(context: template.Context) -> SafeString:
    """Prefetch links for the files this page inlined, so that the next pages find them cached."""
    request = _request(context)
    paths = assets.inlined(request) if request is not None else []
    return format_html_join("", '<link rel="prefetch" href="{}">', ((static(p),) for p in paths))
