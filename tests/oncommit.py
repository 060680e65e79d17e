"""What a test sees of the on-commit callbacks it captured."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence


def queued_tasks(callbacks: Sequence[Callable[..., object]]) -> list[functools.partial]:
    """The Celery tasks queued after commit (`task.delay` partials); the other callbacks are
    bookkeeping, like the page cache's version bumps (rumahbelajar.pagecache)."""
    return [
        callback
        for callback in callbacks
        if isinstance(callback, functools.partial)
        and getattr(callback.func, "__name__", "") in {"delay", "apply_async"}
    ]
