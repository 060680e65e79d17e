"""Whole-page cache for the pages a person opens again and again: the dashboard, the competency
map, the e-book catalogue, a search, a book and its reader, the training catalogue, a training,
my trainings.

A page marked with @cached_page is stored, as the layers below PageCacheMiddleware answered it,
under a key made of everything the answer depends on that the request carries: host, scheme,
path with query, every cookie (session, CSRF, language) and the htmx headers. Everything else
it depends on is a *version* in Redis, read before the view runs and stored with the page:

- the person's own version (person_key): moved on when their account row changes (password,
  name, deactivation: a post_save receiver) and by the services that change what is theirs
  (favourites, reading positions, results and maps, attendance, ledger lines, bulk deactivation);
- PEOPLE_KEY, moved on by writes to many people at once that save no model (the employee import,
  a bulk map recompute, changed position standards);
- the view's own keys, e.g. the e-book catalogue version, moved on by every catalogue write;
- and, for pages that change by time alone (a registration window, "today"), the instant the view
  names with valid_until(): the page is not served from then on.

A stored page is served again only when all of this holds, checked in one Redis round trip (two
the first time a web process meets the session) and no database query: the session still exists
(logging out, expiry and a flush end it at once), it belongs to the same person with the same
password hash, it holds no pending message, every version is the one the page was rendered
with, and its time-alone instant has not passed. Anything else falls through to the full stack,
which renders (and stores) afresh.

What is never stored: anything but a 200 answer to a GET, an answer that sets a cookie (a new
CSRF cookie, a session that changed, messages shown; only the renewal of the CSRF cookie the
browser already has is let through, and not replayed), a streaming answer, an answer that varies
on a header the key does not hold, and pages of staff (their pages depend on permissions and the
MFA requirement, and they are few). The lifetime (settings.PAGE_CACHE_SECONDS, 0 turns the cache
off) bounds what no version covers: the year in the footer, competency names renamed elsewhere.

The middleware sits below SecurityMiddleware, the CSP and WhiteNoise, so a served page still gets
their headers fresh, and above the session: a hit reads the session itself and skips the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import lru_cache, wraps
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.backends.cache import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_cache_control
from redis.exceptions import RedisError

from rumahbelajar import versions

logger = logging.getLogger(__name__)

PEOPLE_KEY = "pages:people"
_PERSON_KEY = "pages:person:{}"
# The stored entry's layout is part of the key: a release that changes it reads none of the
# entries an older release stored (they expire on their own).
_ENTRY_FORMAT = 1
_PAGE_KEY = "pages:page:" + str(_ENTRY_FORMAT) + ":{}"
_MESSAGES_SESSION_KEY = "_messages"  # django.contrib.messages' SessionStorage
# What the key holds besides the cookies: answers varying on anything else are not stored.
_KEYED_VARY = frozenset({"cookie", "hx-request", "hx-history-restore-request", "hx-target"})
# Accept-Language is dropped before the locale is chosen (IndonesianFirstMiddleware): LocaleMiddleware
# still names it in Vary, but the answer cannot depend on it.
_IGNORED_VARY = frozenset({"accept-language"})
_SESSION_ID = re.compile(r"[a-z0-9]{32}")
_HEADERS_NOT_STORED = frozenset({"set-cookie"})
# The templates' indentation: two thirds of a catalogue page's bytes. Insignificant in HTML but
# inside <pre> and <textarea>, which the stored pages do not have (checked before stripping).
_INDENTATION = re.compile(rb"\n[ \t]+")
_WHITESPACE_KEEPERS = (b"<pre", b"<textarea")


def _now() -> float:
    """The clock pages are judged by against valid_until() (a seam for tests)."""
    return time.time()


def _cache() -> Any:
    # The sessions (SESSION_ENGINE "cache", SESSION_CACHE_ALIAS "default") and the version
    # counters (rumahbelajar.versions) live in this cache too: one MGET reads all three.
    return cache


def _seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", 0))


def person_key(user_id: object) -> str:
    """The version key of one person's own data."""
    return _PERSON_KEY.format(user_id)


def _version_timeout(key: str) -> int | None:
    """A person's counter lives a day from its creation (4.2 million of them must not pile up);
    one created afresh starts from the clock, so it differs from anything a page was stored
    with. The shared counters live on."""
    if key.startswith(_PERSON_KEY.format("")):
        return max(24 * 60 * 60, 2 * _seconds())
    return None


def current_versions(keys: list[str]) -> list[int]:
    """The versions of `keys`, creating the missing ones (rumahbelajar.versions)."""
    return versions.current(keys, lifetime=_version_timeout)


def bump(*keys: str) -> None:
    """Moves the versions on now and again after the current transaction commits."""
    versions.now_and_after_commit(lambda: versions.move_on(keys, lifetime=_version_timeout))


