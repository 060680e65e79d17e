"""Python calls and CPU time per page for a crowd, in-process: the deterministic half of the web
benchmark. req/s depends on the machine and on whatever else runs on it; the number of Python
calls a page makes does not, so it compares code across machines and sessions.

    DOTENV_FILE=/path/to/env .venv/bin/python bench/calls.py [PAGE ...] [--people 150]
        [--profile PAGE] [--top 40]

Runs against the database of DATABASE_URL (seed it first, as the web benchmark does:
`seed_demo --employees 100000`, then again with `--ebooks 19938 --trainings 480`), never the
test database. For each page, `--people` distinct numbered employees (or team leaders for
/team/, HR for the HR pages) are logged in with force_login and share one Django handler, as the
threads of one gunicorn worker do. A first crowd warms the process up and is not measured; a
second, of other people, is measured: Python calls per request (cProfile) and CPU time per
request (thread time, without the profiler). `--profile PAGE` prints cProfile's top functions
for that page (by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NUMBERED = r"^pegawai[0-9]{4,}@demo\.rumahbelajar\.id$"
HR_EMAIL = "hr@demo.rumahbelajar.id"
SEED = 12

# label: (path, who); {nip} is an employee HR manages.
PAGES = {
    "dashboard": ("/", "person"),
    "map": ("/competency/", "person"),
    "target": ("/competency/target/", "person"),
    "employee_map": ("/competency/employees/{nip}/", "hr"),
    "heatmap": ("/reports/competency/", "hr"),
    "jp": ("/reports/jp/", "hr"),
    "ebooks": ("/ebooks/", "person"),
    "trainings": ("/trainings/", "person"),
    "mine": ("/trainings/mine/", "person"),
    "activities": ("/trainings/activities/", "person"),
    "activity_new": ("/trainings/activities/new/", "person"),
    "team": ("/team/", "leader"),
    "approvals": ("/team/approvals/", "person"),
    "notifications": ("/notifications/", "person"),
    "login": ("/accounts/login/", "anonymous"),
    "livez": ("/livez", "anonymous"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="*", metavar="PAGE", help=", ".join(PAGES))
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--profile", choices=list(PAGES))
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--dump", help="with --profile: write the cProfile data to this file")
    args = parser.parse_args()
    args.pages = args.pages or list(PAGES)
    if unknown := set(args.pages) - set(PAGES):
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")

    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rumahbelajar.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Q
    from django.test import Client

    User = get_user_model()
    rng = random.Random(SEED)
    need = 2 * args.people
    staff = list(
        User.objects.filter(email__regex=NUMBERED, is_active=True, nip__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    leaders = list(
        User.objects.filter(email__regex=NUMBERED, is_active=True, supervisees__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    hr = User.objects.get(email=HR_EMAIL)
    subtrees = Q()
    for unit in hr.managed_units.all():
        subtrees |= Q(unit__path__startswith=unit.path)
    managed = list(
        User.objects.filter(subtrees, is_active=True, nip__isnull=False)
        .exclude(pk=hr.pk)
        .values_list("nip", flat=True)
    )
    people = {
        "person": rng.sample(staff, min(need, len(staff))),
        "leader": rng.sample(leaders, min(need, len(leaders))),
    }
    nips = rng.sample(managed, min(need, len(managed)))

    handler = Client().handler
    users = {u.pk: u for u in User.objects.filter(pk__in=people["person"] + people["leader"])}

    def client_for(who: str, i: int) -> tuple[Client, str]:
        client = Client()
        client.handler = handler  # one handler for all, as one worker's threads share one
        if who == "hr":
            client.force_login(hr)
        elif who != "anonymous":
            ids = people[who]
            client.force_login(users[ids[i % len(ids)]])
        return client, nips[i % len(nips)]

    print(f"{'page':<14} {'calls/req':>10} {'CPU ms/req':>11} {'queries':>8}")
    for label in args.pages:
        path, who = PAGES[label]
        crowd = [client_for(who, i) for i in range(need)]
        warm, measured = crowd[: args.people], crowd[args.people :]
        for client, nip in warm:
            answer = client.get(path.format(nip=nip))
            if answer.status_code != 200:
                raise SystemExit(f"{label}: {path.format(nip=nip)} answered {answer.status_code}")
        # CPU time without the profiler: the median over batches of requests.
        times = []
        batch = max(1, len(measured) // 10)
        for start in range(0, len(measured), batch):
            began = time.thread_time()
            for client, nip in measured[start : start + batch]:
                client.get(path.format(nip=nip))
            times.append((time.thread_time() - began) / len(measured[start : start + batch]))
        # Calls with the profiler, over the same people (their second view: no first-view work).
        profiler = cProfile.Profile()
        from django.db import connection

        queries = 0

        def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            profiler.enable()
            for client, nip in measured:
                client.get(path.format(nip=nip))
            profiler.disable()
        stats = pstats.Stats(profiler)
        calls = stats.total_calls / len(measured)  # type: ignore[attr-defined]
        print(
            f"{label:<14} {calls:>10,.0f} {statistics.median(times) * 1000:>11.2f} "
            f"{queries / len(measured):>8.1f}",
            flush=True,
        )
        if args.profile == label:
            stats.sort_stats("tottime").print_stats(args.top)
            if args.dump:
                stats.dump_stats(args.dump)


if __name__ == "__main__":
    main()
