"""Score → updated map: how long after a result is saved does the employee's stored map show it,
with one real Celery worker running (the bar: p95 < 1 s).

A scratch database (rb_bench_score_map) and Redis database 9 are used and cleaned up. The outer
process creates and migrates the database, starts `celery worker -c 1`, then runs itself with
--inner in a Django process that records results through competency.services.record_result (the
same entry point as the API, the admin form and the import) and polls the map until it is fresh.

    .venv/bin/python bench/bench_score_to_map.py            # prints the figures
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import recreate_database, run_inner

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
CELERY = ROOT / ".venv" / "bin" / "celery"
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rb_bench_score_map"
REDIS_URL = "redis://127.0.0.1:6379/9"
SAMPLES = 60


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-0123456789abcdefghij",
        "SECURE_HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def _inner() -> None:
    """Runs inside Django: records SAMPLES results and measures until each map is fresh."""
    import django

    django.setup()
    from competency import services
    from competency.models import Competency, CompetencyMap
    from rumahbelajar.people import services as people_services
    from rumahbelajar.people.models import EmployeeType, Position, UnitKind, User

    unit = people_services.create_unit(code="bench", name="Bench", kind=UnitKind.KANWIL)
    position = Position.objects.create(
        code="bench", name="Analis", kind="fungsional_keahlian", level="ahli_muda"
    )
    services.apply_default_standard(positions=[position])
    employees = [
        User.objects.create_user(
            email=f"bench{n}@example.test",
            full_name=f"Bench {n}",
            nip=f"19900101201501{1 + n % 2}{n + 1:03d}",
            employee_type=EmployeeType.PNS,
            unit=unit,
            position=position,
        )
        for n in range(SAMPLES)
    ]
    services.recompute_maps_bulk(employee_ids=[e.pk for e in employees])
    competencies = list(Competency.objects.filter(code__in=["M1", "M2", "M3"]))
    latencies = []
    for n, employee in enumerate(employees):
        services.record_result(
            employee=employee,
            competency=competencies[n % 3],
            level=1 + n % 5,
            assessed_on=dt.date.today(),
            source="api",
        )
        saved = time.monotonic()  # record_result has committed and queued the task
        deadline = saved + 10
        while time.monotonic() < deadline:
            if not CompetencyMap.objects.filter(employee=employee, stale=True).exists():
                latencies.append(time.monotonic() - saved)
                break
            time.sleep(0.005)
        else:
            latencies.append(float("inf"))
        time.sleep(0.05)  # one score at a time, as results arrive
    print(json.dumps(latencies))


def run() -> list[tuple[str, str]]:
    recreate_database(DATABASE_URL)
    worker = None
    try:
        subprocess.run(
            [str(PYTHON), "manage.py", "migrate", "-v0"], cwd=ROOT, env=_env(), check=True
        )
        subprocess.run(["redis-cli", "-n", "9", "flushdb"], check=True, capture_output=True)
        worker = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "rumahbelajar",
                "worker",
                "-c",
                "1",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=_env(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(4)  # the worker connects to the broker
        printed = run_inner(__file__, env=_env(), timeout=600)
        latencies = sorted(json.loads(printed.strip().splitlines()[-1]))
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        subprocess.run(["redis-cli", "-n", "9", "flushdb"], check=False, capture_output=True)
        recreate_database(DATABASE_URL, create=False)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return [
        ("score → map: samples", str(len(latencies))),
        ("score → map: p50", f"{statistics.median(latencies) * 1000:.0f} ms"),
        ("score → map: p95 (bar < 1 s)", f"{p95 * 1000:.0f} ms"),
        ("score → map: max", f"{latencies[-1] * 1000:.0f} ms"),
    ]


if __name__ == "__main__":
    if "--inner" in sys.argv:
        _inner()
    else:
        for name, figure in run():
            print(f"{name:32} {figure}")
