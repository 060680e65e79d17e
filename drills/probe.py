"""The drills' hands inside Django: `probe.py ACTION [ARGS]` runs in the drill's environment (its
own database and Redis) and prints one JSON line. Set-up (sessions, a token, files, jobs) goes
through the project's own services; the checks read the database directly.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rumahbelajar.settings")


def _setup() -> None:
    import django

    django.setup()


def sessions(count: str) -> list[dict]:
    """Logged-in sessions for `count` employees with a position, made through the session store
    as bench/crowd_sessions.py does (what django.contrib.auth.login would hold, idle clock too)."""
    import time
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string

    from rumahbelajar.people.middleware import _LAST_SEEN_KEY
    from rumahbelajar.people.models import User

    engine = import_module(settings.SESSION_ENGINE)
    people = User.objects.filter(
        is_active=True, is_staff=False, is_superuser=False, position__isnull=False
    ).order_by("pk")[: int(count)]
    out = []
    for user in people:
        store = engine.SessionStore()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[_LAST_SEEN_KEY] = int(time.time())
        store.set_expiry(settings.SESSION_IDLE_SECONDS)
        store.create()
        csrf = get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)
        out.append(
            {
                "session": store.session_key,
                "csrf": csrf,
                "name": user.full_name,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
            }
        )
    return out


def token(name: str) -> str:
    from competency import tokens

    _token, plaintext = tokens.create_api_token(name=name)
    return plaintext


def plan(count: str, prefix: str) -> list[dict]:
    """`count` valid results for the API: employees with a NIP and a position, each competency
    their position's standard asks for, distinct external ids `prefix-<n>`."""
    import datetime as dt

    from competency.models import PositionStandard
    from rumahbelajar.people.models import User

    people = list(
        User.objects.filter(nip__isnull=False, position__isnull=False, is_active=True)
        .exclude(nip="")
        .order_by("pk")
        .values_list("nip", "position_id")
    )
    standards: dict[int, list[str]] = {}
    for position_id, code in PositionStandard.objects.values_list(
        "position_id", "competency__code"
    ):
        standards.setdefault(position_id, []).append(code)
    pairs = [(nip, code) for nip, pos in people for code in sorted(standards.get(pos, []))]
    if not pairs:
        raise SystemExit("no employee with a NIP, a position and a standard in the seed")
    day = dt.date.today() - dt.timedelta(days=1)
    return [
        {
            "nip": pairs[n % len(pairs)][0],
            "competency": pairs[n % len(pairs)][1],
            "level": 1 + n % 5,
            "assessed_on": (day - dt.timedelta(days=n // len(pairs))).isoformat(),
            "external_id": f"{prefix}-{n}",
        }
        for n in range(int(count))
    ]


def results(prefix: str) -> dict:
    from competency.models import AssessmentResult

    rows = AssessmentResult.objects.filter(external_id__startswith=f"{prefix}-")
    return {"rows": rows.count(), "distinct": rows.values("external_id").distinct().count()}


def maps() -> dict:
    """Stale maps, and maps that differ from a fresh recomputation (done in a transaction that
    is rolled back, so it changes nothing): both must be 0 for "every map correct"."""
    from django.db import transaction

    from competency.models import CompetencyMap
    from competency.services import maps as map_services

    def snapshot() -> dict:
        found: dict = {}
        for m in CompetencyMap.objects.prefetch_related("items"):
            items = sorted(
                (
                    i.competency_id,
                    i.required,
                    i.achieved,
                    i.gap,
                    i.assessed,
                    str(i.last_assessed_on),
                )
                for i in m.items.all()
            )
            found[m.employee_id] = (
                str(m.jpm),
                m.category,
                m.required_total,
                m.achieved_total,
                m.position_id,
                items,
            )
        return found

    stale = CompetencyMap.objects.filter(stale=True).count()
    before = snapshot()
    with transaction.atomic():
        map_services.recompute_all_maps()
        after = snapshot()
        transaction.set_rollback(True)
    wrong = sum(1 for key, value in after.items() if before.get(key) != value)
    return {"maps": len(after), "stale": stale, "wrong": wrong}


def training(capacity: str) -> str:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from training import services
    from training.models import Training, TrainingKind, TrainingMode, TrainingStatus

    now = timezone.now()
    slug = f"drill-kapasitas-{capacity}-{int(now.timestamp())}"
    services.save_training(
        training=Training(
            title=f"Pelatihan Drill {capacity}",
            slug=slug,
            kind=TrainingKind.OPEN,
            mode=TrainingMode.KLASIKAL,
            jp=Decimal("8"),
            capacity=int(capacity),
            status=TrainingStatus.PUBLISHED,
            place="Aula Drill",
            start_at=now + dt.timedelta(days=30),
            end_at=now + dt.timedelta(days=30, hours=8),
            registration_opens_at=now - dt.timedelta(days=1),
            registration_closes_at=now + dt.timedelta(days=29),
        )
    )
    return slug


def enrolments(slug: str) -> dict:
    from django.db.models import Count

    from training.models import Enrollment

    rows = Enrollment.objects.filter(training__slug=slug).exclude(status="cancelled")
    by_status = dict(rows.values_list("status").annotate(n=Count("id")))
    return {
        "registered": by_status.get("registered", 0),
        "waitlisted": by_status.get("waitlisted", 0),
        "rows": rows.count(),
        "people": rows.values("employee_id").distinct().count(),
    }


def _superuser():
    from rumahbelajar.people.models import User

    return User.objects.filter(is_superuser=True).order_by("pk").first()


def import_results(path: str) -> int:
    from django.core.files import File

    from competency.imports import result_import

    with open(path, "rb") as handle:
        job = result_import.start(
            requested_by=_superuser(),
            uploaded_file=File(handle, name=Path(path).name),
            file_format="xlsx" if path.endswith(".xlsx") else "csv",
            original_name=Path(path).name,
        )
    return job.pk


def confirm(job_id: str) -> str:
    from competency.imports import result_import
    from competency.models import ResultImport

    job = result_import.confirm(
        job=ResultImport.objects.get(pk=int(job_id)), confirmed_by=_superuser()
    )
    return job.status


def job(kind: str, job_id: str) -> dict:
    if kind == "ebooks":
        from ebooks.models import EbookImport as Model
    else:
        from competency.models import ResultImport as Model
    found = Model.objects.get(pk=int(job_id))
    out = {
        "status": found.status,
        "attempts": found.attempts,
        "message": getattr(found, "message", ""),
    }
    for name in ("new_count", "existing_count", "error_count", "total_rows", "report"):
        if hasattr(found, name):
            out[name] = getattr(found, name)
    return out


def import_ebooks(*paths: str) -> int:
    from django.core.files import File

    from ebooks.services.bulk import start_ebook_import

    handles = [open(path, "rb") for path in paths]  # noqa: SIM115  (closed below)
    try:
        uploads = [File(h, name=Path(p).name) for h, p in zip(handles, paths, strict=True)]
        return start_ebook_import(requested_by=_superuser(), uploads=uploads).pk
    finally:
        for handle in handles:
            handle.close()


def recompute_all() -> int:
    """Queues the bulk recompute of every map on the worker (what HR's "recompute all" does)."""
    from competency.models import CompetencyMap
    from competency.tasks import recompute_position_maps_task
    from rumahbelajar.people.models import Position

    CompetencyMap.objects.update(stale=True)
    ids = list(Position.objects.values_list("pk", flat=True))
    for position_id in ids:
        recompute_position_maps_task.delay(position_id=position_id)
    return len(ids)


def in_worker_state(kind: str) -> int:
    if kind == "ebooks":
        from ebooks.models import EbookImport as Model
    else:
        from competency.models import ResultImport as Model
    return Model.objects.filter(status__in=Model.WORKER_STATES).count()


ACTIONS = {
    "sessions": sessions,
    "token": token,
    "plan": plan,
    "results": results,
    "maps": maps,
    "training": training,
    "enrolments": enrolments,
    "import-results": import_results,
    "confirm": confirm,
    "job": job,
    "import-ebooks": import_ebooks,
    "recompute-all": recompute_all,
    "in-worker-state": in_worker_state,
}


def main() -> int:
    action, *args = sys.argv[1:]
    _setup()
    print(json.dumps(ACTIONS[action](*args), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
