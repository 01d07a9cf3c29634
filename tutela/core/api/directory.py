"""API endpoints of an operation's directory: its organisations, coordination bodies and their
memberships, and contacts."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tutela.core import access, selectors
from tutela.core.api import filters, serializers
from tutela.core.api.permissions import CanSeeContacts, IsManagerForWrites
from tutela.core.api.views import OperationAPIView
from tutela.core.models import (
    Body,
    Contact,
    Membership,
    Operation,
    Organisation,
)
from tutela.core.services.contacts import contact_create, contact_update
from tutela.core.services.organisations import (
    organisation_create,
    organisation_link,
    organisation_update,
)
from tutela.core.services.structure import (
    body_create,
    body_update,
    membership_add,
    membership_update,
)


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
