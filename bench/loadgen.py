"""A small closed-loop HTTP load generator: N keep-alive connections, each sending its next GET as
soon as the previous answer is read, for a fixed time. Standard library only.

Two kinds of load: one URL again and again (`run_load(url, ...)`), or a crowd: a list of distinct
pre-built requests (path, Cookie header, texts the answer must contain), each sent at most once;
the run ends when the time is up or the list is used up (`run_load(base_url, plan=[...])`).

Why not wrk: nothing to install on a fresh machine, and the same code checks every answer (status,
and optionally a text the page must contain), which wrk does not. Like wrk it drives its connections
from an event loop over raw sockets with pre-built requests (http.client's parsing cost a third of
the server's throughput on 2 cores), spread over one process per core.

    .venv/bin/python bench/loadgen.py http://127.0.0.1:8000/livez --duration 5 --connections 16
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import selectors
import socket
import statistics
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Planned:
    """One request of a crowd: a path, who asks (the Cookie header), what the answer must contain
    (every one of the texts; none: status only)."""

    path: str
    cookie: str = ""
    expect: tuple[bytes, ...] = ()


@dataclass
class LoadResult:
    requests: int  # answers completed, good or not
    errors: int
    seconds: float
    rps: float  # good answers (right status, every expected text) per second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    first_error: str = ""
    planned: int = 0  # requests in the plan (0: one request, repeated until the time is up)
    exhausted: bool = False  # the plan ran out before the time did


class _Connection:
    """One keep-alive connection's state in the event loop."""

    __slots__ = (
        "began",
        "buffer",
        "current",
        "expected_length",
        "header_end",
        "sock",
        "status",
    )

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buffer = bytearray()
        self.began = 0.0
        self.header_end = -1
        self.expected_length = -1
        self.status = 0
        self.current: tuple[bytes, str, tuple[bytes, ...]] = (b"", "", ())


