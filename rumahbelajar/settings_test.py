"""Test settings: the real PostgreSQL and Redis, with a separate Redis database and fast hashing.

Celery runs eagerly here for unit tests; integration tests start a real worker process that
overrides this (see tests/conftest.py).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-use-0123456789abcdef")
os.environ.setdefault("SECURE_HTTPS", "0")
# Like `make run`'s .env (DEMO_DATA below): staff need no authenticator unless a test asks.
os.environ.setdefault("DEMO_DATA", "1")

from rumahbelajar.env import envbool
from rumahbelajar.settings import *  # noqa: F403
from rumahbelajar.settings import CACHES, CELERY_BROKER_TRANSPORT_OPTIONS, REDIS_URL

DEBUG = False
DEMO_DATA = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# Tests clear the cache between tests (rate limits live there): never touch the development data.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or REDIS_URL.rsplit("/", 1)[0] + "/15"
# Parallel runs (pytest-xdist: workers gw0, gw1, ...) share that Redis database, so every pytest
# process keeps its keys under its own prefix: the cache's KEY_PREFIX and kombu's
# global_keyprefix for the broker's queues. tests/conftest.py deletes only keys under it between
# tests. A Celery worker a test starts is handed the same prefix (TEST_REDIS_KEY_PREFIX).
TEST_REDIS_KEY_PREFIX = os.environ.get("TEST_REDIS_KEY_PREFIX") or "rbtest-" + os.environ.get(
    "PYTEST_XDIST_WORKER", "main"
)
CACHES["default"]["LOCATION"] = TEST_REDIS_URL
CACHES["default"]["KEY_PREFIX"] = TEST_REDIS_KEY_PREFIX
CELERY_BROKER_URL = TEST_REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    # The base settings' options happen to be all ints, which mypy took for their type.
    "global_keyprefix": TEST_REDIS_KEY_PREFIX + ":celery:",  # type: ignore[dict-item]
}
# A real worker process started by an integration test sets CELERY_TASK_ALWAYS_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
