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
and the code of a certificate of the demo employee (the verification page's one request).
Texts are HTML-escaped as a template prints them, so an answer can be checked for them.
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
DEMO_EMAIL = "pegawai@demo.rumahbelajar.id"
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
    from training.models import Certificate, Training, TrainingStatus

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
    rng.shuffle(crowd)

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

    # What an anonymous visitor checks: a certificate seed_demo issued to the demo employee.
    certificate = (
        Certificate.objects.filter(holder__email=DEMO_EMAIL, revoked_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if certificate is None:
        raise SystemExit(f"no certificate of {DEMO_EMAIL}")

    out.write_text(
        json.dumps(
            {
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
                "session_engine": settings.SESSION_ENGINE,
                "people": crowd,
                "hr": session_for(hr),
                "employees": employees,
                "books": books,
                "trainings": trainings,
                "certificate": {"code": certificate.code, "number": escape(certificate.number)},
            }
        )
    )
    print(
        f"crowd: {len(crowd)} sessions ({settings.SESSION_ENGINE}), {len(employees)} managed "
        f"employees, {len(books)} books, {len(trainings)} trainings "
        f"in {time.monotonic() - started:.1f} s"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
