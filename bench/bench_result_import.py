"""Benchmark: importing 100,000 assessment results from CSV (target: under 20 s for check +
apply), and the ONE bulk recompute of the affected maps that follows, timed separately.

Works on a scratch database (rb_bench_result_import on the local PostgreSQL, or
BENCH_RESULT_IMPORT_DB_URL): creates it, migrates, fills 10,000 employees (SQL) whose position
requires the nine fixed competencies and one technical one, writes a CSV of 10 results per
employee (100,000 rows, a fresh external_id each run), then runs the import's own steps in this
process: validate_result_import (the preview) and apply_result_import (one transaction, COPY),
three times, and reports medians; then drops the database. Progress goes to Redis database 3 and
tasks are not published (the recompute is called directly).

    .venv/bin/python bench/bench_result_import.py
    BENCH_RESULT_IMPORT_EMPLOYEES=2000 .venv/bin/python bench/bench_result_import.py

bench/run.py imports `run()`, which returns [(name, figure), ...].
"""

from __future__ import annotations

import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from harness import employees_sql, print_rows, recreate_database

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_RESULT_IMPORT_DB_URL", "postgres://postgres@127.0.0.1:5432/rb_bench_result_import"
)
EMPLOYEES = int(os.environ.get("BENCH_RESULT_IMPORT_EMPLOYEES", "10000"))
RESULTS_PER_EMPLOYEE = 10
RUNS = 3
TARGET_SECONDS = 20.0

_FILL_SQL = [
    "INSERT INTO people_unit (id, code, name, kind, path, depth) "
    "OVERRIDING SYSTEM VALUE VALUES (1, 'bench', 'Unit Benchmark', 'kementerian', '/1/', 0)",
    "INSERT INTO people_position (code, name, kind, level) "
    "VALUES ('bench', 'Jabatan Benchmark', 'fungsional_keahlian', 'ahli_muda')",
    "INSERT INTO competency_competency (code, type, name, definition, sort_order, is_active) "
    "VALUES ('T1', 'teknis', 'Kompetensi Teknis 1', 'Benchmark.', 100, TRUE)",
    "INSERT INTO competency_positionstandard (position_id, competency_id, required_level) "
    "SELECT p.id, c.id, 3 FROM people_position p CROSS JOIN competency_competency c",
    employees_sql("(SELECT id FROM people_position)"),
    "INSERT INTO people_user (password, is_superuser, email, full_name, employee_type, rank,"
    " is_active, is_staff, date_joined) VALUES ('!', TRUE, 'root@bench.test', 'Root', '', '',"
    " TRUE, TRUE, now())",
]


def _setup_django(media_root: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "MEDIA_ROOT": media_root,
            "SECRET_KEY": os.environ.get("SECRET_KEY")
            or "bench-only-secret-key-0123456789abcdefghij",
            "SECURE_HTTPS": "0",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _fill() -> None:
    with psycopg.connect(DATABASE_URL) as conn:
        for statement in _FILL_SQL:
            conn.execute(statement.replace("%(employees)s", str(int(EMPLOYEES))).encode())
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")


def _write_csv(path: Path, run: int) -> int:
    from competency.models import Competency
    from rumahbelajar.people.models import User

    codes = list(Competency.objects.order_by("code").values_list("code", flat=True))
    nips = list(User.objects.filter(nip__isnull=False).order_by("pk").values_list("nip", flat=True))
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["nip", "competency", "level", "assessed_on", "method", "external_id"])
        for i, nip in enumerate(nips):
            for j, code in enumerate(codes[:RESULTS_PER_EMPLOYEE]):
                day = 1 + (i + j + run) % 28
                writer.writerow(
                    [
                        nip,
                        code,
                        1 + (i + j + run) % 5,
                        f"2025-0{1 + run}-{day:02d}",
                        "cat",
                        f"bench-{run}-{i}-{j}",
                    ]
                )
                rows += 1
    return rows


def _one_run(run: int, workdir: Path) -> tuple[float, float, float, int, int]:
    from django.core.files import File

    from competency import imports
    from competency.models import ResultImport
    from rumahbelajar.imports import pipeline
    from rumahbelajar.people.models import ImportFormat, ImportStatus, User

    # Not published: the bench runs each step itself, in this process, and times it.
    pipeline.Pipeline.queue = lambda self, job_id: None  # type: ignore[method-assign]
    imports.queue_after_commit = lambda task, **kwargs: None  # type: ignore[assignment]
    path = workdir / f"results-{run}.csv"
    rows = _write_csv(path, run)
    root = User.objects.get(email="root@bench.test")
    pipe = imports.result_import
    with path.open("rb") as handle:
        job = pipe.start(
            requested_by=root, uploaded_file=File(handle), file_format=ImportFormat.CSV
        )
    started = time.monotonic()
    pipe.validate(ResultImport.objects.get(pk=job.pk))
    checked = time.monotonic()
    job = pipe.confirm(job=ResultImport.objects.get(pk=job.pk), confirmed_by=root)
    pipe.apply(ResultImport.objects.get(pk=job.pk))
    applied = time.monotonic()
    job = ResultImport.objects.get(pk=job.pk)
    if job.status != ImportStatus.DONE or job.new_count != rows:
        raise RuntimeError(f"import did not apply: {job.status} {job.message} {job.errors[:3]}")
    maps = imports.recompute_result_import_maps(job_id=job.pk)
    recomputed = time.monotonic()
    assert ResultImport.objects.filter(pk=job.pk, status=ImportStatus.DONE).exists()
    return checked - started, applied - checked, recomputed - applied, rows, maps


def run() -> list[tuple[str, str]]:
    """Builds the scratch database, times three imports, drops the database."""
    recreate_database(DATABASE_URL)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            _setup_django(workdir)
            from django.core.management import call_command
            from django.db import connections

            call_command("migrate", "--no-input", verbosity=0)
            _fill()
            runs = [_one_run(n, Path(workdir)) for n in range(RUNS)]
            connections.close_all()
    finally:
        recreate_database(DATABASE_URL, create=False)
    check = statistics.median(r[0] for r in runs)
    apply = statistics.median(r[1] for r in runs)
    total = statistics.median(r[0] + r[1] for r in runs)
    recompute = statistics.median(r[2] for r in runs)
    rows, maps = runs[0][3], runs[0][4]
    verdict = "ok" if total < TARGET_SECONDS else "TOO SLOW"
    return [
        (
            "result import: data",
            f"{EMPLOYEES:,} employees x {RESULTS_PER_EMPLOYEE} = {rows:,} CSV rows",
        ),
        (
            f"result import: check + apply, median of {RUNS}",
            f"{total:.2f} s (check {check:.2f} s, apply {apply:.2f} s; runs "
            f"{', '.join(f'{r[0] + r[1]:.2f}' for r in runs)} s; target < {TARGET_SECONDS:.0f} s: "
            f"{verdict})",
        ),
        (
            "result import: bulk recompute of affected maps, median",
            f"{recompute:.2f} s for {maps:,} maps",
        ),
    ]


def main() -> int:
    return print_rows(run())


if __name__ == "__main__":
    sys.exit(main())
