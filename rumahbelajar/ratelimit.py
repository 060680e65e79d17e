"""A per-client-IP request limit for public pages (certificate verification), counted in Redis.

A fixed window per minute: one counter per (action, client IP, minute), moved with INCR. The
client IP is allauth's (settings.ALLAUTH_TRUSTED_PROXY_COUNT hops of X-Forwarded-For, never
more), so the login limit and this one count the same address. Redis is a cache here: when it is
down the request is allowed and the failure logged, since refusing everyone would turn an outage
of the cache into an outage of the page.
"""

from __future__ import annotations

import logging
import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def client_ip(request: HttpRequest) -> str:
    try:
        return str(get_adapter(request).get_client_ip(request))
    except Exception:  # no usable address (a malformed header): one shared bucket
        return "unknown"


def allow(request: HttpRequest, action: str, *, per_minute: int) -> bool:
    """Counts this request; False once the client has made more than `per_minute` this minute."""
    window = int(time.time() // WINDOW_SECONDS)
    key = f"rl:{action}:{client_ip(request)}:{window}"
    try:
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first request
            count = 1 if cache.add(key, 1, timeout=WINDOW_SECONDS + 5) else cache.incr(key)
    except Exception:
        logger.warning("rate limit %s not counted (cache unavailable)", action, exc_info=True)
        return True
    return count <= per_minute


def too_many(request: HttpRequest) -> HttpResponse:
    """429 with a Retry-After up to the end of the window."""
    response = HttpResponse(
        _("Terlalu banyak permintaan. Coba lagi dalam satu menit."),
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = str(WINDOW_SECONDS - int(time.time()) % WINDOW_SECONDS)
    return response
