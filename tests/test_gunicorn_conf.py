"""gunicorn.conf.py: what a worker does once it has loaded the application."""

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_a_loaded_worker_hides_what_it_loaded_from_the_garbage_collector():
    hooks = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        hooks["post_worker_init"](object())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_by_default_two_single_threaded_workers_per_core_the_server_may_use(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("WEB_THREADS", raising=False)
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)

    conf = runpy.run_path(str(CONF))

    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (6, 1, "gthread")


def test_the_environment_sets_workers_and_threads(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("WEB_THREADS", "2")

    conf = runpy.run_path(str(CONF))

    assert (conf["workers"], conf["threads"]) == (5, 2)
