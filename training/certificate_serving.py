"""A certificate's PDF response, for a viewer the caller has already allowed (views).

Like the e-books' files (ebooks.serving): never a public URL, streamed from private storage, or,
with settings.EBOOK_X_ACCEL_REDIRECT_PREFIX set (an nginx `internal` location mapped to
MEDIA_ROOT), handed to the proxy with X-Accel-Redirect.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from training.models import Certificate

SANDBOX_CSP = "sandbox; default-src 'none'"


def _filename(certificate: Certificate) -> str:
    return "sertifikat-" + re.sub(r"[^A-Za-z0-9]+", "-", certificate.number).strip("-") + ".pdf"


def _headers[R: HttpResponseBase](response: R, certificate: Certificate) -> R:
    response["Content-Type"] = "application/pdf"
    response["Content-Disposition"] = f'attachment; filename="{_filename(certificate)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_response(request: HttpRequest, certificate: Certificate) -> HttpResponseBase:
    name = certificate.file.name
    if not name:
        raise Http404
    prefix = settings.EBOOK_X_ACCEL_REDIRECT_PREFIX
    if prefix:
        redirect = _headers(HttpResponse(b""), certificate)
        redirect["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(name)
        return redirect
    storage = certificate.file.storage
    try:
        size = storage.size(name)
        handle = storage.open(name, "rb")
    except OSError:
        raise Http404 from None
    response: HttpResponseBase
    if request.method == "HEAD":
        handle.close()
        response = _headers(HttpResponse(), certificate)
    else:
        response = _headers(FileResponse(handle), certificate)
    response["Content-Length"] = str(size)
    return response
