"""API endpoints of sign-in and API tokens: a token for a username and password (and TOTP code
when two-factor is on), the caller's own tokens, and the tokens of an operation's users for its
managers."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from tutela.core.access import two_factor_required
from tutela.core.api import serializers
from tutela.core.api.authentication import ApiTokenAuthentication, TwoFactorRequired
from tutela.core.api.contract import ContractCheckedMixin
from tutela.core.api.permissions import IsManager
from tutela.core.api.views import OperationAPIView
from tutela.core.models import (
    ApiToken,
    User,
)
from tutela.core.services.api_tokens import (
    api_token_get_own,
    api_token_issue,
    api_token_list,
    api_token_revoke,
    api_tokens_revoke_all,
)
from tutela.core.services.people import signin_failure_record, user_get_for_manager
from tutela.core.services.security import totp_verify


class LockedOut(APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many failed sign-in attempts. Try again later.")
    default_code = "locked_out"


class TokenView(ContractCheckedMixin, APIView):
    """Exchange an e-mail address and password (and a two-factor code, for accounts that have it
    on) for a new API token; DELETE revokes the token the request is sent with."""

    # Token only: a browser session must not be able to mint or revoke tokens (and POST needs no
    # CSRF token since it carries the credentials itself).
    authentication_classes = [ApiTokenAuthentication]
    # Scripts often sign in with a plain form post (curl -d email=...).
    parser_classes = [JSONParser, FormParser]

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return [AllowAny()]

    @extend_schema(
        operation_id="auth_token_create",
        request=serializers.TokenObtainIn,
        responses={
            200: serializers.TokenOut,
            400: OpenApiResponse(
                description=_("Wrong credentials, or two-factor code missing."),
            ),
            403: OpenApiResponse(
                description=_(
                    "Code two_factor_required: two-factor authentication must be set up first."
                ),
            ),
            429: OpenApiResponse(
                description=_("Locked out after repeated failures."),
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data_in = serializers.TokenObtainIn(data=request.data)
        data_in.is_valid(raise_exception=True)
        email = data_in.validated_data["email"].strip().lower()
        # The request goes to authenticate() so that django-axes counts failures and refuses a
        # locked-out e-mail/address pair, as on the sign-in page. Axes flags the DRF request
        # object, not the Django request under it, so its middleware leaves our JSON answer alone
        # instead of swapping in the HTML lockout page.
        authenticated = authenticate(
            request, email=email, password=data_in.validated_data["password"]
        )
        if authenticated is None:
            locked_out = bool(getattr(request, "axes_locked_out", False))
            signin_failure_record(
                email=email, request=request, reason="API, locked out" if locked_out else "API"
            )
            if locked_out:
                raise LockedOut
            raise ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [_("Wrong e-mail address or password.")]},
                code="invalid_credentials",
            )
        user = cast(User, authenticated)
        method = "password"
        if user.totp_enabled:
            otp = data_in.validated_data.get("otp", "")
            if not otp:
                raise ValidationError(
                    {"otp": [_("This account uses two-factor authentication: send the code.")]},
                    code="otp_required",
                )
            if not totp_verify(user=user, code=otp):
                signin_failure_record(
                    email=email, request=request, reason="API, wrong two-factor code"
                )
                # A wrong code counts as a failed sign-in, so guessing codes runs into the lockout.
                user_login_failed.send(
                    sender=__name__, credentials={"email": email}, request=request
                )
                if getattr(request, "axes_locked_out", False):
                    raise LockedOut
                raise ValidationError({"otp": [_("That code is not valid.")]}, code="otp_invalid")
            method = "password+totp"
        elif two_factor_required(user):
            # Password-only tokens would sidestep the operation's two-factor rule.
            raise TwoFactorRequired
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, key = api_token_issue(
            user=user, request=request, method=method, second_factor=method == "password+totp"
        )
        return Response(
            serializers.TokenOut(
                {"token": key, "id": token.pk, "expires_at": token.expires_at}
            ).data
        )

    @extend_schema(operation_id="auth_token_destroy", request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        token = request.auth
        assert isinstance(token, ApiToken)
        api_token_revoke(token=token, by=cast(User, request.user), request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(ContractCheckedMixin, ListAPIView):
    """The caller's API tokens that have not expired, newest first (the keys themselves are not
    kept: only their first characters)."""

    serializer_class = serializers.ApiTokenOut
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ApiToken]:
        return api_token_list(user=cast(User, self.request.user))


class TokenDetailView(ContractCheckedMixin, APIView):
    """One of the caller's tokens; DELETE revokes it."""

    @extend_schema(responses=serializers.ApiTokenOut)
    def get(self, request: Request, pk: int) -> Response:
        token = api_token_get_own(user=cast(User, request.user), pk=pk)
        return Response(serializers.ApiTokenOut(token, context={"request": request}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        user = cast(User, request.user)
        api_token_revoke(token=api_token_get_own(user=user, pk=pk), by=user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserTokenListView(OperationAPIView, ListAPIView):
    """The API tokens of a person holding a role in the operation (coordinators and information
    management officers only). DELETE revokes all of them."""

    queryset = ApiToken.objects.none()
    serializer_class = serializers.ApiTokenOut
    permission_classes = [IsAuthenticated, IsManager]
    filter_backends: list[Any] = []

    def get_person(self) -> User:
        return user_get_for_manager(operation=self.get_operation(), pk=self.kwargs["pk"])

    def get_queryset(self) -> QuerySet[ApiToken]:
        if getattr(self, "swagger_fake_view", False):
            return ApiToken.objects.none()
        return api_token_list(user=self.get_person())

    @extend_schema(
        operation_id="v1_operations_users_tokens_destroy_all", request=None, responses={204: None}
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        api_tokens_revoke_all(user=self.get_person(), by=self.caller, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserTokenDetailView(OperationAPIView):
    """One API token of a person holding a role in the operation; DELETE revokes it."""

    queryset = ApiToken.objects.none()
    serializer_class = serializers.ApiTokenOut
    permission_classes = [IsAuthenticated, IsManager]

    def get_object(self) -> ApiToken:
        person = user_get_for_manager(operation=self.get_operation(), pk=self.kwargs["pk"])
        return api_token_get_own(user=person, pk=self.kwargs["token_pk"])

    def get(self, request: Request, slug: str, pk: int, token_pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, slug: str, pk: int, token_pk: int) -> Response:
        api_token_revoke(token=self.get_object(), by=self.caller, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)
