"""A small closed-loop HTTP load generator: N keep-alive connections, each sending its next GET as
soon as the previous answer is read, for a fixed time. Standard library only.

Why not wrk: nothing to install on a fresh machine, and the same code checks every answer (status,
and optionally a text the page must contain), which wrk does not. Like wrk it drives its connections
from an event loop over raw sockets with pre-built requests (http.client's parsing cost a third of
the server's throughput on 2 cores), spread over one process per core.

    .venv/bin/python bench/loadgen.py http://127.0.0.1:8000/livez --duration 5 --connections 16
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import selectors
import socket
import statistics
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    first_error: str = ""


class _Connection:
    """One keep-alive connection's state in the event loop."""

    __slots__ = ("began", "buffer", "expected_length", "header_end", "sock", "status")

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address, timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buffer = bytearray()
        self.began = 0.0
        self.header_end = -1
        self.expected_length = -1
        self.status = 0


def _process(args: tuple) -> tuple[list[float], list[str], float]:
    """One process: its share of the connections, driven by one epoll loop (no threads)."""
    url, connections, headers, expect_status, expect_text, start_at, stop_at = args
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    latencies: list[float] = []
    problems: list[str] = []
    selector = selectors.DefaultSelector()
    # All connections open before the clock starts, so connection set-up is not measured.
    pool = [_Connection(address) for _ in range(connections)]
    while time.monotonic() < start_at:
        time.sleep(0.001)
    # A process that started late (a busy machine) measures over its own, shorter window.
    window_start = time.monotonic()

    def send(conn: _Connection) -> None:
        conn.buffer.clear()
        conn.header_end = conn.expected_length = -1
        conn.began = time.perf_counter()
        conn.sock.sendall(request)  # a few hundred bytes: fits the socket buffer at once

    def reopen(conn: _Connection) -> _Connection:
        selector.unregister(conn.sock)
        conn.sock.close()
        fresh = _Connection(address)
        selector.register(fresh.sock, selectors.EVENT_READ, fresh)
        send(fresh)
        return fresh

    for conn in pool:
        selector.register(conn.sock, selectors.EVENT_READ, conn)
        send(conn)
    open_count = len(pool)
    while open_count:
        for key, _ in selector.select(timeout=1):
            conn = key.data
            try:
                chunk = conn.sock.recv(262144)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as exc:
                problems.append(f"{type(exc).__name__}: {exc}")
                reopen(conn)
                continue
            if not chunk:
                problems.append("connection closed by the server")
                reopen(conn)
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
            if conn.status != expect_status:
                problems.append(f"HTTP {conn.status} for {path}")
            elif expect_text is not None and expect_text not in conn.buffer:
                problems.append(f"{path} answered without {expect_text!r}")
            if time.monotonic() >= stop_at:
                selector.unregister(conn.sock)
                conn.sock.close()
                open_count -= 1
            else:
                send(conn)
    selector.close()
    return latencies, problems, max(time.monotonic() - window_start, 1e-9)


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
    expect_text: bytes | None = None,
    processes: int | None = None,
) -> LoadResult:
    """Hammers `url` for `duration` seconds; latencies are per request, send to last byte."""
    processes = max(1, min(processes or os.cpu_count() or 1, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    # Spawned (not forked) workers: the caller may have threads running.
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        # Leave the pool time to start its interpreters before the common start time.
        start_at = time.monotonic() + 1.5
        stop_at = start_at + duration
        jobs = [
            (url, share, headers or {}, expect_status, expect_text, start_at, stop_at)
            for share in shares
        ]
        results = pool.map_async(_process, jobs).get(timeout=duration + 60)
    latencies = sorted(value for values, _, _ in results for value in values)
    problems = [problem for _, found, _ in results for problem in found]
    return LoadResult(
        requests=len(latencies),
        errors=len(problems),
        seconds=max(seconds for _, _, seconds in results),
        rps=sum(len(values) / seconds for values, _, seconds in results),
        p50_ms=_percentile(latencies, 0.50) * 1000,
        p90_ms=_percentile(latencies, 0.90) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        max_ms=(latencies[-1] * 1000) if latencies else float("nan"),
        first_error=problems[0] if problems else "",
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
