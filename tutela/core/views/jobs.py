"""The signed-in user's background jobs (imports, batches of e-mails) and their progress."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from tutela.core.access import job_get_for_user
from tutela.core.models import User
from tutela.core.services.jobs import job_list_for_user
from tutela.core.views.common import paginate

PER_PAGE = 50


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    page = paginate(request, job_list_for_user(user=user), PER_PAGE)
    return render(request, "core/jobs/list.html", {"page": page})


@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get_for_user(user=cast(User, request.user), pk=pk)
    return render(request, "core/jobs/detail.html", {"job": job})


@login_required
@never_cache
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress block alone, polled by htmx every 2 seconds until the job is finished."""
    job = job_get_for_user(user=cast(User, request.user), pk=pk)
    return render(request, "core/jobs/_progress.html", {"job": job})
