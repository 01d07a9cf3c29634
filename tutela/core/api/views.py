"""API endpoints under /api/v1/, one view per endpoint.

Each view is thin: it finds the operation through the access layer (404 for anyone without a role
in it), checks the action through the permission classes (403), reads through the selectors and
writes through the same services as the HTML views. Services raise Django's ValidationError,
which tutela.core.api.errors turns into a 400 with field errors.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from tutela.core import access, selectors
from tutela.core.access import two_factor_required
from tutela.core.api import filters, serializers
from tutela.core.api.authentication import ApiTokenAuthentication, TwoFactorRequired
from tutela.core.api.contract import ContractCheckedMixin, check_request
from tutela.core.api.permissions import CanSeeContacts, IsManager, IsManagerForWrites
from tutela.core.api.renderers import GeoJSONRenderer
from tutela.core.models import (
    AdminArea,
    ApiToken,
    AuditEntry,
    Body,
    Contact,
    Membership,
    Operation,
    Organisation,
    User,
)
from tutela.core.pcodes import GazetteerIndex
from tutela.core.services.api_tokens import (
    api_token_get_own,
    api_token_issue,
    api_token_list,
    api_token_revoke,
    api_tokens_revoke_all,
)
from tutela.core.services.contacts import contact_create, contact_update
from tutela.core.services.operations import operation_create, operation_update
from tutela.core.services.organisations import (
    organisation_create,
    organisation_link,
    organisation_update,
)
from tutela.core.services.people import signin_failure_record, user_get_for_manager
from tutela.core.services.security import totp_verify
from tutela.core.services.structure import (
    body_create,
    body_update,
    membership_add,
    membership_update,
)

# --- Authentication ------------------------------------------------------------------------------


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


class MeView(ContractCheckedMixin, APIView):
    """The caller: account, organisation and roles in each operation they can reach."""

    @extend_schema(responses=serializers.MeOut)
    def get(self, request: Request) -> Response:
        user = cast(User, request.user)
        operations = [
            {
                "slug": operation.slug,
                "name": operation.name,
                "roles": sorted(access.roles_in(user, operation)),
                "is_manager": access.is_manager(user, operation),
                "can_see_contacts": access.can_see_contacts(user, operation),
            }
            for operation in access.operations_for_user(user).order_by("name")
        ]
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "language": user.language,
            "email_mode": user.email_mode,
            "totp_enabled": user.totp_enabled,
            "organisation": user.organisation,
            "operations": operations,
        }
        return Response(serializers.MeOut(data).data)


# --- Operations ----------------------------------------------------------------------------------


class OperationListView(ContractCheckedMixin, ListAPIView):
    """Operations the caller holds a role in (or below one). Server administrators create new
    operations (POST)."""

    queryset = Operation.objects.none()
    serializer_class = serializers.OperationOut
    filterset_class = filters.OperationFilter
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "slug", "created_at"]

    def get_queryset(self) -> QuerySet[Operation]:
        return (
            access.operations_for_user(self.request.user)
            .select_related("parent")
            .prefetch_related("countries")
            .order_by("name")
        )

    @extend_schema(
        request=serializers.OperationCreateIn,
        responses={
            201: serializers.OperationOut,
            403: OpenApiResponse(description=_("Server administrators only.")),
        },
    )
    def post(self, request: Request) -> Response:
        # The service refuses too; checking first answers 403 rather than a 400 on the body.
        if not cast(User, request.user).is_superuser:
            raise PermissionDenied
        data_in = serializers.OperationCreateIn(data=request.data, context={"request": request})
        data_in.is_valid(raise_exception=True)
        operation = operation_create(by=cast(User, request.user), **data_in.validated_data)
        return Response(
            serializers.OperationOut(operation, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class OperationAPIView(GenericAPIView):
    """An endpoint under /operations/<slug>/. The operation comes from the access layer before
    anything else runs: 404 for anyone without a role in it; then the query and body are
    checked against the schema (tutela.core.api.contract): 400."""

    _operation: Operation | None = None

    @property
    def caller(self) -> User:
        # Every endpoint below requires authentication, so the user is a real account.
        return cast(User, self.request.user)

    def get_operation(self) -> Operation:
        if self._operation is None:
            self._operation = access.operation_get_for_user(self.request.user, self.kwargs["slug"])
        return self._operation

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.get_operation()
        check_request(request._request)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["operation"] = self.get_operation()
        return context

    def input(self, serializer_class: type[Any], *, partial: bool = False) -> dict[str, Any]:
        """The request body, validated by an input serializer."""
        data_in = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        data_in.is_valid(raise_exception=True)
        return dict(data_in.validated_data)

    def output(self, instance: Any, *, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(
            self.get_serializer_class()(instance, context=self.get_serializer_context()).data,
            status=status_code,
        )


class OperationDetailView(OperationAPIView):
    """The operation; its managers change its settings (PATCH)."""

    queryset = Operation.objects.none()
    serializer_class = serializers.OperationOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]

    def get(self, request: Request, slug: str) -> Response:
        return self.output(self.get_operation())

    @extend_schema(request=serializers.OperationIn, responses=serializers.OperationOut)
    def patch(self, request: Request, slug: str) -> Response:
        operation = operation_update(
            by=self.caller,
            operation=self.get_operation(),
            **self.input(serializers.OperationIn, partial=True),
        )
        return self.output(operation)


# --- Geography -----------------------------------------------------------------------------------


class AreaListView(OperationAPIView, ListAPIView):
    """Admin areas of the operation's countries, by P-code. With `?format=geojson` the same
    selection comes back as one GeoJSON FeatureCollection (not paginated) of the areas that have
    a boundary."""

    queryset = AdminArea.objects.none()
    serializer_class = serializers.AreaOut
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.AreaFilter
    ordering_fields = ["pcode", "name", "level"]
    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, GeoJSONRenderer]  # type: ignore[list-item]

    def get_queryset(self) -> QuerySet[AdminArea]:
        return (
            AdminArea.objects.filter(
                country_pcode__in=selectors.country_pcodes(self.get_operation())
            )
            .select_related("parent")
            .defer("geometry")
            .order_by("pcode")
        )

    def feature_collection(self) -> Response:
        areas = self.filter_queryset(self.get_queryset())
        return Response(selectors.area_feature_collection(areas))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                OpenApiTypes.STR,
                enum=["json", "geojson"],
                description=_("geojson: one FeatureCollection instead of a page of areas."),
            )
        ],
        responses={
            (200, "application/json"): serializers.AreaOut(many=True),
            (200, "application/geo+json"): serializers.GeoJSONFeatureCollectionOut,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.accepted_renderer.format == GeoJSONRenderer.format:
            return self.feature_collection()
        return self.list(request, *args, **kwargs)


class AreaGeoJSONView(AreaListView):
    """The admin areas as one GeoJSON FeatureCollection (same filters as the list)."""

    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    pagination_class = None

    @extend_schema(
        operation_id="v1_operations_areas_geojson",
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={(200, "application/geo+json"): serializers.GeoJSONFeatureCollectionOut},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.feature_collection()


class AreaLookupView(OperationAPIView):
    """Match a place name as written in a file to P-codes (accents, case and small misspellings
    do not matter)."""

    queryset = AdminArea.objects.none()
    serializer_class = serializers.AreaLookupOut

    @extend_schema(parameters=[serializers.AreaLookupQuery])
    def get(self, request: Request, slug: str) -> Response:
        query = serializers.AreaLookupQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        index = GazetteerIndex.for_countries(selectors.country_pcodes(self.get_operation()))
        matches = index.match_name(
            params["name"],
            level=params.get("level"),
            parent_pcode=params.get("parent") or None,
            limit=params["limit"],
        )
        data = {
            "name": params["name"],
            "matches": [
                {
                    "pcode": match.area.pcode,
                    "name": match.area.name,
                    "level": match.area.level,
                    "parent_pcode": match.area.parent_pcode,
                    "score": match.score,
                    "exact": match.exact,
                }
                for match in matches
            ],
        }
        return Response(serializers.AreaLookupOut(data).data)


# --- Organisations -------------------------------------------------------------------------------


class OrganisationListView(OperationAPIView, ListAPIView):
    """Organisations taking part in the operation. Managers add new ones (POST)."""

    queryset = Organisation.objects.none()
    serializer_class = serializers.OrganisationOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]
    filterset_class = filters.OrganisationFilter
    search_fields = ["acronym", "name"]
    ordering_fields = ["acronym", "name", "type"]

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.organisation_list(self.get_operation())

    @extend_schema(request=serializers.OrganisationIn, responses={201: serializers.OrganisationOut})
    def post(self, request: Request, slug: str) -> Response:

        organisation = organisation_create(
            by=self.caller,
            operation=self.get_operation(),
            **self.input(serializers.OrganisationIn),
        )
        return self.output(organisation, status_code=status.HTTP_201_CREATED)


class OrganisationLinkView(OperationAPIView):
    """Add an organisation already registered on this server (in another operation) to this one."""

    queryset = Organisation.objects.none()
    serializer_class = serializers.OrganisationOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]

    @extend_schema(
        request=serializers.OrganisationLinkIn, responses={201: serializers.OrganisationOut}
    )
    def post(self, request: Request, slug: str) -> Response:
        organisation = organisation_link(
            by=self.caller,
            operation=self.get_operation(),
            **self.input(serializers.OrganisationLinkIn),
        )
        return self.output(organisation, status_code=status.HTTP_201_CREATED)


class OrganisationDetailView(OperationAPIView):
    queryset = Organisation.objects.none()
    serializer_class = serializers.OrganisationOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]

    def get_object(self) -> Organisation:
        organisation = (
            selectors.organisation_list(self.get_operation())
            .filter(acronym__iexact=self.kwargs["acronym"])
            .first()
        )
        if organisation is None:
            raise Http404
        return organisation

    def get(self, request: Request, slug: str, acronym: str) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=serializers.OrganisationIn, responses=serializers.OrganisationOut)
    def patch(self, request: Request, slug: str, acronym: str) -> Response:

        organisation = organisation_update(
            by=self.caller,
            operation=self.get_operation(),
            organisation=self.get_object(),
            **self.input(serializers.OrganisationIn, partial=True),
        )
        return self.output(organisation)


# --- Coordination structure ----------------------------------------------------------------------


def _bodies(operation: Operation) -> QuerySet[Body]:
    return (
        Body.objects.filter(operation=operation)
        .select_related("lead", "co_lead")
        .prefetch_related("scope")
    )


class BodyListView(OperationAPIView, ListAPIView):
    """Coordination bodies: the national cluster, AoRs, regional working groups, the SAG..."""

    queryset = Body.objects.none()
    serializer_class = serializers.BodyOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]
    filterset_class = filters.BodyFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "kind"]

    def get_queryset(self) -> QuerySet[Body]:
        return _bodies(self.get_operation())

    @extend_schema(request=serializers.BodyIn, responses={201: serializers.BodyOut})
    def post(self, request: Request, slug: str) -> Response:

        body = body_create(
            by=self.caller, operation=self.get_operation(), **self.input(serializers.BodyIn)
        )
        return self.output(body, status_code=status.HTTP_201_CREATED)


class BodyDetailView(OperationAPIView):
    queryset = Body.objects.none()
    serializer_class = serializers.BodyOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]

    def get_object(self) -> Body:
        return access.get_scoped_or_404(_bodies(self.get_operation()), pk=self.kwargs["pk"])

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=serializers.BodyIn, responses=serializers.BodyOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:

        body = body_update(
            by=self.caller,
            body=self.get_object(),
            **self.input(serializers.BodyIn, partial=True),
        )
        return self.output(body)


class MembershipListView(OperationAPIView, ListAPIView):
    """Organisations in one body, current memberships first. Managers add members (POST)."""

    queryset = Membership.objects.none()
    serializer_class = serializers.MembershipOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]
    filterset_class = filters.MembershipFilter
    search_fields = ["organisation__acronym", "organisation__name"]
    ordering_fields = ["since", "until", "role", "organisation__acronym"]

    def get_body(self) -> Body:
        return access.get_scoped_or_404(
            Body.objects.filter(operation=self.get_operation()), pk=self.kwargs["pk"]
        )

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.body_memberships(self.get_body())

    @extend_schema(
        request=serializers.MembershipCreateIn, responses={201: serializers.MembershipOut}
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:

        membership = membership_add(
            by=self.caller, body=self.get_body(), **self.input(serializers.MembershipCreateIn)
        )
        return self.output(membership, status_code=status.HTTP_201_CREATED)


class MembershipDetailView(OperationAPIView):
    queryset = Membership.objects.none()
    serializer_class = serializers.MembershipOut
    permission_classes = [IsAuthenticated, IsManagerForWrites]

    def get_object(self) -> Membership:
        return access.get_scoped_or_404(
            Membership.objects.filter(body__operation=self.get_operation()).select_related(
                "organisation", "body"
            ),
            pk=self.kwargs["pk"],
        )

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=serializers.MembershipUpdateIn, responses=serializers.MembershipOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:

        membership = membership_update(
            by=self.caller,
            membership=self.get_object(),
            **self.input(serializers.MembershipUpdateIn, partial=True),
        )
        return self.output(membership)


# --- Contacts ------------------------------------------------------------------------------------


class ContactListView(OperationAPIView, ListAPIView):
    """The operation's contact directory (not for pure viewers). E-mail and phone are encrypted
    at rest, so `search` looks in names, titles and organisations only."""

    queryset = Contact.objects.none()
    serializer_class = serializers.ContactOut
    permission_classes = [IsAuthenticated, CanSeeContacts]
    filterset_class = filters.ContactFilter
    search_fields = ["name", "title", "organisation__acronym", "organisation__name"]
    ordering_fields = ["name", "organisation__acronym", "created_at"]

    def get_queryset(self) -> QuerySet[Contact]:
        return selectors.contact_list(self.get_operation(), {"include_inactive": True})

    @extend_schema(request=serializers.ContactIn, responses={201: serializers.ContactOut})
    def post(self, request: Request, slug: str) -> Response:

        contact = contact_create(
            by=self.caller, operation=self.get_operation(), **self.input(serializers.ContactIn)
        )
        return self.output(contact, status_code=status.HTTP_201_CREATED)


class ContactDetailView(OperationAPIView):
    queryset = Contact.objects.none()
    serializer_class = serializers.ContactOut
    permission_classes = [IsAuthenticated, CanSeeContacts]

    def get_object(self) -> Contact:
        contact = selectors.contact_get(self.get_operation(), self.kwargs["pk"])
        if contact is None:
            raise Http404
        return contact

    def get(self, request: Request, slug: str, pk: int) -> Response:
        return self.output(self.get_object())

    @extend_schema(request=serializers.ContactUpdateIn, responses=serializers.ContactOut)
    def patch(self, request: Request, slug: str, pk: int) -> Response:

        contact = contact_update(
            by=self.caller,
            contact=self.get_object(),
            **self.input(serializers.ContactUpdateIn, partial=True),
        )
        return self.output(contact)


# --- Audit log -----------------------------------------------------------------------------------


class AuditListView(OperationAPIView, ListAPIView):
    """The operation's audit log, newest first (coordinators and information management
    officers only)."""

    queryset = AuditEntry.objects.none()
    serializer_class = serializers.AuditEntryOut
    permission_classes = [IsAuthenticated, IsManager]
    filterset_class = filters.AuditFilter
    search_fields = ["summary", "actor_label"]
    ordering_fields = ["created_at"]

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return selectors.audit_entries(self.get_operation(), user=cast(User, self.request.user))


# --- API tokens of the operation's users (managers) ----------------------------------------------


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
