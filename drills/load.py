"""Small HTTP clients for the drills: people browsing with their sessions, results posted to the
API, registrations posted in a burst. Threads and http.client: the drills measure what is lost,
not speed."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PAGES = ("/", "/competency/", "/trainings/", "/ebooks/", "/trainings/mine/")


@dataclass
class Tally:
    """Answers by status, and the failures worth naming."""

    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    first_problem: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int | None, problem: str = "") -> None:
        with self.lock:
            if status is not None:
                self.statuses[status] += 1
            if problem:
                self.errors[problem.split(":")[0]] += 1
                self.first_problem = self.first_problem or problem

    def count(self, test: Callable[[int], bool]) -> int:
        return sum(n for status, n in self.statuses.items() if test(status))


def request(
    base_url: str,
    method: str,
    path: str,
    *,
    headers: dict[str, str],
    body: bytes = b"",
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request(method, path, body=body or None, headers={"Host": parts.netloc, **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def cookies(person: dict) -> str:
    return (
        f"{person['session_cookie']}={person['session']}; {person['csrf_cookie']}={person['csrf']}"
    )


def browse(
    base_url: str, people: list[dict], stop: threading.Event, tally: Tally
) -> list[threading.Thread]:
    """One thread per person, asking for the pages in turn until `stop`; an answer is good when
    it is not 5xx (a login page while sessions are lost is counted apart, by the caller)."""

    def person_loop(person: dict) -> None:
        n = 0
        while not stop.is_set():
            path = PAGES[n % len(PAGES)]
            n += 1
            try:
                status, headers, _body = request(
                    base_url, "GET", path, headers={"Cookie": cookies(person)}
                )
                location = headers.get("Location", "")
                tally.add(status, f"{status} on {path}" if status >= 500 else "")
                if status == 302 and "/accounts/login/" in location:
                    tally.add(None, f"logged out: {path}")
            except OSError as exc:
                tally.add(None, f"{type(exc).__name__}: {path}")
            time.sleep(0.2)

    threads = [threading.Thread(target=person_loop, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    return threads


def post_results(
    base_url: str,
    token: str,
    results: list[dict],
    tally: Tally,
    *,
    threads: int = 8,
    spread_seconds: float = 0.0,
) -> None:
    """POSTs every result once (retrying a 429 after Retry-After, as a client should)."""
    queue = list(enumerate(results))
    lock = threading.Lock()
    pause = spread_seconds / max(len(results), 1)

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                _index, result = queue.pop(0)
            body = json.dumps(result).encode()
            for _attempt in range(5):
                try:
                    status, headers, answer = request(
                        base_url,
                        "POST",
                        "/api/v1/results",
                        headers={
                            "Authorization": f"Bearer {token}",
                            "Content-Type": "application/json",
                        },
                        body=body,
                    )
                except OSError as exc:
                    tally.add(None, f"{type(exc).__name__}: {result['external_id']}")
                    break
                if status == 429:
                    time.sleep(float(headers.get("Retry-After", "1")))
                    continue
                problem = "" if 200 <= status < 300 else f"{status}: {answer[:200]!r}"
                tally.add(status, problem)
                break
            time.sleep(pause)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def register_burst(
    base_url: str, slug: str, people: list[dict], tally: Tally, *, threads: int = 32
) -> None:
    """Every person POSTs the registration once; a 503 ("try again") is retried as a person
    would, after Retry-After, so every person ends registered or waitlisted exactly once."""
    queue = list(people)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                person = queue.pop(0)
            for _attempt in range(30):
                try:
                    status, headers, _ = request(
                        base_url,
                        "POST",
                        f"/trainings/{slug}/register",
                        headers={
                            "Cookie": cookies(person),
                            "X-CSRFToken": person["csrf"],
                            "Origin": base_url,
                            "Content-Type": "application/x-www-form-urlencoded",
                        },
                        timeout=60,
                    )
                except OSError as exc:
                    tally.add(None, f"{type(exc).__name__} (retried)")
                    time.sleep(1)
                    continue
                if status >= 500:  # "try again", or the database away: a person presses again
                    tally.add(status)
                    time.sleep(float(headers.get("Retry-After", "1")))
                    continue
                tally.add(status, f"{status} on register" if status != 302 else "")
                break

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
