"""The fixed cast of people every access test uses, in a small unit tree:

    Kementerian
    ├── Kanwil A ── Unit A1: employee (alice), colleague (bob), their head (`head`, on request)
    └── Kanwil B ── Unit B1: outsider (charlie)

hr_admin manages Kanwil A's subtree; superuser sees everything.
"""

from __future__ import annotations

import importlib

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from rumahbelajar.people import services as people_services
from rumahbelajar.people.models import UnitKind
from rumahbelajar.people.roles import HR_ADMIN, ensure_role_groups
from tests.people.factories import UnitFactory, UserFactory
from tests.requests import client_for
from tests.workers import celery_worker

# Property tests check behaviour, never speed (that is `make bench`'s job): on a loaded machine
# Hypothesis's default 200 ms deadline per example turned correct code into flaky failures.
hypothesis_settings.register_profile("rumahbelajar", deadline=None)
hypothesis_settings.load_profile("rumahbelajar")

PASSWORD = "rahasia-uji-123"


def own_redis_pattern(suffix: str = "*") -> str:
    """A SCAN/KEYS pattern for this pytest process's keys in the shared test Redis database
    (settings_test.TEST_REDIS_KEY_PREFIX: the cache's prefix, the broker's under it)."""
    prefix = settings.TEST_REDIS_KEY_PREFIX
    for special in "\\*?[]":
        prefix = prefix.replace(special, "\\" + special)
    return f"{prefix}:{suffix}"


def _delete_own_keys() -> None:
    """cache.clear() would FLUSHDB the Redis database every xdist worker shares: delete only
    the keys under this process's prefix (cache entries, sessions, rate limits, broker queues)."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    keys = list(client.scan_iter(match=own_redis_pattern(), count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and sessions live in Redis: every test starts with none of its process's keys."""
    _delete_own_keys()
    yield
    _delete_own_keys()


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the site's language, as a fresh request does: a request in English
    leaves English active in the thread, and a test that calls code directly would inherit it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _restore_migrated_data(request, django_db_blocker):
    """Transactional tests (live server, real worker) end by flushing every table, which also
    removes what data migrations loaded — the regulation's competency dictionary. Put it back so
    the tests after them see the database as migrations left it."""
    yield
    marker = request.node.get_closest_marker("django_db")
    flushed = {"transactional_db", "live_server"} & set(request.fixturenames) or (
        marker is not None and marker.kwargs.get("transaction")
    )
    if not flushed:
        return
    from django.apps import apps

    load_dictionary = importlib.import_module("competency.migrations.0002_load_dictionary").load
    with django_db_blocker.unblock():
        load_dictionary(apps, None)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }


@pytest.fixture
def ministry(db):
    return UnitFactory(code="kementerian", name="Kementerian Hukum", kind=UnitKind.KEMENTERIAN)


@pytest.fixture
def kanwil_a(ministry):
    return UnitFactory(code="kanwil-a", name="Kanwil A", kind=UnitKind.KANWIL, parent=ministry)


@pytest.fixture
def kanwil_b(ministry):
    return UnitFactory(code="kanwil-b", name="Kanwil B", kind=UnitKind.KANWIL, parent=ministry)


@pytest.fixture
def unit_a1(kanwil_a):
    return UnitFactory(code="unit-a1", name="Unit A1", kind=UnitKind.UNIT, parent=kanwil_a)


@pytest.fixture
def unit_b1(kanwil_b):
    return UnitFactory(code="unit-b1", name="Unit B1", kind=UnitKind.UNIT, parent=kanwil_b)


@pytest.fixture
def employee(unit_a1):
    return UserFactory(email="alice@example.test", full_name="Alice Pegawai", unit=unit_a1)


@pytest.fixture
def colleague(unit_a1):
    return UserFactory(email="bob@example.test", full_name="Bob Rekan", unit=unit_a1)


@pytest.fixture
def head(unit_a1):
    """The head of Unit A1: the employee's and the colleague's supervisor (people.selectors
    .supervisor_of), who approves their learning reports."""
    person = UserFactory(email="kepala@example.test", full_name="Kepala Unit A1", unit=unit_a1)
    people_services.set_unit_head(unit=unit_a1, head=person)
    return person


@pytest.fixture
def outsider(unit_b1):
    return UserFactory(email="charlie@example.test", full_name="Charlie Luar", unit=unit_b1)


@pytest.fixture
def hr_admin(kanwil_a):
    groups = ensure_role_groups()
    user = UserFactory(email="hr@example.test", full_name="Hana SDM", unit=kanwil_a, is_staff=True)
    user.groups.add(groups[HR_ADMIN])
    user.managed_units.add(kanwil_a)
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(
        email="root@example.test",
        full_name="Super Admin",
        nip=None,
        employee_type="",
        unit=None,
        position=None,
        is_staff=True,
        is_superuser=True,
    )


@pytest.fixture
def hr_client(hr_admin):
    return client_for(hr_admin)


@pytest.fixture
def superuser_client(superuser):
    return client_for(superuser)


@pytest.fixture
def employee_client(employee):
    return client_for(employee)


@pytest.fixture
def celery_worker_process(transactional_db, settings, tmp_path):
    """A real `celery worker` process (tests/workers.py), for the tests of work done in the
    background: ready when yielded, always terminated afterwards."""
    with celery_worker(settings, tmp_path) as process:
        yield process


@pytest.fixture
def cast(employee, colleague, outsider, hr_admin, superuser):
    """All five people, for access tests parametrised over who is asking."""
    return {
        "employee": employee,
        "colleague": colleague,
        "outsider": outsider,
        "hr_admin": hr_admin,
        "superuser": superuser,
    }
