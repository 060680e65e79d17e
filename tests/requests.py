"""Requests the page tests make the same way in every app."""

from __future__ import annotations

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

#: Query strings no catalogue (the shared search and pagination) may answer with a 500; each
#: catalogue's test adds garbage for its own filters.
CATALOGUE_GARBAGE = [
    {"page": "abc"},
    {"page": "-1"},
    {"page": "0"},
    {"page": "99999999999999999999"},
    {"q": "\x00\x01<b>"},
    {"q": "x" * 5000},
    {"q": "%"},
    {"q": "_"},
    {"q": '"unterminated -'},
    {"q": "!!! & | :*"},
]


def client_for(user) -> Client:
    """A test client logged in as `user` (a fresh one, so several people can act in one test)."""
    client = Client()
    client.force_login(user)
    return client


def body(response: HttpResponse) -> bytes:
    """What the response sends, streamed (a file) or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def get_ok_counting_queries(
    client: Client, url: str, params: dict | None = None
) -> tuple[HttpResponse, int]:
    """GET `url`, assert a 200, and return the response with the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, len(queries)
