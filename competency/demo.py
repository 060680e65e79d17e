"""The competency part of the demo data: six technical competencies of a law-and-human-rights
ministry (five levels each), a standard for every demo position, and results for the demo people.
Called by `manage.py seed_demo` after the people part (rumahbelajar/people/demo.py).

Idempotent: competencies are keyed on their code, standards are written only where they differ,
and every result has a stable external_id ("demo-<nip>-<code>[-<n>]"), so running it again adds
nothing. The numbered employees' results are one INSERT ... SELECT per chunk (fast enough for
100,000 employees), their maps one set-based recompute per chunk.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.db import connection, transaction

from competency import services
from competency.models import (
    AssessmentMethod,
    Competency,
    CompetencyLevel,
    CompetencyType,
    PositionStandard,
    ResultSource,
    TargetPosition,
)
from rumahbelajar.people import demo as people_demo
from rumahbelajar.people.models import Position, User

# (code, name, definition, [(level description, [indicators]) for levels 1-5])
TECHNICAL_COMPETENCIES: list[tuple[str, str, str, list[tuple[str, list[str]]]]] = [
    (
        "T1",
        "Perancangan Peraturan Perundang-undangan",
        "Kemampuan menyusun rancangan peraturan perundang-undangan sesuai dengan asas, teknik "
        "penyusunan, dan tahapan pembentukan peraturan perundang-undangan.",
        [
            (
                "Memahami asas, jenis, hierarki, dan tahapan pembentukan peraturan "
                "perundang-undangan",
                [
                    "Menjelaskan jenis dan hierarki peraturan perundang-undangan;",
                    "Mengidentifikasi tahapan pembentukan peraturan perundang-undangan;",
                    "Menghimpun bahan hukum yang berkaitan dengan rancangan yang disusun.",
                ],
            ),
            (
                "Mampu menyusun bagian rancangan peraturan perundang-undangan dengan bimbingan",
                [
                    "Menyusun konsideran, dasar hukum, dan ketentuan umum sesuai teknik "
                    "penyusunan;",
                    "Menyusun matriks perbandingan pasal dan bahan rapat harmonisasi;",
                    "Menerapkan ragam bahasa peraturan perundang-undangan secara tepat.",
                ],
            ),
            (
                "Mampu menyusun rancangan peraturan perundang-undangan secara mandiri",
                [
                    "Menyusun batang tubuh rancangan beserta penjelasannya;",
                    "Menyusun naskah akademik dan analisis dampak pengaturan;",
                    "Melakukan pengharmonisasian, pembulatan, dan pemantapan konsepsi rancangan.",
                ],
            ),
            (
                "Mampu menganalisis dan mengevaluasi rancangan serta peraturan perundang-undangan",
                [
                    "Menganalisis keselarasan rancangan dengan peraturan yang lebih tinggi dan "
                    "setingkat;",
                    "Mengevaluasi efektivitas pelaksanaan peraturan perundang-undangan;",
                    "Memberikan rekomendasi perubahan atau pencabutan peraturan.",
                ],
            ),
            (
                "Mampu merumuskan kebijakan dan strategi pembentukan peraturan "
                "perundang-undangan nasional",
                [
                    "Merumuskan arah kebijakan program legislasi dan penataan regulasi;",
                    "Membina perancang dan menetapkan standar mutu rancangan;",
                    "Menyelesaikan permasalahan konsepsi rancangan yang bersifat lintas sektor.",
                ],
            ),
        ],
    ),
    (
        "T2",
        "Pelayanan Keimigrasian",
        "Kemampuan memberikan pelayanan dan melakukan pengawasan keimigrasian sesuai dengan "
        "peraturan perundang-undangan di bidang keimigrasian.",
        [
            (
                "Memahami ketentuan dan prosedur pelayanan keimigrasian",
                [
                    "Menjelaskan jenis dokumen perjalanan dan izin tinggal;",
                    "Menjelaskan persyaratan permohonan layanan keimigrasian kepada pemohon;",
                    "Memeriksa kelengkapan berkas permohonan.",
                ],
            ),
            (
                "Mampu melaksanakan pelayanan keimigrasian dengan bimbingan",
                [
                    "Memverifikasi data dan dokumen pemohon pada sistem informasi keimigrasian;",
                    "Melaksanakan wawancara dan perekaman biometrik pemohon;",
                    "Melaksanakan pemeriksaan di tempat pemeriksaan imigrasi sesuai prosedur.",
                ],
            ),
            (
                "Mampu melaksanakan pelayanan dan pengawasan keimigrasian secara mandiri",
                [
                    "Memutuskan penerbitan dokumen sesuai kewenangan;",
                    "Melaksanakan pengawasan keberadaan dan kegiatan orang asing;",
                    "Menangani keluhan pemohon layanan secara tuntas.",
                ],
            ),
            (
                "Mampu menganalisis dan mengevaluasi pelayanan serta pengawasan keimigrasian",
                [
                    "Menganalisis data perlintasan dan pelanggaran keimigrasian;",
                    "Mengevaluasi standar pelayanan dan merekomendasikan perbaikannya;",
                    "Mengoordinasikan tindakan administratif keimigrasian lintas unit.",
                ],
            ),
            (
                "Mampu merumuskan kebijakan pelayanan dan pengawasan keimigrasian",
                [
                    "Merumuskan kebijakan pelayanan keimigrasian berbasis risiko;",
                    "Menetapkan strategi pengawasan orang asing secara nasional;",
                    "Membangun kerja sama keimigrasian dengan instansi dan negara lain.",
                ],
            ),
        ],
    ),
    (
        "T3",
        "Pembinaan Pemasyarakatan",
        "Kemampuan melaksanakan pembinaan, pembimbingan, dan pengamanan warga binaan "
        "pemasyarakatan sesuai dengan sistem pemasyarakatan.",
        [
            (
                "Memahami sistem pemasyarakatan serta hak dan kewajiban warga binaan",
                [
                    "Menjelaskan tujuan dan prinsip sistem pemasyarakatan;",
                    "Menjelaskan hak dan kewajiban warga binaan pemasyarakatan;",
                    "Melaksanakan tata tertib dan prosedur keamanan dasar.",
                ],
            ),
            (
                "Mampu melaksanakan program pembinaan dan pengamanan dengan bimbingan",
                [
                    "Melaksanakan registrasi dan klasifikasi warga binaan;",
                    "Melaksanakan kegiatan pembinaan kepribadian dan kemandirian;",
                    "Melaporkan gangguan keamanan dan ketertiban sesuai prosedur.",
                ],
            ),
            (
                "Mampu menyusun dan melaksanakan program pembinaan secara mandiri",
                [
                    "Menyusun rencana pembinaan berdasarkan hasil penelitian kemasyarakatan;",
                    "Melaksanakan sidang tim pengamat pemasyarakatan;",
                    "Menangani gangguan keamanan dan ketertiban tingkat awal.",
                ],
            ),
            (
                "Mampu menganalisis dan mengevaluasi efektivitas pembinaan pemasyarakatan",
                [
                    "Mengevaluasi capaian program pembinaan dan reintegrasi sosial;",
                    "Menganalisis risiko keamanan dan menyusun langkah pencegahannya;",
                    "Mengoordinasikan pembimbingan klien pemasyarakatan dengan mitra.",
                ],
            ),
            (
                "Mampu merumuskan kebijakan dan strategi pembinaan pemasyarakatan",
                [
                    "Merumuskan kebijakan pembinaan dan pengamanan pemasyarakatan;",
                    "Menetapkan standar pelayanan pemasyarakatan;",
                    "Membangun kemitraan reintegrasi sosial dengan pemangku kepentingan.",
                ],
            ),
        ],
    ),
    (
        "T4",
        "Penegakan Hak Asasi Manusia",
        "Kemampuan melaksanakan penghormatan, pelindungan, pemenuhan, penegakan, dan "
        "pemajuan hak asasi manusia dalam pelaksanaan tugas pemerintahan.",
        [
            (
                "Memahami prinsip dan instrumen hak asasi manusia",
                [
                    "Menjelaskan prinsip dasar hak asasi manusia;",
                    "Mengidentifikasi instrumen hak asasi manusia nasional dan internasional;",
                    "Menerapkan sikap menghormati hak asasi manusia dalam pelayanan.",
                ],
            ),
            (
                "Mampu melaksanakan pelayanan komunikasi masyarakat di bidang hak asasi "
                "manusia dengan bimbingan",
                [
                    "Menerima dan mencatat pengaduan dugaan pelanggaran hak asasi manusia;",
                    "Menghimpun data dan informasi pendukung pengaduan;",
                    "Menyampaikan informasi tindak lanjut kepada pengadu.",
                ],
            ),
            (
                "Mampu menangani pengaduan dan melaksanakan diseminasi hak asasi manusia "
                "secara mandiri",
                [
                    "Menganalisis pengaduan dan menyusun rekomendasi penanganannya;",
                    "Melaksanakan diseminasi dan penyuluhan hak asasi manusia;",
                    "Menilai kepatuhan pelayanan publik terhadap kriteria berbasis hak asasi "
                    "manusia.",
                ],
            ),
            (
                "Mampu menganalisis dan mengevaluasi pelaksanaan rencana aksi hak asasi manusia",
                [
                    "Mengevaluasi capaian rencana aksi nasional hak asasi manusia;",
                    "Menganalisis dampak kebijakan terhadap pemenuhan hak asasi manusia;",
                    "Mengoordinasikan penanganan pelanggaran dengan instansi terkait.",
                ],
            ),
            (
                "Mampu merumuskan kebijakan dan strategi nasional hak asasi manusia",
                [
                    "Merumuskan kebijakan penghormatan dan pemenuhan hak asasi manusia;",
                    "Menyusun posisi pemerintah dalam forum hak asasi manusia internasional;",
                    "Mengarahkan pengarusutamaan hak asasi manusia lintas sektor.",
                ],
            ),
        ],
    ),
    (
        "T5",
        "Pelayanan Administrasi Hukum Umum",
        "Kemampuan memberikan pelayanan administrasi hukum umum, antara lain badan hukum, "
        "fidusia, kewarganegaraan, dan kenotariatan, secara cepat, tepat, dan akuntabel.",
        [
            (
                "Memahami jenis dan prosedur layanan administrasi hukum umum",
                [
                    "Menjelaskan jenis layanan administrasi hukum umum;",
                    "Menjelaskan persyaratan permohonan layanan secara daring;",
                    "Memeriksa kelengkapan dokumen permohonan.",
                ],
            ),
            (
                "Mampu melaksanakan pelayanan administrasi hukum umum dengan bimbingan",
                [
                    "Memverifikasi data permohonan pada sistem administrasi badan hukum;",
                    "Menyiapkan konsep surat keputusan atau sertifikat layanan;",
                    "Melayani konsultasi pemohon sesuai standar pelayanan.",
                ],
            ),
            (
                "Mampu melaksanakan pelayanan administrasi hukum umum secara mandiri",
                [
                    "Memutuskan kelengkapan dan keabsahan permohonan sesuai kewenangan;",
                    "Menyelesaikan permasalahan data badan hukum dan fidusia;",
                    "Menyusun laporan kinerja pelayanan berkala.",
                ],
            ),
            (
                "Mampu menganalisis dan mengevaluasi kualitas pelayanan administrasi hukum umum",
                [
                    "Menganalisis pengaduan dan survei kepuasan pengguna layanan;",
                    "Mengevaluasi standar dan waktu penyelesaian layanan;",
                    "Merekomendasikan penyederhanaan proses bisnis layanan.",
                ],
            ),
            (
                "Mampu merumuskan kebijakan pelayanan administrasi hukum umum",
                [
                    "Merumuskan kebijakan dan standar pelayanan administrasi hukum umum;",
                    "Mengarahkan transformasi digital layanan;",
                    "Membangun integrasi data layanan dengan instansi lain.",
                ],
            ),
        ],
    ),
    (
        "T6",
        "Kekayaan Intelektual",
        "Kemampuan melaksanakan pelayanan, pelindungan, dan penegakan hukum kekayaan "
        "intelektual sesuai dengan peraturan perundang-undangan.",
        [
            (
                "Memahami jenis dan prinsip pelindungan kekayaan intelektual",
                [
                    "Menjelaskan jenis kekayaan intelektual dan jangka waktu pelindungannya;",
                    "Menjelaskan prosedur permohonan pendaftaran kekayaan intelektual;",
                    "Memeriksa kelengkapan formal permohonan.",
                ],
            ),
            (
                "Mampu melaksanakan pelayanan kekayaan intelektual dengan bimbingan",
                [
                    "Melaksanakan pemeriksaan formalitas permohonan merek, paten, atau hak cipta;",
                    "Melakukan penelusuran basis data kekayaan intelektual;",
                    "Memberikan informasi dan konsultasi kepada pemohon.",
                ],
            ),
            (
                "Mampu melaksanakan pemeriksaan dan pelindungan kekayaan intelektual secara "
                "mandiri",
                [
                    "Melaksanakan pemeriksaan substantif sesuai kewenangan;",
                    "Menyusun pertimbangan penolakan atau pemberian pelindungan;",
                    "Memfasilitasi penyelesaian sengketa melalui mediasi.",
                ],
            ),
            (
                "Mampu menganalisis dan mengevaluasi pelindungan dan penegakan hukum "
                "kekayaan intelektual",
                [
                    "Menganalisis pola pelanggaran kekayaan intelektual;",
                    "Mengevaluasi efektivitas pelayanan dan penegakan hukum;",
                    "Mengoordinasikan penindakan dengan aparat penegak hukum.",
                ],
            ),
            (
                "Mampu merumuskan kebijakan dan strategi nasional kekayaan intelektual",
                [
                    "Merumuskan kebijakan pelindungan dan pemanfaatan kekayaan intelektual;",
                    "Mengembangkan strategi komersialisasi kekayaan intelektual nasional;",
                    "Mewakili pemerintah dalam kerja sama kekayaan intelektual internasional.",
                ],
            ),
        ],
    ),
]

# Technical competencies of a position, by a word in its name (first match wins): (code, levels
# above the usual managerial level of the position's grade), the first being its core one.
TECHNICAL_BY_POSITION_NAME: list[tuple[str, list[tuple[str, int]]]] = [
    ("Perancang", [("T1", 2), ("T6", 1), ("T5", 1)]),
    ("Analis Hukum", [("T1", 2), ("T4", 1), ("T5", 1)]),
    ("Penyuluh Hukum", [("T4", 2), ("T1", 1), ("T5", 1)]),
    ("Pembimbing Kemasyarakatan", [("T3", 2), ("T4", 1)]),
    ("Pemasyarakatan", [("T3", 1), ("T4", 1)]),
    ("Penjaga Tahanan", [("T3", 2), ("T4", 1)]),
    ("Imigrasi", [("T2", 1), ("T4", 1)]),
    ("Kantor Wilayah", [("T1", 0), ("T4", 0), ("T5", 0)]),
    ("Divisi", [("T4", 0), ("T5", 0), ("T1", 0)]),
    ("Sumber Daya Manusia", [("T5", 1), ("T4", 1)]),
    ("Pranata Komputer", [("T5", 2), ("T6", 1)]),
]
DEFAULT_TECHNICAL: list[tuple[str, int]] = [("T5", 1), ("T4", 1)]

# The named demo accounts' results: (code, level, assessed on), several per code make a history.
# The demo employee (Analis Hukum Ahli Pertama) keeps gaps in T1, T4 and M4 and has no result in
# M4 and T5, so the map shows "not yet assessed" too.
NAMED_RESULTS: dict[str, list[tuple[str, int, dt.date]]] = {
    people_demo.EMPLOYEE_EMAIL: [
        ("M1", 1, dt.date(2023, 3, 14)),
        ("M1", 2, dt.date(2025, 2, 20)),
        ("M2", 1, dt.date(2025, 2, 20)),
        ("M3", 2, dt.date(2025, 2, 20)),
        ("M5", 1, dt.date(2025, 2, 20)),
        ("M6", 1, dt.date(2025, 2, 20)),
        ("M7", 2, dt.date(2025, 2, 20)),
        ("M8", 1, dt.date(2025, 2, 20)),
        ("SK1", 1, dt.date(2025, 2, 20)),
        ("T1", 2, dt.date(2023, 9, 5)),
        ("T1", 1, dt.date(2024, 11, 12)),
        ("T4", 1, dt.date(2024, 11, 12)),
    ],
    people_demo.OUTSIDER_EMAIL: [
        *[(f"M{n}", 2 + n % 2, dt.date(2025, 3, 3)) for n in range(1, 9)],
        ("SK1", 2, dt.date(2025, 3, 3)),
        ("T4", 4, dt.date(2025, 3, 4)),
        ("T1", 3, dt.date(2025, 3, 4)),
        ("T5", 2, dt.date(2025, 3, 4)),
    ],
    people_demo.HR_EMAIL: [
        *[(f"M{n}", 2 + (n % 3 == 0), dt.date(2024, 8, 21)) for n in range(1, 9)],
        ("SK1", 3, dt.date(2024, 8, 21)),
        ("T5", 3, dt.date(2024, 8, 22)),
    ],
}

CHUNK_SIZE = 20_000

# For each numbered employee and each competency of their position's standard: no result for
# about one in ten, otherwise a level around the requirement (from two below to one above), all
# from md5 of NIP and code, so the data are the same on every run and every machine.
_NUMBERED_RESULTS_SQL = """
    INSERT INTO competency_assessmentresult
        (employee_id, competency_id, level, assessed_on, method, source, external_id, recorded_at)
    SELECT u.id, s.competency_id,
           LEAST(5, GREATEST(1, s.required_level + (ARRAY[-2, -1, -1, 0, 0, 0, 1, 1])[
               1 + get_byte(decode(md5(u.nip || ':' || c.code), 'hex'), 1) %% 8])),
           DATE '2024-01-02' + (get_byte(decode(md5(u.nip || ':' || c.code), 'hex'), 2) * 2),
           CASE WHEN get_byte(decode(md5(u.nip || ':' || c.code), 'hex'), 3) < 200
                THEN %(uji)s ELSE %(ac)s END,
           %(source)s,
           'demo-' || u.nip || '-' || c.code,
           now()
    FROM people_user u
    JOIN competency_positionstandard s ON s.position_id = u.position_id
    JOIN competency_competency c ON c.id = s.competency_id AND c.is_active
    WHERE u.id = ANY(%(ids)s::bigint[])
      AND u.nip IS NOT NULL
      AND get_byte(decode(md5(u.nip || ':' || c.code), 'hex'), 0) >= 26
    ORDER BY u.id, s.competency_id
    ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO NOTHING
