"""Pages of advocacy recommendations: dashboard and list, create, edit, detail with the
follow-up log, follow-up, evidence download, CSV/Excel export.

Everyone with a role in the operation reads; coordinators, information management officers and
focal points write. Operations the user has no role in answer 404; writing without the right, 403.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tutela.coordination import access as coordination_access
from tutela.coordination.forms.advocacy import (
    FollowUpForm,
    RecommendationFilterForm,
    RecommendationForm,
)
from tutela.coordination.models import Recommendation
from tutela.coordination.selectors import advocacy as selectors
from tutela.coordination.services import recommendations as services
from tutela.core.forms.directory import valid_filters
from tutela.core.models import Operation
from tutela.core.views.common import current_user as _user
from tutela.core.views.common import (
    download,
    paginate,
    render_page,
    save_form,
    stored_file_download,
)
from tutela.core.views.common import operation_for as _operation


def _editor_operation(request: HttpRequest, slug: str) -> Operation:
    operation = _operation(request, slug)
    if not coordination_access.can_edit_advocacy(_user(request), operation):
        raise PermissionDenied
    return operation


def render_advocacy_page(
    request: HttpRequest, template: str, operation: Operation, **context: Any
) -> HttpResponse:
    """A page of recommendations or documents under clearance: editors see what they may do."""
    return render_page(
        request,
        template,
        operation,
        context,
        can_edit=coordination_access.can_edit_advocacy(_user(request), operation),
    )


def _detail_url(slug: str, pk: int) -> str:
    return reverse("coordination:recommendation_detail", kwargs={"slug": slug, "pk": pk})


def _detail(slug: str, recommendation: Recommendation) -> str:
    return _detail_url(slug, recommendation.pk)


@login_required
@require_GET
def recommendations(request: HttpRequest, slug: str) -> HttpResponse:
    """The dashboard of what is pending, then the filtered list."""
    operation = _operation(request, slug)
    form = RecommendationFilterForm(request.GET or None)
    filters = valid_filters(form)
    page = paginate(request, selectors.recommendation_list(_user(request), operation, filters))
    rows = [(rec, *selectors.days_pending(rec)) for rec in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render_advocacy_page(
        request,
        "coordination/recommendation_list.html",
        operation,
        dashboard=selectors.recommendation_dashboard(_user(request), operation),
        form=form,
        page=page,
        rows=rows,
        filtered=bool(filters),
        export_query=query.urlencode(),
        pending_statuses=selectors.PENDING_STATUSES,
    )


@login_required
@require_GET
def recommendations_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    operation = _operation(request, slug)
    filters = valid_filters(RecommendationFilterForm(request.GET or None))
    content, filename, content_type = services.recommendations_export(
        by=_user(request), operation=operation, filters=filters, fmt=fmt
    )
    return download(content, filename, content_type)


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_create(request: HttpRequest, slug: str) -> HttpResponse:
    operation = _editor_operation(request, slug)
    form = RecommendationForm(request.POST or None, operation=operation, user=_user(request))
    create = partial(services.recommendation_create, operation=operation, by=_user(request))
    recorded = _("Recommendation recorded.")
    saved = save_form(request, form, create, success=recorded, then=partial(_detail, slug))
    return saved or render_advocacy_page(
        request, "coordination/recommendation_form.html", operation, form=form, recommendation=None
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _editor_operation(request, slug)
    recommendation = coordination_access.recommendation_get_for_user(_user(request), operation, pk)
    initial = {
        name: getattr(recommendation, name)
        for name in ("text", "addressee_kind", "addressee", "issued_in", "issued_on")
    }
    for name in ("meeting", "document", "pau", "mission"):
        initial[name] = getattr(recommendation, f"{name}_id")
    form = RecommendationForm(
        request.POST or None, initial=initial, operation=operation, user=_user(request)
    )
    update = partial(
        services.recommendation_update, recommendation=recommendation, by=_user(request)
    )
    updated = _("Recommendation updated.")
    saved = save_form(request, form, update, success=updated, then=_detail_url(slug, pk))
    return saved or render_advocacy_page(
        request,
        "coordination/recommendation_form.html",
        operation,
        form=form,
        recommendation=recommendation,
    )


@login_required
@require_GET
def recommendation_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _operation(request, slug)
    recommendation = coordination_access.recommendation_get_for_user(_user(request), operation, pk)
    since_issued, since_follow_up = selectors.days_pending(recommendation)
    follow_ups = list(selectors.recommendation_follow_ups(recommendation))
    document = recommendation.document
    document_visible = bool(
        document is not None
        and coordination_access.document_queryset(_user(request), operation)
        .filter(pk=document.pk)
        .exists()
    )
    return render_advocacy_page(
        request,
        "coordination/recommendation_detail.html",
        operation,
        recommendation=recommendation,
        follow_ups=follow_ups,
        pending=recommendation.status in selectors.PENDING_STATUSES,
        since_issued=since_issued,
        since_follow_up=since_follow_up,
        document_visible=document_visible,
        follow_up_form=FollowUpForm(initial={"status": recommendation.status}),
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_follow_up(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    operation = _editor_operation(request, slug)
    recommendation = coordination_access.recommendation_get_for_user(_user(request), operation, pk)
    form = FollowUpForm(
        request.POST or None, request.FILES or None, initial={"status": recommendation.status}
    )

    def follow_up(*, evidence: Any, **data: Any) -> None:
        services.recommendation_follow_up(
            recommendation=recommendation, by=_user(request), evidence_file=evidence or None, **data
        )

    recorded = _("Follow-up recorded.")
    saved = save_form(request, form, follow_up, success=recorded, then=_detail_url(slug, pk))
    return saved or render_advocacy_page(
        request,
        "coordination/recommendation_follow_up.html",
        operation,
        form=form,
        recommendation=recommendation,
    )


@login_required
@require_GET
def recommendation_evidence(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """An evidence file, for users with a role in the operation only (never a public URL)."""
    operation = _operation(request, slug)
    follow_up = coordination_access.follow_up_get_for_user(_user(request), operation, pk)
    if not follow_up.evidence:
        raise PermissionDenied
    return stored_file_download(follow_up.evidence, named_after=f"evidence-{follow_up.pk}")
