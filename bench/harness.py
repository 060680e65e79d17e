"""What every benchmark shares: the scratch database and Redis, running manage.py against them,
starting the real gunicorn, and the rows of the result table.

Benchmarks never touch the development database: everything runs in a scratch PostgreSQL database
(`rb_bench`, dropped afterwards) and Redis database 9.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rumahbelajar"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class BenchError(Exception):
    """A benchmark could not run (not: it ran and missed its bar)."""


@dataclass
class Row:
    benchmark: str
    metric: str
    value: float | str
    unit: str = ""
    bar: str = ""
    ok: bool | None = None  # None: no bar, just a figure

    def shown_value(self) -> str:
        if isinstance(self.value, str):
            return self.value
        if isinstance(self.value, int):
            return f"{self.value:,} {self.unit}".strip()
        if self.value >= 100:
            text = f"{self.value:,.0f}"
        elif self.value >= 10:
            text = f"{self.value:.1f}"
        else:
            text = f"{self.value:.2f}"
        return f"{text} {self.unit}".strip()


@dataclass
class Table:
    """A benchmark's own table, with columns of its choosing; run.py prints it after the main
    table. `lines` are the rows (column -> figure), `results` each line's "ok" / "MISSED" / ""
    (no bar); `footer` holds one-figure rows below the columns (label, figure, bar, result)."""

    title: str
    columns: list[str]
    lines: list[dict[str, float | int | str]]
    results: list[str]
    footer: list[tuple[str, str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def missed(self) -> bool:
        return "MISSED" in self.results or any(result == "MISSED" for *_, result in self.footer)


@dataclass
class Options:
    duration: float = 10.0
    rounds: int = 3
    connections: int = 16
    employees: int = 100_000
    people: int = 6000
    # The web table's pages whose label contains one of these (all when empty; /livez always).
    pages: tuple[str, ...] = ()


@dataclass
class Context:
    """Where the benchmarks run; `env` is the environment for manage.py and gunicorn."""

    options: Options
    database_url: str
    redis_url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)

    def manage(self, *args: str, timeout: float) -> str:
        return self.timed_manage(*args, timeout=timeout)[2]

    def timed_manage(self, *args: str, timeout: float) -> tuple[float, int, str]:
        """Runs manage.py; returns (wall seconds, peak RSS in KiB, output)."""
        log = self.workdir / f"manage-{args[0]}.log"
        with log.open("w") as out:
            started = time.monotonic()
            proc = subprocess.Popen(
                [PYTHON, "manage.py", *args],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            timer = threading.Timer(timeout, _kill_group, [proc.pid])
            timer.start()
            try:
                # wait4, not wait: it also gives the child's own peak RSS.
                _, status, usage = os.wait4(proc.pid, 0)
            finally:
                timer.cancel()
            seconds = time.monotonic() - started
            proc.returncode = os.waitstatus_to_exitcode(status)
        output = log.read_text()
        if proc.returncode != 0:
            tail = "\n".join(output.splitlines()[-15:])
            raise BenchError(f"manage.py {' '.join(args)} failed ({proc.returncode}):\n{tail}")
        return seconds, usage.ru_maxrss, output


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


# --- configuration ----------------------------------------------------------------------------


def _dotenv() -> dict[str, str]:
    path = REPO / ".env"
    values: dict[str, str] = {}
    if path.is_file():
        for raw in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = raw.strip().partition("=")
            if sep and not key.startswith("#"):
                values[key.removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def _setting(name: str, default: str) -> str:
    return os.environ.get(name) or _dotenv().get(name) or default


def with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{path}", parts.query, ""))


def make_context(options: Options, workdir: Path) -> Context:
    name = os.environ.get("BENCH_DATABASE", "rb_bench")
    if not name.startswith("rb_bench"):
        raise BenchError(f"BENCH_DATABASE={name!r}: the scratch database must be named rb_bench*")
    database_url = with_path(_setting("DATABASE_URL", DEFAULT_DATABASE_URL), name)
    redis_url = os.environ.get("BENCH_REDIS_URL") or with_path(
        _setting("REDIS_URL", DEFAULT_REDIS_URL), "9"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "DEMO_DATA": "1",
        "DEBUG": "0",
        "SECURE_HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        # The whole crowd comes from 127.0.0.1: the verification page's per-IP limit would end
        # its round after a few requests. Still counted in Redis on every request, so measured.
        "CERTIFICATE_VERIFY_PER_MINUTE": "1000000000",
        # A throw-away key: the scratch stack's sessions live only as long as the run.
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "PYTHONUNBUFFERED": "1",
    }
    return Context(options, database_url, redis_url, workdir, env)


# --- scratch database and Redis ---------------------------------------------------------------


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _database_exists(url: str) -> bool:
    import psycopg

    admin_url = with_path(url, "postgres")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]
        ).fetchone()
    return found is not None


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def recreate_database(url: str, *, create: bool = True) -> None:
    """Drops the database `url` names (a crashed run may have left it) and, with `create`, makes
    it again, empty. Also for the self-contained benchmarks' own scratch databases."""
    import psycopg
    from psycopg import sql

    admin_url = with_path(url, "postgres")
    _drop_database(admin_url, database_name(url))
    if create:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database_name(url))))


