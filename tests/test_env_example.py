"""`.env.example` lists every variable the portal reads from the environment, and nothing else.

The reads are found in the source text (settings modules, gunicorn.conf.py, the Procfile) rather
than by importing the settings, so a variable read only on some branch of the settings is found too.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"

# Retired settings: no longer read, and never to be documented again.
RETIRED = {"PAGE_CACHE_SECONDS"}

_PY_READ = re.compile(
    r"""(?:\benv(?:str|int|bool|list)\(|\bos\.environ\.get\(|\bos\.environ\[|\bos\.getenv\()"""
    r"""\s*["']([A-Z][A-Z0-9_]*)["']"""
)
_SHELL_READ = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")
# NAME=value, or "# NAME=value" for a variable only the environment can set.
_LISTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def _python_sources() -> list[Path]:
    return [*sorted((ROOT / "rumahbelajar").glob("settings*.py")), ROOT / "gunicorn.conf.py"]


def _variables_read() -> set[str]:
    names = set()
    for path in _python_sources():
        names |= set(_PY_READ.findall(path.read_text(encoding="utf-8")))
    names |= set(_SHELL_READ.findall((ROOT / "Procfile").read_text(encoding="utf-8")))
    return names


def _variables_listed() -> list[str]:
    return _LISTED.findall(ENV_EXAMPLE.read_text(encoding="utf-8"))


def test_variables_read_known_reads_are_found():
    read = _variables_read()

    assert {
        "SECRET_KEY",
        "DOTENV_FILE",
        "EMPLOYEE_IMPORT_MAX_ROWS",
        "TEST_REDIS_URL",
        "WEB_CONCURRENCY",
        "CELERY_CONCURRENCY",
    } <= read


def test_env_example_variable_read_by_settings_is_listed():
    missing = _variables_read() - set(_variables_listed()) - RETIRED

    assert missing == set()


def test_env_example_variable_nothing_reads_is_absent():
    stale = set(_variables_listed()) - _variables_read()

    assert stale == set()


def test_env_example_retired_variable_is_absent():
    listed = set(_variables_listed()) & RETIRED

    assert listed == set()


def test_env_example_each_variable_listed_once():
    names = _variables_listed()

    duplicates = sorted({name for name in names if names.count(name) > 1})

    assert duplicates == []
