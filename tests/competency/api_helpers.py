"""Shared by the API tests: a client carrying a token, a valid body, and the check that an answer
matches the schema our own OpenAPI document gives for its path, method and status."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from competency import openapi

RESULTS_URL = "/api/v1/results"
OPENAPI_URL = "/api/v1/openapi.json"
DOCUMENT_URI = "urn:rumahbelajar:openapi"
DOCUMENT = openapi.build_document()
REGISTRY = Registry().with_resource(
    DOCUMENT_URI, Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
)


def map_url(nip: str) -> str:
    return f"/api/v1/employees/{nip}/map"


def client_with_token(plaintext: str) -> Client:
    return Client(headers={"authorization": f"Bearer {plaintext}"})


_DROP = object()
DROP: Any = _DROP  # valid_body(employee, level=DROP) leaves the field out


def valid_body(employee, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nip": employee.nip,
        "competency": "M1",
        "level": 3,
        "assessed_on": (today() - dt.timedelta(days=30)).isoformat(),
        "external_id": "CAT-0001",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not _DROP}


def post_json(client: Client, body: Any, **kwargs: Any):
    return client.post(
        RESULTS_URL, data=json.dumps(body), content_type="application/json", **kwargs
    )


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(_escape(part) for part in parts)


def _resolve(node: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Follows a `$ref` to a component response; returns it with its path in the document."""
    ref = node.get("$ref")
    if ref is None:
        return node, ()
    parts = tuple(ref.removeprefix("#/").split("/"))
    target: Any = DOCUMENT
    for part in parts:
        target = target[part]
    return target, parts


def response_schema_pointer(path: str, method: str, status: int) -> str | None:
    """The JSON pointer of the schema the document gives for an answer; None if undocumented."""
    if status == 405:
        parts: tuple[str, ...] = ("components", "responses", "MethodNotAllowed")
    else:
        operation = DOCUMENT["paths"].get(path, {}).get(method.lower())
        if operation is None or str(status) not in operation["responses"]:
            return None
        node = operation["responses"][str(status)]
        _target, parts = _resolve(node)
        if not parts:
            parts = ("paths", path, method.lower(), "responses", str(status))
    return _pointer(*parts, "content", "application/json", "schema")


def schema_errors(body: Any, pointer: str) -> list[str]:
    validator = Draft202012Validator(
        {"$ref": DOCUMENT_URI + pointer},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)
    ]


def assert_matches_openapi(response, *, path: str, method: str) -> Any:
    """The answer is JSON, its status is documented for the operation, and its body and
    headers match the document. Returns the parsed body."""
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = json.loads(response.content)
    pointer = response_schema_pointer(path, method, response.status_code)
    assert pointer is not None, f"{method} {path}: status {response.status_code} not documented"
    assert schema_errors(body, pointer) == []
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")
    if response.status_code == 405:
        assert response["Allow"]
    return body


def today() -> dt.date:
    return timezone.localdate()
