"""`/healthz`: is this instance able to serve? For load balancers, systemd watchdogs and people.

Cheap (one query for the database, one for the heartbeats) and anonymous, so it says nothing
that is not public: no host names, versions, settings or counts of records. 200 when the database
answers and at least one task worker and one scheduler are alive (core.workers: their
process runs on this machine, or their heartbeat is recent); 503 otherwise, with what is wrong.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tutela.core import workers
from tutela.core.models import WorkerHeartbeat


def _processes(kind: str, beats: list[WorkerHeartbeat]) -> dict[str, object]:
    now = timezone.now()
    mine = [b for b in beats if b.kind == kind]
    alive = [b for b in mine if workers.heartbeat_is_alive(b, now)]
    freshest = max((b.seen_at for b in alive), default=None)
    return {
        "ok": bool(alive),
        "alive": len(alive),
        "seconds_since_heartbeat": (
            round((now - freshest).total_seconds(), 1) if freshest is not None else None
        ),
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    body: dict[str, object] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        beats = list(WorkerHeartbeat.objects.all()[:200])
    except DatabaseError:
        body = {"status": "fail", "database": {"ok": False}}
        return JsonResponse(body, status=503)
    body["database"] = {"ok": True}
    body["worker"] = _processes(WorkerHeartbeat.Kind.WORKER, beats)
    body["scheduler"] = _processes(WorkerHeartbeat.Kind.SCHEDULER, beats)
    healthy = all(part["ok"] for part in (body["worker"], body["scheduler"]))  # type: ignore[index]
    body = {"status": "ok" if healthy else "fail", **body}
    return JsonResponse(body, status=200 if healthy else 503)
