"""API authentication: hashed, expiring tokens, and the operations' two-factor rule.

A token is refused (401) when unknown, expired or revoked, or when its holder is deactivated. A
holder whom an operation requires to use two-factor authentication (for one of their roles) is
refused with 403 and the error code `two_factor_required` unless the token was issued after a
sign-in with the two-factor code. Browser sessions reach the API too; for them the same rule is
applied by tutela.core.middleware.TwoFactorMiddleware, with the same answer.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authentication import TokenAuthentication

from tutela.core.access import two_factor_required
from tutela.core.models import ApiToken, User
from tutela.core.services.api_tokens import api_token_authenticate

TWO_FACTOR_REQUIRED_CODE = "two_factor_required"
TWO_FACTOR_REQUIRED_MESSAGE = _(
    "An operation you work in requires two-factor authentication for your role. Set it up on "
    "your account page (/account/two-factor/), then request a new API token with the code."
)


class TwoFactorRequired(exceptions.APIException):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = TWO_FACTOR_REQUIRED_MESSAGE
    default_code = TWO_FACTOR_REQUIRED_CODE


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, checked against the stored hashes."""

    keyword = "Token"

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = api_token_authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Invalid, expired or revoked token."), code="token_invalid"
            )
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(
                _("This account is deactivated."), code="account_inactive"
            )
        if not token.second_factor and two_factor_required(user):
            raise TwoFactorRequired
        return user, token
