"""Task rows queued before a module split keep running: the database worker imports the stored
task path (django_tasks_db: import_string(task_path)), so the old path must still name the task."""

from __future__ import annotations

from django.utils.module_loading import import_string
from django_tasks.base import Task


def test_the_peer_message_task_is_found_at_its_path_before_the_split() -> None:
    old = import_string("tutela.cases.services.peers.peer_message_send")
    assert isinstance(old, Task)
    assert old is import_string(old.module_path)
