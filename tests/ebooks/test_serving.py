"""ebooks.serving.file_response: the protected file, streamed, with ranges and safe headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.http import Http404
from django.test import Client, RequestFactory
from django.urls import reverse

from ebooks import serving
from tests.ebooks import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdf_bytes() -> bytes:
    return f.fpdf_pdf(pages=6)


@pytest.fixture
def book(tmp_path, pdf_bytes):
    return f.stored_ebook(tmp_path, pdf_bytes, title="Buku Tersaji")


def _get(book, **headers):
    request = RequestFactory().get("/ebooks/x/file", headers=headers)
    return serving.file_response(request, book)


def _body(response) -> bytes:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    response.close()
    return data


def test_file_response_full_get_streams_the_whole_file(book, pdf_bytes):
    response = _get(book)

    assert response.status_code == 200
    assert response.streaming is True
    assert response["Content-Length"] == str(len(pdf_bytes))
    assert _body(response) == pdf_bytes


def test_file_response_headers_protect_the_reader(book):
    response = _get(book)

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="buku-tersaji.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{book.sha256}"'
    response.close()


def test_file_response_first_100_bytes_is_206_with_exact_bytes(book, pdf_bytes):
    response = _get(book, Range="bytes=0-99")

    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 0-99/{len(pdf_bytes)}"
    assert response["Content-Length"] == "100"
    assert _body(response) == pdf_bytes[:100]


def test_file_response_middle_range_is_exact(book, pdf_bytes):
    response = _get(book, Range="bytes=1000-70999")

    assert response.status_code == 206
    assert _body(response) == pdf_bytes[1000:71000]


def test_file_response_suffix_range_is_the_last_bytes(book, pdf_bytes):
    response = _get(book, Range="bytes=-100")

    assert response.status_code == 206
    assert (
        response["Content-Range"]
        == f"bytes {len(pdf_bytes) - 100}-{len(pdf_bytes) - 1}/{len(pdf_bytes)}"
    )
    assert _body(response) == pdf_bytes[-100:]


def test_file_response_open_range_runs_to_the_end(book, pdf_bytes):
    response = _get(book, Range="bytes=500-")

    assert _body(response) == pdf_bytes[500:]


def test_file_response_range_past_the_end_is_clamped(book, pdf_bytes):
    response = _get(book, Range=f"bytes=10-{len(pdf_bytes) * 2}")

    assert response["Content-Range"] == f"bytes 10-{len(pdf_bytes) - 1}/{len(pdf_bytes)}"
    assert _body(response) == pdf_bytes[10:]


@pytest.mark.parametrize(
    "header", ["bytes={size}-", "bytes=-0", "bytes=50-10", "bytes=abc", "bytes=1-2-3"]
)
def test_file_response_unsatisfiable_range_is_416(book, pdf_bytes, header):
    response = _get(book, Range=header.format(size=len(pdf_bytes)))

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(pdf_bytes)}"


HUGE = "9" * 5000


@pytest.mark.parametrize(
    "header",
    [
        f"bytes={HUGE}-",
        f"bytes={HUGE}-{HUGE}",
        f"bytes=1{HUGE}-2",
        f"bytes=0000{HUGE}-",
        "bytes=\u0661-",
        "bytes=--5",
        "bytes=-",
        "bytes=0x10-",
        "bytes=+5-",
    ],
)
def test_file_response_malformed_or_absurd_range_is_416(book, pdf_bytes, header):
    response = _get(book, Range=header)

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(pdf_bytes)}"


@pytest.mark.parametrize("header", [f"bytes=0-{HUGE}", f"bytes=-{HUGE}", f"bytes=0-0{HUGE}"])
def test_file_response_huge_end_or_suffix_range_is_the_whole_file(book, pdf_bytes, header):
    response = _get(book, Range=header)

    assert (response.status_code, _body(response)) == (206, pdf_bytes)


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-10", ""])
def test_file_response_ranges_it_does_not_serve_get_the_whole_file(book, pdf_bytes, header):
    response = _get(book, Range=header)

    assert response.status_code == 200
    assert _body(response) == pdf_bytes


def test_file_response_if_range_with_current_etag_honours_the_range(book):
    response = _get(book, Range="bytes=0-9", If_Range=f'"{book.sha256}"')

    assert response.status_code == 206
    response.close()


def test_file_response_if_range_with_stale_etag_sends_the_whole_file(book, pdf_bytes):
    response = _get(book, Range="bytes=0-9", If_Range='"lama"')

    assert response.status_code == 200
    assert _body(response) == pdf_bytes


def test_file_response_if_none_match_current_is_304(book):
    response = _get(book, If_None_Match=f'"{book.sha256}"')

    assert (response.status_code, response.content) == (304, b"")


def test_file_response_head_has_length_and_no_body(book, pdf_bytes):
    request = RequestFactory().head("/ebooks/x/file")

    response = serving.file_response(request, book)

    assert (response.status_code, response["Content-Length"], response.content) == (
        200,
        str(len(pdf_bytes)),
        b"",
    )


def test_file_response_epub_is_an_attachment(tmp_path):
    book = f.stored_ebook(tmp_path, f.epub_bytes(), name="buku.epub")

    response = _get(book)

    assert response["Content-Type"] == "application/epub+zip"
    assert response["Content-Disposition"] == f'attachment; filename="{book.slug}.epub"'
    response.close()


def test_file_response_x_accel_mode_hands_the_file_to_the_proxy(book, settings):
    settings.EBOOK_X_ACCEL_REDIRECT_PREFIX = "/protected-ebooks/"

    response = _get(book, Range="bytes=0-99")

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected-ebooks/{book.file.name}"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Content-Disposition"] == 'inline; filename="buku-tersaji.pdf"'


def test_file_view_x_accel_mode_through_the_stack_carries_the_protective_headers(
    book, employee, settings
):
    settings.EBOOK_X_ACCEL_REDIRECT_PREFIX = "/protected/"
    client = Client()
    client.force_login(employee)

    response = client.get(reverse("ebooks:ebook-file", args=[book.slug]))

    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/protected/{book.file.name}"
    assert response["Content-Security-Policy"] == serving.SANDBOX_CSP
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="buku-tersaji.pdf"'
    assert response["Cache-Control"] == "private"


def test_readme_nginx_internal_location_adds_the_headers_nginx_drops():
    # nginx does not forward these from an X-Accel-Redirect answer: its location must add them.
    readme = (Path(django_settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("```nginx", 1)[1].split("```", 1)[0]

    added = re.findall(r'add_header\s+(\S+)\s+"?([^";]*(?:;[^";]*)*)"?\s+always;', snippet)

    assert "internal;" in snippet
    assert added == [
        ("Content-Security-Policy", serving.SANDBOX_CSP),
        ("X-Content-Type-Options", "nosniff"),
    ]


def test_file_response_missing_stored_file_is_404(book):
    book.file.storage.delete(book.file.name)

    with pytest.raises(Http404):
        _get(book)


def test_file_view_range_request_through_the_stack_keeps_the_sandbox_csp(book, employee, pdf_bytes):
    client = Client()
    client.force_login(employee)

    response = client.get(
        reverse("ebooks:ebook-file", args=[book.slug]), headers={"Range": "bytes=0-99"}
    )

    assert response.status_code == 206
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == pdf_bytes[:100]


@pytest.mark.parametrize(
    ("header", "status"),
    [(f"bytes={HUGE}-", 416), (f"bytes=0-{HUGE}", 206), ("bytes=\u0661-", 416)],
)
def test_file_view_absurd_range_through_the_stack_is_416_or_the_file(
    book, employee, header, status
):
    client = Client()
    client.force_login(employee)

    response = client.get(reverse("ebooks:ebook-file", args=[book.slug]), headers={"Range": header})

    assert response.status_code == status
    response.close()
