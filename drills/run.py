"""`make drills`: fault drills against a stack of our own, printing what was lost.

    .venv/bin/python drills/run.py              every drill
    .venv/bin/python drills/run.py redis worker one or several by name (redis, worker, postgres, poison)
    .venv/bin/python drills/run.py --keep       leave the temporary folder (logs) for a look

One PostgreSQL cluster is made for the run (initdb in a temporary folder, a free port), a template
database migrated and seeded with `seed_demo --employees N`; each drill gets a fresh copy of it,
its own redis-server, Celery worker (and beat) and gunicorn. Exit status 1 if anything was lost.
See drills/README.md for what each drill does and checks.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import poison_files
from stack import DrillError, Postgres, Stack, stack

TEMPLATE = "drill_template"
EMPLOYEES = 120
# Shorter sweeps than production (60 s / 5 min), so a drill waits a minute, not five.
SWEEP_ENV = {
    "STALE_MAPS_SWEEP_SECONDS": "15",
    "IMPORTS_SWEEP_SECONDS": "20",
    "IMPORT_STALLED_MINUTES": "1",
}


@dataclass
class Result:
    drill: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    note: str = ""

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, ok, detail))
        print(f"  [{'ok' if ok else 'LOST'}] {name}{': ' + detail if detail else ''}", flush=True)

    @property
    def lost(self) -> list[str]:
        return [
            f"{name} ({detail})" if detail else name for name, ok, detail in self.checks if not ok
        ]


def _wait(condition: Callable[[], bool], timeout: float, every: float = 3) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def _worker_in_transaction(s: Stack, table: str) -> bool:
    """A backend of this drill's database is inside a transaction that touched `table` (web
    does not run in the worker drill: it is the worker)."""
    rows = s.postgres.sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND query ILIKE %s",
        s.database,
        (f"%{table}%",),
    )
    return rows[0][0] > 0


def _maps_settle(s: Stack, timeout: float) -> dict:
    last: dict = {}

    def settled() -> bool:
        nonlocal last
        last = s.probe("maps")
        return last["stale"] == 0 and last["wrong"] == 0

    _wait(settled, timeout, every=10)
    return last


# --- the drills -------------------------------------------------------------------------------


def drill_redis(s: Stack, result: Result) -> None:
    """Redis killed while 500 results are posted and 50 people browse; back after the posts."""
    s.env.update(SWEEP_ENV)
    s.start_web()
    s.start_worker()
    s.start_beat()
    token = s.probe("token", "drill-redis")
    people = s.probe("sessions", "50")
    plan = s.probe("plan", "500", "redis")
    stop = threading.Event()
    pages = load.Tally()
    posts = load.Tally()
    browsers = load.browse(s.base_url, people, stop, pages)
    time.sleep(3)
    s.redis.stop()
    print("  redis stopped", flush=True)
    load.post_results(s.base_url, token, plan, posts, spread_seconds=20)
    time.sleep(2)
    s.redis.start()
    returned = time.monotonic()
    print("  redis back", flush=True)
    time.sleep(5)
    stop.set()
    for thread in browsers:
        thread.join(timeout=40)
    answered_2xx = posts.count(lambda st: 200 <= st < 300)
    result.check(
        "every post answered 2xx",
        answered_2xx == len(plan),
        f"{answered_2xx}/{len(plan)} 2xx, {dict(posts.statuses)}, first: {posts.first_problem}",
    )
    stored = s.probe("results", "redis")
    result.check(
        "every posted result stored once",
        stored["rows"] == len(plan) == stored["distinct"],
        f"{stored['rows']} stored of {len(plan)}",
    )
    five = pages.count(lambda st: st >= 500)
    result.check(
        "no page answered 5xx",
        five == 0,
        f"{five} of {sum(pages.statuses.values())} pages; first: {pages.first_problem}",
    )
    logged_out = pages.errors.get("logged out", 0)
    result.check(
        "nobody logged out",
        logged_out == 0,
        f"{logged_out} pages sent to the login page (sessions lived only in Redis)",
    )
    maps = _maps_settle(s, 120 - (time.monotonic() - returned))
    result.check(
        "every map correct within 2 minutes of Redis returning",
        maps.get("stale") == 0 and maps.get("wrong") == 0,
        f"{maps.get('stale')} stale, {maps.get('wrong')} wrong of {maps.get('maps')}",
    )


def _results_file(s: Stack, rows: int, prefix: str) -> Path:
    import csv

    path = s.folder / f"{prefix}.csv"
    plan = s.probe("plan", str(rows), prefix)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nip", "competency", "level", "assessed_on", "external_id"])
        for r in plan:
            writer.writerow(
                [r["nip"], r["competency"], r["level"], r["assessed_on"], r["external_id"]]
            )
    return path


def drill_worker(s: Stack, result: Result) -> None:
    """The worker SIGKILLed in the middle of an import's apply and of a bulk recompute."""
    s.env.update(SWEEP_ENV)
    s.env["COMPETENCY_BULK_CHUNK"] = "10"  # many small transactions: a kill lands between them
    s.start_worker()
    s.start_beat()
    rows = 20000
    path = _results_file(s, rows, "worker")
    job_id = str(s.probe("import-results", str(path)))

    def job_status() -> str:
        found = s.postgres.sql(
            "SELECT status FROM competency_resultimport WHERE id = %s", s.database, (int(job_id),)
        )
        return found[0][0]

    _wait(lambda: job_status() not in ("pending", "validating"), 300)
    validated = s.probe("job", "results", job_id)
    if validated["status"] != "preview":
        raise DrillError(f"the import did not validate: {validated}")
    # Confirmed while no worker runs, so the kill can be timed on the worker's own start.
    s.kill("worker", signal.SIGTERM)
    s.probe("confirm", job_id)
    s.start_worker()
    _wait(lambda: _worker_in_transaction(s, "competency_assessmentresult"), 120, every=0.02)
    at_kill = job_status()
    s.kill("worker")  # SIGKILL to the whole group: the main process and its pool
    print(f"  worker killed during the apply (job {at_kill})", flush=True)
    result.check("the kill landed in the middle of the apply", at_kill == "applying", at_kill)
    s.start_worker()
    _wait(lambda: job_status() in ("done", "failed"), 300)
    final = s.probe("job", "results", job_id)
    result.check(
        "import finished or failed cleanly after the restart",
        final["status"] in ("done", "failed"),
        f"{final['status']} after {final['attempts']} attempts {final.get('message') or ''}",
    )
    stored = s.probe("results", "worker")
    expected = rows if final["status"] == "done" else 0
    result.check(
        "nothing applied twice (nor half)",
        stored["rows"] == stored["distinct"] == expected,
        f"{stored['rows']} rows stored for {rows} in the file, job {final['status']}",
    )

    def stale() -> int:
        return s.postgres.sql(
            "SELECT count(*) FROM competency_competencymap WHERE stale", s.database
        )[0][0]

    total = s.postgres.sql("SELECT count(*) FROM competency_competencymap", s.database)[0][0]
    s.kill("worker", signal.SIGTERM)
    s.probe("recompute-all")  # every map stale, the bulk recompute queued per position
    s.start_worker()
    _wait(lambda: 0 < stale() < total, 120, every=0.02)  # the recompute has begun, not ended
    left = stale()
    s.kill("worker")
    print(f"  worker killed during the bulk recompute ({left} of {total} stale)", flush=True)
    result.check(
        "the kill landed in the middle of the bulk recompute",
        0 < left < total,
        f"{left} of {total} maps still stale",
    )
    s.start_worker()
    maps = _maps_settle(s, 180)
    result.check(
        "maps end correct",
        maps.get("stale") == 0 and maps.get("wrong") == 0,
        f"{maps.get('stale')} stale, {maps.get('wrong')} wrong of {maps.get('maps')}",
    )