def employees_sql(position: str) -> str:
    """The self-contained benchmarks' employees: %(employees)s PNS in unit 1 holding the
    position `position` (an SQL expression, which may use n) gives, with valid NIPs: birth date
    (8), CPNS start 25 years later (6), sex (1), sequence (3); the pair (birth day, sequence) is
    unique per n. Only constants are formatted into it."""
    return f"""
    INSERT INTO people_user (password, is_superuser, email, nip, full_name, employee_type, rank,
                             is_active, is_staff, date_joined, position_id, unit_id)
    SELECT '!', FALSE, 'bench' || n || '@bench.test',
           to_char(b, 'YYYYMMDD') || to_char(b + interval '25 years', 'YYYY')
               || lpad((1 + n % 12)::text, 2, '0') || (1 + n % 2)::text
               || lpad((1 + n / 9000)::text, 3, '0'),
           'Pegawai Benchmark ' || n, 'pns', '', TRUE, FALSE, now(),
           {position}, 1
    FROM generate_series(0, %(employees)s - 1) AS n,
         LATERAL (SELECT date '1970-01-01' + (n % 9000) AS b) AS birth
    """  # noqa: S608


def run_inner(script: str, *args: str, env: dict[str, str], timeout: float) -> str:
    """Runs a self-contained benchmark's own `--inner` half (`script` again, in a fresh process
    that sets Django up) and returns what it printed."""
    command = [PYTHON, script, "--inner", *args]
    return subprocess.check_output(
        command, cwd=REPO, env=env, stderr=subprocess.PIPE, text=True, timeout=timeout
    )


@contextlib.contextmanager
def scratch_database(ctx: Context, *, keep: bool = False, reuse: bool = False) -> Iterator[None]:
    """A fresh, empty database for the run (dropped first if a crashed run left one). `reuse`:
    the one an earlier run kept (`--keep-db`), if there is one, and keep it again: the seed then
    finds its data there and adds nothing, for quick comparisons of the server alone."""
    if reuse and _database_exists(ctx.database_url):
        keep = True
    else:
        recreate_database(ctx.database_url)
    try:
        yield
    finally:
        if keep:
            print(
                f"bench: kept the scratch database {database_name(ctx.database_url)!r}",
                file=sys.stderr,
            )
        else:
            recreate_database(ctx.database_url, create=False)


@contextlib.contextmanager
def scratch_redis(ctx: Context) -> Iterator[None]:
    """Redis database 9 is the benchmarks' own: emptied before and after (sessions, rate limits)."""
    import redis

    client = redis.Redis.from_url(ctx.redis_url, socket_connect_timeout=2)
    client.flushdb()
    try:
        yield
    finally:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


# --- the web server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    pid: int
    base_url: str
    log: Path


