"""The crowd table: the portal's pages through the real gunicorn server, asked for by thousands of
distinct logged-in people, each (person, page) at most once per round.

With 100,000 employees, 20,000 e-books and 500 trainings in the database, `--people` (6,000)
numbered employees get a session straight from the session store (bench/crowd_sessions.py; the
login form is rate limited). Each page then gets `rounds` rounds of `duration` seconds at
`connections` keep-alive connections, consuming a list of distinct requests (person i's cookies,
book i, training i, search word i, …); the pages take turns within a round. The table shows
medians over rounds, and each page's throughput as a fraction of /livez's (/livez touches neither
database nor cache: the floor cost of the stack), measured for a few seconds just before and just
after the page in the same round: a shared machine's speed drifts from minute to minute, and a
floor measured beside the page drifts with it. Every answer is checked: status 200 and the texts
that page must show that person (their name in the menu, the book's title, …), so a redirect or
someone else's page cannot pass for a fast one.

Adding a page is one line in PAGES.
"""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import psycopg
from harness import (
    PYTHON,
    REPO,
    BenchError,
    Context,
    Options,
    Row,
    RssSampler,
    Table,
    gunicorn,
)
from loadgen import LoadResult, Planned, median_of, run_load

NAME = "web"

# Who asks: person i of the crowd, the HR account (about employee i of the units it manages),
# supervisor i (a numbered employee who leads a team: their own team page; seed_demo splits large
# units into teams of about 25),
# nobody about person i (PUBLIC: no cookies, distinct requests: anyone scanning person i's
# certificate), or nobody at all (no cookies: the one request, again and again; an anonymous
# visit has no identity).
PERSON, HR, SUPERVISOR, PUBLIC, ANONYMOUS = "person", "hr", "supervisor", "public", "anonymous"


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    who: str
    must_show: tuple[str, ...]  # every one must be in the answer


# Fields of `path` and `must_show`, for request i: {name} the person's name as the page prints it,
# {hr} the HR account's, {nip} / {employee} an employee HR manages, {book} / {book_title} a
# published e-book (slug), {training} / {training_title} an upcoming training (slug), {word} a
# search word (URL-quoted), {certificate} / {certificate_code} / {certificate_number} /
# {certificate_file} person i's certificate (id, verification code, number, the download's file
# name). The first page is the floor the others are compared with.
# fmt: off
PAGES: list[Page] = [
    Page("/livez", "/livez", ANONYMOUS, ("ok",)),
    Page("/ (dashboard)", "/", PERSON, ("Selamat datang, {name}",)),
    Page("/competency/ (my map)", "/competency/", PERSON, ("{name}", "Peta Kompetensi Saya")),
    Page("/competency/target/", "/competency/target/", PERSON, ("{name}", "Jabatan Target</h1>")),
    Page("/competency/employees/<nip>/ (HR)", "/competency/employees/{nip}/", HR,
         ("{hr}", "Peta Kompetensi {employee}")),
    Page("/reports/competency/ (HR heatmap)", "/reports/competency/", HR,
         ("{hr}", "Laporan kompetensi</h1>")),
    Page("/reports/jp/ (HR JP compliance)", "/reports/jp/", HR, ("{hr}", "Kepatuhan JP")),
    Page("/ebooks/ (catalogue)", "/ebooks/", PERSON, ("{name}", "Perpustakaan E-book")),
    Page("/ebooks/?q=<word> (search)", "/ebooks/?q={word}", PERSON, ("{name}", "<mark>")),
    Page("/ebooks/<slug>/ (a book)", "/ebooks/{book}/", PERSON, ("{name}", "{book_title}")),
    Page("/ebooks/<slug>/read (reader)", "/ebooks/{book}/read", PERSON,
         ("{name}", "{book_title}")),
    Page("/trainings/ (catalogue)", "/trainings/", PERSON, ("{name}", "Pelatihan</h1>")),
    Page("/trainings/<slug>/ (a training)", "/trainings/{training}/", PERSON,
         ("{name}", "{training_title}")),
    Page("/trainings/mine/", "/trainings/mine/", PERSON, ("{name}", "Pelatihan saya</h1>")),
    Page("/trainings/activities/", "/trainings/activities/", PERSON,
         ("{name}", "Kegiatan belajar saya</h1>")),
    Page("/trainings/activities/new/", "/trainings/activities/new/", PERSON,
         ("{name}", 'name="summary"')),
    Page("/team/ (a supervisor)", "/team/", SUPERVISOR, ("{supervisor}", "Tim saya</h1>")),
    Page("/team/approvals/", "/team/approvals/", PERSON, ("{name}", "Menunggu persetujuan saya")),
    Page("/notifications/", "/notifications/", PERSON, ("{name}", "Notifikasi</h1>")),
    Page("/accounts/login/ (anonymous)", "/accounts/login/", ANONYMOUS, ('name="password"',)),
    Page("/certificates/<id>/file (my certificate)", "/certificates/{certificate}/file", PERSON,
         ("%PDF-", 'filename="{certificate_file}"')),
    Page("/verify/<code>/ (anonymous)", "/verify/{certificate_code}/", PUBLIC,
         ("Sertifikat SAH", "{certificate_number}")),
]
# fmt: on
# What people search the library for: each finds books (the answer must highlight a match).
SEARCH_WORDS = [
    "hukum",
    "pidana",
    "pelayanan publik",
    "korupsi",
    "imigrasi",
    "pemasyarakatan",
    "hak asasi manusia",
    "kepemimpinan",
    "kinerja",
    "narapidana",
    "paten",
    "gratifikasi",
]  # fmt: skip