def drill_postgres(s: Stack, result: Result) -> None:
    """PostgreSQL restarted under a registration burst; web and worker are not restarted."""
    s.start_web()
    s.start_worker()
    people = s.probe("sessions", "100")
    slug = s.probe("training", "40")
    token = s.probe("token", "drill-postgres")
    tally = load.Tally()
    burst = threading.Thread(
        target=load.register_burst, args=(s.base_url, slug, people, tally), kwargs={"threads": 16}
    )
    burst.start()
    time.sleep(0.5)
    s.postgres.restart()
    print("  postgres restarted", flush=True)
    burst.join(timeout=300)
    counts = s.probe("enrolments", slug)
    result.check(
        "no lost or duplicated enrolment across the restart",
        counts["rows"] == counts["people"] == len(people),
        f"{counts['rows']} rows for {len(people)} people ({counts['registered']} registered,"
        f" {counts['waitlisted']} waitlisted; answers {dict(tally.statuses)})",
    )
    result.check("capacity kept", counts["registered"] <= 40, f"{counts['registered']} of 40 seats")
    status, _, _ = load.request(
        s.base_url, "GET", "/trainings/", headers={"Cookie": load.cookies(people[0])}
    )
    result.check(
        "web answers after the restart, not restarted",
        status == 200 and "web" in s.processes and s.processes["web"].alive(),
        f"GET /trainings/ {status}",
    )
    posts = load.Tally()
    load.post_results(s.base_url, token, s.probe("plan", "20", "pg"), posts)
    maps = _maps_settle(s, 90)
    result.check(
        "worker works after the restart, not restarted",
        s.processes["worker"].alive() and maps.get("stale") == 0 and maps.get("wrong") == 0,
        f"posts {dict(posts.statuses)}, maps {maps.get('stale')} stale, {maps.get('wrong')} wrong",
    )


