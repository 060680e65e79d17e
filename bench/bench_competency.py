"""Benchmark: `manage.py recompute_maps --all` for 100,000 employees with ~12 standards and ~12
results each (target: under 30 s), plus the idle stale-map sweep.

Works on a scratch database (rb_bench_competency on the local PostgreSQL, or BENCH_COMPETENCY_DB_URL):
creates it, migrates, fills it with set-based SQL (INSERT ... SELECT generate_series), times the
command in a fresh process three times and reports the median, then drops the database.

    .venv/bin/python bench/bench_competency.py            # prints a small table
    BENCH_COMPETENCY_EMPLOYEES=20000 .venv/bin/python bench/bench_competency.py

bench/run.py imports `run()`, which returns [(name, figure), ...].
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from harness import employees_sql, print_rows, recreate_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE_URL = os.environ.get(
    "BENCH_COMPETENCY_DB_URL", "postgres://postgres@127.0.0.1:5432/rb_bench_competency"
)
EMPLOYEES = int(os.environ.get("BENCH_COMPETENCY_EMPLOYEES", "100000"))
RUNS = 3
TARGET_SECONDS = 30.0

# 30 positions over the position kinds; each gets the nine fixed competencies plus three of six
# technical ones: 12 standards per position.
_POSITION_LEVELS = [
    ("struktural", "administrator"),
    ("struktural", "pengawas"),
    ("fungsional_keahlian", "ahli_pertama"),
    ("fungsional_keahlian", "ahli_muda"),
    ("fungsional_keahlian", "ahli_madya"),
    ("fungsional_keterampilan", "terampil"),
    ("fungsional_keterampilan", "mahir"),
    ("fungsional_keterampilan", "penyelia"),
    ("pelaksana", "pelaksana"),
    ("pelaksana", "pelaksana"),
]
POSITIONS = 30

_FILL_SQL = [
    "INSERT INTO people_unit (id, code, name, kind, path, depth) "
    "OVERRIDING SYSTEM VALUE VALUES (1, 'bench', 'Unit Benchmark', 'kementerian', '/1/', 0)",
    # Only the constants above are formatted into this statement.
    f"""
    INSERT INTO people_position (code, name, kind, level)
    SELECT 'bench-' || n, 'Jabatan Benchmark ' || n, v.kind, v.level
    FROM generate_series(0, {POSITIONS - 1}) AS n
    JOIN (VALUES {", ".join(f"({i}, '{k}', '{lv}')" for i, (k, lv) in enumerate(_POSITION_LEVELS))})
        AS v(i, kind, level) ON v.i = n % {len(_POSITION_LEVELS)}
    """,  # noqa: S608
    """
    INSERT INTO competency_competency (code, type, name, definition, sort_order, is_active)
    SELECT 'T' || n, 'teknis', 'Kompetensi Teknis ' || n, 'Kompetensi teknis benchmark.', 100 + n,
           TRUE
    FROM generate_series(1, 6) AS n
    """,
    # nine fixed + three technical competencies per position, required levels 1-4
    """
    INSERT INTO competency_positionstandard (position_id, competency_id, required_level)
    SELECT p.id, c.id, 1 + (p.id + c.id) % 4
    FROM people_position p
    JOIN competency_competency c
      ON c.type <> 'teknis' OR (substr(c.code, 2)::int + p.id) % 2 = 0
    """,
    employees_sql("(SELECT min(id) FROM people_position) + n % %(positions)s"),
    # ~90 % of the standards assessed once, ~20 % of those a second time: ~12 results per employee
    """
    INSERT INTO competency_assessmentresult (employee_id, competency_id, level, assessed_on,
                                             method, source, external_id, recorded_at)
    SELECT u.id, s.competency_id, 1 + (u.id * 7 + s.competency_id * 13 + k) % 5,
           date '2024-01-01' + ((u.id * 31 + s.competency_id * 17 + k * 97) % 600)::int,
           'uji_kompetensi', 'import', 'bench-' || u.id || '-' || s.competency_id || '-' || k,
           now()
    FROM people_user u
    JOIN competency_positionstandard s ON s.position_id = u.position_id
    CROSS JOIN generate_series(0, 1) AS k
    WHERE (u.id + s.competency_id) % 10 <> 0
      AND (k = 0 OR (u.id + s.competency_id * 3) % 5 = 0)
    """,
]


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings",
        "DATABASE_URL": DATABASE_URL,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-0123456789abcdefghij",
        "SECURE_HTTPS": "0",
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
    }


def _manage(*args: str) -> str:
    completed = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=_env(),
        check=True,
        capture_output=True,
        text=True,
    )
    return completed.stdout


def _fill(employees: int) -> tuple[int, int, float]:
    started = time.monotonic()
    with psycopg.connect(DATABASE_URL) as conn:
        for statement in _FILL_SQL:
            # Only integers are put into the SQL text.
            sql = statement.replace("%(employees)s", str(int(employees)))
            conn.execute(sql.replace("%(positions)s", str(POSITIONS)).encode())
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        standards = conn.execute("SELECT count(*) FROM competency_positionstandard").fetchone()
        results = conn.execute("SELECT count(*) FROM competency_assessmentresult").fetchone()
    assert standards is not None
    assert results is not None
    return standards[0], results[0], time.monotonic() - started


def _timed_command(*args: str) -> tuple[float, float, int]:
    """Runs the command in a fresh process: (wall seconds, seconds it reports, maps it reports)."""
    started = time.monotonic()
    out = _manage("recompute_maps", *args)
    wall = time.monotonic() - started
    match = re.search(r"Recomputed (\d+) competency maps in ([0-9.]+) s", out)
    if match is None:
        raise RuntimeError(f"unexpected output of recompute_maps: {out!r}")
    return wall, float(match.group(2)), int(match.group(1))


def run() -> list[tuple[str, str]]:
    """Builds the scratch database, times the command, drops the database."""
    recreate_database(DATABASE_URL)
    try:
        _manage("migrate", "--no-input", "-v0")
        standards, results, fill_seconds = _fill(EMPLOYEES)
        runs = [_timed_command("--all") for _ in range(RUNS)]
        sweep = _timed_command("--stale")
    finally:
        recreate_database(DATABASE_URL, create=False)
    reported = statistics.median(r[1] for r in runs)
    wall = statistics.median(r[0] for r in runs)
    maps = runs[0][2]
    verdict = "ok" if reported < TARGET_SECONDS else "TOO SLOW"
    return [
        (
            "competency: data",
            f"{EMPLOYEES:,} employees, {POSITIONS} positions, {standards} standards, "
            f"{results:,} results (filled in {fill_seconds:.1f} s)",
        ),
        (
            f"competency: recompute_maps --all, median of {RUNS}",
            f"{reported:.2f} s for {maps:,} maps (process wall {wall:.2f} s; runs "
            f"{', '.join(f'{r[1]:.2f}' for r in runs)} s, the first one creating every map item; "
            f"target < {TARGET_SECONDS:.0f} s: {verdict})",
        ),
        (
            "competency: recompute_maps --stale, nothing due",
            f"{sweep[1]:.2f} s ({sweep[2]} maps)",
        ),
    ]


def main() -> int:
    return print_rows(run())


if __name__ == "__main__":
    sys.exit(main())
