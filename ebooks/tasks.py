"""Background work for e-books: the clean-ups. The bulk upload runs on the shared import task
(rumahbelajar.imports.tasks)."""

from __future__ import annotations

from celery import shared_task

from ebooks import services


# Never retried, also when its worker dies: the next night's run is the retry.
@shared_task(name="ebooks.delete_orphan_files", acks_late=True, max_retries=0)
def delete_orphan_files_task() -> None:
    services.delete_orphan_files()
