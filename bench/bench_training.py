"""Benchmark: a burst of 1,000 registrations through training.services.register() against
trainings of capacity 10, 100 and 999 — zero overbooking, no duplicates, the waitlist exactly
the rest, and the latency of register() (lock wait included).

The burst is 1,000 distinct employees released together (a barrier) over a pool of threads, each
with its own database connection (BENCH_TRAINING_THREADS, default 32: PostgreSQL's default
max_connections of 100 cannot hold 1,000 sessions, and a web server would not open them either).
Every call goes through the real service (row lock on the training, re-count, insert).

Works on a scratch database (rb_bench_training on the local PostgreSQL, or
BENCH_TRAINING_DB_URL): creates it, migrates, runs the burst in a fresh Django process, checks
the invariants with SQL, drops the database.

    .venv/bin/python bench/bench_training.py
    BENCH_TRAINING_THREADS=64 .venv/bin/python bench/bench_training.py

bench/run.py imports `run()`, which returns [(name, figure), ...]. The HTTP-level burst lives
with the pages' benchmark.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import database_name, print_rows, recreate_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE_URL = os.environ.get(
    "BENCH_TRAINING_DB_URL", "postgres://postgres@127.0.0.1:5432/rb_bench_training"
)
REGISTRATIONS = int(os.environ.get("BENCH_TRAINING_REGISTRATIONS", "1000"))
THREADS = int(os.environ.get("BENCH_TRAINING_THREADS", "32"))
CAPACITIES = (10, 100, 999)
TIMEOUT_SECONDS = 600


def _refuse_unless_scratch(url: str) -> None:
    name = database_name(url)
    if not name.startswith("rb_bench"):
        raise SystemExit(f"refusing to use {name!r}: the scratch database must start with rb_bench")


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-0123456789abcdefghij",
        "SECURE_HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }


def run() -> list[tuple[str, str]]:
    """Creates the scratch database, runs the bursts in a fresh process, drops the database."""
    _refuse_unless_scratch(DATABASE_URL)
    recreate_database(DATABASE_URL)
    try:
        subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=_env(),
            check=True,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
        )
        completed = subprocess.run(
            [str(PYTHON), str(Path(__file__).resolve()), "--burst"],
            cwd=ROOT,
            env=_env(),
            check=True,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
        )
    finally:
        recreate_database(DATABASE_URL, create=False)
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    rows = [
        (
            "training: burst",
            f"{REGISTRATIONS:,} distinct employees released at once over {THREADS} threads "
            "(own connections) through services.register()",
        )
    ]
    for r in results:
        verdict = "ok" if r["overbooked"] == 0 and r["duplicates"] == 0 and r["exact"] else "BROKEN"
        rows.append(
            (
                f"training: capacity {r['capacity']}",
                f"{r['registered']} registered, {r['waitlisted']} waitlisted, overbooked "
                f"{r['overbooked']}, duplicates {r['duplicates']}, errors {r['errors']} "
                f"(invariant: {verdict})",
            )
        )
        rows.append(
            (
                f"training: capacity {r['capacity']} register() latency",
                f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max {r['max_ms']:.1f} ms; "
                f"{r['per_second']:.0f} registrations/s ({r['seconds']:.2f} s for the burst)",
            )
        )
    return rows


# --- the burst, in a Django process on the scratch database --------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def _burst() -> None:
    import datetime as dt
    import threading
    from decimal import Decimal

    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from rumahbelajar.people import services as people_services
    from rumahbelajar.people.models import User
    from training import services
    from training.models import Training

    unusable = make_password(None)
    unit = people_services.create_unit(code="bench", name="Unit Benchmark", kind="kementerian")
    User.objects.bulk_create(
        [
            User(
                email=f"bench{n}@bench.test", password=unusable, full_name=f"Pegawai {n}", unit=unit
            )
            for n in range(REGISTRATIONS)
        ]
    )
    people = list(User.objects.filter(unit=unit).order_by("pk"))
    now = timezone.now()
    results = []
    for capacity in CAPACITIES:
        training = services.save_training(
            training=Training(
                title=f"Benchmark kapasitas {capacity}",
                slug=f"benchmark-kapasitas-{capacity}",
                kind="open",
                mode="klasikal",
                jp=Decimal(8),
                start_at=now + dt.timedelta(days=30),
                end_at=now + dt.timedelta(days=30, hours=8),
                place="Aula",
                capacity=capacity,
                status="published",
            )
        )
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(THREADS)
        share = [people[i::THREADS] for i in range(THREADS)]

        def work(
            mine: list[User],
            training: Training = training,
            barrier: threading.Barrier = barrier,
            lock: threading.Lock = lock,
            errors: list[str] = errors,
            latencies: list[float] = latencies,
        ) -> None:
            try:
                connection.ensure_connection()  # connect before the start line, not after
                barrier.wait(timeout=60)
                for person in mine:
                    started = time.perf_counter()
                    try:
                        services.register(training=training, employee=person)
                    except Exception as exc:  # counted and reported, never hidden
                        with lock:
                            errors.append(type(exc).__name__)
                    elapsed = time.perf_counter() - started
                    with lock:
                        latencies.append(elapsed)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(share[i],)) for i in range(THREADS)]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall

        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*) FILTER (WHERE status = 'registered'),
                       count(*) FILTER (WHERE status = 'waitlisted'),
                       count(*) - count(DISTINCT employee_id)
                FROM training_enrollment WHERE training_id = %s
                """,
                [training.pk],
            )
            registered, waitlisted, duplicates = cursor.fetchone()
        results.append(
            {
                "capacity": capacity,
                "registered": registered,
                "waitlisted": waitlisted,
                "overbooked": max(registered - capacity, 0),
                "duplicates": duplicates,
                "exact": registered == min(capacity, REGISTRATIONS)
                and waitlisted == REGISTRATIONS - registered,
                "errors": len(errors),
                "p50_ms": statistics.median(latencies) * 1000,
                "p99_ms": _percentile(latencies, 0.99) * 1000,
                "max_ms": max(latencies) * 1000,
                "seconds": wall,
                "per_second": len(latencies) / wall,
            }
        )
    connection.close()
    print(json.dumps(results))


def main() -> int:
    if "--burst" in sys.argv:
        _burst()
        return 0
    return print_rows(run())


if __name__ == "__main__":
    sys.exit(main())