EBOOKS = 20_000  # seed_demo's 62 books plus copies (`--ebooks`)
TRAININGS = 500  # seed_demo's own plus extra ones (`--trainings`)
EXTRA_BOOK = "demo-extra-"  # ebooks.demo.EXTRA_PREFIX
EXTRA_TRAINING = "angkatan-"  # training.demo.EXTRA_PREFIX
WARM_UP_PEOPLE = 100  # sessions used only to warm the workers up, never measured
RATIO_BAR, RATIO_GOAL = 0.10, 0.20  # every page's req/s as a fraction of /livez's
# /livez is measured again for this long between two pages: each page's floor is beside it.
FLOOR_SECONDS = 3.0
RSS_BAR_MB = 250.0


def run(ctx: Context) -> list[Row | Table]:
    sizes = _seed(ctx)
    crowd = _make_crowd(ctx)
    with gunicorn(ctx) as server, RssSampler(server.pid) as memory:
        results = _measure(ctx, server.base_url, crowd)
    table = _table(ctx, crowd, results, memory, sizes)
    table.notes += _server_trouble(server.log, memory)
    return [table]


def _server_trouble(log: Path, memory: RssSampler) -> list[str]:
    """What went wrong behind the answers: errors in the server's own log, and workers replaced
    during the run (a worker timed out or died; the sampler saw more workers than were started)."""
    markers = ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT")
    trouble = [
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if any(marker in line for marker in markers)
    ]
    notes = []
    if trouble:
        notes.append(f"gunicorn log: {len(trouble)} error lines; the first: {trouble[0]}")
    # More workers seen than run at the end: some were replaced.
    if len(memory.peak_kib) > memory.live_at_end:
        replaced = len(memory.peak_kib) - memory.live_at_end
        notes.append(f"{replaced} gunicorn worker(s) replaced during the run")
    return notes


def _seed(ctx: Context) -> str:
    """100,000 employees (or --employees), 20,000 books, 500 trainings; no-ops when there.
    Returns what the database then holds, for the table."""
    ctx.manage("seed_demo", "--employees", str(ctx.options.employees), timeout=1200)
    # The demo's own books and trainings, then numbered extra ones up to the sizes above (the
    # extras are keyed on their numbers, so asking for all of them again adds only what is missing).
    with psycopg.connect(ctx.database_url) as conn:
        own_books = _count(
            conn, "SELECT count(*) FROM ebooks_ebook WHERE slug NOT LIKE %s", (EXTRA_BOOK + "%",)
        )
        own_trainings = _count(
            conn,
            "SELECT count(*) FROM training_training WHERE slug NOT LIKE %s",
            (EXTRA_TRAINING + "%",),
        )
    ctx.manage(
        "seed_demo",
        "--ebooks",
        str(max(0, EBOOKS - own_books)),
        "--trainings",
        str(max(0, TRAININGS - own_trainings)),
        timeout=1200,
    )
    with psycopg.connect(ctx.database_url) as conn:
        users = _count(conn, "SELECT count(*) FROM people_user")
        books = _count(conn, "SELECT count(*) FROM ebooks_ebook")
        trainings = _count(conn, "SELECT count(*) FROM training_training")
    return f"{users:,} users, {books:,} e-books, {trainings:,} trainings"


