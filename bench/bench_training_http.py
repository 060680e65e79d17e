"""Benchmark: a burst of 1,000 concurrent registrations through the real HTTP stack (gunicorn,
middleware, CSRF, sessions, the view, the row-locking service), against trainings of capacity
10, 100 and 999.

Each burst: 1,000 distinct employees, each with a logged-in session made programmatically (users
created in bulk, sessions written through the session engine into Redis, a CSRF cookie + header
per session), open one connection each; then every connection sends its POST
/trainings/<slug>/register at the same moment. Reported per capacity: seats taken against the
capacity (overbooking must be 0), people waitlisted, duplicates, p50/p99 of the registration
request (send → last byte, queueing in the server included), the answers by kind — 302 (done:
registered, waitlisted or refused with a message), 503 ("try again": a lock wait ran out;
allowed, counted), 500 (must be 0), anything else — and the wall time of the burst.

Everything runs on 127.0.0.1: a scratch PostgreSQL database `rb_bench_training_http` (created,
migrated, dropped at the end, also after a failure or Ctrl-C) and Redis database 2 (emptied before
and after). The database server and credentials are those of `DATABASE_URL` (environment or
`.env`); only the name changes. `BENCH_TRAINING_DB` / `BENCH_TRAINING_REDIS_URL` move them.

    .venv/bin/python bench/bench_training_http.py             # prints a small table
    BENCH_TRAINING_BURST=300 .venv/bin/python bench/bench_training_http.py

bench/run.py can import `run()`, which returns [("group: metric", "figure"), ...].
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    PYTHON,
    REPO,
    BenchError,
    Options,
    child_pids,
    format_table,
    gunicorn,
    make_context,
    scratch_database,
    scratch_redis,
    with_path,
)
from harness import Row as TableRow

NAME = "training burst"
DATABASE = os.environ.get("BENCH_TRAINING_DB", "rb_bench_training_http")
REDIS_DB = "2"
BURST = int(os.environ.get("BENCH_TRAINING_BURST", "1000"))
CAPACITIES = (10, 100, 999)
REQUEST_TIMEOUT = 90.0  # seconds for one answer: longer than gunicorn's own 60 s worker timeout
CONNECT_TIMEOUT = 20.0
P99_NOTE_MS = 100.0  # the pages' bar, for context: a burst queues, so it is not held to it


# --- set-up inside Django (a child process on the scratch stack) ------------------------------


def _seed_in_django(burst: int, capacities: list[int]) -> dict:
    """Runs in a child process with the scratch environment: the trainings (through the service,
    as the admin makes them), `burst` employees in bulk, and a logged-in session with a CSRF
    secret for each. Returns what the load needs, as JSON-able data."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rumahbelajar.settings")
    django.setup()

    import datetime as dt
    from decimal import Decimal
    from importlib import import_module
    from types import SimpleNamespace

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from rumahbelajar.people.middleware import start_idle_clock
    from rumahbelajar.people.models import User
    from training import services
    from training.models import Training, TrainingKind, TrainingMode, TrainingStatus

    now = timezone.now()
    slugs = {}
    for capacity in capacities:
        training = services.save_training(
            training=Training(
                title=f"Pelatihan Benchmark Kapasitas {capacity}",
                slug=f"pelatihan-benchmark-kapasitas-{capacity}",
                kind=TrainingKind.OPEN,
                mode=TrainingMode.KLASIKAL,
                jp=Decimal("8"),
                capacity=capacity,
                status=TrainingStatus.PUBLISHED,
                place="Aula Benchmark",
                start_at=now + dt.timedelta(days=30),
                end_at=now + dt.timedelta(days=30, hours=8),
                registration_opens_at=now - dt.timedelta(days=1),
                registration_closes_at=now + dt.timedelta(days=29),
            )
        )
        slugs[capacity] = training.slug

    # One hash for everyone: nobody logs in with it, it only feeds the session's auth hash.
    password = make_password(None)
    User.objects.bulk_create(
        [
            User(
                email=f"peserta{n:05d}@bench.rumahbelajar.id",
                full_name=f"Peserta Benchmark {n:05d}",
                password=password,
            )
            for n in range(burst)
        ],
        batch_size=1000,
    )
    engine = import_module(settings.SESSION_ENGINE)
    backend = settings.AUTHENTICATION_BACKENDS[0]
    sessions = []
    for user in User.objects.filter(email__endswith="@bench.rumahbelajar.id").order_by("pk"):
        store = engine.SessionStore()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        start_idle_clock(None, request=SimpleNamespace(session=store))  # as a login does
        store.create()
        # The CSRF cookie holds a secret; the header may carry the same unmasked secret.
        csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        sessions.append((store.session_key, csrf))
    return {
        "slugs": {str(k): v for k, v in slugs.items()},
        "sessions": sessions,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_header": settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-"),
    }


