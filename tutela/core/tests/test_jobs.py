"""Background jobs: the services later modules use, and the pages that show progress."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tutela.conftest import World
from tutela.core.models import Job
from tutela.core.services.jobs import (
    job_attach_task,
    job_create,
    job_fail,
    job_progress,
    job_succeed,
)

pytestmark = pytest.mark.django_db


def test_job_lifecycle(world: World) -> None:
    job = job_create(
        user=world.imo, operation=world.operation, kind="5w_import", label="5W March.xlsx"
    )
    assert job.status == Job.Status.QUEUED
    assert job.progress == 0
    job_attach_task(job=job, task_result_id="abc123")
    job_progress(job=job, progress=40, message="Checking rows")
    job.refresh_from_db()
    assert (job.status, job.progress, job.message) == (Job.Status.RUNNING, 40, "Checking rows")
    assert job.task_result_id == "abc123"
    assert not job.is_finished
    job_succeed(job=job, result={"created": 120, "updated": 4})
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.progress == 100
    assert job.result == {"created": 120, "updated": 4}
    assert job.is_finished


def test_job_progress_is_clamped(world: World) -> None:
    job = job_create(user=world.imo, operation=None, kind="x", label="x")
    job_progress(job=job, progress=250)
    assert Job.objects.get(pk=job.pk).progress == 100
    job_progress(job=job, progress=-5)
    assert Job.objects.get(pk=job.pk).progress == 0


def test_job_fail_keeps_the_message(world: World) -> None:
    job = job_create(user=world.imo, operation=world.operation, kind="x", label="x")
    job_fail(job=job, message="Row 12: unknown P-code ML9999")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == "Row 12: unknown P-code ML9999"
    assert job.is_finished


def test_system_job_without_user(world: World) -> None:
    job = job_create(user=None, operation=None, kind="digest", label="Daily digest")
    assert job.pk


def test_job_kind_is_required(world: World) -> None:
    with pytest.raises(ValidationError):
        job_create(user=world.imo, operation=None, kind="", label="x")


def test_jobs_page_lists_only_own_jobs(world: World, as_user: Any) -> None:
    mine = job_create(user=world.imo, operation=world.operation, kind="x", label="My import")
    job_create(user=world.coordinator, operation=world.operation, kind="x", label="Their import")
    response = as_user(world.imo).get(reverse("core:jobs"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "My import" in body
    assert "Their import" not in body
    assert reverse("core:job_detail", args=[mine.pk]) in body


def test_jobs_page_empty_state(world: World, as_user: Any) -> None:
    body = as_user(world.partner).get(reverse("core:jobs")).content.decode()
    assert "no background jobs" in body


def test_jobs_pages_require_sign_in(world: World, client: Any) -> None:
    job = job_create(user=world.imo, operation=None, kind="x", label="x")
    for url in (
        reverse("core:jobs"),
        reverse("core:job_detail", args=[job.pk]),
        reverse("core:job_progress", args=[job.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("core:login"))


@pytest.mark.parametrize("persona", ["coordinator", "partner", "outsider", "other_operation_user"])
def test_other_users_job_is_not_found(world: World, as_user: Any, persona: str) -> None:
    job = job_create(user=world.imo, operation=world.operation, kind="x", label="Secret import")
    client = as_user(getattr(world, persona))
    assert client.get(reverse("core:job_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("core:job_progress", args=[job.pk])).status_code == 404


def test_running_job_polls_and_finished_job_stops(world: World, as_user: Any) -> None:
    client = as_user(world.imo)
    job = job_create(user=world.imo, operation=world.operation, kind="x", label="Import")
    job_progress(job=job, progress=30, message="Reading")
    detail = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    progress_url = reverse("core:job_progress", args=[job.pk])
    assert f'hx-get="{progress_url}"' in detail
    assert 'hx-trigger="every 2s"' in detail
    assert 'value="30"' in detail
    partial = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    job_succeed(job=job, result={"created": 3})
    finished = client.get(progress_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in finished
    assert "Succeeded" in finished
    assert "created" in finished
