"""The training part of the demo data: a dozen trainings across modes and kinds, the contract's
"Pelatihan Demo Kapasitas Terbatas" (open, capacity 10, registration open, starting in the future,
no one registered), "Pelatihan Demo Perlu Persetujuan" (open, registration needs the supervisor's
approval), one mandated training assigned to pegawai@demo.rumahbelajar.id by
hr@demo.rumahbelajar.id, and completed trainings, each with its certificate, plus a coaching
record so that the demo employee has 12 JP this year (of 20).

Called by `manage.py seed_demo` after the people (and competency) demo data. Idempotent: keyed on
slugs (the completed trainings carry the year in theirs), emails and descriptions; dates are
relative to the first run, and only refreshed when a training that must lie in the future no
longer does. Every write goes through training.services, except the extra trainings
(`seed_demo --trainings N`, for benchmarks): N more open trainings in the same style, numbered
and keyed on their slugs, inserted in chunks with bulk_create (seconds for hundreds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from competency.models import Competency
from rumahbelajar.people.models import Position, Unit, User
from training import cache as catalogue_cache
from training import certificates, services
from training.models import (
    ActivityType,
    Enrollment,
    EnrollmentStatus,
    LearningKind,
    LearningRecord,
    Training,
    TrainingCompetency,
    TrainingKind,
    TrainingMode,
    TrainingStatus,
)

DEMO_TRAINING_TITLE = "Pelatihan Demo Kapasitas Terbatas"
DEMO_TRAINING_SLUG = "pelatihan-demo-kapasitas-terbatas"
APPROVAL_TRAINING_TITLE = "Pelatihan Demo Perlu Persetujuan"
APPROVAL_TRAINING_SLUG = "pelatihan-demo-perlu-persetujuan"
ASSIGNED_SLUG = "pelatihan-pengarusutamaan-ham-bagi-asn"
EMAIL_DOMAIN = "demo.rumahbelajar.id"
HR_EMAIL = f"hr@{EMAIL_DOMAIN}"
EMPLOYEE_EMAIL = f"pegawai@{EMAIL_DOMAIN}"
SUPERVISOR_EMAIL = f"atasan@{EMAIL_DOMAIN}"
#: The demo employee's learning log: (kind, title, minutes, summary, impact); one kept waiting
#: for the supervisor, one approved with its JP.
WAITING_REPORT = (
    "seminar",
    "Seminar Nasional Pelayanan Hukum Digital",
    180,
    "Praktik layanan hukum daring di kantor wilayah lain dan cara mengukur kepuasan pemohon.",
    "Saya menyusun usulan survei kepuasan daring untuk layanan di divisi kami.",
)
APPROVED_REPORT = (
    "mentoring",
    "Mentoring penyusunan telaahan staf",
    90,
    "Struktur telaahan staf yang ringkas dan cara menyajikan alternatif kebijakan.",
    "Telaahan staf saya kini selesai lebih cepat dan jarang dikembalikan.",
)
MINISTRY = "kemenkumham"
BPSDM_PLACE = "Kampus BPSDM Hukum dan HAM, Jl. Raya Gandul No. 4, Cinere, Depok"
ONLINE = "https://elearning.bpsdm.example.id/kelas/"

_K, _B, _E = TrainingMode.KLASIKAL, TrainingMode.BLENDED, TrainingMode.E_LEARNING
_OPEN, _MANDATED = TrainingKind.OPEN, TrainingKind.MANDATED


@dataclass(frozen=True)
class DemoTraining:
    slug: str
    title: str
    kind: str
    mode: str
    jp: str
    start_in_days: int
    days: int
    capacity: int
    competencies: tuple[tuple[str, int], ...]
    description: str
    eligible_positions: tuple[str, ...] = ()
    registrants: int = 0  # numbered demo employees registered, for a lived-in catalogue
    requires_approval: bool = False  # self-registration waits for the supervisor's approval


# fmt: off
TRAININGS: list[DemoTraining] = [
    DemoTraining(DEMO_TRAINING_SLUG, DEMO_TRAINING_TITLE, _OPEN, _K, "8", 30, 1, 10, (("M3", 2),),
                 "Pelatihan singkat untuk mencoba pendaftaran, daftar tunggu, dan pembatalan: "
                 "kuotanya hanya 10 peserta."),
    DemoTraining(APPROVAL_TRAINING_SLUG, APPROVAL_TRAINING_TITLE, _OPEN, _K, "16", 25, 2, 20,
                 (("M7", 2),),
                 "Pelatihan untuk mencoba pendaftaran yang perlu persetujuan atasan langsung: "
                 "permintaan Anda menunggu di /team/approvals/ atasan Anda.",
                 requires_approval=True),
    DemoTraining("pelatihan-perancangan-peraturan-perundang-undangan",
                 "Pelatihan Perancangan Peraturan Perundang-undangan", _OPEN, _K, "40", 21, 5, 30,
                 (("M4", 3), ("M8", 2), ("T1", 2)),
                 "Teknik penyusunan naskah akademik dan rancangan peraturan sesuai UU 12/2011 "
                 "beserta perubahannya, dengan praktik harmonisasi.",
                 registrants=12),
    DemoTraining("diklat-kepemimpinan-pengawas", "Diklat Kepemimpinan Pengawas", _MANDATED, _B,
                 "60", 45, 10, 40, (("M5", 2), ("M6", 2), ("M7", 2)),
                 "Pelatihan Kepemimpinan Pengawas (PKP) bagi pejabat pengawas: kepemimpinan "
                 "kinerja, pengelolaan perubahan, dan aktualisasi.",
                 eligible_positions=("kepala-subbagian", "kepala-seksi")),
    DemoTraining("webinar-pelayanan-publik-berbasis-ham", "Webinar Pelayanan Publik Berbasis HAM",
                 _OPEN, _E, "3", 7, 1, 500, (("M6", 2), ("SK1", 2)),
                 "Penerapan prinsip hak asasi manusia dalam standar pelayanan publik unit kerja.",
                 registrants=40),
    DemoTraining("pelatihan-teknis-pembimbing-kemasyarakatan",
                 "Pelatihan Teknis Pembimbing Kemasyarakatan", _OPEN, _K, "32", 35, 4, 30,
                 (("M4", 2), ("M3", 2)),
                 "Penelitian kemasyarakatan, pendampingan klien, dan penyusunan litmas.",
                 eligible_positions=("pk-ahli-pertama", "pk-ahli-muda", "pk-terampil", "pk-mahir",
                                     "pk-penyelia")),
    DemoTraining("bimtek-analisis-beban-kerja", "Bimbingan Teknis Analisis Beban Kerja", _OPEN, _K,
                 "16", 14, 2, 25, (("M4", 2), ("M7", 2)),
                 "Menghitung beban kerja jabatan dan kebutuhan pegawai dengan metode ABK.",
                 registrants=6),
    DemoTraining("e-learning-orientasi-nilai-berakhlak", "E-learning Orientasi Nilai BerAKHLAK",
                 _OPEN, _E, "10", 3, 30, 1000, (("M1", 2), ("M2", 2)),
                 "Kelas mandiri daring tentang nilai dasar ASN BerAKHLAK, dengan kuis per modul.",
                 registrants=25),
    DemoTraining("pelatihan-pelayanan-keimigrasian-digital",
                 "Pelatihan Pelayanan Keimigrasian Berbasis Digital", _OPEN, _B, "24", 28, 3, 30,
                 (("M6", 3),),
                 "Layanan paspor dan izin tinggal daring: alur kerja, keamanan data, dan "
                 "penanganan pengaduan."),
    DemoTraining("pelatihan-penyuluhan-hukum", "Pelatihan Penyuluhan Hukum bagi Penyuluh Hukum",
                 _OPEN, _K, "32", 40, 4, 30, (("M3", 3), ("SK1", 2)),
                 "Metode penyuluhan hukum langsung dan melalui media, serta desa sadar hukum.",
                 eligible_positions=("penyuluh-hukum-ahli-pertama", "penyuluh-hukum-ahli-muda",
                                     "penyuluh-hukum-ahli-madya")),
    DemoTraining("pelatihan-manajemen-arsip-dinamis", "Pelatihan Manajemen Arsip Dinamis", _OPEN,
                 _K, "12", 18, 2, 20, (("M4", 2),),
                 "Penciptaan, penggunaan, pemeliharaan, dan penyusutan arsip dinamis."),
    DemoTraining("pelatihan-keamanan-informasi-pdp",
                 "Pelatihan Keamanan Informasi dan Pelindungan Data Pribadi", _MANDATED, _E, "6",
                 10, 14, 2000, (("M1", 2), ("M8", 2)),
                 "Materi wajib: kata sandi, phishing, klasifikasi informasi, dan UU 27/2022."),
    DemoTraining(ASSIGNED_SLUG, "Pelatihan Pengarusutamaan HAM bagi ASN", _MANDATED, _B, "16", 20,
                 2, 60, (("SK1", 3), ("M1", 2)),
                 "Pelatihan wajib: prinsip HAM dalam perumusan kebijakan dan pelayanan."),
    DemoTraining("pelatihan-analisis-dan-evaluasi-hukum",
                 "Pelatihan Analisis dan Evaluasi Hukum", _OPEN, _K, "24", 60, 3, 30,
                 (("M8", 3), ("M4", 2)),
                 "Menilai efektivitas peraturan perundang-undangan dengan enam dimensi analisis.",
                 eligible_positions=("analis-hukum-ahli-pertama", "analis-hukum-ahli-muda",
                                     "analis-hukum-ahli-madya", "analis-hukum-ahli-utama")),
]

# Completed by the demo employee this year: (slug stem, title, mode, jp, days ago).
COMPLETED: list[tuple[str, str, str, str, int]] = [
    ("pelatihan-dasar-analisis-hukum", "Pelatihan Dasar Analisis Hukum", _K, "8", 40),
    ("e-learning-etika-pelayanan-publik", "E-learning Etika Pelayanan Publik", _E, "2", 20),
]
COACHING = ("Coaching penyusunan telaahan staf bersama Kepala Divisi", Decimal("2"))

# The extra trainings (seed_demo --trainings N): later batches (angkatan) of these topics.
# (title stem, mode, jp, days, capacity, competencies)
EXTRA_PREFIX = "angkatan-"
EXTRA_CHUNK = 500
EXTRA_TOPICS: list[tuple[str, str, str, int, int, tuple[tuple[str, int], ...]]] = [
    ("Pelatihan Perancangan Peraturan Perundang-undangan", _K, "40", 5, 30, (("M4", 3), ("M8", 2))),
    ("Webinar Pelayanan Publik Berbasis HAM", _E, "3", 1, 500, (("M6", 2), ("SK1", 2))),
    ("Bimbingan Teknis Analisis Beban Kerja", _K, "16", 2, 25, (("M4", 2), ("M7", 2))),
    ("E-learning Orientasi Nilai BerAKHLAK", _E, "10", 30, 1000, (("M1", 2), ("M2", 2))),
    ("Pelatihan Pelayanan Keimigrasian Berbasis Digital", _B, "24", 3, 30, (("M6", 3),)),
    ("Pelatihan Manajemen Arsip Dinamis", _K, "12", 2, 20, (("M4", 2),)),
    ("Pelatihan Penulisan Telaahan Staf", _K, "16", 2, 30, (("M3", 2), ("M4", 2))),
    ("E-learning Literasi Digital bagi ASN", _E, "8", 14, 2000, (("M1", 2), ("M8", 2))),
    ("Pelatihan Mediasi Sengketa Kekayaan Intelektual", _B, "24", 3, 25, (("M3", 3), ("SK1", 2))),
    ("Bimbingan Teknis Penyusunan SKP", _K, "8", 1, 40, (("M7", 2),)),
]
# fmt: on


def _say(log: Callable[[str], Any] | None, text: str) -> None:
    if log is not None:
        log(text)


def seed(
    *,
    stdout: Any = None,
    log: Callable[[str], Any] | None = None,
    employees: int | None = None,
    trainings: int | None = None,
    **_options: Any,
) -> dict[str, int]:
    """Creates what is missing of the training demo data; returns counts. Side effects: emails
    the assigned demo employee after commit (once, when first assigned)."""
    if log is None and stdout is not None:
        log = stdout.write
    extra_count = trainings or 0
    hr = User.objects.filter(email=HR_EMAIL).first()
    employee = User.objects.select_related("unit").filter(email=EMPLOYEE_EMAIL).first()
    organiser = Unit.objects.filter(code=MINISTRY).first()
    now = timezone.now()
    created = 0
    with transaction.atomic():
        demo: dict[str, Training] = {}
        for spec in TRAININGS:
            training, new = _ensure_training(spec, organiser=organiser, now=now)
            demo[spec.slug] = training
            created += new
        _fill_with_registrants(demo, now=now)
        if hr is not None and employee is not None:
            _assign_demo_employee(demo[ASSIGNED_SLUG], employee=employee, hr=hr, now=now)
    if hr is not None and employee is not None:
        _ensure_completed(employee=employee, hr=hr, organiser=organiser, now=now)
        # Completions recorded before certificates existed get theirs (a no-op afterwards).
        certificates.issue_missing(employee_ids=[employee.pk])
        _ensure_coaching(employee=employee, hr=hr, now=now)
        _ensure_reports(employee=employee, now=now, log=log)
    else:
        _say(log, "training: demo accounts missing (run the people demo first); no enrolments")
    numbered_jp = _ensure_numbered_jp(now=now)
    if numbered_jp:
        _say(log, f"training: {numbered_jp} JP ledger lines for numbered employees")
    _say(
        log,
        f"training: {len(TRAININGS)} demo trainings ({created} new); "
        f"'{DEMO_TRAINING_TITLE}' open with capacity 10",
    )
    extra = add_extra_trainings(count=extra_count, organiser=organiser, now=now)
    if extra:
        _say(log, f"training: {extra} extra trainings ({EXTRA_PREFIX}…)")
    # Demo rows go in partly by raw SQL: make the catalogue render afresh.
    catalogue_cache.bump_version()
    return {"created": created}


# This year's JP of the numbered employees, so that the JP compliance report (/reports/jp/) shows
# variety: about a fifth have none, the rest 2-30 JP, klasikal or nonklasikal, all from md5 of
# the NIP (the same on every run and machine). One INSERT ... SELECT, keyed on its description.
NUMBERED_JP_DESCRIPTION = "Demo: pengembangan kompetensi mandiri"
_NUMBERED_JP_SQL = """
    INSERT INTO training_learningrecord
        (employee_id, year, jp, kind, activity_type, description, date, created_at)
    SELECT u.id, %(year)s, 2 + get_byte(decode(md5(u.nip || ':jp'), 'hex'), 0) %% 29,
           CASE WHEN get_byte(decode(md5(u.nip || ':jp'), 'hex'), 1) < 128
                THEN 'klasikal' ELSE 'nonklasikal' END,
           CASE WHEN get_byte(decode(md5(u.nip || ':jp'), 'hex'), 1) < 128
                THEN 'seminar' ELSE 'e_learning' END,
           %(description)s, %(date)s, %(now)s
    FROM people_user u
    WHERE u.email ~ '^pegawai[0-9]+@' AND u.nip IS NOT NULL
      AND get_byte(decode(md5(u.nip || ':jp'), 'hex'), 2) >= 51
      AND NOT EXISTS (
          SELECT 1 FROM training_learningrecord r
          WHERE r.employee_id = u.id AND r.year = %(year)s AND r.description = %(description)s
      )