"""


@dataclass
class CompetencySeedResult:
    dictionary_rows_restored: int = 0
    competencies_created: int = 0
    positions_with_standards: int = 0
    standards_changed: int = 0
    named_results_created: int = 0
    numbered_results_created: int = 0
    maps_recomputed: int = 0
    target_set: bool = False


def seed(
    *,
    stdout: IO[str] | None = None,
    log: Callable[[str], None] | None = None,
    employees: int | None = None,
    **_options: object,
) -> CompetencySeedResult:
    """Creates or restores the competency demo data; `employees` is the people part's option
    (every numbered employee that exists gets results, however many there are).

    Side effects: standards and named results go through competency.services (maps marked stale,
    recomputation tasks fired on commit); numbered results are inserted set-based and their maps
    recomputed in bulk; commits per chunk.
    """
    write = log or (stdout.write if stdout is not None else (lambda _message: None))
    result = CompetencySeedResult()
    started = time.monotonic()
    # The regulation's nine come with migration 0002; restored here if someone changed them.
    result.dictionary_rows_restored = services.load_regulation_dictionary()
    technical = _ensure_technical_competencies(result)
    _ensure_standards(technical, result)
    _ensure_named_results(result)
    _ensure_numbered_results(result)
    result.target_set = _ensure_target_position()
    # Whatever is still stale (the named people's maps, holders of changed standards) or missing.
    result.maps_recomputed += services.recompute_stale_maps(wait=True) or 0
    write(
        f"competency: {len(technical)} technical competencies ({result.competencies_created} "
        f"new), standards for {result.positions_with_standards} positions "
        f"({result.standards_changed} changed), {result.named_results_created} + "
        f"{result.numbered_results_created} results added, {result.maps_recomputed} maps "
        f"computed ({time.monotonic() - started:.1f} s)"
    )
    return result


# The demo employee aims at the next step of their career (jabatan target).
DEMO_TARGET_POSITION = "analis-hukum-ahli-muda"


def _ensure_target_position() -> bool:
    """Gives the demo employee their target position when they have none; True if it set one."""
    employee = User.objects.filter(email=people_demo.EMPLOYEE_EMAIL).first()
    position = Position.objects.filter(code=DEMO_TARGET_POSITION).first()
    if employee is None or position is None:
        return False
    if TargetPosition.objects.filter(employee=employee).exists():
        return False
    services.set_target_position(employee=employee, position=position)
    return True


def _ensure_technical_competencies(result: CompetencySeedResult) -> dict[str, Competency]:
    existing = {c.code: c for c in Competency.objects.filter(type=CompetencyType.TEKNIS)}
    competencies = {}
    for order, (code, name, definition, levels) in enumerate(TECHNICAL_COMPETENCIES, start=1):
        competency = existing.get(code) or Competency(code=code, type=CompetencyType.TEKNIS)
        wanted = {
            "name": name,
            "definition": definition,
            "sort_order": 100 + order,
            "is_active": True,
        }
        if competency.pk is None or any(getattr(competency, k) != v for k, v in wanted.items()):
            result.competencies_created += competency.pk is None
            for key, value in wanted.items():
                setattr(competency, key, value)
            services.save_technical_competency(competency=competency)
        stored = {
            level.level: (level.description, level.indicators)
            for level in CompetencyLevel.objects.filter(competency=competency)
        }
        wanted_levels = {n: (text, list(ind)) for n, (text, ind) in enumerate(levels, start=1)}
        if stored != wanted_levels:
            services.set_competency_levels(competency=competency, levels=wanted_levels)
        competencies[code] = competency
    return competencies


def technical_standard(position: Position) -> list[tuple[str, int]]:
    """The technical competencies of a demo position with their required levels."""
    base = services.DEFAULT_LEVEL_BY_POSITION_LEVEL[position.level]
    rules = next(
        (rules for word, rules in TECHNICAL_BY_POSITION_NAME if word in position.name),
        DEFAULT_TECHNICAL,
    )
    return [(code, min(5, base + extra)) for code, extra in rules]


def _ensure_standards(technical: dict[str, Competency], result: CompetencySeedResult) -> None:
    codes = [code for code, *_rest in people_demo.POSITIONS]
    positions = list(Position.objects.filter(code__in=codes).order_by("code"))
    fixed = {
        c.code: c
        for c in Competency.objects.filter(
            type__in=[CompetencyType.MANAJERIAL, CompetencyType.SOSIAL_KULTURAL], is_active=True
        )
    }
    stored: dict[int, dict[str, int]] = {}
    for position_id, code, level in PositionStandard.objects.filter(
        position__in=positions
    ).values_list("position_id", "competency__code", "required_level"):
        stored.setdefault(position_id, {})[code] = level
    for position in positions:
        default = services.DEFAULT_LEVEL_BY_POSITION_LEVEL[position.level]
        have = stored.get(position.pk, {})
        with transaction.atomic():
            if any(have.get(code) != default for code in fixed):
                result.standards_changed += services.apply_default_standard(positions=[position])
            wanted = {technical[code]: level for code, level in technical_standard(position)}
            changed = {c: lv for c, lv in wanted.items() if have.get(c.code) != lv}
            if changed:
                services.set_position_standard(position=position, levels=changed)
                result.standards_changed += len(changed)
        result.positions_with_standards += 1


def _ensure_named_results(result: CompetencySeedResult) -> None:
    people = {u.email: u for u in User.objects.filter(email__in=list(NAMED_RESULTS))}
    competencies = {c.code: c for c in Competency.objects.all()}
    for email, rows in NAMED_RESULTS.items():
        employee = people.get(email)
        if employee is None or not employee.nip:
            continue
        seen: dict[str, int] = {}
        for code, level, assessed_on in rows:
            seen[code] = seen.get(code, 0) + 1
            suffix = f"-{seen[code]}" if seen[code] > 1 else ""
            _row, created = services.record_result(
                employee=employee,
                competency=competencies[code],
                level=level,
                assessed_on=assessed_on,
                method=AssessmentMethod.ASSESSMENT_CENTER,
                source=ResultSource.DEMO,
                external_id=f"demo-{employee.nip}-{code}{suffix}",
            )
            result.named_results_created += created


def _ensure_numbered_results(result: CompetencySeedResult) -> None:
    """One INSERT ... SELECT per chunk of numbered employees, then one bulk recompute of the
    chunk's maps when anything was added."""
    last = 0
    while True:
        ids = list(
            User.objects.filter(pk__gt=last, email__regex=people_demo.NUMBERED_EMAIL_PATTERN)
            .order_by("pk")
            .values_list("pk", flat=True)[:CHUNK_SIZE]
        )
        if not ids:
            return
        last = ids[-1]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _NUMBERED_RESULTS_SQL,
                {
                    "ids": ids,
                    "uji": AssessmentMethod.UJI_KOMPETENSI.value,
                    "ac": AssessmentMethod.ASSESSMENT_CENTER.value,
                    "source": ResultSource.DEMO.value,
                },
            )
            added = cursor.rowcount
        if added:
            result.numbered_results_created += added
            result.maps_recomputed += services.recompute_maps_bulk(employee_ids=ids)