def _count(conn: psycopg.Connection, query: str, params: tuple = ()) -> int:
    row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


@dataclass
class Crowd:
    data: dict[str, Any]
    people: int  # measured people; the first WARM_UP_PEOPLE of each list are the warm-up's

    def cookie(self, who: dict[str, str]) -> str:
        data = self.data
        return f"{data['session_cookie']}={who['session']}; {data['csrf_cookie']}={who['csrf']}"

    def request(self, page: Page, index: int) -> Planned:
        """Request `index` of a page: person `index`, book `index`, … (distinct per index)."""
        data = self.data
        person = data["people"][index]
        employee = data["employees"][index]
        book = data["books"][index]
        training = data["trainings"][index % len(data["trainings"])]
        supervisor = data["supervisors"][index % len(data["supervisors"])]
        fields = {
            "name": person["name"],
            "hr": data["hr"]["name"],
            "supervisor": supervisor["name"],
            "nip": employee["nip"],
            "employee": employee["name"],
            "book": book["ref"],
            "book_title": book["title"],
            "training": training["ref"],
            "training_title": training["title"],
            "word": quote_plus(SEARCH_WORDS[index % len(SEARCH_WORDS)]),
            "certificate": person["certificate"]["id"],
            "certificate_code": person["certificate"]["code"],
            "certificate_number": person["certificate"]["number"],
            "certificate_file": person["certificate"]["file"],
        }
        asker = {HR: data["hr"], SUPERVISOR: supervisor}.get(page.who, person)
        cookie = "" if page.who == PUBLIC else self.cookie(asker)
        return Planned(
            page.path.format(**fields),
            cookie,
            tuple(text.format(**fields).encode() for text in page.must_show),
        )

    def plan(self, page: Page, start: int, count: int, *, warm_up: bool = False) -> list[Planned]:
        """`count` distinct requests of the measured crowd from `start` on (wrapping around)."""
        if warm_up:
            return [self.request(page, index) for index in range(WARM_UP_PEOPLE)]
        return [
            self.request(page, WARM_UP_PEOPLE + (start + offset) % self.people)
            for offset in range(count)
        ]


def _make_crowd(ctx: Context) -> Crowd:
    people = ctx.options.people
    out = ctx.workdir / "crowd.json"
    command = [PYTHON, "bench/crowd_sessions.py", str(people + WARM_UP_PEOPLE), str(out)]
    done = subprocess.run(
        command, cwd=REPO, env=ctx.env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"making the crowd failed:\n{done.stdout}{done.stderr}")
    print(f"  {done.stdout.strip()}", flush=True)
    return Crowd(json.loads(out.read_text()), people)


def _pages(options: Options) -> list[Page]:
    """The pages to measure: all, or /livez and those named by --page."""
    if not options.pages:
        return PAGES
    return [PAGES[0]] + [p for p in PAGES[1:] if any(text in p.label for text in options.pages)]


@dataclass
class Measured:
    """Every page's rounds, and for each round of a page the /livez throughput measured just
    before and just after it (`beside`): the floor it is compared with."""

    rounds: dict[str, list[LoadResult]]
    beside: dict[str, list[tuple[float, float]]]

    def ratio(self, label: str) -> float:
        """The median over rounds of the page's req/s over the mean of the /livez runs beside
        it. A shared machine's speed drifts within a run (a neighbour's burst slows everything
        for a minute); a floor measured minutes away from the page would move the ratio with
        it, the one beside the page moves with the page."""
        ratios = [
            result.rps / ((before + after) / 2)
            for result, (before, after) in zip(self.rounds[label], self.beside[label], strict=True)
            if before + after
        ]
        return statistics.median(ratios) if ratios else 0.0


