"""The people part of the demo data: the unit tree, positions, the contract's accounts and N
numbered employees. Called by `manage.py seed_demo`; refused there unless settings.DEMO_DATA is on.

Everything is keyed on stable codes, emails and NIPs, and every value is a pure function of those
keys, so running it again creates nothing new and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction

from rumahbelajar.people import roles, services
from rumahbelajar.people.models import (
    EmployeeType,
    Position,
    PositionKind,
    PositionLevel,
    Rank,
    Unit,
    UnitKind,
    User,
)

DEMO_PASSWORD = "rumahbelajar-demo"  # noqa: S105  (the documented demo password; DEMO_DATA only)
EMAIL_DOMAIN = "demo.rumahbelajar.id"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
HR_EMAIL = f"hr@{EMAIL_DOMAIN}"
EMPLOYEE_EMAIL = f"pegawai@{EMAIL_DOMAIN}"
OUTSIDER_EMAIL = f"pegawai.luar@{EMAIL_DOMAIN}"
#: Not staff: heads the demo employee's unit, hence their supervisor (atasan langsung).
SUPERVISOR_EMAIL = f"atasan@{EMAIL_DOMAIN}"
DEFAULT_EMPLOYEES = 250
# Rows per INSERT and per commit: big enough to amortise the round trip, small enough that memory
# stays flat whatever N is.
CHUNK_SIZE = 5000

MINISTRY = "kemenkumham"
FIRST_REGIONAL_OFFICE = "kanwil-dki-jakarta"
OTHER_REGIONAL_OFFICE = "kanwil-jawa-timur"

# (code, name, kind, parent code), parents first.
# fmt: off
UNITS: list[tuple[str, str, str, str | None]] = [
    (MINISTRY, "Kementerian Hukum dan HAM", UnitKind.KEMENTERIAN, None),
    (FIRST_REGIONAL_OFFICE, "Kantor Wilayah DKI Jakarta", UnitKind.KANWIL, MINISTRY),
    ("dki-divisi-administrasi", "Divisi Administrasi", UnitKind.UNIT, FIRST_REGIONAL_OFFICE),
    ("dki-bagian-umum", "Bagian Program, Pelaporan dan Umum", UnitKind.SUBUNIT, "dki-divisi-administrasi"),
    ("dki-divisi-yankum", "Divisi Pelayanan Hukum dan HAM", UnitKind.UNIT, FIRST_REGIONAL_OFFICE),
    ("dki-lapas-cipinang", "Lembaga Pemasyarakatan Kelas I Cipinang", UnitKind.UPT, FIRST_REGIONAL_OFFICE),
    ("dki-rutan-salemba", "Rumah Tahanan Negara Kelas I Jakarta Pusat", UnitKind.UPT, FIRST_REGIONAL_OFFICE),
    ("dki-kanim-jaksel", "Kantor Imigrasi Kelas I Khusus TPI Jakarta Selatan", UnitKind.UPT, FIRST_REGIONAL_OFFICE),
    (OTHER_REGIONAL_OFFICE, "Kantor Wilayah Jawa Timur", UnitKind.KANWIL, MINISTRY),
    ("jatim-divisi-administrasi", "Divisi Administrasi", UnitKind.UNIT, OTHER_REGIONAL_OFFICE),
    ("jatim-divisi-yankum", "Divisi Pelayanan Hukum dan HAM", UnitKind.UNIT, OTHER_REGIONAL_OFFICE),
    ("jatim-lapas-porong", "Lembaga Pemasyarakatan Kelas I Surabaya", UnitKind.UPT, OTHER_REGIONAL_OFFICE),
    ("jatim-rutan-medaeng", "Rumah Tahanan Negara Kelas I Surabaya", UnitKind.UPT, OTHER_REGIONAL_OFFICE),
    ("jatim-kanim-surabaya", "Kantor Imigrasi Kelas I Khusus TPI Surabaya", UnitKind.UPT, OTHER_REGIONAL_OFFICE),
]
# fmt: on

_S, _K, _T, _P = (
    PositionKind.STRUKTURAL,
    PositionKind.FUNGSIONAL_KEAHLIAN,
    PositionKind.FUNGSIONAL_KETERAMPILAN,
    PositionKind.PELAKSANA,
)
_L = PositionLevel
# (code, name, kind, level)
# fmt: off
POSITIONS: list[tuple[str, str, str, str]] = [
    ("kepala-kanwil", "Kepala Kantor Wilayah", _S, _L.JPT_PRATAMA),
    ("kepala-divisi", "Kepala Divisi", _S, _L.JPT_PRATAMA),
    ("kepala-bagian", "Kepala Bagian", _S, _L.ADMINISTRATOR),
    ("kepala-lapas", "Kepala Lembaga Pemasyarakatan", _S, _L.ADMINISTRATOR),
    ("kepala-kanim", "Kepala Kantor Imigrasi", _S, _L.ADMINISTRATOR),
    ("kepala-subbagian", "Kepala Subbagian", _S, _L.PENGAWAS),
    ("kepala-seksi", "Kepala Seksi", _S, _L.PENGAWAS),
    ("analis-hukum-ahli-pertama", "Analis Hukum Ahli Pertama", _K, _L.AHLI_PERTAMA),
    ("analis-hukum-ahli-muda", "Analis Hukum Ahli Muda", _K, _L.AHLI_MUDA),
    ("analis-hukum-ahli-madya", "Analis Hukum Ahli Madya", _K, _L.AHLI_MADYA),
    ("analis-hukum-ahli-utama", "Analis Hukum Ahli Utama", _K, _L.AHLI_UTAMA),
    ("penyuluh-hukum-ahli-pertama", "Penyuluh Hukum Ahli Pertama", _K, _L.AHLI_PERTAMA),
    ("penyuluh-hukum-ahli-muda", "Penyuluh Hukum Ahli Muda", _K, _L.AHLI_MUDA),
    ("penyuluh-hukum-ahli-madya", "Penyuluh Hukum Ahli Madya", _K, _L.AHLI_MADYA),
    ("perancang-uu-ahli-pertama", "Perancang Peraturan Perundang-undangan Ahli Pertama", _K, _L.AHLI_PERTAMA),
    ("perancang-uu-ahli-muda", "Perancang Peraturan Perundang-undangan Ahli Muda", _K, _L.AHLI_MUDA),
    ("analis-sdma-ahli-pertama", "Analis Sumber Daya Manusia Aparatur Ahli Pertama", _K, _L.AHLI_PERTAMA),
    ("analis-sdma-ahli-muda", "Analis Sumber Daya Manusia Aparatur Ahli Muda", _K, _L.AHLI_MUDA),
    ("pk-ahli-pertama", "Pembimbing Kemasyarakatan Ahli Pertama", _K, _L.AHLI_PERTAMA),
    ("pk-ahli-muda", "Pembimbing Kemasyarakatan Ahli Muda", _K, _L.AHLI_MUDA),
    ("pk-terampil", "Pembimbing Kemasyarakatan Terampil", _T, _L.TERAMPIL),
    ("pk-mahir", "Pembimbing Kemasyarakatan Mahir", _T, _L.MAHIR),
    ("pk-penyelia", "Pembimbing Kemasyarakatan Penyelia", _T, _L.PENYELIA),
    ("pranata-komputer-terampil", "Pranata Komputer Terampil", _T, _L.TERAMPIL),
    ("pranata-komputer-mahir", "Pranata Komputer Mahir", _T, _L.MAHIR),
    ("arsiparis-terampil", "Arsiparis Terampil", _T, _L.TERAMPIL),
    ("arsiparis-penyelia", "Arsiparis Penyelia", _T, _L.PENYELIA),
    ("pengadministrasi-perkantoran", "Pengadministrasi Perkantoran", _P, _L.PELAKSANA),
    ("pengolah-data-informasi", "Pengolah Data dan Informasi", _P, _L.PELAKSANA),
    ("pengelola-layanan-operasional", "Pengelola Layanan Operasional", _P, _L.PELAKSANA),
    ("penjaga-tahanan", "Penjaga Tahanan", _P, _L.PELAKSANA),
]
# fmt: on

# Golongan that fit each level (entry ranks up to the usual ceiling).
RANKS_BY_LEVEL: dict[str, list[str]] = {
    _L.JPT_PRATAMA: [Rank.IV_C, Rank.IV_D],
    _L.ADMINISTRATOR: [Rank.III_D, Rank.IV_A, Rank.IV_B],
    _L.PENGAWAS: [Rank.III_B, Rank.III_C, Rank.III_D],
    _L.AHLI_UTAMA: [Rank.IV_D, Rank.IV_E],
    _L.AHLI_MADYA: [Rank.IV_A, Rank.IV_B, Rank.IV_C],
    _L.AHLI_MUDA: [Rank.III_C, Rank.III_D],
    _L.AHLI_PERTAMA: [Rank.III_A, Rank.III_B],
    _L.PENYELIA: [Rank.III_C, Rank.III_D],
    _L.MAHIR: [Rank.III_A, Rank.III_B],
    _L.TERAMPIL: [Rank.II_C, Rank.II_D],
    _L.PELAKSANA: [Rank.II_A, Rank.II_B, Rank.II_C, Rank.II_D, Rank.III_A, Rank.III_B],
}

# Which levels people of an age hold, with weights: the young are mostly pelaksana and first
# functional grades, the old hold the senior ones. (minimum age, [(level, weight), ...])
LEVELS_BY_AGE: list[tuple[int, list[tuple[str, int]]]] = [
    (50, [(_L.PELAKSANA, 3), (_L.AHLI_MADYA, 3), (_L.AHLI_UTAMA, 1), (_L.PENYELIA, 1),
          (_L.PENGAWAS, 1), (_L.ADMINISTRATOR, 2), (_L.JPT_PRATAMA, 1)]),
    (40, [(_L.PELAKSANA, 3), (_L.AHLI_MUDA, 3), (_L.AHLI_MADYA, 2), (_L.MAHIR, 1),
          (_L.PENYELIA, 1), (_L.PENGAWAS, 2), (_L.ADMINISTRATOR, 1)]),
    (30, [(_L.PELAKSANA, 4), (_L.AHLI_PERTAMA, 2), (_L.AHLI_MUDA, 3), (_L.TERAMPIL, 1),
          (_L.MAHIR, 2), (_L.PENGAWAS, 1)]),
    (0, [(_L.PELAKSANA, 5), (_L.AHLI_PERTAMA, 4), (_L.TERAMPIL, 2)]),
]  # fmt: skip
# Positions held by one person per office: never handed out to the numbered employees.
SINGLE_HOLDER_POSITIONS = {"kepala-kanwil", "kepala-lapas", "kepala-kanim"}

# Where the numbered employees work, with weights (a prison has more staff than a division).
EMPLOYEE_UNITS: list[tuple[str, int]] = [
    (FIRST_REGIONAL_OFFICE, 1),
    ("dki-divisi-administrasi", 1),
    ("dki-bagian-umum", 1),
    ("dki-divisi-yankum", 2),
    ("dki-lapas-cipinang", 4),
    ("dki-rutan-salemba", 3),
    ("dki-kanim-jaksel", 3),
    (OTHER_REGIONAL_OFFICE, 1),
    ("jatim-divisi-administrasi", 1),
    ("jatim-divisi-yankum", 2),
    ("jatim-lapas-porong", 4),
    ("jatim-rutan-medaeng", 3),
    ("jatim-kanim-surabaya", 3),
]

MALE_NAMES = [
    "Agus", "Ahmad", "Andi", "Arif", "Bambang", "Budi", "Dedi", "Dimas", "Eko", "Fajar",
    "Hendra", "Irfan", "Joko", "Muhammad", "Nanda", "Rizki", "Rudi", "Slamet", "Teguh", "Yusuf",
]  # fmt: skip
FEMALE_NAMES = [
    "Ani", "Ayu", "Dewi", "Dian", "Fitri", "Indah", "Intan", "Kartika", "Lestari", "Maya",
    "Nur", "Putri", "Ratna", "Rina", "Sari", "Siti", "Sri", "Tuti", "Wulan", "Yuliana",
]  # fmt: skip
MALE_SURNAMES = [
    "Firmansyah", "Gunawan", "Hidayat", "Kurniawan", "Nugroho", "Pratama", "Santoso",
    "Saputra", "Setiawan", "Wibowo",
]  # fmt: skip
FEMALE_SURNAMES = [
    "Anggraini", "Handayani", "Kusumawati", "Maharani", "Pratiwi", "Puspitasari",
    "Rahmawati", "Saputri", "Wulandari", "Permatasari",
]  # fmt: skip
# Clan names (marga) and other family names carried by men and women alike.
SHARED_SURNAMES = [
    "Ginting", "Harahap", "Hutapea", "Lubis", "Manurung", "Nasution", "Pardede", "Siregar",
    "Simanjuntak", "Sinaga", "Situmorang", "Tambunan", "Tarigan", "Wenas",
]  # fmt: skip

# Birth dates of the numbered employees spread over these days; ages are taken in REFERENCE_YEAR
# (a constant, so the data do not change with the calendar).
_FIRST_BIRTH = dt.date(1968, 1, 1)
_BIRTH_DAYS = (dt.date(2001, 12, 31) - _FIRST_BIRTH).days + 1
_BIRTH_STEP = 7919  # coprime with _BIRTH_DAYS: k -> k * step mod days is a permutation
REFERENCE_YEAR = 2025
# The NIP sequence digits 001-899 belong to the numbered employees, 900-999 to the named accounts,
# so the two can never collide.
_MAX_NUMBERED_SEQUENCE = 899
MAX_EMPLOYEES = _BIRTH_DAYS * _MAX_NUMBERED_SEQUENCE
assert math.gcd(_BIRTH_STEP, _BIRTH_DAYS) == 1


@dataclass(frozen=True)
class Account:
    email: str
    full_name: str
    nip: str | None = None
    unit: str | None = None
    position: str | None = None
    rank: str = ""
    is_staff: bool = False
    is_superuser: bool = False
    manages: str | None = None
    heads: str | None = None


ACCOUNTS = [
    Account(ADMIN_EMAIL, "Administrator Rumah Belajar", is_staff=True, is_superuser=True),
    Account(
        HR_EMAIL,
        "Hana Sulistyowati",
        nip="198203142007022903",
        unit="dki-bagian-umum",
        position="analis-sdma-ahli-muda",
        rank=Rank.III_D,
        is_staff=True,
        manages=FIRST_REGIONAL_OFFICE,
    ),
    Account(
        EMPLOYEE_EMAIL,
        "Budi Santoso",
        nip="199005172015031901",
        unit="dki-divisi-yankum",
        position="analis-hukum-ahli-pertama",
        rank=Rank.III_B,
    ),
    Account(
        OUTSIDER_EMAIL,
        "Siti Rahmawati",
        nip="198811022012032902",
        unit="jatim-divisi-yankum",
        position="penyuluh-hukum-ahli-muda",
        rank=Rank.III_C,
    ),
    Account(
        SUPERVISOR_EMAIL,
        "Agus Wibowo",
        nip="197508122000031904",
        unit="dki-divisi-yankum",
        position="kepala-divisi",
        rank=Rank.IV_A,
        heads="dki-divisi-yankum",
    ),
]


@dataclass
class PeopleSeedResult:
    units_created: int = 0
    positions_created: int = 0
    accounts_created: int = 0
    accounts_updated: int = 0
    employees_created: int = 0
    employees_existing: int = 0
    # Numbered employees whose NIP (or email) someone else already holds: left out, not overwritten.
    employees_skipped: int = 0
    # Numbered employees given a team leader as their supervisor (this run).
    team_members_assigned: int = 0


class _PasswordHash:
    """Hashes the demo password at most once per run (a strong hash costs ~0.5 s).

    With a fixed salt, so the hash is the same on every run: a re-run recognises an unchanged
    demo password by comparing strings instead of paying for one check_password per account.
    A salt buys nothing for a password that is published anyway; 22 characters keep Django
    from asking to re-hash it on login.
    """

    SALT = "RumahBelajarDemoSalt22"

    def __init__(self) -> None:
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = make_password(DEMO_PASSWORD, salt=self.SALT)
        return self._value


def seed(
    *,
    employees: int = DEFAULT_EMPLOYEES,
    log: Callable[[str], None] = print,
    **_options: object,
) -> PeopleSeedResult:
    """Creates or restores the people demo data. Side effects: commits per chunk of employees."""
    if not 0 <= employees <= MAX_EMPLOYEES:
        raise ValueError(f"employees must be between 0 and {MAX_EMPLOYEES}")
    result = PeopleSeedResult()
    password = _PasswordHash()
    started = time.monotonic()
    with transaction.atomic():
        groups = roles.ensure_role_groups()
        units = _ensure_units(result)
        positions = _ensure_positions(result)
        for account in ACCOUNTS:
            _ensure_account(account, units, positions, groups, password, result)
    log(
        f"people: {len(units)} units ({result.units_created} new), {len(positions)} positions "
        f"({result.positions_created} new), {len(ACCOUNTS)} named accounts "
        f"({result.accounts_created} new, {result.accounts_updated} restored)"
    )
    _ensure_numbered_employees(employees, units, positions, password, result)
    result.team_members_assigned = _ensure_numbered_teams()
    log(
        f"people: {employees} numbered employees: {result.employees_created} created, "
        f"{result.employees_existing} already there"
        + (f", {result.employees_skipped} skipped (NIP taken)" if result.employees_skipped else "")
        + (
            f", {result.team_members_assigned} placed in teams"
            if result.team_members_assigned
            else ""
        )
        + f" ({time.monotonic() - started:.1f} s)"
    )
    return result


def _ensure_units(result: PeopleSeedResult) -> dict[str, Unit]:
    existing = {unit.code: unit for unit in Unit.objects.filter(code__in=[u[0] for u in UNITS])}
    units: dict[str, Unit] = {}
    for code, name, kind, parent_code in UNITS:
        parent = units[parent_code] if parent_code else None
        unit = existing.get(code)
        if unit is None:
            unit = services.create_unit(code=code, name=name, kind=kind, parent=parent)
            result.units_created += 1
        elif (unit.name, unit.kind, unit.parent_id) != (name, kind, parent.pk if parent else None):
            unit = services.update_unit(
                unit=unit, code=code, name=name, kind=kind, parent=parent, head=unit.head
            )
        units[code] = unit
    return units


def _ensure_positions(result: PeopleSeedResult) -> dict[str, Position]:
    positions = {}
    for code, name, kind, level in POSITIONS:
        position, created = Position.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "level": level}
        )
        result.positions_created += created
        positions[code] = position
    return positions


def _ensure_account(
    account: Account,
    units: dict[str, Unit],
    positions: dict[str, Position],
    groups: dict[str, Group],
    password: _PasswordHash,
    result: PeopleSeedResult,
) -> None:
    wanted = {
        "full_name": account.full_name,
        "nip": account.nip,
        "employee_type": EmployeeType.PNS if account.nip else "",
        "unit_id": units[account.unit].pk if account.unit else None,
        "position_id": positions[account.position].pk if account.position else None,
        "rank": account.rank,
        "is_staff": account.is_staff,
        "is_superuser": account.is_superuser,
        "is_active": True,
    }
    user = User.objects.filter(email=account.email).first()
    if user is None:
        user = User(email=account.email, password=str(password), **wanted)
        user.full_clean(exclude=["password"])
        user.save()
        result.accounts_created += 1
    else:
        changed = [name for name, value in wanted.items() if getattr(user, name) != value]
        # Checked rather than overwritten, so a re-seed does not log the demo people out.
        if user.password != str(password) and not user.check_password(DEMO_PASSWORD):
            user.password = str(password)
            changed.append("password")
        if changed:
            for name in changed:
                if name != "password":
                    setattr(user, name, wanted[name])
            user.full_clean(exclude=["password"])
            user.save(update_fields=changed)
            result.accounts_updated += 1
    if account.manages:
        user.groups.set([groups[roles.HR_ADMIN]])
        services.set_managed_units(admin=user, units=[units[account.manages]])
    if account.heads and units[account.heads].head_id != user.pk:
        services.set_unit_head(unit=units[account.heads], head=user)


# --- the numbered employees -------------------------------------------------------------------


#: What employee_email() makes (at least four digits), as a regular expression.
NUMBERED_EMAIL_PATTERN = rf"^pegawai[0-9]{{4,}}@{re.escape(EMAIL_DOMAIN)}$"


def employee_email(number: int) -> str:
    return f"pegawai{number:04d}@{EMAIL_DOMAIN}"


def _mix(number: int, salt: int) -> int:
    """A cheap deterministic 32-bit hash, so choices look random but never change between runs."""
    x = (number * 0x9E3779B1 + salt * 0x85EBCA6B) & 0xFFFFFFFF
    x ^= x >> 16
    x = (x * 0x45D9F3B) & 0xFFFFFFFF
    x ^= x >> 16
    return x


def _weighted(items: list[tuple[str, int]]) -> list[str]:
    return [item for item, weight in items for _ in range(weight)]


_UNIT_WHEEL = _weighted(EMPLOYEE_UNITS)
_LEVEL_WHEELS = [(age, _weighted(levels)) for age, levels in LEVELS_BY_AGE]
_POSITIONS_BY_LEVEL: dict[str, list[str]] = {}
for _code, _name, _kind, _level in POSITIONS:
    if _code not in SINGLE_HOLDER_POSITIONS:
        _POSITIONS_BY_LEVEL.setdefault(_level, []).append(_code)


@dataclass(frozen=True)
class DemoEmployee:
    number: int
    email: str
    full_name: str
    nip: str
    unit: str
    position: str
    rank: str


def demo_employee(number: int) -> DemoEmployee:
    """Employee `number` (1-based): every attribute a pure function of the number."""
    k = number - 1
    # (birth day, sequence) is a bijection of k, so the NIPs are unique by construction.
    birth = _FIRST_BIRTH + dt.timedelta(days=(k % _BIRTH_DAYS) * _BIRTH_STEP % _BIRTH_DAYS)
    sequence = k // _BIRTH_DAYS + 1
    female = _mix(number, 1) & 1
    start_year = min(birth.year + 22 + _mix(number, 2) % 8, REFERENCE_YEAR)
    start_month = 1 + _mix(number, 3) % 12
    nip = f"{birth:%Y%m%d}{start_year:04d}{start_month:02d}{2 if female else 1}{sequence:03d}"

    given = (FEMALE_NAMES if female else MALE_NAMES)[_mix(number, 4) % 20]
    surnames = (FEMALE_SURNAMES if female else MALE_SURNAMES) + SHARED_SURNAMES
    surname = surnames[_mix(number, 5) % len(surnames)]
    full_name = f"{given} {surname}"
    if _mix(number, 6) % 4 == 0:  # some people have a middle name
        middle = (FEMALE_NAMES if female else MALE_NAMES)[_mix(number, 7) % 20]
        if middle != given:
            full_name = f"{given} {middle} {surname}"

    age = REFERENCE_YEAR - birth.year
    wheel = next(levels for min_age, levels in _LEVEL_WHEELS if age >= min_age)
    level = wheel[_mix(number, 8) % len(wheel)]
    candidates = _POSITIONS_BY_LEVEL[level]
    ranks = RANKS_BY_LEVEL[level]
    return DemoEmployee(
        number=number,
        email=employee_email(number),
        full_name=full_name,
        nip=nip,
        unit=_UNIT_WHEEL[_mix(number, 9) % len(_UNIT_WHEEL)],
        position=candidates[_mix(number, 10) % len(candidates)],
        # Promotions come with years of service: one rank step about every five years.
        rank=ranks[min((REFERENCE_YEAR - start_year) // 5, len(ranks) - 1)],
    )


# --- teams in large units ------------------------------------------------------------------------

#: A unit with more numbered employees than this is split into teams (seksi, subbagian): nobody
#: leads thousands of people directly. Smaller units keep the head as everyone's supervisor.
LARGE_UNIT = 100
#: About this many people per team: the leader and the rest, whose supervisor the leader is.
TEAM_SIZE = 25

# In each large unit, the numbered employees in the order they were made, cut into teams of
# TEAM_SIZE: the first of each team leads it (no supervisor of their own: the unit head is theirs
# by the unit rule), the others get the leader as supervisor. Set-based, one statement; people
# with a supervisor already (HR may have chosen one) are left as they are, so a second run changes
# nothing, and employees added later join the last team or form new ones.
_TEAMS_SQL = """
WITH numbered AS (
    SELECT {pk} AS id, {unit} AS unit,
           row_number() OVER (PARTITION BY {unit} ORDER BY {pk}) - 1 AS rank,
           count(*) OVER (PARTITION BY {unit}) AS size
      FROM {users}
     WHERE {email} LIKE %(like)s AND {email} ~ %(pattern)s AND {unit} IS NOT NULL
), teams AS (
    SELECT id, rank %% %(team)s = 0 AS leads,
           first_value(id) OVER (PARTITION BY unit, rank / %(team)s ORDER BY rank) AS leader
      FROM numbered WHERE size > %(large)s
)
UPDATE {users} u SET {supervisor} = teams.leader
  FROM teams
 WHERE u.{pk} = teams.id AND NOT teams.leads AND u.{supervisor} IS NULL
