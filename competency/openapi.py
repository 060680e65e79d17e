"""The OpenAPI 3.1 document of the results API (competency/api.py), built as a plain dict.

Written by hand rather than generated, so it states the contract the views are tested against:
tests/competency/test_api*.py validate every answer the API gives against the schema this
document names for its path, method and status. Developer-facing, so in English.
"""

from __future__ import annotations

from typing import Any

from competency.models import AssessmentMethod, JpmCategory

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
MAX_BODY_BYTES = 64 * 1024

_JSON = "application/json"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _error_schema(*, required_fields: list[str] | None = None, min_fields: int = 0) -> dict:
    """The Error schema, narrowed to name certain fields (or at least `min_fields` fields)."""
    narrowed: dict[str, Any] = {"type": "object"}
    if required_fields:
        narrowed["required"] = required_fields
    if min_fields:
        narrowed["minProperties"] = min_fields
    if len(narrowed) == 1:
        return _ref("schemas", "Error")
    return {"allOf": [_ref("schemas", "Error"), {"properties": {"errors": narrowed}}]}


def _error_response(description: str, schema: dict, example: dict, **headers: dict) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {_JSON: {"schema": schema, "example": example}},
    }
    if headers:
        response["headers"] = headers
    return response


def _schemas() -> dict[str, Any]:
    methods = list(AssessmentMethod.values)
    return {
        "ResultInput": {
            "type": "object",
            "description": (
                "One scored result. Strict: a field not listed here is refused (422 naming it), "
                "and so is a field given twice. `level` must be a JSON integer literal: `true`, "
                '`"3"` and `3.0` are refused.'
            ),
            "required": ["nip", "competency", "level", "assessed_on", "external_id"],
            "additionalProperties": False,
            "properties": {
                "nip": {
                    "type": "string",
                    "pattern": "^[0-9]{18}$",
                    "description": "The employee's NIP: 18 digits, no spaces.",
                    "examples": ["198609262015051001"],
                },
                "competency": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 20,
                    "description": (
                        "A competency code of the dictionary: M1…M8 (managerial), SK1 "
                        "(socio-cultural) or a technical code T…. An unknown or inactive code "
                        "is refused with 422."
                    ),
                    "examples": ["M1", "SK1", "T3"],
                },
                "level": {"type": "integer", "minimum": 1, "maximum": 5},
                "assessed_on": {
                    "type": "string",
                    "format": "date",
                    "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                    "description": "ISO date YYYY-MM-DD, not after today in Asia/Jakarta.",
                    "examples": ["2026-05-20"],
                },
                "external_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "description": (
                        "The assessment system's own id of the result: the idempotency key. "
                        "Not blank, no control characters. Posting it again answers 200 with "
                        "the row stored the first time (the new body is not compared)."
                    ),
                    "examples": ["CAT-2026-000123"],
                },
                "method": {
                    "type": "string",
                    "enum": methods,
                    "default": AssessmentMethod.UJI_KOMPETENSI.value,
                },
            },
        },
        "Result": {
            "type": "object",
            "required": [
                "id",
                "nip",
                "competency",
                "level",
                "assessed_on",
                "method",
                "external_id",
                "recorded_at",
            ],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "nip": {"type": ["string", "null"]},
                "competency": {"type": "string"},
                "level": {"type": "integer", "minimum": 1, "maximum": 5},
                "assessed_on": {"type": "string", "format": "date"},
                "method": {"type": "string", "enum": methods},
                "external_id": {"type": ["string", "null"]},
                "recorded_at": {"type": "string", "format": "date-time"},
            },
        },
        "CompetencyMap": {
            "type": "object",
            "description": (
                "The stored map: recomputed by a worker after every new result. `stale` is true "
                "while a recomputation is pending; an employee whose map was never computed "
                'gets stale true, jpm null, category "" and no items.'
            ),
            "required": ["nip", "computed_at", "stale", "jpm", "category", "items", "target"],
            "additionalProperties": False,
            "properties": {
                "nip": {"type": "string"},
                "computed_at": {"type": ["string", "null"], "format": "date-time"},
                "stale": {"type": "boolean"},
                "jpm": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "maximum": 100,
                    "description": (
                        "Job Person Match: Σ min(achieved, required) / Σ required * 100; null "
                        "when the position has no standard."
                    ),
                },
                "category": {"type": "string", "enum": ["", *JpmCategory.values]},
                "items": {"type": "array", "items": _ref("schemas", "CompetencyMapItem")},
                "target": {
                    "oneOf": [{"type": "null"}, _ref("schemas", "TargetGaps")],
                    "description": (
                        "The gaps against the employee's target position (jabatan target, PP "
                        "11/2017 art. 206), computed when read from the position's standard and "
                        "the latest results; null when no target position is chosen."
                    ),
                },
            },
        },
        "TargetGaps": {
            "type": "object",
            "required": ["position", "jpm", "category", "items"],
            "additionalProperties": False,
            "properties": {
                "position": {
                    "type": "object",
                    "required": ["id", "name"],
                    "additionalProperties": False,
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
                "jpm": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "maximum": 100,
                    "description": "As the map's, against the target's standard; null without one.",
                },
                "category": {"type": "string", "enum": ["", *JpmCategory.values]},
                "items": {"type": "array", "items": _ref("schemas", "CompetencyMapItem")},
            },
        },
        "CompetencyMapItem": {
            "type": "object",
            "required": ["competency", "name", "required", "achieved", "gap"],
            "additionalProperties": False,
            "properties": {
                "competency": {"type": "string"},
                "name": {"type": "string"},
                "required": {"type": "integer", "minimum": 1, "maximum": 5},
                "achieved": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": 5,
                    "description": "0 when not yet assessed.",
                },
                "gap": {"type": "integer", "minimum": 0, "maximum": 5},
            },
        },
        "Error": {
            "type": "object",
            "description": (
                "Every error. `errors` maps each bad field of the request body to its messages; "
                "`body` and `content_type` stand for the body as a whole and its Content-Type "
                "header, `authorization` for the header of that name."
            ),
            "required": ["detail", "errors"],
            "additionalProperties": False,
            "properties": {
                "detail": {"type": "string"},
                "errors": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string"},
                    },
                },
            },
        },
    }


