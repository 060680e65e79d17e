"""Property-based fuzzing of the results API: whatever arrives — arbitrary JSON, near-miss bodies,
raw bytes under any content type, odd tokens, odd paths and methods — the answer is never 500 (or
503, which would mean a query failed), is JSON, and matches the schema our OpenAPI document gives
for its path, method and status. Bounded: a few hundred examples per property, no deadline."""

from __future__ import annotations

import datetime as dt
import json
import string
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from competency import services
from competency.models import AssessmentMethod
from tests.competency.api_helpers import (
    RESULTS_URL,
    assert_matches_openapi,
    today,
)
from tests.competency.factories import TechnicalCompetencyFactory
from tests.people.factories import PositionFactory

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
MAP_PATH = "/api/v1/employees/{nip}/map"
FIELDS = ["nip", "competency", "level", "assessed_on", "external_id", "method"]


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def _dates() -> st.SearchStrategy[str]:
    return st.dates(min_value=dt.date(1900, 1, 1), max_value=today() + dt.timedelta(days=3)).map(
        dt.date.isoformat
    )


def _valid_values(nip: str) -> dict[str, st.SearchStrategy]:
    return {
        "nip": st.just(nip),
        "competency": st.sampled_from(["M1", "M8", "SK1", "T3"]),
        "level": st.integers(1, 5),
        "assessed_on": st.dates(min_value=dt.date(1990, 1, 1), max_value=today()).map(
            dt.date.isoformat
        ),
        "external_id": st.text(
            alphabet=st.characters(exclude_categories=["Cc", "Cs"]), min_size=1, max_size=100
        ).filter(str.strip),
        "method": st.sampled_from(AssessmentMethod.values),
    }


def _near_misses() -> dict[str, st.SearchStrategy]:
    return {
        "nip": st.sampled_from(["199001012015011001", "19860926 201505 1 001"])
        | st.text(alphabet=string.digits, min_size=17, max_size=19)
        | json_values,
        "competency": st.sampled_from(["T99", "m1", "M9", "", " M1", "SK2"]) | json_values,
        "level": st.integers(-2, 7) | st.sampled_from([True, False, "3", 3.0, 2.5]) | json_values,
        "assessed_on": _dates()
        | st.sampled_from(["2026-02-30", "2026-13-01", "20260115", "2026-1-5"])
        | json_values,
        "external_id": st.text(max_size=110)
        | st.sampled_from(["", "   ", "x" * 101])
        | json_values,
        "method": st.sampled_from(["", "UJI_KOMPETENSI", "cat "]) | json_values,
    }


@st.composite
def near_miss_bodies(draw: st.DrawFn, nip: str) -> dict:
    """A valid body (the method sometimes left out) with up to three fields dropped, spoiled or
    added: about a third stay valid, so 201 and 200 are exercised alongside 4xx."""
    valid = _valid_values(nip)
    body = {field: draw(valid[field]) for field in FIELDS}
    if draw(st.booleans()):
        del body["method"]
    for _ in range(draw(st.integers(0, 3))):
        field = draw(st.sampled_from(FIELDS))
        change = draw(st.sampled_from(["drop", "spoil", "extra"]))
        if change == "drop":
            body.pop(field, None)
        elif change == "spoil":
            body[field] = draw(_near_misses()[field])
        else:
            body[draw(st.text(max_size=8))] = draw(json_values)
    return body


@pytest.fixture
def fuzz_employee(employee):
    technical = TechnicalCompetencyFactory(code="T3")
    # A target position with a standard: every map answer carries a filled `target`.
    aim = PositionFactory(code="jabatan-target")
    services.set_position_standard(position=aim, levels={technical: 3})
    services.set_target_position(employee=employee, position=aim)
    return employee


def check(response, *, path: str, method: str) -> None:
    event(f"status {response.status_code}")  # pytest --hypothesis-show-statistics
    assert response.status_code not in (500, 503), response.content[:500]
    assert_matches_openapi(response, path=path, method=method)


@FUZZ
@given(data=st.data())
def test_results_fuzzed_near_miss_bodies_answer_documented_json(fuzz_employee, api_client, data):
    body = data.draw(near_miss_bodies(fuzz_employee.nip), label="body")

    response = api_client.post(RESULTS_URL, data=json.dumps(body), content_type="application/json")

    check(response, path=RESULTS_URL, method="post")


@FUZZ
@given(body=json_values)
def test_results_fuzzed_arbitrary_json_answers_documented_json(fuzz_employee, api_client, body):
    response = api_client.post(RESULTS_URL, data=json.dumps(body), content_type="application/json")

    check(response, path=RESULTS_URL, method="post")
    if not isinstance(body, dict):
        assert response.status_code == 400


CONTENT_TYPES = st.sampled_from(
    ["application/json", "application/json; charset=utf-8", "text/plain", ""]
) | st.text(alphabet=string.printable, max_size=40)


@FUZZ
@given(raw=st.binary(max_size=300), content_type=CONTENT_TYPES)
def test_results_fuzzed_raw_bytes_any_content_type_answer_4xx_json(
    fuzz_employee, api_client, raw, content_type
):
    response = api_client.generic(
        "POST", RESULTS_URL, raw, content_type=content_type, CONTENT_TYPE=content_type
    )

    check(response, path=RESULTS_URL, method="post")
    assert response.status_code in (400, 422)


AUTHORIZATIONS = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=300
) | st.sampled_from(["Bearer", "Bearer  ", "Bearer rb_", "bearer x y"])


@settings(FUZZ, max_examples=100)
@given(authorization=AUTHORIZATIONS)
def test_map_fuzzed_authorization_header_answers_401_json(fuzz_employee, authorization):
    client = Client(headers={"authorization": authorization})

    response = client.get(f"/api/v1/employees/{fuzz_employee.nip}/map")

    check(response, path=MAP_PATH, method="get")
    assert response.status_code == 401


NIPS = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="/"),
    min_size=1,
    max_size=40,
) | st.from_regex(r"\A[0-9]{18}\Z")


@settings(FUZZ, max_examples=100)
@given(nip=NIPS)
def test_map_fuzzed_nip_answers_documented_json(fuzz_employee, api_client, nip):
    response = api_client.get(f"/api/v1/employees/{quote(nip, safe='')}/map")

    check(response, path=MAP_PATH, method="get")
    assert response.status_code in (200, 404)


PATHS = [
    (RESULTS_URL, RESULTS_URL),
    ("/api/v1/employees/{nip}/map", MAP_PATH),
    ("/api/v1/openapi.json", "/api/v1/openapi.json"),
]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@settings(FUZZ, max_examples=60)
@given(target=st.sampled_from(PATHS), method=st.sampled_from(METHODS))
def test_api_fuzzed_method_on_each_path_answers_documented_json(
    fuzz_employee, api_client, target, method
):
    url, template = target

    response = api_client.generic(
        method, url.format(nip=fuzz_employee.nip), b"{}", content_type="application/json"
    )

    check(response, path=template, method=method)