"""


def _ensure_numbered_jp(*, now: dt.datetime) -> int:
    """Ledger lines of this year for the numbered employees that have none yet; how many."""
    today = timezone.localtime(now).date()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _NUMBERED_JP_SQL,
            {
                "year": today.year,
                "description": NUMBERED_JP_DESCRIPTION,
                "date": today,
                "now": now,
            },
        )
        return cursor.rowcount


def extra_slug(number: int) -> str:
    return f"{EXTRA_PREFIX}{number:04d}-{slugify(EXTRA_TOPICS[number % len(EXTRA_TOPICS)][0])}"


def add_extra_trainings(*, count: int, organiser: Unit | None, now: dt.datetime) -> int:
    """Makes sure the extra trainings 1 … count exist: open, published, registration open, starting
    within the next four months; returns how many were added. Idempotent (keyed on slugs; a
    concurrent run is harmless: ON CONFLICT DO NOTHING). Their dates are set when first created."""
    if count <= 0:
        return 0
    competencies = dict(Competency.objects.values_list("code", "pk"))
    day = timezone.localtime(now).replace(hour=8, minute=0, second=0, microsecond=0)
    added = 0
    for first in range(1, count + 1, EXTRA_CHUNK):
        numbers = range(first, min(first + EXTRA_CHUNK, count + 1))
        slugs = {extra_slug(n): n for n in numbers}
        existing = set(Training.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        rows = []
        for slug, number in slugs.items():
            if slug in existing:
                continue
            title, mode, jp, days, capacity, _codes = EXTRA_TOPICS[number % len(EXTRA_TOPICS)]
            start = day + dt.timedelta(days=3 + number % 120)
            hours = 8 if days == 1 else 9 + 24 * (days - 1)
            rows.append(
                Training(
                    slug=slug,
                    title=f"{title} Angkatan {number // len(EXTRA_TOPICS) + 2}",
                    description=f"Angkatan lanjutan: {title.lower()}.",
                    kind=_OPEN,
                    mode=mode,
                    jp=Decimal(jp),
                    capacity=capacity,
                    status=TrainingStatus.PUBLISHED,
                    organizer_unit=organiser,
                    place="" if mode == _E else BPSDM_PLACE,
                    online_url=ONLINE + slug if mode != _K else "",
                    start_at=start,
                    end_at=start + dt.timedelta(hours=hours),
                    registration_opens_at=day - dt.timedelta(days=7),
                    registration_closes_at=start - dt.timedelta(days=1),
                )
            )
        if not rows:
            continue
        with transaction.atomic():
            Training.objects.bulk_create(rows, ignore_conflicts=True)
            ids = dict(
                Training.objects.filter(slug__in=[row.slug for row in rows]).values_list(
                    "slug", "pk"
                )
            )
            links = [
                TrainingCompetency(
                    training_id=ids[slug], competency_id=competencies[code], level=lvl
                )
                for slug in ids
                for code, lvl in EXTRA_TOPICS[slugs[slug] % len(EXTRA_TOPICS)][5]
                if code in competencies
            ]
            TrainingCompetency.objects.bulk_create(links, ignore_conflicts=True)
        added += len(ids)
    return added


def _window(spec: DemoTraining, now: dt.datetime) -> dict[str, dt.datetime]:
    day = timezone.localtime(now).replace(hour=8, minute=0, second=0, microsecond=0)
    start = day + dt.timedelta(days=spec.start_in_days)
    hours = 8 if spec.days == 1 else 9 + 24 * (spec.days - 1)
    return {
        "start_at": start,
        "end_at": start + dt.timedelta(hours=hours),
        "registration_opens_at": day - dt.timedelta(days=7),
        "registration_closes_at": start - dt.timedelta(days=1),
    }


def _ensure_training(
    spec: DemoTraining, *, organiser: Unit | None, now: dt.datetime
) -> tuple[Training, bool]:
    training = Training.objects.filter(slug=spec.slug).first()
    new = training is None
    if training is None:
        training = Training(slug=spec.slug)
    stale = new or training.registration_closes_at is None or training.registration_closes_at <= now
    wanted: dict[str, Any] = {
        "title": spec.title,
        "description": spec.description,
        "kind": spec.kind,
        "mode": spec.mode,
        "jp": Decimal(spec.jp),
        "capacity": spec.capacity,
        "status": TrainingStatus.PUBLISHED,
        "requires_approval": spec.requires_approval,
        "organizer_unit": organiser,
        "place": "" if spec.mode == _E else BPSDM_PLACE,
        "online_url": ONLINE + spec.slug if spec.mode != _K else "",
    }
    if stale:  # first run, or the demo dates have passed: move them to the future again
        wanted.update(_window(spec, now))
    if new or any(getattr(training, k) != v for k, v in wanted.items()):
        for name, value in wanted.items():
            setattr(training, name, value)
        training = services.save_training(training=training)
    # Every run: a competency added to a demo training later reaches existing demo data too.
    for code, level in spec.competencies:
        competency = Competency.objects.filter(code=code).first()
        if competency is not None:
            _link, created = TrainingCompetency.objects.get_or_create(
                training=training, competency=competency, defaults={"level": level}
            )
            if created and not new:
                catalogue_cache.bump_version()  # the recommendations list its competencies
    if new and spec.eligible_positions:
        training.eligible_positions.set(Position.objects.filter(code__in=spec.eligible_positions))
    return training, new


def _fill_with_registrants(trainings: dict[str, Training], *, now: dt.datetime) -> None:
    """Registers the first numbered demo employees on some open trainings (never on the
    contract's capacity training, which starts empty)."""
    for spec in TRAININGS:
        if not spec.registrants or spec.slug == DEMO_TRAINING_SLUG:
            continue
        training = trainings[spec.slug]
        have = Enrollment.objects.filter(training=training).count()
        if have >= spec.registrants:
            continue
        people = (
            User.objects.filter(email__regex=rf"^pegawai[0-9]{{4}}@{EMAIL_DOMAIN}$")
            .exclude(enrollments__training=training)
            .select_related("unit")
            .order_by("email")[: spec.registrants - have]
        )
        for person in people:
            try:
                services.register(training=training, employee=person)
            except services.TrainingError:
                continue


def _assign_demo_employee(
    training: Training, *, employee: User, hr: User, now: dt.datetime
) -> None:
    active = Enrollment.objects.filter(training=training, employee=employee).exclude(
        status=EnrollmentStatus.CANCELLED
    )
    if active.exists():
        return
    services.assign(
        training=training,
        employees=[employee],
        assigned_by=hr,
        due_date=timezone.localtime(training.start_at).date() + dt.timedelta(days=14),
    )


def _ensure_completed(
    *, employee: User, hr: User, organiser: Unit | None, now: dt.datetime
) -> None:
    """Past trainings of this year the demo employee completed, through the services: created in
    the future, registered, moved into the past, marked completed (JP credited once)."""
    local = timezone.localtime(now)
    year_start = local.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    for stem, title, mode, jp, days_ago in COMPLETED:
        slug = f"{stem}-{local.year}"
        if LearningRecord.objects.filter(
            employee=employee, source_enrollment__training__slug=slug
        ).exists():
            continue
        with transaction.atomic():
            training = Training.objects.filter(slug=slug).first()
            if training is None:
                training = services.save_training(
                    training=Training(
                        slug=slug,
                        title=f"{title} {local.year}",
                        description="Angkatan yang sudah selesai (data demo).",
                        kind=_OPEN,
                        mode=mode,
                        jp=Decimal(jp),
                        capacity=40,
                        status=TrainingStatus.PUBLISHED,
                        organizer_unit=organiser,
                        place="" if mode == _E else BPSDM_PLACE,
                        online_url=ONLINE + slug if mode == _E else "",
                        start_at=now + dt.timedelta(days=1),
                        end_at=now + dt.timedelta(days=1, hours=8),
                    )
                )
            enrollment = (
                Enrollment.objects.filter(training=training, employee=employee)
                .exclude(status=EnrollmentStatus.CANCELLED)
                .first()
            )
            if enrollment is None:
                if training.start_at <= now:  # moved into the past by an earlier, broken run
                    continue
                enrollment = services.register(training=training, employee=employee)
            # Back in time, but within this year, so the JP count for this year.
            start = max(now - dt.timedelta(days=days_ago), year_start)
            start = min(start, now - dt.timedelta(seconds=2))
            end = min(start + dt.timedelta(hours=float(jp) * 0.75), now - dt.timedelta(seconds=1))
            training.start_at, training.end_at = start, max(end, start)
            training.registration_opens_at = training.registration_closes_at = None
            services.save_training(training=training)
            services.complete(enrollment=enrollment, by=hr)


def _ensure_coaching(*, employee: User, hr: User, now: dt.datetime) -> None:
    description, jp = COACHING
    year = timezone.localtime(now).year
    if LearningRecord.objects.filter(
        employee=employee, year=year, activity_type=ActivityType.COACHING, description=description
    ).exists():
        return
    services.record_activity(
        employee=employee,
        year=year,
        jp=jp,
        kind=LearningKind.NONKLASIKAL,
        activity_type=ActivityType.COACHING,
        description=description,
        recorded_by=hr,
    )


def _file_report(employee: User, spec: tuple[str, str, int, str, str], *, day: dt.date) -> Any:
    kind, title, minutes, summary, impact = spec
    competencies = Competency.objects.filter(is_active=True).order_by("sort_order", "code")[:1]
    return services.save_report(
        employee=employee,
        values={
            "kind": kind,
            "title": title,
            "started_on": day,
            "ended_on": day,
            "minutes": minutes,
            "summary": summary,
            "impact": impact,
            "ebook": None,
        },
        competencies=list(competencies),
        submit=True,
    )


def _ensure_reports(*, employee: User, now: dt.datetime, log: Callable[[str], Any] | None) -> None:
    """At least one report of the demo employee waits for atasan@, and one approved one earned
    JP (a new waiting one is filed whenever none waits: the demo approves it in the browser)."""
    from training.models import PENDING_STATUSES, ActivityReport, ReportStatus

    supervisor = User.objects.filter(email=SUPERVISOR_EMAIL).first()
    if supervisor is None:
        _say(log, "training: atasan@ missing (run the people demo first); no learning reports")
        return
    day = timezone.localtime(now).date()
    mine = ActivityReport.objects.filter(employee=employee)
    if not mine.filter(status=ReportStatus.APPROVED, jp__gt=0).exists():
        report = _file_report(
            employee,
            APPROVED_REPORT,
            day=max(day - dt.timedelta(days=7), day.replace(month=1, day=1)),
        )
        services.approve_report(report=report, by=supervisor)
    if not mine.filter(status__in=PENDING_STATUSES, approver=supervisor).exists():
        _file_report(employee, WAITING_REPORT, day=day)
    _say(log, "training: the demo employee has a report waiting for atasan@ and an approved one")
