"""Runs the benchmarks and prints one table. `make bench` calls it after the set-up.

    .venv/bin/python bench/run.py              every benchmark
    .venv/bin/python bench/run.py web          one (or several) by name
    .venv/bin/python bench/run.py --quick      a short smoke run (2 s rounds, 10,000 employees)

A benchmark may also return a Table (harness.Table: its own columns, such as the web crowd's),
printed after the main table; with --check a MISSED line in it counts like a missed bar.

A benchmark is a module in this folder with run(ctx) -> list[Row] (see bench/README.md); list it in
BENCHMARKS (they run in that order, in one scratch database). A module whose run() takes no
argument is self-contained and returns [("group: metric", "figure"), ...]. Exit status: 1 if a benchmark could not run,
or with --check if a bar was missed; 0 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

from harness import (
    BenchError,
    Context,
    Options,
    Row,
    Table,
    format_columns,
    format_table,
    make_context,
    scratch_database,
    scratch_redis,
)

# name -> module, run in this order: "seed" fills the scratch database that "web" then serves.
BENCHMARKS = {
    "seed": "seed",
    "web": "web",
    "competency": "bench_competency",  # brings its own scratch database
    "employee_import": "bench_employee_import",  # brings its own scratch database
    "score_to_map": "bench_score_to_map",  # brings its own scratch database and worker
    "result_import": "bench_result_import",  # brings its own scratch database
    "ebooks": "bench_ebooks",  # brings its own scratch database
    "training": "bench_training",  # brings its own scratch database
    "training_http": "bench_training_http",  # brings its own scratch database
}


def _run_one(name: str, ctx: Context) -> list[Row | Table]:
    module = importlib.import_module(BENCHMARKS[name])
    if inspect.signature(module.run).parameters:
        return module.run(ctx)
    # A self-contained benchmark: run() -> [("group: metric", "figure with its unit"), ...].
    rows = []
    for label, figure in module.run():
        group, _, metric = label.rpartition(": ")
        rows.append(Row(group or name, metric, str(figure)))
    return rows


def _prepare(ctx: Context) -> list[Row]:
    seconds, _, _ = ctx.timed_manage("migrate", "--no-input", "-v0", timeout=600)
    manifest = Path(__file__).resolve().parent.parent / "staticfiles" / "staticfiles.json"
    if not manifest.exists():  # make bench collects them; a benchmark run alone may not have
        ctx.manage("collectstatic", "--no-input", "-v0", timeout=600)
    return [Row("setup", "migrate the empty scratch database", seconds, "s")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rumah Belajar benchmarks")
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"benchmarks to run (default all: {', '.join(BENCHMARKS)})",
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per load round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--employees", type=int, default=100_000, help="for the seed benchmark")
    parser.add_argument(
        "--people", type=int, default=6000, help="distinct logged-in people of the web crowd"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 s rounds, 1 round, 10,000 employees, a crowd of 2,000",
    )
    parser.add_argument(
        "--page",
        action="append",
        default=[],
        metavar="TEXT",
        help="web: only the pages whose label contains TEXT (repeatable; /livez is always measured)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a bar is missed")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--keep-db", action="store_true", help="leave the scratch database")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="run on the scratch database a --keep-db run left (and keep it), not a fresh one",
    )
    args = parser.parse_args(argv)
    if args.people < 2000:
        parser.error("--people: the crowd is at least 2,000 distinct people")
    pages = tuple(args.page)
    options = Options(
        args.duration, args.rounds, args.connections, args.employees, args.people, pages
    )
    if args.quick:
        options = Options(
            duration=2,
            rounds=1,
            connections=args.connections,
            employees=10_000,
            people=2000,
            pages=pages,
        )
    names = args.names or BENCHMARKS
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")

    # A TERM (CI timeout, kill) unwinds like Ctrl-C, so the server and database are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows: list[Row] = []
    tables: list[Table] = []
    failed = False
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rb-bench-") as workdir:
        ctx = make_context(options, Path(workdir))
        print(
            f"bench: scratch database {ctx.database_url.rsplit('/', 1)[1]}, Redis {ctx.redis_url}",
            file=sys.stderr,
        )
        with scratch_database(ctx, keep=args.keep_db, reuse=args.reuse_db), scratch_redis(ctx):
            try:
                rows += _prepare(ctx)
            except BenchError as exc:
                print(f"bench: set-up failed: {exc}", file=sys.stderr)
                return 1
            for name in names:
                print(f"bench: running {name} …", file=sys.stderr, flush=True)
                try:
                    for item in _run_one(name, ctx):
                        if isinstance(item, Table):
                            tables.append(item)
                        else:
                            rows.append(item)
                except BenchError as exc:
                    failed = True
                    print(f"bench: {name} could not run: {exc}", file=sys.stderr)
                    rows.append(Row(name, "could not run (see above)", "ERROR", ok=False))
                except Exception:
                    failed = True
                    traceback.print_exc()
                    rows.append(Row(name, "crashed (see above)", "ERROR", ok=False))
    print()
    print(format_table(rows))
    for table in tables:
        print()
        print(format_columns(table))
    print(f"\n({time.monotonic() - started:.0f} s in all)")
    if args.json:
        items = [dataclasses.asdict(item) for item in [*rows, *tables]]
        args.json.write_text(json.dumps(items, indent=2))
    missed = any(row.ok is False for row in rows) or any(table.missed for table in tables)
    return 1 if failed or (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
