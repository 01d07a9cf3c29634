"""Background task of the monitoring importer, run by the database-backed worker
(`tutela db_worker`).

The task is defined beside the importer that queues it (services/imports.py, so that services
and tasks do not import each other); this module lists it. Arguments are stored as JSON
until the worker picks them up. Tasks queued before the move name this module: the worker finds
them here too.
"""

from __future__ import annotations

from tutela.monitoring.services.imports import import_monitoring_in_background

__all__ = ["import_monitoring_in_background"]
