"""The static storage remembers each name's URL, per DEBUG, and never a name it cannot find."""

import json

import pytest
from django.test import override_settings

from rumahbelajar.staticstorage import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    manifest = {"paths": {"css/app.css": "css/app.0123abcd.css"}, "version": "1.1", "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=tmp_path, base_url="/static/")


def test_hashed_name_then_the_same_answer_again(storage):
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
    storage.hashed_files = {}  # the manifest is not read again: the answer is remembered
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"


def test_debug_answers_the_plain_name_apart(storage):
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
    with override_settings(DEBUG=True):
        assert storage.url("css/app.css") == "/static/css/app.css"
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"


def test_a_missing_name_raises_every_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
