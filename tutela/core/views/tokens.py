"""API token pages: people list and revoke their own tokens on /account/tokens/; coordinators and
information management officers revoke those of their operation's users from the user's page.
Tokens are issued through the API only (POST /api/v1/auth/token/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from tutela.core.services import api_tokens, people
from tutela.core.views.common import current_user, managed_operation


@login_required
@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(
        request,
        "core/accounts/tokens.html",
        {
            "tokens": api_tokens.api_token_list(user=user),
            "lifetime_days": settings.API_TOKEN_LIFETIME.days,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    token = api_tokens.api_token_get_own(user=user, pk=pk)
    api_tokens.api_token_revoke(token=token, by=user, request=request)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.key_prefix})
    return redirect("core:tokens")


@login_required
@require_POST
def token_revoke_all(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    count = api_tokens.api_tokens_revoke_all(user=user, by=user, request=request)
    messages.success(request, _("Tokens revoked: %(count)s.") % {"count": count})
    return redirect("core:tokens")


@login_required
@require_POST
def user_token_revoke(request: HttpRequest, slug: str, pk: int, token_pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    person = people.user_get_for_manager(operation=operation, pk=pk)
    token = api_tokens.api_token_get_own(user=person, pk=token_pk)
    api_tokens.api_token_revoke(token=token, by=current_user(request), request=request)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.key_prefix})
    return redirect("core:user_detail", slug=operation.slug, pk=person.pk)


@login_required
@require_POST
def user_token_revoke_all(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = managed_operation(request, slug)
    person = people.user_get_for_manager(operation=operation, pk=pk)
    count = api_tokens.api_tokens_revoke_all(user=person, by=current_user(request), request=request)
    messages.success(request, _("Tokens revoked: %(count)s.") % {"count": count})
    return redirect("core:user_detail", slug=operation.slug, pk=person.pk)
