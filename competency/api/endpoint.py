"""What every endpoint of the API shares: errors as JSON, the method and token checks, reading a
JSON body within a size limit, and the guarantee that no answer is a 500 page or a trace.

Errors are `{"detail": "...", "errors": {"<field>": ["...", ...]}}`. The views sit outside the
login requirement and CSRF protection: they authenticate by bearer token, not by cookie.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from competency import openapi, tokens
from competency.models import ApiToken
from rumahbelajar import ratelimit

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = openapi.MAX_BODY_BYTES


class ApiError(Exception):
    """An answer other than success: raised anywhere below a view, rendered by `api_endpoint`."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})


def error_response(
    status: int,
    detail: str,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "errors": dict(errors or {})}, status=status, headers=headers
    )


def api_endpoint(
    *, methods: tuple[str, ...] | None, auth: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Method check (405; None allows any), token check (401), the token's rate limit (429), and
    the guarantee that every answer is JSON."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if methods is not None and request.method not in methods:
                    raise ApiError(
                        405,
                        _("Metode HTTP tidak diizinkan di alamat ini."),
                        headers={"Allow": ", ".join(methods)},
                    )
                if auth:
                    throttle(authenticate(request))
                response = view(request, *args, **kwargs)
            except ApiError as exc:
                response = error_response(exc.status, exc.detail, exc.errors, exc.headers)
            except DatabaseError:
                logger.exception("API %s %s: database error", request.method, request.path)
                response = error_response(
                    503,
                    _("Layanan sedang tidak tersedia. Coba lagi sebentar lagi."),
                    headers={"Retry-After": "5"},
                )
            except Exception:
                logger.exception("API %s %s: unexpected error", request.method, request.path)
                response = error_response(500, _("Terjadi kesalahan pada server."))
            if "Cache-Control" not in response:
                response["Cache-Control"] = "no-store"
            return response

        return csrf_exempt(login_not_required(wrapper))

    return decorator


# --- Authentication ------------------------------------------------------------------------


def authenticate(request: HttpRequest) -> ApiToken:
    """The active token `Authorization: Bearer <token>` names; ApiError(401) otherwise."""
    scheme, _sep, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        raise ApiError(
            401,
            _("Token API diperlukan."),
            {"authorization": [_("Kirim header “Authorization: Bearer <token>”.")]},
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = tokens.verify_api_token(token=credentials)
    if token is None:
        raise ApiError(
            401,
            _("Token API tidak valid atau sudah dicabut."),
            {"authorization": [_("Token tidak dikenal atau tidak aktif.")]},
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return token


def throttle(token: ApiToken) -> None:
    """ApiError(429) with Retry-After once the token made more than API_RATE_LIMIT_PER_MINUTE
    requests in this minute (a fixed window, counted in Redis; per process while Redis is
    away, so results are still stored then)."""
    decision = ratelimit.hit("api-rl:", str(token.pk), limit=settings.API_RATE_LIMIT_PER_MINUTE)
    if not decision.allowed:
        raise ApiError(
            429,
            _("Terlalu banyak permintaan dengan token ini. Coba lagi setelah %(seconds)d detik.")
            % {"seconds": decision.retry_after},
            headers={"Retry-After": str(decision.retry_after)},
        )


# --- Request bodies ------------------------------------------------------------------------


class _JsonObject(dict):
    """A parsed JSON object that remembers keys it saw more than once (json keeps the last)."""

    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        keys = [key for key, _value in pairs]
        obj.duplicates = tuple(dict.fromkeys(k for i, k in enumerate(keys) if k in keys[:i]))
    return obj


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _read_at_most(request: HttpRequest, limit: int) -> bytes:
    try:
        if not request.META.get("CONTENT_LENGTH") and request.META.get("wsgi.input_terminated"):
            # A chunked body (no length): Django would read nothing; the server (gunicorn) says
            # the stream ends where the body does, so read it ourselves, never past the limit.
            return request.META["wsgi.input"].read(limit)
        return request.read(limit)
    except RawPostDataException:  # a middleware read it already
        return request.body
    except (UnreadablePostError, OSError):
        return b""


def read_json_object(request: HttpRequest) -> _JsonObject:
    """The request body as a JSON object; ApiError 413 when too large, 400 when not an object."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    too_large = ApiError(
        413,
        _("Badan permintaan terlalu besar."),
        {"body": [_("Paling banyak %(max)d bita.") % {"max": MAX_BODY_BYTES}]},
    )
    if declared > MAX_BODY_BYTES:
        raise too_large
    content_type = (request.content_type or "").lower()
    charset = (request.content_params or {}).get("charset", "utf-8").lower()
    if content_type != "application/json" or charset not in ("utf-8", "utf8"):
        raise ApiError(
            400,
            _("Jenis isi harus application/json."),
            {"content_type": [_("Kirim header “Content-Type: application/json”.")]},
        )
    body = _read_at_most(request, MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise too_large
    try:
        data = json.loads(
            body.decode("utf-8"), object_pairs_hook=_object_pairs, parse_constant=_refuse_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(
            400,
            _("Badan permintaan bukan JSON yang valid."),
            {"body": [_("Kirim satu objek JSON berenkode UTF-8.")]},
        ) from None
    if not isinstance(data, _JsonObject):
        raise ApiError(
            400,
            _("Badan permintaan harus berupa objek JSON."),
            {"body": [_('Kirim satu objek JSON, misalnya {"nip": …}.')]},
        )
    return data