def _headers() -> dict[str, Any]:
    return {
        "WWW-Authenticate": {
            "description": '`Bearer`, or `Bearer error="invalid_token"` for a token not accepted.',
            "schema": {"type": "string", "pattern": "^Bearer"},
        },
        "Allow": {"description": "The methods this path takes.", "schema": {"type": "string"}},
        "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}},
    }


def _responses() -> dict[str, Any]:
    example = {"detail": "…", "errors": {}}
    return {
        "BadRequest": _error_response(
            "The body is not one JSON object (malformed, not UTF-8, an array or a scalar), or "
            "the Content-Type is not application/json.",
            _error_schema(min_fields=1),
            {"detail": "…", "errors": {"body": ["…"]}},
        ),
        "Unauthorized": _error_response(
            "No `Authorization: Bearer <token>` header, or a token that is unknown or revoked.",
            _error_schema(required_fields=["authorization"]),
            {"detail": "…", "errors": {"authorization": ["…"]}},
            **{"WWW-Authenticate": _ref("headers", "WWW-Authenticate")},
        ),
        "EmployeeNotFound": _error_response(
            "No employee has this NIP.",
            _error_schema(required_fields=["nip"]),
            {"detail": "…", "errors": {"nip": ["…"]}},
        ),
        "MethodNotAllowed": _error_response(
            "The path does not take this method (any path of this API).",
            _error_schema(),
            example,
            Allow=_ref("headers", "Allow"),
        ),
        "PayloadTooLarge": _error_response(
            f"The body is larger than {MAX_BODY_BYTES} bytes.",
            _error_schema(required_fields=["body"]),
            {"detail": "…", "errors": {"body": ["…"]}},
        ),
        "UnprocessableContent": _error_response(
            "Well-formed JSON with invalid fields: each one is named, with every problem found "
            "(missing, unknown, wrong type, out of range, a future date, an unknown competency). "
            "An unknown NIP is named here too when other fields are also wrong.",
            _error_schema(min_fields=1),
            {"detail": "…", "errors": {"level": ["…"], "assessed_on": ["…"]}},
        ),
        "TooManyRequests": _error_response(
            "This token made more requests this minute than the portal allows "
            "(API_RATE_LIMIT_PER_MINUTE, 1200 unless the operator changed it; a fixed window "
            "per calendar minute). Nothing was done: retry after Retry-After seconds.",
            _error_schema(),
            example,
            **{"Retry-After": _ref("headers", "Retry-After")},
        ),
        "ServiceUnavailable": _error_response(
            "The database is unreachable; nothing was stored. Retry later.",
            _error_schema(),
            example,
            **{"Retry-After": _ref("headers", "Retry-After")},
        ),
        "InternalError": _error_response(
            "Never expected (a bug, logged for the operators); answered without internals.",
            _error_schema(),
            example,
        ),
    }


def _common_errors() -> dict[str, Any]:
    return {
        "401": _ref("responses", "Unauthorized"),
        "429": _ref("responses", "TooManyRequests"),
        "500": _ref("responses", "InternalError"),
        "503": _ref("responses", "ServiceUnavailable"),
    }


