"""Benchmark: e-book import throughput and catalogue search at 20,000 books.

Works on a scratch database (rb_bench_ebooks on the local PostgreSQL, or BENCH_EBOOKS_DB_URL) and a
temporary MEDIA_ROOT: creates and migrates it, writes the ~60 demo PDFs to a folder and imports them
with `manage.py import_ebooks` in a fresh process (files per second), adds BENCH_EBOOKS_EXTRA
(20,000) extra rows with `seed_demo`'s set-based insert, then times searches and shows the
EXPLAIN ANALYZE of one (the GIN index ebooks_ebook_search), and drops the database.

    .venv/bin/python bench/bench_ebooks.py
    BENCH_EBOOKS_EXTRA=5000 .venv/bin/python bench/bench_ebooks.py

bench/run.py imports `run()`, which returns [(name, figure), ...].
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from harness import recreate_database

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE_URL = os.environ.get(
    "BENCH_EBOOKS_DB_URL", "postgres://postgres@127.0.0.1:5432/rb_bench_ebooks"
)
EXTRA = int(os.environ.get("BENCH_EBOOKS_EXTRA", "20000"))
SEARCH_ROUNDS = 15

# Run inside the scratch project: times each search (count + first page, as the catalogue does),
# prints JSON; then the plan of the first one.
_SEARCH_SCRIPT = """
import json, statistics, time
from ebooks import selectors
cases = [("hukum", "relevance"), ("hukum", "newest"), ("paspor keimigrasian", "relevance"),
         ('"hak asasi manusia"', "relevance"), ("mengatur", "title"), ("zzzjarang", "newest")]
out = {}
for q, sort in cases:
    timings = []
    for _ in range(%(rounds)d):
        started = time.perf_counter()
        qs = selectors.search_ebooks(q=q, sort=sort)
        count = qs.count()
        page = list(qs[:24])
        timings.append((time.perf_counter() - started) * 1000)
    out[f"{q} ({sort})"] = [count, statistics.median(timings), max(timings)]
print("FIGURES " + json.dumps(out))
print("PLAN")
print(selectors.search_ebooks(q="hukum")[:24].explain(analyze=True, buffers=True))
"""


def _env(media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings",
        "DATABASE_URL": DATABASE_URL,
        "MEDIA_ROOT": str(media),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-0123456789abcdefghij",
        "SECURE_HTTPS": "0",
        "DEBUG": "0",
        "DEMO_DATA": "1",
        "LOG_LEVEL": "WARNING",
    }


def _manage(media: Path, *args: str, check: bool = True) -> tuple[float, str]:
    started = time.monotonic()
    completed = subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=_env(media),
        check=False,
        capture_output=True,
        text=True,
    )
    if check and completed.returncode != 0:
        raise RuntimeError(
            f"manage.py {args[0]} failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return time.monotonic() - started, completed.stdout


def _vacuum() -> tuple[int, str]:
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE ebooks_ebook")
        row = conn.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('ebooks_ebook')) "
            "FROM ebooks_ebook"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def run() -> list[tuple[str, str]]:
    """Builds the scratch database, imports, seeds, searches, drops the database."""
    rows: list[tuple[str, str]] = []
    recreate_database(DATABASE_URL)
    try:
        with tempfile.TemporaryDirectory(prefix="rb-bench-ebooks-") as tmp:
            media, folder = Path(tmp) / "media", Path(tmp) / "pdfs"
            _manage(media, "migrate", "--no-input", "-v0")
            _manage(
                media,
                "shell",
                "-c",
                f"from pathlib import Path; from ebooks import demo; "
                f"demo.write_demo_pdfs(Path({str(folder)!r}))",
            )
            pdfs = sorted(folder.glob("*.pdf"))
            megabytes = sum(p.stat().st_size for p in pdfs) / 1e6
            wall, out = _manage(media, "import_ebooks", str(folder), "--no-progress")
            match = re.search(r"dalam ([0-9.]+) detik", out)
            inside = float(match.group(1)) if match else wall
            rows += [
                ("ebooks import: files", f"{len(pdfs)} demo PDFs, {megabytes:.1f} MB, 3-20 pages"),
                ("ebooks import: throughput", f"{len(pdfs) / inside:.1f} files/s ({inside:.1f} s)"),
                (
                    "ebooks import: with process start",
                    f"{len(pdfs) / wall:.1f} files/s ({wall:.1f} s wall, fresh process)",
                ),
            ]

            started = time.monotonic()
            _manage(
                media,
                "shell",
                "-c",
                f"from ebooks import demo; demo.seed(ebooks_extra={EXTRA})",
            )
            seeded = time.monotonic() - started
            books, size = _vacuum()
            rows.append(
                (
                    "ebooks search: data",
                    f"{books:,} books ({EXTRA:,} extra rows added in {seeded:.1f} s), table {size}",
                )
            )

            _, out = _manage(media, "shell", "-c", _SEARCH_SCRIPT % {"rounds": SEARCH_ROUNDS})
            figures, _, plan = out.partition("PLAN\n")
            for label, (count, median, worst) in json.loads(
                figures.rpartition("FIGURES ")[2]
            ).items():
                rows.append(
                    (
                        f"ebooks search: {label}",
                        f"{median:.1f} ms median, {worst:.1f} ms max ({count:,} matches; "
                        "count + page of 24)",
                    )
                )
            uses_gin = "Bitmap Index Scan on ebooks_ebook_search" in plan
            rows.append(("ebooks search: plan uses the GIN index", "yes" if uses_gin else "NO"))
            print("EXPLAIN ANALYZE of search_ebooks(q='hukum')[:24]:\n" + plan, file=sys.stderr)
    finally:
        recreate_database(DATABASE_URL, create=False)
    return rows


if __name__ == "__main__":
    table = run()
    width = max(len(label) for label, _ in table)
    for label, figure in table:
        print(f"{label.ljust(width)}  {figure}")
