"""The results API (competency/api.py): token, every bad input of the contract, idempotency (also
under concurrent posts), the map, and the OpenAPI document that every answer must match."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import threading

import pytest
from django.apps import apps
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from jsonschema import Draft202012Validator

from competency import openapi, services, tokens
from competency.models import ApiToken, AssessmentResult, Competency, CompetencyMap
from tests.competency.api_helpers import (
    DOCUMENT,
    DROP,
    OPENAPI_URL,
    RESULTS_URL,
    assert_matches_openapi,
    client_with_token,
    map_url,
    post_json,
    response_schema_pointer,
    today,
    valid_body,
)
from tests.competency.factories import TechnicalCompetencyFactory, fixed
from tests.people.factories import UserFactory

MAP_PATH = "/api/v1/employees/{nip}/map"


def post_raw(client: Client, data: bytes | str, content_type: str = "application/json"):
    # CONTENT_TYPE again: the test client leaves the header out when the body is empty.
    return client.generic(
        "POST", RESULTS_URL, data, content_type=content_type, CONTENT_TYPE=content_type
    )


def assert_result(response):
    return assert_matches_openapi(response, path=RESULTS_URL, method="post")


def assert_map(response):
    return assert_matches_openapi(response, path=MAP_PATH, method="get")


# --- Token --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"],
    ids=["none", "empty", "scheme-only", "scheme-space", "basic", "token-scheme", "lower-only"],
)
def test_results_without_bearer_token_401(employee, api_token, authorization):
    headers = {} if authorization is None else {"authorization": authorization}
    client = Client(headers=headers)

    response = post_json(client, valid_body(employee))

    body = assert_result(response)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert list(body["errors"]) == ["authorization"]
    assert AssessmentResult.objects.count() == 0


def test_results_wrong_token_401_invalid_token(employee, api_token):
    client = Client(headers={"authorization": "Bearer rb_not-the-token"})

    response = post_json(client, valid_body(employee))

    assert_result(response)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert AssessmentResult.objects.count() == 0


def test_results_revoked_token_401(employee, api_token, api_client):
    tokens.revoke_api_tokens(tokens=list(ApiToken.objects.all()))

    response = post_json(api_client, valid_body(employee))

    assert_result(response)
    assert response.status_code == 401
    assert AssessmentResult.objects.count() == 0


def test_map_without_token_401(employee):
    response = Client().get(map_url(employee.nip))

    assert_map(response)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_results_scheme_in_any_case_accepted(employee, api_token):
    client = Client(headers={"authorization": f"bEaReR {api_token}"})

    response = post_json(client, valid_body(employee))

    assert response.status_code == 201


def test_results_session_login_without_token_401(employee, superuser, api_token):
    client = Client()
    client.force_login(superuser)

    response = post_json(client, valid_body(employee))

    assert response.status_code == 401


# --- POST /results: success and idempotency ---------------------------------------------


def test_results_valid_post_201_with_stored_row(employee, api_client):
    body = valid_body(employee, competency="SK1", level=4, method="cat")

    response = post_json(api_client, body)

    data = assert_result(response)
    stored = AssessmentResult.objects.get()
    assert response.status_code == 201
    assert data == {
        "id": stored.pk,
        "nip": employee.nip,
        "competency": "SK1",
        "level": 4,
        "assessed_on": body["assessed_on"],
        "method": "cat",
        "external_id": "CAT-0001",
        "recorded_at": data["recorded_at"],
    }
    assert dt.datetime.fromisoformat(data["recorded_at"]) == stored.recorded_at
    assert (stored.employee, stored.competency.code, stored.source) == (employee, "SK1", "api")
    assert stored.recorded_by is None


def test_results_method_omitted_defaults_to_uji_kompetensi(employee, api_client):
    response = post_json(api_client, valid_body(employee))

    assert response.status_code == 201
    assert response.json()["method"] == "uji_kompetensi"
    assert AssessmentResult.objects.get().method == "uji_kompetensi"


def test_results_assessed_today_in_jakarta_201(employee, api_client):
    response = post_json(api_client, valid_body(employee, assessed_on=today().isoformat()))

    assert response.status_code == 201


def test_results_technical_competency_201(employee, api_client):
    TechnicalCompetencyFactory(code="T3")

    response = post_json(api_client, valid_body(employee, competency="T3"))

    assert response.status_code == 201
    assert response.json()["competency"] == "T3"


def test_results_repeated_external_id_200_same_row(employee, api_client):
    body = valid_body(employee)
    first = post_json(api_client, body)

    second = post_json(api_client, body)

    assert_result(second)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == first.json()
    assert AssessmentResult.objects.count() == 1


def test_results_repeated_external_id_other_body_200_stored_row(employee, colleague, api_client):
    first = post_json(api_client, valid_body(employee, level=2))

    second = post_json(api_client, valid_body(colleague, level=5, competency="M3"))

    assert_result(second)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert second.json()["nip"] == employee.nip
    assert AssessmentResult.objects.count() == 1


def test_results_post_marks_map_stale_then_worker_fills_it(
    employee, api_client, django_capture_on_commit_callbacks
):
    services.apply_default_standard(positions=[employee.position])
    services.recompute_map(employee_id=employee.pk)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_json(api_client, valid_body(employee, competency="M2", level=1))
    cmap = api_client.get(map_url(employee.nip)).json()

    assert response.status_code == 201
    assert len(callbacks) == 1
    assert cmap["stale"] is False
    m2 = [item for item in cmap["items"] if item["competency"] == "M2"]
    assert m2 == [
        {"competency": "M2", "name": fixed("M2").name, "required": 1, "achieved": 1, "gap": 0}
    ]


# --- POST /results: 422 -----------------------------------------------------------------


@pytest.mark.parametrize("field", ["nip", "competency", "level", "assessed_on", "external_id"])
def test_results_missing_field_422_names_it(employee, api_client, field):
    response = post_json(api_client, valid_body(employee, **{field: DROP}))

    body = assert_result(response)
    assert response.status_code == 422
    assert list(body["errors"]) == [field]
    assert AssessmentResult.objects.count() == 0


def test_results_empty_object_422_names_every_required_field(api_client):
    response = post_json(api_client, {})

    body = assert_result(response)
    assert response.status_code == 422
    assert sorted(body["errors"]) == sorted(
        ["nip", "competency", "level", "assessed_on", "external_id"]
    )


def _future() -> str:
    return (today() + dt.timedelta(days=1)).isoformat()


BAD_FIELDS = [
    ("level", 0),
    ("level", 6),
    ("level", -1),
    ("level", True),
    ("level", False),
    ("level", "3"),
    ("level", 3.5),
    ("level", 3.0),
    ("level", None),
    ("level", [3]),
    ("level", 10**30),
    ("assessed_on", _future),
    ("assessed_on", "2026-02-30"),
    ("assessed_on", "2025-13-01"),
    ("assessed_on", "0000-01-01"),
    ("assessed_on", "15-01-2026"),
    ("assessed_on", "2026/01/15"),
    ("assessed_on", "20260115"),
    ("assessed_on", "2026-1-5"),
    ("assessed_on", "2026-01-15T00:00:00"),
    ("assessed_on", "2026-01-15\n"),
    ("assessed_on", "\uff12\uff10\uff12\uff16-\uff10\uff11-\uff11\uff15"),  # full-width digits
    ("assessed_on", 20260115),
    ("assessed_on", None),
    ("assessed_on", ""),
    ("external_id", ""),
    ("external_id", "   "),
    ("external_id", "x" * 101),
    ("external_id", "abc\x00def"),
    ("external_id", "abc\ud800"),
    ("external_id", 123),
    ("external_id", None),
    ("method", "unknown"),
    ("method", ""),
    ("method", None),
    ("method", 1),
    ("competency", "X9"),
    ("competency", "m1"),
    ("competency", "M9"),
    ("competency", "T-does-not-exist"),
    ("competency", ""),
    ("competency", 1),
    ("competency", None),
    ("competency", "M1\x00"),
    ("nip", "123"),
    ("nip", "19860926 201505 1 001"),
    ("nip", "198609262015051001\n"),
    ("nip", 198609262015051001),
    ("nip", None),
]


@pytest.mark.parametrize(
    ("field", "value"),
    BAD_FIELDS,
    # A function's repr holds its address, which differs between xdist workers' collections.
    ids=[f"{f}={v.__name__ if callable(v) else repr(v)}"[:40] for f, v in BAD_FIELDS],
)
def test_results_bad_field_422_names_it(employee, api_client, field, value):
    value = value() if callable(value) else value

    response = post_json(api_client, valid_body(employee, **{field: value}))

    body = assert_result(response)
    assert response.status_code == 422
    assert list(body["errors"]) == [field]
    assert AssessmentResult.objects.count() == 0


def test_results_several_bad_fields_422_names_each(employee, api_client):
    body = valid_body(employee, level=0, assessed_on=_future(), method="x")

    response = post_json(api_client, body)

    errors = assert_result(response)["errors"]
    assert response.status_code == 422
    assert sorted(errors) == ["assessed_on", "level", "method"]


def test_results_unknown_fields_422_names_them(employee, api_client):
    response = post_json(api_client, valid_body(employee, score=88, Level=3))

    errors = assert_result(response)["errors"]
    assert response.status_code == 422
    assert sorted(errors) == ["Level", "score"]


def test_results_duplicate_key_422_names_it(employee, api_client):
    text = json.dumps(valid_body(employee))[:-1] + ', "level": 4}'

    response = post_raw(api_client, text)

    errors = assert_result(response)["errors"]
    assert response.status_code == 422
    assert list(errors) == ["level"]


def test_results_inactive_competency_422_names_it(employee, api_client):
    TechnicalCompetencyFactory(code="T9", is_active=False)

    response = post_json(api_client, valid_body(employee, competency="T9"))

    errors = assert_result(response)["errors"]
    assert response.status_code == 422
    assert list(errors) == ["competency"]


# --- POST /results: 404, 400, 413, 405 ----------------------------------------------------


def test_results_unknown_nip_404_names_nip(api_client):
    response = post_json(api_client, valid_body(UserFactory.build(nip="199001012015011001")))

    errors = assert_result(response)["errors"]
    assert response.status_code == 404
    assert list(errors) == ["nip"]
    assert AssessmentResult.objects.count() == 0


def test_results_unknown_nip_and_bad_level_422_names_both(api_client):
    employee = UserFactory.build(nip="199001012015011001")

    response = post_json(api_client, valid_body(employee, level=9))

    errors = assert_result(response)["errors"]
    assert response.status_code == 422
    assert sorted(errors) == ["level", "nip"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"{'nip': 1}",
        b'{"level": NaN}',
        b'{"level": Infinity}',
        b"\xff\xfe{}",
        b"[" * 5000,
    ],
    ids=["empty", "truncated", "single-quotes", "nan", "infinity", "not-utf8", "deep-nesting"],
)
def test_results_malformed_json_400(api_client, raw):
    response = post_raw(api_client, raw)

    errors = assert_result(response)["errors"]
    assert response.status_code == 400
    assert list(errors) == ["body"]


@pytest.mark.parametrize("raw", ["[]", '"text"', "1", "null", "true", '[{"nip": "1"}]'])
def test_results_json_not_an_object_400(api_client, raw):
    response = post_raw(api_client, raw)

    errors = assert_result(response)["errors"]
    assert response.status_code == 400
    assert list(errors) == ["body"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json-patch+json",
        "application/json; charset=latin-1",
        "",
    ],
)
def test_results_wrong_content_type_400(employee, api_client, content_type):
    response = post_raw(api_client, json.dumps(valid_body(employee)), content_type=content_type)

    errors = assert_result(response)["errors"]
    assert response.status_code == 400
    assert list(errors) == ["content_type"]


def test_results_content_type_with_utf8_charset_201(employee, api_client):
    response = post_raw(
        api_client, json.dumps(valid_body(employee)), "Application/JSON; charset=UTF-8"
    )

    assert response.status_code == 201


def test_results_body_over_64_kib_413(employee, api_client):
    body = valid_body(employee, padding="x" * (64 * 1024))

    response = post_json(api_client, body)

    errors = assert_result(response)["errors"]
    assert response.status_code == 413
    assert list(errors) == ["body"]
    assert AssessmentResult.objects.count() == 0


def post_chunked(client: Client, data: bytes):
    """POST `data` as a chunked body: no Content-Length, the server reads to the end."""
    return client.generic(
        "POST",
        RESULTS_URL,
        data,
        content_type="application/json",
        CONTENT_LENGTH="",
        **{"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": True},
    )


def test_results_chunked_body_201(employee, api_token):
    data = json.dumps(valid_body(employee)).encode()

    response = post_chunked(client_with_token(api_token), data)

    assert_result(response)
    assert response.status_code == 201


def test_results_chunked_body_over_64_kib_413(employee, api_token):
    data = json.dumps(valid_body(employee, padding="x" * (64 * 1024))).encode()

    response = post_chunked(client_with_token(api_token), data)

    assert_result(response)
    assert response.status_code == 413
    assert AssessmentResult.objects.count() == 0


def test_results_body_without_length_from_other_servers_never_read_400(employee, api_token):
    data = json.dumps(valid_body(employee, padding="x" * (64 * 1024))).encode()

    response = client_with_token(api_token).generic(
        "POST", RESULTS_URL, data, content_type="application/json", CONTENT_LENGTH=""
    )

    # Without a length and without wsgi.input_terminated, Django reads nothing: no way past
    # the limit.
    errors = assert_result(response)["errors"]
    assert response.status_code == 400
    assert list(errors) == ["body"]


def test_results_database_down_503_json_without_trace(employee, api_client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection to server failed")

    with connection.execute_wrapper(refuse):
        response = post_json(api_client, valid_body(employee))

    assert_result(response)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Traceback" not in response.content
    assert b"connection to server" not in response.content


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("get", RESULTS_URL, "POST"),
        ("put", RESULTS_URL, "POST"),
        ("delete", RESULTS_URL, "POST"),
        ("head", RESULTS_URL, "POST"),
        ("post", "/api/v1/employees/198609262015051001/map", "GET"),
        ("delete", OPENAPI_URL, "GET"),
    ],
)
def test_api_wrong_method_405_json_with_allow(api_client, method, url, allow):
    response = getattr(api_client, method)(url)

    assert response.status_code == 405
    assert response["Allow"] == allow
    if method != "head":
        assert_matches_openapi(response, path=url, method=method)


@pytest.mark.parametrize("url", ["/api/v1/", "/api/v1/results/", "/api/v1/nope", "/api/v1/a/b"])
def test_api_unknown_path_404_json(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail", "errors"}


# --- Concurrent idempotency ---------------------------------------------------------------


@pytest.fixture
def _restore_dictionary(django_db_blocker):
    """A transactional test empties every table when it ends; put the regulation's competencies
    back, so later tests on a reused test database still find them."""
    yield
    loader = importlib.import_module("competency.migrations.0002_load_dictionary")
    with django_db_blocker.unblock():
        loader.load(apps, None)


@pytest.mark.usefixtures(
    "_restore_dictionary"
)  # set up before transactional_db, so torn down after
def test_results_concurrent_same_external_id_one_row(transactional_db):
    competency = TechnicalCompetencyFactory(code="T1")
    employee = UserFactory()
    _row, plaintext = tokens.create_api_token(name="paralel")
    body = json.dumps(
        {
            "nip": employee.nip,
            "competency": competency.code,
            "level": 4,
            "assessed_on": today().isoformat(),
            "external_id": "RACE-1",
        }
    )
    threads_count = 10
    barrier = threading.Barrier(threads_count)
    statuses: list[int] = []
    bodies: list[dict] = []
    lock = threading.Lock()

    def post() -> None:
        client = Client(headers={"authorization": f"Bearer {plaintext}"})
        try:
            barrier.wait(timeout=10)
            response = client.post(RESULTS_URL, data=body, content_type="application/json")
            with lock:
                statuses.append(response.status_code)
                bodies.append(response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [200] * (threads_count - 1) + [201]
    assert AssessmentResult.objects.filter(external_id="RACE-1").count() == 1
    assert len({json.dumps(b, sort_keys=True) for b in bodies}) == 1
    assert CompetencyMap.objects.filter(employee=employee).exists()


# --- GET /employees/<nip>/map -------------------------------------------------------------


def test_map_employee_without_map_200_stale_and_empty(employee, api_client):
    response = api_client.get(map_url(employee.nip))

    body = assert_map(response)
    assert response.status_code == 200
    assert body == {
        "nip": employee.nip,
        "computed_at": None,
        "stale": True,
        "jpm": None,
        "category": "",
        "items": [],
        "target": None,
    }


def test_map_after_results_and_recompute_200_with_items(employee, api_client):
    services.set_position_standard(
        position=employee.position, levels={fixed("M1"): 3, fixed("M2"): 2, fixed("SK1"): 3}
    )
    post_json(api_client, valid_body(employee, competency="M1", level=2, external_id="a"))
    post_json(api_client, valid_body(employee, competency="M2", level=4, external_id="b"))
    services.recompute_map(employee_id=employee.pk)

    response = api_client.get(map_url(employee.nip))

    body = assert_map(response)
    assert response.status_code == 200
    assert body["nip"] == employee.nip
    assert body["stale"] is False
    assert dt.datetime.fromisoformat(body["computed_at"]).utcoffset() == dt.timedelta(hours=7)
    # JPM = (min(2,3) + min(4,2) + 0) / (3 + 2 + 3) = 4/8 = 50 %
    assert body["jpm"] == 50.0
    assert body["category"] == "kurang_optimal"
    assert body["items"] == [
        {"competency": "M1", "name": fixed("M1").name, "required": 3, "achieved": 2, "gap": 1},
        {"competency": "M2", "name": fixed("M2").name, "required": 2, "achieved": 4, "gap": 0},
        {"competency": "SK1", "name": fixed("SK1").name, "required": 3, "achieved": 0, "gap": 3},
    ]


def test_map_new_result_since_computation_stale_true(employee, api_client):
    services.set_position_standard(position=employee.position, levels={fixed("M1"): 3})
    services.recompute_map(employee_id=employee.pk)

    post_json(api_client, valid_body(employee))
    response = api_client.get(map_url(employee.nip))

    body = assert_map(response)
    assert body["stale"] is True
    assert body["items"][0]["achieved"] == 0


@pytest.mark.parametrize(
    "nip",
    ["199001012015011001", "123", "abc", "1986092620150510011", "%00", "\uff11\uff19\uff19\uff10"],
)
def test_map_unknown_nip_404_names_nip(api_client, nip):
    response = api_client.get(map_url(nip))

    body = assert_map(response)
    assert response.status_code == 404
    assert list(body["errors"]) == ["nip"]


def _give_map(employee, competencies: int) -> None:
    levels = {fixed("M1"): 3}  # a gap, so the next-level lookup runs for any size
    for n in range(competencies - 1):
        levels[TechnicalCompetencyFactory(code=f"T{n + 1}")] = 3
    services.set_position_standard(position=employee.position, levels=levels)
    for competency in levels:
        services.record_result(
            employee=employee,
            competency=competency,
            level=2,
            assessed_on=today(),
            source="admin",
        )
    services.recompute_map(employee_id=employee.pk)


def _map_queries(employee, api_client, competencies: int) -> int:
    _give_map(employee, competencies)
    api_client.get(map_url(employee.nip))  # the token's last_used_at is written once a minute
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(map_url(employee.nip))
    assert len(assert_map(response)["items"]) == competencies
    return len(queries)


def test_map_query_count_constant_in_the_number_of_competencies(employee, colleague, api_client):
    few = _map_queries(employee, api_client, 1)

    many = _map_queries(colleague, api_client, 25)

    # token, employee, then selectors.map_for_employee (map, items, next levels of the gaps)
    assert few == many
    assert many <= 5


# --- The OpenAPI document -----------------------------------------------------------------


def test_openapi_served_without_token_equals_document():
    response = Client().get(OPENAPI_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(json.dumps(openapi.build_document()))


def test_openapi_document_structure_covers_contract():
    document = DOCUMENT

    operations = {
        (path, method): sorted(op["responses"])
        for path, item in document["paths"].items()
        for method, op in item.items()
    }

    assert document["openapi"] == "3.1.0"
    assert operations == {
        ("/api/v1/results", "post"): [
            "200",
            "201",
            "400",
            "401",
            "404",
            "413",
            "422",
            "429",
            "500",
            "503",
        ],
        ("/api/v1/employees/{nip}/map", "get"): ["200", "401", "404", "429", "500", "503"],
        ("/api/v1/openapi.json", "get"): ["200", "500"],
    }
    assert document["components"]["securitySchemes"] == {
        "bearerAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
        }
    }
    assert document["security"] == [{"bearerAuth": []}]
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []
    assert document["components"]["schemas"]["ResultInput"]["required"] == [
        "nip",
        "competency",
        "level",
        "assessed_on",
        "external_id",
    ]


def test_openapi_every_schema_is_valid_json_schema_2020_12():
    schemas = DOCUMENT["components"]["schemas"]

    for name, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        assert isinstance(name, str)


def _refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                found.append(value)
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def test_openapi_every_ref_resolves():
    refs = _refs(DOCUMENT, [])

    for ref in refs:
        target = DOCUMENT
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        assert isinstance(target, dict), ref
    assert len(refs) > 10


def test_openapi_every_documented_response_has_a_json_schema():
    pointers = [
        response_schema_pointer(path, method, int(status))
        for path, item in DOCUMENT["paths"].items()
        for method, op in item.items()
        for status in op["responses"]
    ]

    assert None not in pointers


def test_openapi_examples_match_their_schemas():
    from tests.competency.api_helpers import schema_errors

    post = DOCUMENT["paths"]["/api/v1/results"]["post"]
    get_map = DOCUMENT["paths"]["/api/v1/employees/{nip}/map"]["get"]

    assert (
        schema_errors(
            post["requestBody"]["content"]["application/json"]["example"],
            "#/components/schemas/ResultInput",
        )
        == []
    )
    for status in ("200", "201"):
        example = post["responses"][status]["content"]["application/json"]["example"]
        assert schema_errors(example, "#/components/schemas/Result") == []
    example = get_map["responses"]["200"]["content"]["application/json"]["example"]
    assert schema_errors(example, "#/components/schemas/CompetencyMap") == []


def test_openapi_validates_against_the_official_openapi_3_1_schema():
    validator = pytest.importorskip("openapi_spec_validator")

    validator.validate(DOCUMENT)


def test_openapi_competency_codes_in_examples_exist(db):
    codes = DOCUMENT["components"]["schemas"]["ResultInput"]["properties"]["competency"]["examples"]

    assert Competency.objects.filter(code__in=codes).count() == 2  # M1, SK1 (T3 is agency data)
