"""Fixed-window counters for rate limits, shared by every process through the Redis cache.

While Redis is away the cache backend (rumahbelajar.cache) keeps counters whose key starts with
one of its LOCAL_FALLBACK_PREFIXES in the process's own memory: a limit then holds per process
(at most the number of processes times the limit in all), so nobody is locked out and nobody is let through unlimited.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.core.cache import cache


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
