"""HTTP throughput and latency through the real gunicorn server, and its workers' memory.

Pages: /livez (touches nothing: the floor every page is compared with), and the portal's pages
logged in as the demo employee (dashboard, competency map, e-book catalogue and search, trainings),
plus the login page. Each page gets `rounds` rounds of `duration` seconds at
`connections` concurrent keep-alive connections, the pages taking turns within a round so a
background hiccup hits them all alike; the table shows the median round.
"""

from __future__ import annotations

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from harness import BenchError, Context, Row, RssSampler, gunicorn
from loadgen import LoadResult, median_of, run_load

NAME = "web"
EMPLOYEE_EMAIL = "pegawai@demo.rumahbelajar.id"
DEMO_PASSWORD = "rumahbelajar-demo"  # noqa: S105  (the published demo password)
# (label, path, logged in, text the answer must contain)
PAGES: list[tuple[str, str, bool, bytes]] = [
    ("/livez", "/livez", False, b"ok"),
    ("/ (dashboard, logged in)", "/", True, b"Budi Santoso"),
    ("/accounts/login/", "/accounts/login/", False, b'name="password"'),
    ("/competency/ (my map)", "/competency/", True, b"Peta Kompetensi"),
    ("/ebooks/ (catalogue)", "/ebooks/", True, b"e-book"),
    ("/ebooks/?q=hukum (search)", "/ebooks/?q=hukum", True, b"<mark>"),
    ("/trainings/ (catalogue)", "/trainings/", True, b"Pelatihan Demo Kapasitas Terbatas"),
    ("/trainings/mine/", "/trainings/mine/", True, b"JP"),
]
RATIO_BAR = 0.5  # every page within 2x of /livez
P99_BAR_MS = 100.0
RSS_BAR_MB = 250.0


def log_in(base_url: str, email: str, password: str) -> str:
    """Logs in through the allauth form like a browser; returns the Cookie header to send."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        page = response.read().decode()
        cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if response.status != 200 or token is None or "csrftoken" not in cookies:
            raise BenchError(f"login page: HTTP {response.status}, no CSRF token")
        body = urlencode(
            {"login": email, "password": password, "csrfmiddlewaretoken": token.group(1)}
        )
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookies['csrftoken'].value}",
            },
        )
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookies.load(header)
        if response.status != 302 or "sessionid" not in cookies:
            raise BenchError(f"logging in as {email}: HTTP {response.status}, no session")
        return f"sessionid={cookies['sessionid'].value}"
    finally:
        conn.close()


def run(ctx: Context) -> list[Row]:
    options = ctx.options
    # The demo accounts must exist even when this benchmark runs alone (a no-op otherwise).
    ctx.manage("seed_demo", timeout=600)
    results: dict[str, list[LoadResult]] = {label: [] for label, *_ in PAGES}
    with gunicorn(ctx) as server, RssSampler(server.pid) as memory:
        cookie = log_in(server.base_url, EMPLOYEE_EMAIL, DEMO_PASSWORD)
        for round_number in range(options.rounds):
            for label, path, logged_in, must_contain in PAGES:
                load = {
                    "connections": options.connections,
                    "headers": {"Cookie": cookie} if logged_in else {},
                    "expect_text": must_contain,
                }
                # Warm up: the first requests of a worker fill its template and query caches.
                run_load(server.base_url + path, duration=3 if round_number == 0 else 1, **load)
                result = run_load(server.base_url + path, duration=options.duration, **load)
                print(
                    f"  web round {round_number + 1}: {label}: {result.rps:,.0f} req/s, "
                    f"p99 {result.p99_ms:.1f} ms, errors {result.errors}"
                    + (f" (first: {result.first_error})" if result.errors else ""),
                    flush=True,
                )
                results[label].append(result)
    return _rows(results, memory, options.connections)


def _rows(results: dict[str, list[LoadResult]], memory: RssSampler, connections: int) -> list[Row]:
    floor = median_of(results["/livez"], "rps")
    rows = []
    for label, *_ in PAGES:
        rounds = results[label]
        rps = median_of(rounds, "rps")
        p99 = median_of(rounds, "p99_ms")
        errors = sum(result.errors for result in rounds)
        first_error = next((result.first_error for result in rounds if result.errors), "")
        rows.append(Row(NAME, f"{label}: req/s at {connections} connections", rps, "req/s"))
        rows.append(Row(NAME, "  p50 latency", median_of(rounds, "p50_ms"), "ms"))
        rows.append(
            Row(NAME, "  p99 latency", p99, "ms", f"< {P99_BAR_MS:.0f} ms", p99 < P99_BAR_MS)
        )
        if label != "/livez":
            ratio = rps / floor if floor else 0.0
            rows.append(
                Row(NAME, "  throughput / livez", ratio, "", f">= {RATIO_BAR}", ratio >= RATIO_BAR)
            )
        rows.append(
            Row(
                NAME,
                "  failed answers" + (f" ({first_error})" if first_error else ""),
                errors,
                "",
                "0",
                errors == 0,
            )
        )
    peak_mb = max(memory.peak_kib.values(), default=0) * 1024 / 1e6
    rows.append(
        Row(
            NAME,
            f"gunicorn worker peak RSS ({len(memory.peak_kib)} workers)",
            peak_mb,
            "MB",
            f"< {RSS_BAR_MB:.0f} MB",
            0 < peak_mb < RSS_BAR_MB,
        )
    )
    return rows
