"""Makes the crowd of the web benchmark: logged-in sessions for many distinct people, and what
each one's requests are about. Run by web.py in the benchmark's environment (the server's own
DATABASE_URL and REDIS_URL), never by hand against a real database:

    python bench/crowd_sessions.py PEOPLE OUT.json

Sessions go straight into the session store (settings.SESSION_ENGINE, whatever it is: cache,
cached_db, db), as django.contrib.auth.login would leave them: the login form is rate limited,
and thousands of logins would measure the password hash, not the pages. Each person also gets a
CSRF cookie of their own, as a browser holds after its first page.

Writes JSON: the cookie names, PEOPLE numbered employees spread over the whole staff (session,
CSRF secret, name as the page shows it), the HR account's session with PEOPLE employees of the
units it manages, PEOPLE published e-books, the published trainings still open in the catalogue,
and each person's certificate (id, verification code, number, the PDF's file name: the download
and the verification page). Texts are HTML-escaped as a template prints them, so an answer can be
checked for them.

Certificates: people of the crowd who hold none get one, set-based and in one transaction: a
completed enrolment each on one past bench training, certificates numbered from the year's
counter as training.certificates numbers them, in a few bulk inserts. Their PDF is rendered once
and shared by all of them (a render is the worker's job, ~0.1 s each: thousands would make the
crowd slow to build; a download streams whichever stored file the row names, so the download's
cost is the same). Runs again add only what is missing.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
HR_EMAIL = "hr@demo.rumahbelajar.id"
# The demo supervisor: head of a unit, so their team is the unit's people (/team/); the team
# page's crowd when no numbered employee leads a team (a seed too small for teams).
SUPERVISOR_EMAIL = "atasan@demo.rumahbelajar.id"
NUMBERED = r"^pegawai[0-9]{4,}@demo\.rumahbelajar\.id$"
SEED = 12  # the same crowd every run, so runs compare


def main(people: int, out: Path) -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rumahbelajar.settings")
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Q
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string
    from django.utils.html import escape
    from django.utils.timezone import now

    from ebooks.models import Ebook
    from rumahbelajar.people.middleware import start_idle_clock
    from rumahbelajar.people.models import User
    from training import certificate_serving
    from training.models import Training, TrainingStatus

    started = time.monotonic()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    # The backend allauth's login records (its own comes first in the settings).
    backend = settings.AUTHENTICATION_BACKENDS[0]
    rng = random.Random(SEED)

    def session_for(user: User) -> dict[str, str]:
        session = store()
        session[SESSION_KEY] = user._meta.pk.value_to_string(user)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        # The idle clock a login starts (people.middleware.start_idle_clock): without it every
        # person's first page would write their session, which no real visit does.
        start_idle_clock(None, request=SimpleNamespace(session=session))
        session.save()
        return {
            "session": session.session_key,
            "csrf": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
            "name": escape(user.full_name or user.email),
        }

    def sample(ids: list[int], count: int, what: str) -> list[int]:
        if len(ids) < count:
            raise SystemExit(f"only {len(ids)} {what}, the crowd needs {count}")
        return sorted(rng.sample(ids, count))

    # People: numbered employees drawn across the whole staff (every unit, position, rank).
    staff = list(
        User.objects.filter(email__regex=NUMBERED, is_active=True, nip__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    chosen = sample(staff, people, "active numbered employees")
    crowd = [session_for(user) for user in User.objects.filter(pk__in=chosen).order_by("pk")]
    crowd_ids = sorted(chosen)
    order = list(range(len(crowd)))
    rng.shuffle(order)
    crowd, crowd_ids = [crowd[i] for i in order], [crowd_ids[i] for i in order]

    # Supervisors: the numbered employees who lead a team (seed_demo makes teams in large units),
    # each asking for their own /team/; the demo unit head when there are none.
    leaders = list(
        User.objects.filter(email__regex=NUMBERED, is_active=True, supervisees__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    led = sorted(rng.sample(leaders, min(people, len(leaders))))
    supervisors = [session_for(user) for user in User.objects.filter(pk__in=led).order_by("pk")]
    supervisors = supervisors or [session_for(User.objects.get(email=SUPERVISOR_EMAIL))]
    rng.shuffle(supervisors)

    # HR and the employees of the units it manages (their subtrees), HR itself excluded.
    hr = User.objects.get(email=HR_EMAIL)
    subtrees = Q()
    for unit in hr.managed_units.all():
        subtrees |= Q(unit__path__startswith=unit.path)
    if not subtrees:
        raise SystemExit(f"{HR_EMAIL} manages no unit")
    managed = list(
        User.objects.filter(subtrees, is_active=True, nip__isnull=False)
        .exclude(pk=hr.pk)
        .values_list("pk", flat=True)
    )
    employees = [
        {"nip": nip, "name": escape(name)}
        for nip, name in User.objects.filter(pk__in=sample(managed, people, "managed employees"))
        .order_by("pk")
        .values_list("nip", "full_name")
    ]
    rng.shuffle(employees)

    books_ids = list(Ebook.objects.filter(is_published=True).values_list("pk", flat=True))
    books = [
        {"ref": slug, "title": escape(title)}
        for slug, title in Ebook.objects.filter(pk__in=sample(books_ids, people, "e-books"))
        .order_by("pk")
        .values_list("slug", "title")
    ]
    rng.shuffle(books)

    trainings = [
        {"ref": slug, "title": escape(title)}
        for slug, title in Training.objects.filter(
            status=TrainingStatus.PUBLISHED, start_at__gt=now()
        )
        .order_by("pk")
        .values_list("slug", "title")
    ]
    if not trainings:
        raise SystemExit("no published upcoming training")
    rng.shuffle(trainings)

    # Each person's certificate: the download (as its holder) and its verification page (as
    # anyone scanning its QR code).
    held = certificates_of(chosen)
    for person, user_id in zip(crowd, crowd_ids, strict=True):
        certificate = held[user_id]
        person["certificate"] = {
            "id": str(certificate.pk),
            "code": certificate.code,
            "number": escape(certificate.number),
            "file": certificate_serving._filename(certificate),
        }

    # Statistics for the rows just added, as autovacuum would gather them on a live server (it
    # may be off, as on the benchmark machine): planned from empty tables, a person's trainings
    # read every certificate in the table.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE django_session, training_training, training_enrollment, training_certificate"
        )

    out.write_text(
        json.dumps(
            {
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "session_engine": settings.SESSION_ENGINE,
                "people": crowd,
                "hr": session_for(hr),
                "supervisors": supervisors,
                "employees": employees,
                "books": books,
                "trainings": trainings,
            }
        )
    )
    print(
        f"crowd: {len(crowd)} sessions ({settings.SESSION_ENGINE}), {len(supervisors)} "
        f"supervisors, {len(employees)} managed "
        f"employees, {len(books)} books, {len(trainings)} trainings, {len(held)} certificates "
        f"in {time.monotonic() - started:.1f} s"
    )


BENCH_TRAINING = "bench-sertifikat"  # the past training the crowd's certificates come from
BENCH_PDF = "certificates/bench/shared.pdf"
BATCH = 2000


def certificates_of(user_ids: list[int]) -> dict:
    """A valid certificate per person (theirs, or one made now), keyed by user id."""
    import datetime as dt
    import secrets
    from decimal import Decimal

    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.db import transaction
    from django.utils import timezone

    from rumahbelajar.people.models import User
    from training.certificate_pdf import render_pdf
    from training.certificates import CODE_BYTES, format_number
    from training.models import (
        Certificate,
        CertificateSequence,
        Enrollment,
        EnrollmentSource,
        EnrollmentStatus,
        Training,
        TrainingKind,
        TrainingMode,
        TrainingStatus,
    )

    def valid() -> dict[int, Certificate]:
        rows = Certificate.objects.filter(holder_id__in=user_ids, revoked_at__isnull=True)
        return {row.holder_id: row for row in rows.order_by("holder_id", "-pk")}

    held = valid()
    missing = [pk for pk in user_ids if pk not in held]
    if missing:
        now = timezone.now()
        start = now - dt.timedelta(days=30)
        with transaction.atomic():
            training, _ = Training.objects.get_or_create(
                slug=BENCH_TRAINING,
                defaults={
                    "title": "Pelatihan Tata Naskah Dinas (benchmark)",
                    "kind": TrainingKind.OPEN,
                    "mode": TrainingMode.KLASIKAL,
                    "jp": Decimal("8"),
                    "capacity": 100_000,
                    "status": TrainingStatus.PUBLISHED,
                    "start_at": start,
                    "end_at": start + dt.timedelta(hours=8),
                },
            )
            Enrollment.objects.bulk_create(
                [
                    Enrollment(
                        training=training,
                        employee_id=pk,
                        source=EnrollmentSource.SELF,
                        status=EnrollmentStatus.COMPLETED,
                        registered_at=start,
                        completed_at=now,
                        attendance_marked_at=now,
                    )
                    for pk in missing
                ],
                batch_size=BATCH,
                ignore_conflicts=True,
            )
            enrolled = dict(
                Enrollment.objects.filter(
                    training=training, employee_id__in=missing, status=EnrollmentStatus.COMPLETED
                ).values_list("employee_id", "pk")
            )
            people = User.objects.filter(pk__in=missing).order_by("pk")
            people = list(people.only("pk", "full_name", "email", "nip"))
            year = timezone.localtime(now).year
            counter, _ = CertificateSequence.objects.select_for_update().get_or_create(year=year)
            first = counter.last + 1
            counter.last += len(people)
            counter.save(update_fields=["last"])
            day = timezone.localtime(start).date()
            Certificate.objects.bulk_create(
                [
                    Certificate(
                        number=format_number(year=year, sequence=first + offset),
                        year=year,
                        sequence=first + offset,
                        code=secrets.token_urlsafe(CODE_BYTES),
                        holder_id=person.pk,
                        enrollment_id=enrolled[person.pk],
                        holder_name=person.full_name or person.email,
                        holder_nip=person.nip or "",
                        title=training.title,
                        started_on=day,
                        ended_on=day,
                        mode="Klasikal",
                        jp=training.jp,
                        issuer=settings.CERTIFICATE_ISSUER,
                        issued_at=now,
                        file=BENCH_PDF,
                    )
                    for offset, person in enumerate(people)
                ],
                batch_size=BATCH,
            )
        held = valid()
    if not default_storage.exists(BENCH_PDF):
        sample = held[user_ids[0]]
        content = render_pdf(sample, url=sample.verification_url)
        default_storage.save(BENCH_PDF, ContentFile(content))
    return held


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
