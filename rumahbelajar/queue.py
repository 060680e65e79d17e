"""The one way a service queues a Celery task: after the transaction commits, never failing it.

`task.delay_on_commit` loses the task silently when the broker is down at commit time and, worse,
raises into the request. Here the publish runs in `transaction.on_commit(..., robust=True)`: a
broker error is logged and swallowed, the write stands, and the durable mark the caller left in
PostgreSQL (an import job's state, a map's stale flag) lets a beat sweep queue the work again
(docs/architecture.md, "Tasks").
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

#: The retry policy of a task that sends something out or writes a file (emails, a certificate's
#: PDF): a network or disk error (OSError) is retried with backoff, at most 5 times, which is also
#: the bound when its worker dies under it (settings.CELERY_TASK_RETRY_ON_WORKER_LOST).
SENDING_TASK: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": True,
    "max_retries": 5,
}


def publish(task: Any, /, **kwargs: Any) -> bool:
    """Publishes `task` now; False (logged) when the broker is down. For code outside a
    transaction that writes nothing first, such as a beat sweep.

    Unit tests run tasks eagerly inside the publish: there an error of the task itself is not
    the broker's, so it propagates instead of hiding behind a log line.
    """
    try:
        task.apply_async(kwargs=kwargs)
    except Exception:
        if task.app.conf.task_always_eager:
            raise
        logger.warning(
            "Could not queue %s(%s); the beat sweep will pick it up",
            getattr(task, "name", task),
            kwargs,
            exc_info=True,
        )
        return False
    return True


def queue_after_commit(task: Any, /, **kwargs: Any) -> None:
    """Publishes `task` with keyword arguments once the current transaction commits (at once
    outside one). A broker that is down is logged; the beat sweep picks the work up later."""
    eager = bool(task.app.conf.task_always_eager)
    transaction.on_commit(lambda: publish(task, **kwargs), robust=not eager)