def _measure(ctx: Context, base_url: str, crowd: Crowd) -> Measured:
    options = ctx.options
    pages = _pages(options)
    floor_page = pages[0]
    results: dict[str, list[LoadResult]] = {page.label: [] for page in pages}
    beside: dict[str, list[tuple[float, float]]] = {page.label: [] for page in pages[1:]}
    floor_load: dict[str, Any] = {
        "connections": options.connections,
        "expect_text": tuple(text.encode() for text in floor_page.must_show),
    }

    def floor(seconds: float) -> float:
        return run_load(base_url + floor_page.path, duration=seconds, **floor_load).rps

    # Where each page's crowd goes on next round: rounds take people not asked yet while any
    # are left, so a round repeats nobody and the next round starts with fresh people.
    cursor = dict.fromkeys(results, 0)
    for round_number in range(options.rounds):
        before = 0.0
        for page in pages:
            load: dict[str, Any] = {"connections": options.connections}
            if page.who == ANONYMOUS:
                load["expect_text"] = tuple(text.encode() for text in page.must_show)
                url = base_url + page.path
                plan = warm = None
            else:
                url = base_url
                plan = crowd.plan(page, cursor[page.label], crowd.people)
                warm = crowd.plan(page, 0, 0, warm_up=True)
            if round_number == 0:
                # Warm up: a worker's first requests fill its template and query caches.
                run_load(url, duration=2, plan=warm, **load)
            result = run_load(url, duration=options.duration, plan=plan, **load)
            cursor[page.label] += result.requests
            results[page.label].append(result)
            if page is floor_page:
                before = result.rps
            else:
                # The floor again right after the page: the page's "after", the next's "before".
                after = floor(FLOOR_SECONDS)
                beside[page.label].append((before, after))
                before = after
            used_up = f" (all {result.planned:,} asked)" if result.exhausted else ""
            print(
                f"  web round {round_number + 1}: {page.label}: {result.rps:,.1f} req/s, "
                f"p99 {result.p99_ms:.0f} ms, {result.requests:,} answers{used_up}, "
                f"failed {result.errors}"
                + (f" (first: {result.first_error})" if result.errors else "")
                + ("" if page is floor_page else f"; /livez after it {before:,.0f} req/s"),
                flush=True,
            )
    return Measured(results, beside)


def _table(
    ctx: Context,
    crowd: Crowd,
    measured: Measured,
    memory: RssSampler,
    sizes: str,
) -> Table:
    options = ctx.options
    results = measured.rounds
    lines: list[dict[str, float | int | str]] = []
    verdicts: list[str] = []
    notes: list[str] = []
    for page in _pages(options):
        rounds = results[page.label]
        rps = median_of(rounds, "rps")
        failed = sum(result.errors for result in rounds)
        answers = int(statistics.median(result.requests for result in rounds))
        used_up = sum(result.exhausted for result in rounds)
        line: dict[str, float | int | str] = {
            "page": page.label,
            "req/s": rps,
            "÷ /livez": "" if page is PAGES[0] else measured.ratio(page.label),
            "p50 ms": median_of(rounds, "p50_ms"),
            "p99 ms": median_of(rounds, "p99_ms"),
            "failed": failed,
            "answers/round": f"{answers:,}" + (f" (list used up {used_up}x)" if used_up else ""),
        }
        lines.append(line)
        ratio = line["÷ /livez"]
        ok = failed == 0 and (not isinstance(ratio, float) or ratio >= RATIO_BAR)
        goal = isinstance(ratio, float) and ratio >= RATIO_GOAL
        verdicts.append(("ok, goal met" if goal else "ok") if ok else "MISSED")
        first = next((r.first_error for r in rounds if r.errors), "")
        if first:
            notes.append(f"{page.label}: {failed} failed; the first: {first}")
    peak_mb = max(memory.peak_kib.values(), default=0) * 1024 / 1e6
    footer = [
        (
            f"gunicorn worker peak RSS ({len(memory.peak_kib)} workers)",
            f"{peak_mb:.0f} MB",
            f"< {RSS_BAR_MB:.0f} MB",
            "ok" if 0 < peak_mb < RSS_BAR_MB else "MISSED",
        )
    ]
    engine = crowd.data["session_engine"].rsplit(".", 1)[-1]
    notes[:0] = [
        f"{sizes} in the database; {crowd.people:,} people logged in ({engine} sessions), "
        f"HR asking about {crowd.people:,} employees it manages.",
        f"{options.connections} connections; median of {options.rounds} round(s) of "
        f"{options.duration:g} s. Bar: every page >= {RATIO_BAR} x /livez (goal {RATIO_GOAL}) "
        "and 0 failed answers.",
        f"÷ /livez: each round, the page's req/s over the mean of /livez's in the {FLOOR_SECONDS:g} s "
        "just before and just after it; the median over rounds.",
    ]
    return Table(
        f"{NAME}: the crowd (each person asks each page at most once a round)",
        ["page", "req/s", "÷ /livez", "p50 ms", "p99 ms", "failed", "answers/round"],
        lines,
        verdicts,
        footer,
        notes,
    )
