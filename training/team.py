"""What a supervisor reads about their team (/team/) and the registration requests (the
employee's own, and those waiting at /team/approvals/). Re-exported by training.selectors.

The team page costs the same number of queries whatever the team's size: what waits for the
supervisor, the units they head and a page of the team with its size (people.selectors.team_page
decides who is in the team), then the page's members with their map's JPM and band, their JP
and their largest gaps, and their open assignments, each over every member at once. In SQL written
once per process, not built by the ORM per request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from competency.models import Competency, CompetencyMap, CompetencyMapItem, JpmCategory
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import EmployeeType, Position, Unit, User
from rumahbelajar.sqlrows import (
    build,
    cache_related,
    code_literal,
    columns,
    decode_json,
    fetch,
    take,
    take_shared,
)
from training.models import (
    PENDING_STATUSES,
    YEARLY_JP_TARGET,
    ActivityReport,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LearningRecord,
    RegistrationRequest,
    RequestState,
    Training,
    TrainingStatus,
)

#: The largest gaps shown per member.
GAPS_PER_MEMBER = 3
#: An open assignment is "due" when its deadline (or, without one, its start) is this close.
DUE_WITHIN_DAYS = 30


# --- registration requests -----------------------------------------------------------------------


def request_for(*, training: Training, employee: User) -> RegistrationRequest | None:
    """The person's latest request for this training (pending, or the last decided one), with
    its supervisor; None if they never asked. One query."""
    if not employee.is_authenticated:
        return None
    return (
        RegistrationRequest.objects.filter(training=training, employee=employee)
        .select_related("supervisor")
        .order_by("-created_at", "-id")
        .first()
    )


def requests_waiting_for(*, user: User) -> list[RegistrationRequest]:
    """The registration requests waiting for `user` as supervisor, oldest first, with the
    training and the employee with their unit and position loaded (one query, written once per
    process: every supervisor's queue page asks, most often for nothing)."""
    db, rows = fetch(RegistrationRequest, _waiting_requests_sql(), [user.pk, RequestState.PENDING])
    waiting = []
    for row in rows:
        item, at = take(RegistrationRequest, db, row, 0)
        training, at = take(Training, db, row, at)
        employee, at = take(User, db, row, at)
        unit, at = take(Unit, db, row, at)
        position, _ = take(Position, db, row, at)
        assert item is not None
        assert employee is not None
        cache_related(item, "training", training)
        cache_related(employee, "unit", unit)
        cache_related(employee, "position", position)
        cache_related(item, "employee", employee)
        waiting.append(item)
    return waiting


def my_open_requests(*, employee: User) -> list[RegistrationRequest]:
    """The person's requests still pending, and those returned whose training they have not
    asked for again, newest first, with the training and the supervisor (one query, written once
    per process: everyone's /trainings/mine/ asks, most often for nothing)."""
    db, rows = fetch(
        RegistrationRequest,
        _open_requests_sql(),
        [employee.pk, RequestState.PENDING, RequestState.RETURNED],
    )
    seen: set[int] = set()
    result = []
    for row in rows:
        item, at = take(RegistrationRequest, db, row, 0)
        assert item is not None
        if item.training_id in seen:
            continue
        training, at = take(Training, db, row, at)
        supervisor, _ = take(User, db, row, at)
        cache_related(item, "training", training)
        cache_related(item, "supervisor", supervisor)
        seen.add(item.training_id)
        result.append(item)
    return result


def _tables() -> dict[str, str]:
    return {
        "requests": RegistrationRequest._meta.db_table,
        "trainings": Training._meta.db_table,
        "users": User._meta.db_table,
        "units": Unit._meta.db_table,
        "positions": Position._meta.db_table,
    }


@cache
def _waiting_requests_sql() -> str:
    t = _tables()
    return (
        f"SELECT {columns(RegistrationRequest, 'r')}, {columns(Training, 't')}, "  # noqa: S608 (names from the models)
        f"{columns(User, 'e')}, {columns(Unit, 'u')}, {columns(Position, 'p')} "
        f'FROM "{t["requests"]}" r JOIN "{t["trainings"]}" t ON t."id" = r."training_id" '
        f'JOIN "{t["users"]}" e ON e."id" = r."employee_id" '
        f'LEFT JOIN "{t["units"]}" u ON u."id" = e."unit_id" '
        f'LEFT JOIN "{t["positions"]}" p ON p."id" = e."position_id" '
        'WHERE r."supervisor_id" = %s AND r."state" = %s ORDER BY r."created_at", r."id"'
    )


@cache
def _open_requests_sql() -> str:
    t = _tables()
    return (
        f"SELECT {columns(RegistrationRequest, 'r')}, {columns(Training, 't')}, "  # noqa: S608 (names from the models)
        f"{columns(User, 's')} "
        f'FROM "{t["requests"]}" r JOIN "{t["trainings"]}" t ON t."id" = r."training_id" '
        f'LEFT JOIN "{t["users"]}" s ON s."id" = r."supervisor_id" '
        'WHERE r."employee_id" = %s AND r."state" IN (%s, %s) '
        'ORDER BY r."created_at" DESC, r."id" DESC'
    )


# --- the team -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    code: str
    name: str
    required: int
    achieved: int
    gap: int


@dataclass(frozen=True)
class OpenAssignment:
    training: Training
    due_date: dt.date | None
    overdue: bool


@dataclass
class TeamMember:
    person: User
    jpm: Decimal | None = None
    category: str = ""
    has_map: bool = False
    gaps: list[Gap] = field(default_factory=list)
    jp: Decimal = Decimal(0)
    jp_target: int = YEARLY_JP_TARGET
    assignments: list[OpenAssignment] = field(default_factory=list)
    # Every assigned training not attended, with its due date (assignments: those due soon).
    open_assigned: list[tuple[Training, dt.date | None]] = field(default_factory=list, repr=False)
    waiting_reports: int = 0
    waiting_requests: int = 0

    @property
    def category_label(self) -> str:
        return str(JpmCategory(self.category).label) if self.category in JpmCategory.values else ""

    @property
    def jp_percent(self) -> int:
        return min(100, int(100 * self.jp / self.jp_target)) if self.jp_target else 100

    @property
    def jp_met(self) -> bool:
        return self.jp >= self.jp_target

    @property
    def waiting(self) -> int:
        return self.waiting_reports + self.waiting_requests

    @property
    def overdue_count(self) -> int:
        return sum(1 for a in self.assignments if a.overdue)


@dataclass(frozen=True)
class Team:
    """One page of the team (`members`), how many there are in all (`size`) and what waits for
    the supervisor in all (`waiting`: reports and registration requests)."""

    members: list[TeamMember]
    year: int
    size: int = 0
    waiting: int = 0
    page: int = 1
    pages: int = 1


def _target(employee_type: str) -> int:
    from training.selectors import jp_target  # the one place of the targets

    return jp_target(employee_type=employee_type or EmployeeType.PNS)


#: Team members per page (a head of a large unit leads hundreds).
MEMBERS_PER_PAGE = 50


def team_overview(*, supervisor: User, today: dt.date | None = None, page: int = 1) -> Team:
    """A page of `supervisor`'s team by name, each member with their stored map's JPM and band,
    their largest gaps, their JP this year against their target, the assigned trainings they
    have not attended (due soon or overdue first) and the reports and registration requests they
    have waiting for `supervisor`. Three queries whatever the team's size, two for someone who
    heads no unit (the members' statement also counts what waits)."""
    today = today or timezone.localdate()
    page = max(page, 1)
    size, page_ids = people_selectors.team_page(
        supervisor=supervisor, offset=(page - 1) * MEMBERS_PER_PAGE, limit=MEMBERS_PER_PAGE
    )
    if not page_ids and page > 1:  # past the end (a bookmark of a team that has since shrunk)
        size, _ = people_selectors.team_page(supervisor=supervisor, offset=0, limit=1)
        page = max(1, -(-size // MEMBERS_PER_PAGE))
        size, page_ids = people_selectors.team_page(
            supervisor=supervisor, offset=(page - 1) * MEMBERS_PER_PAGE, limit=MEMBERS_PER_PAGE
        )
    pages = max(1, -(-size // MEMBERS_PER_PAGE))
    members, waiting = _members(page_ids, today.year, supervisor)
    if not members:  # nobody on the page to count it with: on its own
        waiting = _waiting_total(supervisor)
    base = {"year": today.year, "size": size, "waiting": waiting, "page": page, "pages": pages}
    if not members:
        return Team(members=[], **base)
    soon = today + dt.timedelta(days=DUE_WITHIN_DAYS)
    for member in members.values():
        for training, due_date in member.open_assigned:
            due = due_date or timezone.localtime(training.end_at).date()
            if due <= soon:
                member.assignments.append(OpenAssignment(training, due_date, due < today))
    return Team(members=list(members.values()), **base)


# The page's reads, written once per process: built by the ORM per request, they cost the web
# process more (5 ms) than PostgreSQL spent running them.
@cache
def _sql() -> dict[str, str]:
    t = {
        model.__name__: connection.ops.quote_name(model._meta.db_table)
        for model in (
            User, Unit, Position, CompetencyMap, CompetencyMapItem, Competency, LearningRecord,
            Enrollment, Training, ActivityReport, RegistrationRequest,
        )
    }  # fmt: skip
    return {
        # What waits for the supervisor in all, for a page with nobody on it.
        "waiting": f"SELECT {_waiting_sql(t, member=False)}",
        # Each member with their unit and position, their map's JPM and band (NULL: no map),
        # their JP in the year and their largest gaps (by gap, then the dictionary's order) as
        # a JSON list of [code, name, required, achieved, gap].
        "people": (
            f"SELECT {columns(User, 'u', skip=_UNREAD)}, {columns(Unit, 'n')}, {columns(Position, 'p')}, "  # noqa: S608 (names from the models)
            'm."employee_id", m."jpm", m."category", '
            f'(SELECT sum(r."jp") FROM {t["LearningRecord"]} r'
            ' WHERE r."employee_id" = u."id" AND r."year" = %s), '
            "(SELECT json_agg(json_build_array(code, name, required, achieved, gap))"
            ' FROM (SELECT c."code", c."name", i."required", i."achieved", i."gap"'
            f" FROM {t['CompetencyMapItem']} i JOIN {t['Competency']} c"
            ' ON c."id" = i."competency_id"'
            ' WHERE i."map_id" = m."employee_id" AND i."gap" > 0'
            ' ORDER BY i."gap" DESC, c."sort_order", c."code" LIMIT %s) largest), '
            # The assigned trainings not attended (registered, or absent), but cancelled ones:
            # [training id, slug, title, end, due date], by due date (none last), start, id.
            "(SELECT json_agg(json_build_array("
            f'{", ".join(f"t.{column}" for column in _ASSIGNED_TRAINING)}, e."due_date") '
            'ORDER BY e."due_date" NULLS LAST, t."start_at", e."id") '
            f'FROM {t["Enrollment"]} e JOIN {t["Training"]} t ON t."id" = e."training_id" '
            f'WHERE e."employee_id" = u."id" AND e."source" = {code_literal(EnrollmentSource.ASSIGNED)} '
            f'AND e."status" IN ({code_literal(EnrollmentStatus.REGISTERED)}, '
            f"{code_literal(EnrollmentStatus.NO_SHOW)}) "
            f'AND t."status" <> {code_literal(TrainingStatus.CANCELLED)}), '
            # What waits for the supervisor from the member (reports, registration requests),
            # and from anyone in all (computed once: it names no member).
            f"{_waiting_sql(t, member=True)}, {_waiting_sql(t, member=False)} "
            f'FROM {t["User"]} u LEFT JOIN {t["Unit"]} n ON n."id" = u."unit_id" '
            f'LEFT JOIN {t["Position"]} p ON p."id" = u."position_id" '
            f'LEFT JOIN {t["CompetencyMap"]} m ON m."employee_id" = u."id" '
            'WHERE u."id" = ANY(%s)'
        ),
    }


def _waiting_sql(t: dict[str, str], *, member: bool) -> str:
    """What waits for the supervisor (parameters: _waiting_params()): the pending reports and
    registration requests, as two counts of the member `u` (`member`) or their sum in all."""
    of = ' AND a."employee_id" = u."id"' if member else ""
    by = ' AND q."employee_id" = u."id"' if member else ""
    reports = (
        f"(SELECT count(*) FROM {t['ActivityReport']} a "  # noqa: S608 (names from the models)
        f'WHERE a."approver_id" = %s AND a."status" = ANY(%s){of})'
    )
    requests = (
        f"(SELECT count(*) FROM {t['RegistrationRequest']} q "  # noqa: S608 (names from the models)
        f'WHERE q."supervisor_id" = %s AND q."state" = %s{by})'
    )
    return f"{reports}, {requests}" if member else f"{reports} + {requests}"


def _waiting_params(supervisor: User) -> list[Any]:
    pending = [str(status) for status in PENDING_STATUSES]
    return [supervisor.pk, pending, supervisor.pk, str(RequestState.PENDING)]


# What the page reads of an assigned training (the link, the title, the end: the due date of an
# assignment without one).
_ASSIGNED_TRAINING = ("id", "slug", "title", "end_at")


# What the page never shows of a member (left deferred).
_UNREAD = ("password", "last_login", "date_joined")


def _members(ids: list[int], year: int, supervisor: User) -> tuple[dict[int, TeamMember], int]:
    """The members of the page, in the page's order, with their unit, position, map, JP and
    what they have waiting for `supervisor`; and how much waits for `supervisor` in all (0 when
    no member is found: nothing to read it with)."""
    if not ids:
        return {}, 0
    waits = _waiting_params(supervisor)
    db, rows = fetch(User, _sql()["people"], [year, GAPS_PER_MEMBER, *waits, *waits, ids])
    found = {}
    waiting = 0
    units: dict[int, Unit] = {}
    positions: dict[int, Position] = {}
    for row in rows:
        person, at = take(User, db, row, 0, skip=_UNREAD)
        unit, at = take_shared(Unit, db, row, at, units)
        position, at = take_shared(Position, db, row, at, positions)
        assert person is not None
        cache_related(person, "unit", unit)
        cache_related(person, "position", position)
        mapped, jpm, category, jp, gaps, assigned, reports, requests, waiting = row[at:]
        found[person.pk] = TeamMember(
            person=person,
            jp_target=_target(person.employee_type),
            jpm=jpm,
            category=category or "",
            has_map=mapped is not None,
            jp=jp or Decimal(0),
            gaps=[Gap(*gap) for gap in decode_json(gaps) or ()],
            open_assigned=[_assigned(db, *item) for item in decode_json(assigned) or ()],
            waiting_reports=reports,
            waiting_requests=requests,
        )
    return {pk: found[pk] for pk in ids if pk in found}, waiting


def _assigned(
    db: str, pk: int, slug: str, title: str, end_at: str, due_date: str | None
) -> tuple[Training, dt.date | None]:
    """An assigned training as the members' statement gives it (JSON): the training (its
    page's fields only) and the assignment's due date."""
    training = build(Training, db, _ASSIGNED_TRAINING, (pk, slug, title, parse_datetime(end_at)))
    return training, dt.date.fromisoformat(due_date) if due_date else None


def _waiting_total(supervisor: User) -> int:
    """What waits for `supervisor` in all, when no member row carries it (an empty page)."""
    with connection.cursor() as cursor:
        cursor.execute(_sql()["waiting"], _waiting_params(supervisor))
        return cursor.fetchone()[0]