# --- the burst ---------------------------------------------------------------------------------


@dataclass
class Burst:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    problems: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    server_cpu: float = 0.0  # CPU seconds of gunicorn and the database's backends during it


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    """utime + stime of these processes (those already gone count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / _CLOCK_TICKS


def _server_pids(server_pid: int, database_url: str) -> list[int]:
    """gunicorn's master and workers, and the PostgreSQL backends connected to the scratch
    database (their CPU is readable when the benchmark runs as root or as the database's user;
    otherwise it counts 0 and the figure is gunicorn's alone)."""
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        backends = [
            pid
            for (pid,) in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            ).fetchall()
        ]
    return [server_pid, *child_pids(server_pid), *backends]


async def _one(
    host: str,
    port: int,
    request: bytes,
    start: asyncio.Event,
    connected: asyncio.Queue,
    burst: Burst,
) -> None:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port), CONNECT_TIMEOUT
        )
    except (OSError, TimeoutError) as exc:
        burst.problems[f"connect: {type(exc).__name__}"] += 1
        await connected.put(False)
        return
    await connected.put(True)
    await start.wait()
    began = time.perf_counter()
    try:
        writer.write(request)
        await writer.drain()
        # "Connection: close": the answer ends where the server closes the connection.
        answer = await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
        head = answer.partition(b"\r\n\r\n")[0]
        status = int(head[9:12])
        location = ""
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"location":
                location = value.strip().decode("latin-1")
        burst.latencies_ms.append((time.perf_counter() - began) * 1000)
        burst.statuses[status] += 1
        if status == 302 and "/accounts/login/" in location:
            burst.problems["redirected to the login page"] += 1
    except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
        burst.problems[f"{type(exc).__name__}"] += 1
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _burst(base_url: str, slug: str, seed: dict) -> Burst:
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = f"/trainings/{slug}/register"
    burst = Burst()
    start = asyncio.Event()
    connected: asyncio.Queue = asyncio.Queue()
    tasks = []
    for session_key, csrf in seed["sessions"]:
        request = (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: {parts.netloc}\r\n"
            f"Origin: {base_url}\r\n"
            f"Cookie: {seed['session_cookie']}={session_key}; {seed['csrf_cookie']}={csrf}\r\n"
            f"{seed['csrf_header']}: {csrf}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 0\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin-1")
        tasks.append(asyncio.create_task(_one(host, port, request, start, connected, burst)))
    for _ in tasks:  # every connection open (or failed) before the first request leaves
        await connected.get()
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    burst.seconds = time.perf_counter() - began
    return burst


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def _counts(database_url: str, slug: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        rows = conn.execute(
            """
            SELECT e.status, count(*), count(DISTINCT e.employee_id)
            FROM training_enrollment e JOIN training_training t ON t.id = e.training_id
            WHERE t.slug = %s GROUP BY e.status
            """,
            [slug],
        ).fetchall()
    counts = {status: total for status, total, _ in rows}
    counts["_rows"] = sum(total for _, total, _ in rows)
    counts["_people"] = sum(people for _, _, people in rows)
    return counts


def _warm_up(base_url: str, slug: str, seed: dict) -> None:
    """A few logged-in GETs of the training's page, so every worker has loaded its code,
    templates and database connection before the clock runs."""

    async def get_many() -> None:
        parts = urlsplit(base_url)

        async def get(session_key: str) -> None:
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            writer.write(
                (
                    f"GET /trainings/{slug}/ HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                    f"Cookie: {seed['session_cookie']}={session_key}\r\n"
                    "Connection: close\r\n\r\n"
                ).encode("latin-1")
            )
            await writer.drain()
            await asyncio.wait_for(reader.read(), REQUEST_TIMEOUT)
            writer.close()

        for _ in range(3):
            await asyncio.gather(*(get(key) for key, _ in seed["sessions"][:24]))

    asyncio.run(get_many())


# --- the benchmark -------------------------------------------------------------------------------


def run() -> list[tuple[str, str]]:
    """Creates the scratch stack, runs one burst per capacity, removes everything again."""
    with tempfile.TemporaryDirectory(prefix="rb-bench-training-") as workdir:
        ctx = make_context(Options(), Path(workdir))
        database_url = with_path(ctx.database_url, DATABASE)
        redis_url = os.environ.get("BENCH_TRAINING_REDIS_URL") or with_path(ctx.redis_url, REDIS_DB)
        ctx.database_url, ctx.redis_url = database_url, redis_url
        ctx.env.update(
            {
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url,
                "CELERY_BROKER_URL": redis_url,
            }
        )
        if not DATABASE.startswith("rb_bench"):
            raise BenchError(f"{DATABASE!r}: the scratch database must be named rb_bench*")
        print(f"bench: scratch database {DATABASE}, Redis {redis_url}", file=sys.stderr)
        with scratch_database(ctx), scratch_redis(ctx):
            ctx.manage("migrate", "--no-input", "-v0", timeout=600)
            if not (REPO / "staticfiles" / "staticfiles.json").exists():
                ctx.manage("collectstatic", "--no-input", "-v0", timeout=600)
            seed = _seed(ctx.env, Path(workdir))
            rows: list[tuple[str, str]] = []
            with gunicorn(ctx) as server:
                _warm_up(server.base_url, seed["slugs"][str(CAPACITIES[0])], seed)
                for capacity in CAPACITIES:
                    slug = seed["slugs"][str(capacity)]
                    pids = _server_pids(server.pid, database_url)
                    cpu_before = _cpu_seconds(pids)
                    burst = asyncio.run(_burst(server.base_url, slug, seed))
                    # Backends opened during the burst started from 0: count them whole.
                    pids = sorted(set(pids) | set(_server_pids(server.pid, database_url)))
                    burst.server_cpu = _cpu_seconds(pids) - cpu_before
                    counts = _counts(database_url, slug)
                    rows += _rows(capacity, burst, counts)
                    print(
                        f"  capacity {capacity}: {counts.get('registered', 0)} registered, "
                        f"{counts.get('waitlisted', 0)} waitlisted, "
                        f"p99 {_percentile(burst.latencies_ms, 0.99):.0f} ms, "
                        f"answers {dict(burst.statuses)}",
                        file=sys.stderr,
                        flush=True,
                    )
            return rows


def _seed(env: dict[str, str], workdir: Path) -> dict:
    out = workdir / "seed.json"
    command = [PYTHON, __file__, "--seed", str(BURST), str(out)]
    proc = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if proc.returncode != 0:
        raise BenchError(f"seeding failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def _rows(capacity: int, burst: Burst, counts: dict[str, int]) -> list[tuple[str, str]]:
    group = f"{NAME}: capacity {capacity}, {BURST:,} concurrent"
    seats = sum(counts.get(status, 0) for status in ("registered", "completed", "no_show"))
    waitlisted = counts.get("waitlisted", 0)
    overbooked = max(seats - capacity, 0)
    duplicates = counts["_rows"] - counts["_people"]
    answered = sum(burst.statuses.values())
    other = answered - burst.statuses[302] - burst.statuses[503] - burst.statuses[500]
    p50 = _percentile(burst.latencies_ms, 0.50)
    p99 = _percentile(burst.latencies_ms, 0.99)
    problems = sum(burst.problems.values())
    first_problem = next(iter(burst.problems), "")
    verdict = "ok" if overbooked == 0 and seats == min(capacity, BURST) else "WRONG"
    return [
        (
            f"{group}: registered",
            f"{seats} of {capacity} seats, overbooked {overbooked} ({verdict})",
        ),
        (f"{group}: waitlisted", f"{waitlisted}"),
        (f"{group}: duplicate enrolments", f"{duplicates}"),
        (
            f"{group}: registration request p50 / p99",
            f"{p50:.0f} ms / {p99:.0f} ms (burst queued; pages' bar {P99_NOTE_MS:.0f} ms)",
        ),
        (f"{group}: HTTP 500 answers", f"{burst.statuses[500]} (must be 0)"),
        (f"{group}: HTTP 503 try again", f"{burst.statuses[503]}"),
        (f"{group}: other answers", f"{other}"),
        (
            f"{group}: client errors",
            f"{problems}" + (f" (first: {first_problem})" if first_problem else ""),
        ),
        (
            f"{group}: burst wall time",
            f"{burst.seconds:.2f} s ({answered / burst.seconds:,.0f} req/s; bar < 5 s on 2 quiet cores)"
            if burst.seconds
            else "n/a",
        ),
        (
            # CPU, unlike wall time, hardly moves with what else runs on a shared machine.
            f"{group}: server CPU (gunicorn + PostgreSQL backends)",
            f"{burst.server_cpu:.2f} s ({burst.server_cpu / max(answered, 1) * 1000:.1f} ms/request)",
        ),
    ]


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--seed":
        sys.path.insert(0, str(REPO))
        data = _seed_in_django(int(sys.argv[2]), list(CAPACITIES))
        Path(sys.argv[3]).write_text(json.dumps(data))
        return 0
    started = time.monotonic()
    try:
        rows = run()
    except BenchError as exc:
        print(f"bench: training burst could not run: {exc}", file=sys.stderr)
        return 1
    table = [
        TableRow(label.rpartition(": ")[0], label.rpartition(": ")[2], figure)
        for label, figure in rows
    ]
    print()
    print(format_table(table))
    print(f"\n({time.monotonic() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
