"""Small uploads people attach as evidence (a certificate scan, a photo, a PDF): the type is
judged by the bytes, never by the name or the browser's Content-Type, and the file must open as
that type. Shared by the apps (like rumahbelajar.imports), so no app reaches into another's file
checks; the e-book importer has its own, deeper ones (ebooks.files).

Served only by a view that has checked who asks (`private_file_response`): uploads never get a
public URL (settings.MEDIA_URL is deliberately not routed).
"""

from __future__ import annotations

import io
import logging
from typing import IO

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

#: An evidence file is at most 5 MB: a scanned certificate or a phone photo.
EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
# A downloaded upload must never run as a page of this site (it could hold HTML or script).
SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


class UploadRefused(Exception):
    """The upload is not an accepted file; the message says why (Indonesian)."""


def sniff_type(head: bytes) -> str | None:
    """'pdf', 'jpeg' or 'png' by the first bytes, else None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def _opens(kind: str, handle: IO[bytes]) -> bool:
    handle.seek(0)
    try:
        if kind == "pdf":
            from pypdf import PdfReader

            return len(PdfReader(handle).pages) > 0
        from PIL import Image

        with Image.open(handle) as image:
            image.verify()
            return (image.format or "").lower() == kind
    except Exception:  # any parser error means "not a usable file of that type"
        logger.info("upload refused: does not open as %s", kind, exc_info=True)
        return False
    finally:
        handle.seek(0)


def check_evidence(upload: UploadedFile, *, max_bytes: int = EVIDENCE_MAX_BYTES) -> str:
    """The upload's type ('pdf', 'jpeg', 'png') after checking its size and content. Raises
    UploadRefused with the reason."""
    if upload.size is not None and upload.size > max_bytes:
        raise UploadRefused(
            _("Berkas terlalu besar (maksimal %(mb)d MB).") % {"mb": max_bytes // (1024 * 1024)}
        )
    upload.seek(0)
    head = upload.read(16)
    if not head:
        raise UploadRefused(_("Berkas kosong."))
    kind = sniff_type(head)
    if kind is None:
        raise UploadRefused(
            _("Bukti harus berupa PDF, JPEG, atau PNG (isi berkas tidak dikenali).")
        )
    handle = upload.file if hasattr(upload, "file") else io.BytesIO(upload.read())
    if not _opens(kind, handle):  # type: ignore[arg-type]
        raise UploadRefused(
            _("Berkas rusak atau tidak dapat dibuka sebagai %(type)s.") % {"type": kind.upper()}
        )
    upload.seek(0)
    return kind


def private_file_response(field_file: object, *, kind: str, name: str) -> FileResponse:
    """Streams a stored upload the caller has already allowed `request.user` to see, as a
    download that cannot act as a page of the site. 404 when the file is gone."""
    stored = getattr(field_file, "name", "")
    if not stored or kind not in CONTENT_TYPES:
        raise Http404
    try:
        handle = field_file.storage.open(stored, "rb")  # type: ignore[attr-defined]
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cache-Control"] = "private, no-store"
    return response