def _paths() -> dict[str, Any]:
    result_example = {
        "id": 42,
        "nip": "198609262015051001",
        "competency": "M1",
        "level": 3,
        "assessed_on": "2026-05-20",
        "method": "uji_kompetensi",
        "external_id": "CAT-2026-000123",
        "recorded_at": "2026-05-20T09:15:02.123456+07:00",
    }
    return {
        "/api/v1/results": {
            "post": {
                "operationId": "recordResult",
                "summary": "Record one assessment result",
                "description": (
                    "Stores a scored result and queues the employee's map for recomputation. "
                    "Idempotent on `external_id`: a repeat answers 200 with the stored row and "
                    "never stores a second one, also when posts race. Checks, in order: method "
                    "(405), token (401), the token's rate limit (429), size (413), Content-Type and JSON (400), fields (422), "
                    "NIP (404 when every other field is right)."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        _JSON: {
                            "schema": _ref("schemas", "ResultInput"),
                            "example": {
                                "nip": "198609262015051001",
                                "competency": "M1",
                                "level": 3,
                                "assessed_on": "2026-05-20",
                                "external_id": "CAT-2026-000123",
                                "method": "cat",
                            },
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "This external_id was recorded before: the stored row.",
                        "content": {
                            _JSON: {"schema": _ref("schemas", "Result"), "example": result_example}
                        },
                    },
                    "201": {
                        "description": "Recorded.",
                        "content": {
                            _JSON: {"schema": _ref("schemas", "Result"), "example": result_example}
                        },
                    },
                    "400": _ref("responses", "BadRequest"),
                    "404": _ref("responses", "EmployeeNotFound"),
                    "413": _ref("responses", "PayloadTooLarge"),
                    "422": _ref("responses", "UnprocessableContent"),
                    **_common_errors(),
                },
            }
        },
        "/api/v1/employees/{nip}/map": {
            "get": {
                "operationId": "getCompetencyMap",
                "summary": "An employee's competency map",
                "parameters": [
                    {
                        "name": "nip",
                        "in": "path",
                        "required": True,
                        "description": "18 digits; anything else is answered 404.",
                        "schema": {"type": "string", "examples": ["198609262015051001"]},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The stored map (possibly stale, possibly never computed).",
                        "content": {
                            _JSON: {
                                "schema": _ref("schemas", "CompetencyMap"),
                                "example": {
                                    "nip": "198609262015051001",
                                    "computed_at": "2026-05-20T09:15:03.004512+07:00",
                                    "stale": False,
                                    "jpm": 77.78,
                                    "category": "kurang_optimal",
                                    "items": [
                                        {
                                            "competency": "M1",
                                            "name": "Integritas",
                                            "required": 3,
                                            "achieved": 2,
                                            "gap": 1,
                                        }
                                    ],
                                    "target": {
                                        "position": {
                                            "id": 12,
                                            "name": "Analis Kebijakan Ahli Muda",
                                        },
                                        "jpm": 66.67,
                                        "category": "kurang_optimal",
                                        "items": [
                                            {
                                                "competency": "M1",
                                                "name": "Integritas",
                                                "required": 4,
                                                "achieved": 2,
                                                "gap": 2,
                                            }
                                        ],
                                    },
                                },
                            }
                        },
                    },
                    "404": _ref("responses", "EmployeeNotFound"),
                    **_common_errors(),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApiDocument",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {_JSON: {"schema": {"type": "object"}}},
                    },
                    "500": _ref("responses", "InternalError"),
                },
            }
        },
    }


def build_document() -> dict[str, Any]:
    """The whole OpenAPI 3.1 document (a fresh dict each call)."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Rumah Belajar — results API",
            "version": API_VERSION,
            "summary": "Assessment results in, competency maps out.",
            "description": (
                "For the assessment system: push competency test results as they are scored, "
                "and read an employee's competency map (peta kompetensi). Authenticate with "
                "`Authorization: Bearer <token>` (`manage.py create_api_token NAME`, or the "
                'admin). Every answer is JSON; errors are `{"detail", "errors": {field: '
                "[messages]}}`. A method a path does not take is answered 405 "
                "(#/components/responses/MethodNotAllowed), an unknown path under /api/v1/ 404. "
                "Each token may make a limited number of requests a minute (1200 by default); "
                "past it the answer is 429 with Retry-After (#/components/responses/"
                "TooManyRequests)."
            ),
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "responses": _responses(),
            "headers": _headers(),
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from `manage.py create_api_token NAME`.",
                }
            },
        },
        "security": [{"bearerAuth": []}],
    }
