"""What a supervisor reads about their team (/team/) and the registration requests (the
employee's own, and those waiting at /team/approvals/). Re-exported by training.selectors.

The team page costs the same number of queries whatever the team's size: the counts, a page of
the members, then one query each for their maps, their largest gaps, their JP this year, their open assignments and
what waits for the supervisor, each over every member at once (people.selectors.team_of
decides who is in the team).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from competency.models import CompetencyMap, CompetencyMapItem, JpmCategory
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import EmployeeType, Position, Unit, User
from rumahbelajar.sqlrows import cache_related, columns, fetch, take
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
    have waiting for `supervisor`. Nine queries whatever the team's size (three when it is
    empty)."""
    today = today or timezone.localdate()
    waiting = sum(_waiting_counts(supervisor).values())
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
    found = User.objects.select_related("unit", "position").in_bulk(page_ids)
    people = [found[pk] for pk in page_ids if pk in found]
    members = {p.pk: TeamMember(person=p, jp_target=_target(p.employee_type)) for p in people}
    base = {"year": today.year, "size": size, "waiting": waiting, "page": page, "pages": pages}
    if not members:
        return Team(members=[], **base)
    ids = list(members)
    for employee_id, jpm, category in CompetencyMap.objects.filter(employee_id__in=ids).values_list(
        "employee_id", "jpm", "category"
    ):
        member = members[employee_id]
        member.jpm, member.category, member.has_map = jpm, category, True
    gaps = (
        CompetencyMapItem.objects.filter(map_id__in=ids, gap__gt=0)
        .order_by("map_id", "-gap", "competency__sort_order", "competency__code")
        .values_list(
            "map_id", "competency__code", "competency__name", "required", "achieved", "gap"
        )
    )
    for employee_id, code, name, required, achieved, gap in gaps:
        member = members[employee_id]
        if len(member.gaps) < GAPS_PER_MEMBER:
            member.gaps.append(Gap(code, name, required, achieved, gap))
    for employee_id, total in (
        LearningRecord.objects.filter(employee_id__in=ids, year=today.year)
        .values("employee_id")
        .annotate(total=Sum("jp"))
        .values_list("employee_id", "total")
    ):
        members[employee_id].jp = total or Decimal(0)
    soon = today + dt.timedelta(days=DUE_WITHIN_DAYS)
    open_assignments = (
        Enrollment.objects.filter(
            employee_id__in=ids,
            source=EnrollmentSource.ASSIGNED,
            status__in=[EnrollmentStatus.REGISTERED, EnrollmentStatus.NO_SHOW],
        )
        .exclude(training__status=TrainingStatus.CANCELLED)
        .select_related("training")
        .order_by("due_date", "training__start_at", "id")
    )
    for enrollment in open_assignments:
        due = enrollment.due_date or timezone.localtime(enrollment.training.end_at).date()
        if due > soon:
            continue
        members[enrollment.employee_id].assignments.append(
            OpenAssignment(enrollment.training, enrollment.due_date, due < today)
        )
    for (employee_id, kind), count in _waiting_counts(supervisor, ids).items():
        if kind == "report":
            members[employee_id].waiting_reports = count
        else:
            members[employee_id].waiting_requests = count
    return Team(members=[members[p.pk] for p in people], **base)


def _waiting_counts(supervisor: User, ids: list[int] | None = None) -> dict[Any, int]:
    """What waits for `supervisor`: the pending reports and registration requests, in one query.
    Without `ids`: {"report": n, "request": m}; with them: {(employee id, kind): n} for those
    people."""
    reports, requests = ActivityReport._meta.db_table, RegistrationRequest._meta.db_table
    pending = [str(status) for status in PENDING_STATUSES]
    per = ', "employee_id"' if ids is not None else ""
    only = ' AND "employee_id" = ANY(%s)' if ids is not None else ""
    sql = (
        f"SELECT 'report'{per}, count(*) FROM \"{reports}\" "  # noqa: S608 (names from the models)
        f'WHERE "approver_id" = %s AND "status" = ANY(%s){only}'
        + (' GROUP BY "employee_id"' if ids is not None else "")
        + f" UNION ALL SELECT 'request'{per}, count(*) FROM \"{requests}\" "  # noqa: S608
        f'WHERE "supervisor_id" = %s AND "state" = %s{only}'
        + (' GROUP BY "employee_id"' if ids is not None else "")
    )
    params: list[Any] = [supervisor.pk, pending] + ([ids] if ids is not None else [])
    params += [supervisor.pk, str(RequestState.PENDING)] + ([ids] if ids is not None else [])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if ids is None:
        return {kind: count for kind, count in rows}
    return {(employee_id, kind): count for kind, employee_id, count in rows}