"""


def _ensure_numbered_teams() -> int:
    """Gives the numbered employees of large units a team leader as supervisor; returns how many
    it placed this run."""
    meta = User._meta
    column = {
        name: connection.ops.quote_name(meta.get_field(name).column)  # type: ignore[union-attr,arg-type]
        for name in ("id", "unit", "email", "supervisor")
    }
    users_table = connection.ops.quote_name(meta.db_table)
    sql = _TEAMS_SQL.format(
        users=users_table,
        pk=column["id"],
        unit=column["unit"],
        email=column["email"],
        supervisor=column["supervisor"],
    )
    params: dict[str, str | int] = {
        "like": f"pegawai%@{EMAIL_DOMAIN}",
        "pattern": NUMBERED_EMAIL_PATTERN,
        "team": TEAM_SIZE,
        "large": LARGE_UNIT,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        # Just bulk-inserted: without statistics the planner takes the table for a few rows.
        cursor.execute(f"ANALYZE {users_table}")
        cursor.execute(sql, params)
        return cursor.rowcount


def _chunks(count: int, size: int) -> Iterator[range]:
    for first in range(1, count + 1, size):
        yield range(first, min(first + size, count + 1))


def _ensure_numbered_employees(
    count: int,
    units: dict[str, Unit],
    positions: dict[str, Position],
    password: _PasswordHash,
    result: PeopleSeedResult,
) -> None:
    """Inserts the missing ones chunk by chunk: one SELECT and one multi-row INSERT per chunk.

    bulk_create rather than COPY: it fills every column the model defines (defaults included), so
    it keeps working as the User model grows, and ON CONFLICT DO NOTHING (ignore_conflicts) makes
    a concurrent or repeated run harmless. It is fast enough: 100,000 rows in well under a minute.
    """
    unit_ids = {code: unit.pk for code, unit in units.items()}
    position_ids = {code: position.pk for code, position in positions.items()}
    for numbers in _chunks(count, CHUNK_SIZE):
        emails = [employee_email(number) for number in numbers]
        existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
        result.employees_existing += len(existing)
        missing = [n for n, email in zip(numbers, emails, strict=True) if email not in existing]
        if not missing:
            continue
        rows = []
        for number in missing:
            person = demo_employee(number)
            rows.append(
                User(
                    email=person.email,
                    password=str(password),
                    full_name=person.full_name,
                    nip=person.nip,
                    employee_type=EmployeeType.PNS,
                    unit_id=unit_ids[person.unit],
                    position_id=position_ids[person.position],
                    rank=person.rank,
                )
            )
        User.objects.bulk_create(rows, batch_size=CHUNK_SIZE, ignore_conflicts=True)
        created = User.objects.filter(email__in=[row.email for row in rows]).count()
        result.employees_created += created
        result.employees_skipped += len(rows) - created
