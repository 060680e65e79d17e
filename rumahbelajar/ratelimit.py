"""Fixed-window counters for rate limits, shared by every process through the Redis cache.

While Redis is away the cache backend (rumahbelajar.cache) keeps counters whose key starts with
one of its LOCAL_FALLBACK_PREFIXES in the process's own memory: a limit then holds per process
(at most the number of processes times the limit in all), so nobody is locked out and nobody is let through unlimited.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int  # seconds until the window ends


def hit(prefix: str, subject: str, *, limit: int, seconds: int = 60) -> Decision:
    """Counts one hit of `subject` in the current window of `seconds` (windows start at
    multiples of `seconds` since the epoch) and says whether it is within `limit`.

    `prefix` must be one of rumahbelajar.cache.LOCAL_FALLBACK_PREFIXES (e.g. "api-rl:").
    Side effects: one Redis round trip (or a counter in this process's memory).
    """
    now = time.time()
    window = int(now // seconds)
    key = f"{prefix}{subject}:{window}"
    counter = getattr(cache, "count_in_window", None)
    if counter is not None:
        count = int(counter(key, seconds=seconds + 5))
    elif cache.add(key, 1, timeout=seconds + 5):  # another backend (not ours): add, then incr
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=seconds + 5)
            count = 1
    retry_after = max(1, math.ceil((window + 1) * seconds - now))
    return Decision(allowed=count <= limit, count=count, retry_after=retry_after)


# --- per client IP, for public pages (certificate verification) ----------------------------------


def client_ip(request: HttpRequest) -> str:
    """allauth's client IP (ALLAUTH_TRUSTED_PROXY_COUNT hops of X-Forwarded-For, never more), so
    the login limit and these count the same address."""
    try:
        return str(get_adapter(request).get_client_ip(request))
    except Exception:  # no usable address (a malformed header): one shared bucket
        return "unknown"


def allow(request: HttpRequest, action: str, *, per_minute: int) -> bool:
    """Counts this request of the client for `action`; False past `per_minute` this minute.
    While Redis is away the count holds per process (see the module's docstring)."""
    return hit("verify-rl:", f"{action}:{client_ip(request)}", limit=per_minute).allowed


def too_many(request: HttpRequest) -> HttpResponse:
    """429 with a Retry-After up to the end of the minute."""
    response = HttpResponse(
        _("Terlalu banyak permintaan. Coba lagi dalam satu menit."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(max(1, 60 - int(time.time()) % 60))
    return response
