"""The drills' own stack: a PostgreSQL cluster (initdb in a temporary folder), and per drill its own
Redis, Celery worker (and beat) and gunicorn, all on free 127.0.0.1 ports. Nothing else on the
machine is used or disturbed: no shared database server, no shared Redis, no `var/` files.

PostgreSQL refuses to run as root; when the drills run as root the cluster belongs to the
`postgres` system user (`runuser -u postgres`), in a folder that user owns.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
PROBE = str(Path(__file__).resolve().parent / "probe.py")


class DrillError(Exception):
    """A drill could not run (not: it ran and lost something)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bin() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise DrillError("no initdb: install PostgreSQL's server package")


def _as_cluster_owner(command: list[str]) -> list[str]:
    """Runs as the `postgres` user when we are root (postgres refuses root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _wait_for(check, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise DrillError(f"{what} did not come up in {timeout:.0f} s")
        time.sleep(0.2)


class Postgres:
    """An own cluster: initdb in `folder`, trust authentication on 127.0.0.1, no fsync (a drill
    restarts it cleanly; durability against power loss is not what is drilled)."""

    def __init__(self, folder: Path) -> None:
        self.bin = _pg_bin()
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.log = folder / "postgres.log"
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        self._run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ],
            timeout=120,
        )

    def _run(self, command: list[str], timeout: float = 60) -> None:
        proc = subprocess.run(
            _as_cluster_owner(command), capture_output=True, text=True, timeout=timeout, check=False
        )
        if proc.returncode != 0:
            raise DrillError(f"{command[0]} failed: {proc.stderr[-2000:]}")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.folder}'"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            ],
            timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"],
            timeout=90,
        )

    def restart(self) -> None:
        self.stop("fast")
        self.start()

    def sql(self, statement: str, database: str = "postgres", params: tuple = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(statement, params or None)
            return cursor.fetchall() if cursor.description else []


class Redis:
    """redis-server on a free port, without persistence (as it may run in production)."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.folder / f"redis-{self.port}.log").open("a")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for(self._answers, "redis-server", 20)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # gone at once, as a crash would leave it (no persistence anyway)
            self.proc.wait(timeout=10)
        self.proc = None


@dataclass
class Process:
    name: str
    proc: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None


@dataclass
class Stack:
    """One drill's processes around a database in the drills' cluster."""

    name: str
    folder: Path
    postgres: Postgres
    database: str
    redis: Redis
    processes: dict[str, Process] = field(default_factory=dict)
    base_url: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """The environment every process of this stack gets (a drill may add to it before it
        starts them)."""
        media = self.folder / "media"
        media.mkdir(exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))},
            "DJANGO_SETTINGS_MODULE": "rumahbelajar.settings",
            "DATABASE_URL": self.postgres.url(self.database),
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "CELERY_BEAT_SCHEDULE_FILENAME": str(self.folder / "celerybeat-schedule"),
            "SECRET_KEY": "drills-only-" + secrets.token_urlsafe(32),  # one per stack
            "DEBUG": "0",
            "SECURE_HTTPS": "0",
            "DEMO_DATA": "1",
            "MFA_REQUIRED_FOR_STAFF": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "MEDIA_ROOT": str(media),
            "LOG_LEVEL": "WARNING",
            "ACCESS_LOG": "0",
            "PYTHONUNBUFFERED": "1",
        }

    def manage(self, *args: str, timeout: float = 600) -> str:
        return self._run([PYTHON, "manage.py", *args], f"manage.py {' '.join(args)}", timeout)

    def probe(self, action: str, *args: str, timeout: float = 600) -> dict:
        """Runs drills/probe.py ACTION in a Django process on this stack; its JSON answer."""
        out = self._run([PYTHON, PROBE, action, *args], f"probe {action}", timeout)
        return json.loads(out.strip().splitlines()[-1])

    def _run(self, command: list[str], what: str, timeout: float) -> str:
        """Runs a Python process on this stack to the end; its output, or DrillError with the
        tail of its errors."""
        proc = subprocess.run(
            command,
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise DrillError(f"{what} failed:\n{proc.stderr[-3000:]}")
        return proc.stdout

    def _spawn(self, name: str, command: list[str], extra: dict[str, str] | None = None) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("a") as out:
            proc = subprocess.Popen(
                command,
                cwd=REPO,
                env={**self.env, **(extra or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, proc, log)
        self.processes[name] = process
        return process

    def start_web(self, workers: int = 2, threads: int = 4) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self._spawn(
            "web",
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket"],
            {
                "PORT": str(port),
                "BIND_HOST": "127.0.0.1",
                "WEB_CONCURRENCY": str(workers),
                "WEB_THREADS": str(threads),
            },
        )
        _wait_for(lambda: _answers(f"{self.base_url}/livez"), "gunicorn", 90)

    def start_worker(self, name: str = "worker", concurrency: int = 2) -> Process:
        return self._spawn(
            name,
            [
                str(VENV_BIN / "celery"),
                "-A",
                "rumahbelajar",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "-n",
                f"{name}-{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start_beat(self) -> Process:
        return self._spawn(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "rumahbelajar",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.folder / "celerybeat-schedule"),
            ],
        )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Sends `sig` to the whole process group (a worker's pool children too)."""
        process = self.processes.pop(name, None)
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.proc.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.kill(name, signal.SIGTERM)
        self.redis.stop()

    def log_errors(self, name: str) -> list[str]:
        """Tracebacks and 5xx lines in a process's log (for the report)."""
        process_log = self.folder / f"{name}.log"
        if not process_log.exists():
            return []
        lines = process_log.read_text(errors="replace").splitlines()
        return [line for line in lines if "Traceback" in line or "CRITICAL" in line]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (our own http URL)
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def stack(name: str, postgres: Postgres, template: str, workdir: Path) -> Iterator[Stack]:
    """A drill's stack: a fresh database copied from the migrated and seeded template, its own
    Redis; the drill starts web, worker and beat as it needs. Everything stops on the way out."""
    folder = workdir / name
    folder.mkdir(parents=True, exist_ok=True)
    database = f"drill_{name}"
    postgres.sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    postgres.sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    redis = Redis(folder)
    redis.start()
    current = Stack(name, folder, postgres, database, redis)
    try:
        yield current
    finally:
        current.stop_all()