def _raw_request(netloc: str, planned: Planned, headers: dict[str, str]) -> bytes:
    lines = [f"GET {planned.path} HTTP/1.1", f"Host: {netloc}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if planned.cookie:
        lines.append(f"Cookie: {planned.cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _process(args: tuple) -> tuple[list[float], int, list[str], float, bool]:
    """One process: its share of the connections, driven by one epoll loop (no threads).

    `plan` is this process's share of the requests, each sent once, in order; None means
    `single`, sent again and again. Returns (latencies, good answers, problems, seconds,
    whether the plan ran out).
    """
    base_url, connections, headers, single, plan, expect_status, start_at, stop_at = args
    parts = urlsplit(base_url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    # Every request is built before the clock starts: building is not the server's time.
    if plan is None:
        raw = (_raw_request(parts.netloc, single, headers), single.path, single.expect)
        upcoming = itertools.repeat(raw)
    else:
        upcoming = iter([(_raw_request(parts.netloc, p, headers), p.path, p.expect) for p in plan])
    latencies: list[float] = []
    good = 0
    problems: list[str] = []
    exhausted = False
    selector = selectors.DefaultSelector()
    # All connections open before the clock starts, so connection set-up is not measured.
    pool = [_Connection(address) for _ in range(connections)]
    while time.monotonic() < start_at:
        time.sleep(0.001)
    # A process that started late (a busy machine) measures over its own, shorter window.
    window_start = time.monotonic()

    def send(conn: _Connection) -> bool:
        """Sends the connection's next request; False when the plan is used up."""
        nonlocal exhausted
        item = next(upcoming, None)
        if item is None:
            exhausted = True
            return False
        conn.current = item
        conn.buffer.clear()
        conn.header_end = conn.expected_length = -1
        conn.began = time.perf_counter()
        conn.sock.sendall(item[0])  # a few hundred bytes: fits the socket buffer at once
        return True

    def close(conn: _Connection) -> None:
        selector.unregister(conn.sock)
        conn.sock.close()

    def reopen(conn: _Connection) -> int:
        """After a broken connection: a fresh one for the next request; returns 1 if opened."""
        close(conn)
        if time.monotonic() >= stop_at:
            return 0
        fresh = _Connection(address)
        selector.register(fresh.sock, selectors.EVENT_READ, fresh)
        if send(fresh):
            return 1
        close(fresh)
        return 0

    open_count = 0
    for conn in pool:
        selector.register(conn.sock, selectors.EVENT_READ, conn)
        if send(conn):
            open_count += 1
        else:
            close(conn)
    while open_count:
        for key, _ in selector.select(timeout=1):
            conn = key.data
            path = conn.current[1]
            try:
                chunk = conn.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                problems.append(f"{path}: {type(exc).__name__}: {exc}")
                open_count += reopen(conn) - 1
                continue
            if not chunk:
                problems.append(f"{path}: connection closed by the server")
                open_count += reopen(conn) - 1
                continue
            conn.buffer += chunk
            if conn.header_end < 0:
                conn.header_end = conn.buffer.find(b"\r\n\r\n")
                if conn.header_end < 0:
                    continue
                head = bytes(conn.buffer[: conn.header_end]).lower()
                conn.status = int(head[9:12])
                marker = head.find(b"\r\ncontent-length:")
                if marker < 0:
                    problems.append(f"{path}: answer without Content-Length")
                    conn.expected_length = 0
                else:
                    value_end = head.find(b"\r\n", marker + 2)
                    conn.expected_length = int(
                        head[marker + 17 : value_end if value_end > 0 else None]
                    )
            body_start = conn.header_end + 4
            if len(conn.buffer) - body_start < conn.expected_length:
                continue
            latencies.append(time.perf_counter() - conn.began)
            missing = next((text for text in conn.current[2] if text not in conn.buffer), None)
            if conn.status != expect_status:
                problems.append(f"HTTP {conn.status} for {path}")
            elif missing is not None:
                problems.append(f"{path} answered without {missing.decode(errors='replace')!r}")
            else:
                good += 1
            if time.monotonic() >= stop_at or not send(conn):
                close(conn)
                open_count -= 1
    selector.close()
    return latencies, good, problems, max(time.monotonic() - window_start, 1e-9), exhausted


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run_load(
    url: str,
    *,
    duration: float,
    connections: int = 16,
    headers: dict[str, str] | None = None,
    expect_status: int = 200,
    expect_text: bytes | tuple[bytes, ...] | None = None,
    processes: int | None = None,
    plan: list[Planned] | None = None,
) -> LoadResult:
    """Puts load on a server for `duration` seconds; latencies are per request, send to last byte.

    Without `plan`: the GET of `url` again and again. With `plan`: `url` is the server's base
    URL and each planned request is sent once, in order (dealt out round-robin to the
    processes); the run ends when the time is up or the plan is used up, whichever comes first.
    """
    processes = max(1, min(processes or os.cpu_count() or 1, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    parts = urlsplit(url)
    texts = (expect_text,) if isinstance(expect_text, bytes) else (expect_text or ())
    single = Planned(parts.path + (f"?{parts.query}" if parts.query else ""), "", texts)
    # Spawned (not forked) workers: the caller may have threads running.
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        # Leave the pool time to start its interpreters before the common start time.
        start_at = time.monotonic() + 1.5
        stop_at = start_at + duration
        jobs = [
            (
                url,
                share,
                headers or {},
                single,
                None if plan is None else plan[index::processes],
                expect_status,
                start_at,
                stop_at,
            )
            for index, share in enumerate(shares)
        ]
        results = pool.map_async(_process, jobs).get(timeout=duration + 60)
    latencies = sorted(value for values, *_ in results for value in values)
    problems = [problem for _, _, found, _, _ in results for problem in found]
    return LoadResult(
        requests=len(latencies),
        errors=len(problems),
        seconds=max(seconds for _, _, _, seconds, _ in results),
        rps=sum(good / seconds for _, good, _, seconds, _ in results),
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p90_ms=_percentile(latencies, 0.90) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] * 1000) if latencies else float("nan"),
        first_error=problems[0] if problems else "",
        planned=0 if plan is None else len(plan),
        exhausted=any(exhausted for *_, exhausted in results),
    )


def median_of(results: list[LoadResult], field: str) -> float:
    return statistics.median(getattr(result, field) for result in results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--cookie", default="", help="Cookie header to send")
    args = parser.parse_args()
    headers = {"Cookie": args.cookie} if args.cookie else {}
    result = run_load(
        args.url,
        duration=args.duration,
        connections=args.connections,
        headers=headers,
        processes=args.processes,
    )
    print(json.dumps(asdict(result), indent=2))


if __name__ == "__main__":
    main()