# More people than this changed at once: everyone's stored pages go stale (one INCR, not many).
_MANY_PEOPLE = 200


def person_changed(*user_ids: object) -> None:
    """What these people see has changed: their stored pages are not served again."""
    if len(user_ids) > _MANY_PEOPLE:
        people_changed()
    elif user_ids:
        bump(*(person_key(user_id) for user_id in user_ids))


def people_changed() -> None:
    """Accounts changed in bulk (no model saved): no stored page of anyone is served again."""
    bump(PEOPLE_KEY)


def cached_page(*dependencies: str) -> Callable[[Callable[..., HttpResponseBase]], Any]:
    """Marks a GET view whose answers PageCacheMiddleware may store for the person who asked.

    `dependencies` are version keys (besides the person's own) whose move must make the stored
    answer stale. The view itself runs as before; it is up to the middleware to store."""

    def decorator(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if _seconds() > 0 and request.method == "GET" and _may_store_for(request):
                keys = _version_keys(str(request.user.pk), dependencies)
                # Read before the view renders: a write during rendering moves a version on after
                # this read, so the page is stored as already stale, never as fresh.
                try:
                    request._page_cache = (keys, current_versions(keys))  # type: ignore[attr-defined]
                except RedisError:
                    logger.warning(
                        "page cache: versions unreadable, page not stored", exc_info=True
                    )
            response = view(request, *args, **kwargs)
            if isinstance(response, HttpResponse):
                # A person's page: a shared cache (a proxy) must not keep it.
                patch_cache_control(response, private=True)
            return response

        wrapper.cached_page_dependencies = dependencies  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _cached_view_dependencies(path_info: str) -> tuple[str, ...] | None:
    """The version keys of the @cached_page view serving this URL; None for any other URL
    (those requests never touch the store)."""
    return _resolve_dependencies(settings.ROOT_URLCONF, path_info)


@lru_cache(maxsize=4096)
def _resolve_dependencies(urlconf: str, path_info: str) -> tuple[str, ...] | None:
    # Resolving costs ~40 µs, a tenth of a served page; the answer for a path never changes
    # while the URLconf is the same (it is part of the cache key for tests that swap it).
    try:
        match = resolve(path_info, urlconf)
    except Resolver404:
        return None
    dependencies = getattr(match.func, "cached_page_dependencies", None)
    return tuple(dependencies) if dependencies is not None else None


def _version_keys(user_id: str, dependencies: Iterable[str]) -> list[str]:
    return [person_key(user_id), PEOPLE_KEY, *dependencies]


# Whose session is whose, as this process saw it when it stored or served a page: lets one MGET
# fetch the versions along with the session and the page. Only a guess: the session read in the
# same MGET must name the same person, or the versions are read again. Bounded; a session's
# owner never changes (logging in as someone else starts a new session id).
_session_owners: dict[str, str] = {}
_SESSION_OWNERS_MAX = 10_000


def _remember_owner(session_id: str, user_id: str) -> None:
    if len(_session_owners) >= _SESSION_OWNERS_MAX:
        _session_owners.clear()
    _session_owners[session_id] = user_id


def valid_until(request: HttpRequest, instant: dt.datetime) -> None:
    """The page being rendered changes by time alone at `instant` (registration opens, a day
    turns): it is not served from the store from then on. Called by the view; the earliest
    instant wins."""
    until = instant.timestamp()
    current = getattr(request, "_page_cache_until", None)
    request._page_cache_until = until if current is None else min(current, until)  # type: ignore[attr-defined]


def next_local_midnight() -> dt.datetime:
    """When "today" (in the portal's time zone) ends: pages that show dates relative to it."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return dt.datetime.combine(tomorrow, dt.time(), tzinfo=timezone.get_current_timezone())


def _may_store_for(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and not user.is_staff)


def _page_key(request: HttpRequest) -> str | None:
    try:
        host = request.get_host()
    except DisallowedHost:
        return None  # the stack below answers it (400)
    htmx = sorted(
        f"{name.lower()}={value}"
        for name, value in request.headers.items()
        if name.lower().startswith("hx-")
    )
    parts = [
        request.scheme or "",
        host,
        request.get_full_path(),
        request.META.get("HTTP_COOKIE", ""),
        *htmx,
    ]
    digest = hashlib.blake2b("\0".join(parts).encode(), digest_size=20).hexdigest()
    return _PAGE_KEY.format(digest)


def _only_renews_csrf_cookie(request: HttpRequest, response: HttpResponse) -> bool:
    """No cookie is set but the CSRF cookie with the value the browser already has: Django sends
    that again with every page that holds a form, only to renew its expiry (a year), and a page
    served from the store leaves the browser's cookie as it was."""
    return all(
        name == settings.CSRF_COOKIE_NAME and morsel.value == request.COOKIES.get(name)
        for name, morsel in response.cookies.items()
    )


def _strip_indentation(response: HttpResponse) -> None:
    """Drops the templates' indentation from an HTML page (the one answered now and the one
    stored alike)."""
    if not response.headers.get("Content-Type", "").startswith("text/html"):
        return
    content = response.content
    if any(tag in content for tag in _WHITESPACE_KEEPERS):
        return
    response.content = _INDENTATION.sub(b"\n", content)
    if "Content-Length" in response.headers:
        response.headers["Content-Length"] = str(len(response.content))


class PageCacheMiddleware:
    """Serves a stored page when it is still right for this request; stores what @cached_page
    views answer. See the module docstring for the rules."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        seconds = _seconds()
        session_id = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        key = dependencies = None
        if (
            seconds > 0
            and request.method == "GET"
            and _SESSION_ID.fullmatch(session_id)
            and not request.COOKIES.get(CookieStorage.cookie_name)
        ):
            dependencies = _cached_view_dependencies(request.path_info)
            if dependencies is not None:
                key = _page_key(request)
        if key is not None and dependencies is not None:
            try:
                hit = self._stored(session_id, key, dependencies)
            except RedisError:  # the full stack answers (and says what is down)
                logger.warning("page cache: Redis unreadable", exc_info=True)
                hit, key = None, None
            if hit is not None:
                return hit
        response = self.get_response(request)
        if key is not None and self._storable(request, response):
            try:
                self._store(request, key, response, seconds)
            except RedisError:
                logger.warning("page cache: page not stored", exc_info=True)
        return response

    # --- serving ------------------------------------------------------------------------------

    def _stored(
        self, session_id: str, key: str, dependencies: tuple[str, ...]
    ) -> HttpResponse | None:
        """The stored page if it is still right. One MGET reads the session, the page and (when
        this process has seen the session before, so knows whose it is) every version the page
        depends on; otherwise a second MGET reads the versions."""
        cache = _cache()
        session_key = SESSION_CACHE_PREFIX + session_id
        owner = _session_owners.get(session_id)
        guessed = _version_keys(owner, dependencies) if owner is not None else []
        found = cache.get_many([session_key, key, *guessed])
        session, entry = found.get(session_key), found.get(key)
        if not isinstance(session, dict) or not isinstance(entry, dict):
            return None
        if (
            session.get(_MESSAGES_SESSION_KEY)
            or str(session.get(SESSION_KEY)) != entry["user"]
            or session.get(HASH_SESSION_KEY) != entry["hash"]
            or session.get(BACKEND_SESSION_KEY) != entry["backend"]
        ):
            return None
        if entry["until"] is not None and _now() >= entry["until"]:
            return None
        if guessed and guessed == entry["keys"]:
            versions = [found.get(version_key) for version_key in guessed]
        else:
            versions = current_versions(entry["keys"])
            _remember_owner(session_id, entry["user"])
        if versions != entry["versions"]:
            return None
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response.headers[name] = value
        return response

    # --- storing ------------------------------------------------------------------------------

    def _storable(self, request: HttpRequest, response: HttpResponseBase) -> bool:
        if not hasattr(request, "_page_cache") or not isinstance(response, HttpResponse):
            return False
        if response.status_code != 200 or response.streaming:
            return False
        if not _only_renews_csrf_cookie(request, response):
            return False
        if getattr(request, "session", None) is None or request.session.modified:
            return False
        vary = {name.strip().lower() for name in response.headers.get("Vary", "").split(",")} - {""}
        return vary - _IGNORED_VARY <= _KEYED_VARY

    def _store(
        self, request: HttpRequest, key: str, response: HttpResponseBase, seconds: int
    ) -> None:
        keys, versions = cast(tuple[list[str], list[int]], request._page_cache)  # type: ignore[attr-defined]
        until = getattr(request, "_page_cache_until", None)
        if until is not None:
            seconds = min(seconds, int(until - _now()))
            if seconds <= 0:
                return
        _strip_indentation(cast(HttpResponse, response))
        session = request.session
        owner = str(session.get(SESSION_KEY))
        entry = {
            "user": owner,
            "hash": session.get(HASH_SESSION_KEY),
            "backend": session.get(BACKEND_SESSION_KEY),
            "keys": keys,
            "versions": versions,
            "until": until,
            "status": response.status_code,
            "headers": [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in _HEADERS_NOT_STORED
            ],
            "content": cast(HttpResponse, response).content,
        }
        _cache().set(key, entry, seconds)
        _remember_owner(request.COOKIES[settings.SESSION_COOKIE_NAME], owner)
