"""The static files storage: whitenoise's compressed manifest storage, with url() remembered.

Every page's layout names half a dozen static files (`{% static %}`), and the manifest storage
works out each hashed name anew on every call (profiled: ~60 µs a call, 7 calls a page). The
manifest is read once when the process starts and never changes while it runs, so the answer
for a name is the same for the life of the process: kept per name (and DEBUG, which makes the
storage answer unhashed names).
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

# Names come from templates, not from visitors; the bound only guards against a template that
# builds names from data.
MAX_REMEMBERED = 2048


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool], str] = {}
        self._urls_lock = threading.Lock()

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        key = (name, bool(settings.DEBUG))
        found = self._urls.get(key)
        if found is None:
            found = super().url(name)  # a name missing from the manifest raises: not kept
            with self._urls_lock:
                if len(self._urls) >= MAX_REMEMBERED:
                    self._urls.clear()
                self._urls[key] = found
        return found
