"""The protected e-book file response. Called by the view only after its permission check
(a logged-in reader, a published book or staff).

PDFs are answered `inline` (read in the page with pdf.js, which asks for byte ranges so a large
book opens at once); EPUBs as an `attachment` (offered as a download: the portal has no in-page
EPUB reader). The file is streamed in blocks from storage, never read whole; HTTP range requests
(one range) are answered 206; with settings.EBOOK_X_ACCEL_REDIRECT_PREFIX set, the proxy (nginx,
an `internal` location) sends the bytes and handles ranges itself.

Every answer carries `X-Content-Type-Options: nosniff` and a sandboxing Content-Security-Policy,
so a hostile file opened directly in a tab runs no script with the portal's origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import http_date, parse_http_date_safe

from ebooks.models import Ebook, EbookFormat

BLOCK_SIZE = 64 * 1024
CONTENT_TYPES: dict[str, str] = {
    EbookFormat.PDF.value: "application/pdf",
    EbookFormat.EPUB.value: "application/epub+zip",
}
SANDBOX_CSP = "sandbox; default-src 'none'"
# ASCII digits only: `\d` would also take other scripts' digits, which int() accepts.
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
# Positions with more digits than this lie past the end of any stored file; they are read as
# "beyond the end" without int(), which refuses strings over 4,300 digits (a ValueError, a 500).
_MAX_DIGITS = 18
_BEYOND = 10**_MAX_DIGITS


class _Unsatisfiable(Exception):
    pass


class _BookResponse(FileResponse):
    block_size = BLOCK_SIZE


def _position(text: str) -> int:
    """A byte position of a Range header (ASCII digits); any absurdly long one is _BEYOND."""
    text = text.lstrip("0") or "0"
    return int(text) if len(text) <= _MAX_DIGITS else _BEYOND


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive, of a single `bytes=` range; None to send the whole file
    (no header, another unit, or several ranges). Raises _Unsatisfiable for a malformed or
    unsatisfiable byte range."""
    header = header.strip()
    if not header or not header.lower().startswith("bytes="):
        return None
    spec = "bytes=" + header[6:].strip()
    if "," in spec:
        return None  # several ranges: allowed to ignore (RFC 9110 §14.2), the whole file it is
    match = _RANGE.match(spec.replace(" ", ""))
    if match is None:
        raise _Unsatisfiable
    first_text, last_text = match.groups()
    if not first_text:
        if not last_text:
            raise _Unsatisfiable
        suffix = _position(last_text)
        if suffix == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - suffix), size - 1
    first = _position(first_text)
    last = _position(last_text) if last_text else size - 1
    if last < first or first >= size:
        raise _Unsatisfiable
    return first, min(last, size - 1)


def _etag(ebook: Ebook) -> str:
    # The file never changes under a book (content-addressed, not replaceable in place).
    return f'"{ebook.sha256}"'


def _if_range_allows(request: HttpRequest, ebook: Ebook) -> bool:
    if_range = request.headers.get("If-Range")
    if not if_range:
        return True
    if if_range.startswith(('"', 'W/"')):
        return if_range == _etag(ebook)
    stamp = parse_http_date_safe(if_range)
    return stamp is not None and stamp >= int(ebook.updated_at.timestamp())


def _not_modified(request: HttpRequest, ebook: Ebook) -> bool:
    tags = request.headers.get("If-None-Match", "")
    if not tags:
        return False
    etag = _etag(ebook)
    return tags.strip() == "*" or any(t.strip().removeprefix("W/") == etag for t in tags.split(","))


def _ranged(handle: IO[bytes], first: int, length: int) -> Iterator[bytes]:
    """Bytes first … first+length-1 of the open file, in blocks; closes it at the end, or when
    the response is closed early (a client that goes away)."""
    try:
        handle.seek(first)
        left = length
        while left > 0:
            block = handle.read(min(BLOCK_SIZE, left))
            if not block:
                break
            left -= len(block)
            yield block
    finally:
        handle.close()


def _common_headers[R: HttpResponseBase](response: R, ebook: Ebook) -> R:
    disposition = "inline" if ebook.file_format == EbookFormat.PDF else "attachment"
    response["Content-Type"] = CONTENT_TYPES.get(ebook.file_format, "application/octet-stream")
    response["Content-Disposition"] = f'{disposition}; filename="{ebook.slug}.{ebook.file_format}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = _etag(ebook)
    response["Last-Modified"] = http_date(ebook.updated_at.timestamp())
    return response


def file_response(request: HttpRequest, ebook: Ebook) -> HttpResponseBase:
    """The book's file for a reader the caller has already allowed to read it."""
    if not ebook.file.name:
        raise Http404
    if _not_modified(request, ebook):
        return _common_headers(HttpResponse(status=304), ebook)

    prefix = settings.EBOOK_X_ACCEL_REDIRECT_PREFIX
    if prefix:
        response = _common_headers(HttpResponse(b""), ebook)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(ebook.file.name)
        return response

    storage = ebook.file.storage
    try:
        size = storage.size(ebook.file.name)
    except (FileNotFoundError, OSError):
        raise Http404 from None

    try:
        wanted = _parse_range(request.headers.get("Range", ""), size)
    except _Unsatisfiable:
        response = _common_headers(HttpResponse(status=416), ebook)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if wanted is not None and not _if_range_allows(request, ebook):
        wanted = None

    if request.method == "HEAD":
        response = _common_headers(HttpResponse(), ebook)
        response["Content-Length"] = str(size)
        return response

    try:
        handle = storage.open(ebook.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    if wanted is None:
        whole = _common_headers(_BookResponse(handle), ebook)
        whole["Content-Length"] = str(size)
        return whole
    first, last = wanted
    length = last - first + 1
    part = _common_headers(_BookResponse(_ranged(handle, first, length), status=206), ebook)
    part["Content-Length"] = str(length)
    part["Content-Range"] = f"bytes {first}-{last}/{size}"
    return part
