"""Background tasks of the planning module, run by the database-backed worker (`tutela
db_worker`).

Each task is defined beside the service it runs and the service that queues it (so that services
and tasks do not import each other); this module lists them. Arguments are stored as JSON until
the worker picks them up: plain values only. Tasks queued before the move name this module: the
worker finds them here too.
"""

from __future__ import annotations

from tutela.planning.services.fts_import import import_fts_in_background

__all__ = ["import_fts_in_background"]