def drill_poison(s: Stack, result: Result) -> None:
    """An XLSX bomb and a PDF that breaks the parser; the worker must go on serving."""
    s.env.update(SWEEP_ENV)
    s.start_worker()
    s.start_beat()
    bomb = poison_files.xlsx_bomb(s.folder / "bomb.xlsx")
    bad_pdf = poison_files.broken_pdf(s.folder / "broken.pdf")
    bomb_job = str(s.probe("import-results", str(bomb)))
    pdf_job = str(s.probe("import-ebooks", str(bad_pdf)))
    done = ("failed", "preview", "done")
    _wait(
        lambda: (
            s.probe("job", "results", bomb_job)["status"] in done
            and s.probe("job", "ebooks", pdf_job)["status"] in done
        ),
        240,
    )
    bomb_state = s.probe("job", "results", bomb_job)
    result.check(
        "XLSX bomb: failed with a clear message",
        bomb_state["status"] == "failed" and bool(bomb_state["message"]),
        f"{bomb_state['status']}: {bomb_state['message']}",
    )
    result.check(
        "XLSX bomb: bounded attempts",
        bomb_state["attempts"] <= 3,
        f"{bomb_state['attempts']} attempts",
    )
    pdf_state = s.probe("job", "ebooks", pdf_job)
    report = pdf_state.get("report") or []
    refused = [e for e in report if e.get("status") == "refused" and e.get("reason")]
    result.check(
        "broken PDF: refused with a message, job over",
        pdf_state["status"] in ("done", "failed") and (pdf_state["status"] == "failed" or refused),
        f"{pdf_state['status']}, attempts {pdf_state['attempts']}, report {str(report)[:160]}",
    )
    good = _results_file(s, 30, "poison-good")
    good_job = str(s.probe("import-results", str(good)))
    _wait(
        lambda: s.probe("job", "results", good_job)["status"] not in ("pending", "validating"), 120
    )
    result.check(
        "the worker keeps serving other tasks",
        s.probe("job", "results", good_job)["status"] == "preview",
        s.probe("job", "results", good_job)["status"],
    )
    time.sleep(45)  # a few sweeps (every 20 s here)
    again = (
        s.probe("job", "results", bomb_job)["attempts"],
        s.probe("job", "ebooks", pdf_job)["attempts"],
    )
    result.check(
        "nothing loops on the sweep",
        again == (bomb_state["attempts"], pdf_state["attempts"])
        and s.probe("in-worker-state", "ebooks") == 0,
        f"attempts after 2 sweeps: {again}",
    )


DRILLS: dict[str, Callable[[Stack, Result], None]] = {
    "redis": drill_redis,
    "worker": drill_worker,
    "postgres": drill_postgres,
    "poison": drill_poison,
}


def format_table(results: list[Result]) -> str:
    rows = [("drill", "checks", "lost", "result")]
    for r in results:
        passed = sum(1 for _, ok, _ in r.checks if ok)
        lost = "; ".join(r.lost) or (r.note or "nothing")
        verdict = "ok" if not r.lost and not r.note else "LOST"
        rows.append((r.drill, f"{passed}/{len(r.checks)}", lost, verdict))
    widths = [min(max(len(row[i]) for row in rows), 110) for i in range(4)]
    lines = []
    for n, row in enumerate(rows):
        lines.append(
            "  ".join(cell[: widths[i]].ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rumah Belajar fault drills")
    parser.add_argument("names", nargs="*", choices=[*DRILLS, []], default=[])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--employees", type=int, default=EMPLOYEES)
    args = parser.parse_args(argv)
    names = args.names or list(DRILLS)
    workdir = Path(tempfile.mkdtemp(prefix="rb-drills-"))
    workdir.chmod(0o755)  # the cluster's owner (postgres, when we are root) must reach its folder
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    results: list[Result] = []
    postgres = None
    try:
        print(f"drills: cluster and logs in {workdir}", flush=True)
        postgres = Postgres(workdir / "pg")
        postgres.start()
        postgres.sql(f'CREATE DATABASE "{TEMPLATE}"')
        seeder = Stack("template", workdir, postgres, TEMPLATE, redis=_template_redis(workdir))
        seeder.redis.start()
        try:
            seeder.manage("migrate", "--no-input", "-v0")
            seeder.manage(
                "seed_demo",
                "--employees",
                str(args.employees),
                "--ebooks",
                "0",
                "--trainings",
                "0",
                timeout=900,
            )
        finally:
            seeder.redis.stop()
        for name in names:
            print(f"\n{name}:", flush=True)
            result = Result(name)
            results.append(result)
            started = time.monotonic()
            try:
                with stack(name, postgres, TEMPLATE, workdir) as s:
                    DRILLS[name](s, result)
            except Exception as exc:  # the drill could not run: reported, never hidden
                traceback.print_exc()
                result.note = f"could not run: {type(exc).__name__}: {str(exc)[:200]}"
            print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
    finally:
        if postgres is not None:
            try:
                postgres.stop("immediate")
            except DrillError as exc:
                print(f"drills: {exc}", file=sys.stderr)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(format_table(results))
    return 1 if any(r.lost or r.note for r in results) else 0


def _template_redis(workdir: Path):
    from stack import Redis

    return Redis(workdir)


if __name__ == "__main__":
    sys.exit(main())
