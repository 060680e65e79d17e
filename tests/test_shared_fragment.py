"""rumahbelajar.versions.shared_fragment: a missing fragment is rendered by one request while
the others asking at the same time wait for it; a stuck renderer never blocks an answer."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from rumahbelajar import versions

VERSION = "test:fragment-version"


def ask_at_once(count: int, render) -> list[str]:
    answers: list[str] = []
    start = threading.Barrier(count)

    def one() -> None:
        start.wait()
        answers.append(versions.shared_fragment(VERSION, "report", render, seconds=60, scope=1))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_crowd_asking_a_missing_fragment_renders_it_once():
    calls = []

    def render() -> str:
        calls.append(1)
        time.sleep(0.5)
        return "<table>heatmap</table>"

    answers = ask_at_once(6, render)

    assert answers == ["<table>heatmap</table>"] * 6
    assert len(calls) == 1


def test_a_waiter_renders_itself_when_the_renderer_never_finishes(monkeypatch):
    monkeypatch.setattr(versions, "SINGLE_FLIGHT_WAIT_SECONDS", 0.3)
    stamp = versions.current([VERSION])[0]
    # Another process took the lock and died: its lock outlives the wait.
    key_prefix = f"{VERSION}:report:{stamp}:"
    started = time.monotonic()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(versions, "_lock_key", lambda key: key_prefix + "stuck-lock")
        cache.add(key_prefix + "stuck-lock", 1, timeout=60)
        answer = versions.shared_fragment(VERSION, "report", lambda: "fresh", seconds=60, scope=1)

    assert answer == "fresh"
    assert 0.3 <= time.monotonic() - started < 5


def test_the_lock_is_released_when_the_render_fails():
    def broken() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        versions.shared_fragment(VERSION, "report", broken, seconds=60, scope=2)
    started = time.monotonic()

    assert versions.shared_fragment(VERSION, "report", lambda: "ok", seconds=60, scope=2) == "ok"
    assert time.monotonic() - started < versions.SINGLE_FLIGHT_WAIT_SECONDS / 2  # not waited