@contextlib.contextmanager
def gunicorn(ctx: Context, *, ready_timeout: float = 60) -> Iterator[Server]:
    """The real server (gunicorn.conf.py) on a free 127.0.0.1 port, stopped however we leave.

    Two deviations from production, both so the numbers measure the pages: worker recycling
    (max_requests) is off, because a restart in the middle of a 10-second round costs more than
    the requests around it; the access log is off, because writing it costs the same for every
    page and only blurs the comparison. The control socket is off so a `make run` on the same
    machine is not disturbed.
    """
    port = free_port()
    log = ctx.workdir / "gunicorn.log"
    env = {**ctx.env, "PORT": str(port), "BIND_HOST": "127.0.0.1", "ACCESS_LOG": "0"}
    command = [
        str(VENV_BIN / "gunicorn"),
        "-c",
        "gunicorn.conf.py",
        "--max-requests",
        "0",
        "--no-control-socket",
    ]
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise BenchError(f"gunicorn exited ({proc.returncode}):\n{_tail(log)}")
            if _answers(f"{base_url}/livez"):
                break
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer /livez in {ready_timeout:.0f} s")
            time.sleep(0.2)
        yield Server(proc.pid, base_url, log)
    finally:
        # TERM lets the master stop its workers; the group kill is the backstop for stragglers.
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=30)
        _kill_group(proc.pid)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (our own http URL)
            return response.status == 200
    except OSError:
        return False


def _tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def child_pids(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The command name (field 2) may hold spaces and parentheses: split after the last ")".
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            pids.append(int(entry.name))
    return pids


def status_kib(pid: int, key: str) -> int | None:
    """A memory figure from /proc/<pid>/status (VmRSS now, VmHWM the peak so far), in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class RssSampler:
    """Watches the workers of a gunicorn master: their peak RSS, and how many there were."""

    def __init__(self, master: int, interval: float = 0.25) -> None:
        self.master = master
        self.interval = interval
        self.peak_kib: dict[int, int] = {}
        self.live_at_end = 0  # workers running when the watch ended
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sample()
        self.live_at_end = len(child_pids(self.master))
        self._stop.set()
        self._thread.join(timeout=5)

    def sample(self) -> None:
        for pid in child_pids(self.master):
            # VmHWM is the kernel's own high-water mark, so short peaks between samples count too.
            kib = max(status_kib(pid, "VmHWM") or 0, status_kib(pid, "VmRSS") or 0)
            self.peak_kib[pid] = max(self.peak_kib.get(pid, 0), kib)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


# --- output -----------------------------------------------------------------------------------


def format_table(rows: list[Row]) -> str:
    header = ("benchmark", "metric", "value", "bar", "result")
    cells = [
        (
            row.benchmark,
            row.metric,
            row.shown_value(),
            row.bar,
            "" if row.ok is None else ("ok" if row.ok else "MISSED"),
        )
        for row in rows
    ]
    # A long free-text figure runs past its column instead of widening it for every row.
    widths = [
        max(len(str(line[i])) for line in [header, *cells] if len(str(line[i])) <= 60)
        for i in range(len(header))
    ]
    lines = []
    for index, line in enumerate([header, *cells]):
        parts = [
            str(value).rjust(width)
            if column == 2 and index and not isinstance(rows[index - 1].value, str)
            else str(value).ljust(width)
            for column, (value, width) in enumerate(zip(line, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _cell(value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def format_columns(table: Table) -> str:
    header = [*table.columns, "result"]
    cells = [
        [_cell(line.get(column, "")) for column in table.columns] + [result]
        for line, result in zip(table.lines, table.results, strict=True)
    ]
    numeric = [
        any(not isinstance(line.get(column, ""), str) for line in table.lines)
        for column in table.columns
    ] + [False]
    widths = [max(len(row[i]) for row in [header, *cells]) for i in range(len(header))]
    out = [table.title, ""]
    for index, row in enumerate([header, *cells]):
        parts = [
            value.rjust(width) if numeric[column] and index else value.ljust(width)
            for column, (value, width) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(parts).rstrip())
        if index == 0:
            out.append("  ".join("-" * width for width in widths))
    if table.footer:
        label_width = max(len(label) for label, *_ in table.footer)
        out.append("")
        for label, figure, bar, result in table.footer:
            out.append(f"{label.ljust(label_width)}  {figure}  {bar}  {result}".rstrip())
    out += [f"  {note}" for note in table.notes]
    return "\n".join(out)


def print_rows(rows: list[tuple[str, str]]) -> int:
    """Prints a self-contained benchmark's rows, (name, figure), as two columns: what its main()
    shows when it runs on its own (run.py puts the same rows in its table)."""
    width = max(len(name) for name, _ in rows)
    for name, figure in rows:
        print(f"{name:<{width}}  {figure}")
    return 0
