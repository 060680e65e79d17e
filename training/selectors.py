"""Reads about trainings, enrolments and the JP ledger. Seats left and waitlist positions are
computed here from enrolment rows (never stored). Every list runs a constant number of queries
whatever its size.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest
from django.utils import timezone

from competency.models import Competency
from rumahbelajar.people import selectors as people_selectors
from rumahbelajar.people.models import EmployeeType, Unit, User
from rumahbelajar.people.nip import format_nip
from rumahbelajar.people.selectors import ReportScope
from rumahbelajar.sqlrows import build, cache_related, code_literal, columns, fetch, take, width
from training import cache as catalogue_cache
from training.activities import (  # the learning log's reads, for other apps and the wiring
    Review as Review,
)
from training.activities import (
    jp_for_report as jp_for_report,
)
from training.activities import (
    may_decide as may_decide,
)
from training.activities import (
    may_view as may_view,
)
from training.activities import (
    report_for as report_for,
)
from training.activities import (
    reports_of as reports_of,
)
from training.activities import (
    reports_waiting_for as reports_waiting_for,
)
from training.activities import (
    reviews_for_ebook as reviews_for_ebook,
)
from training.models import (
    SEAT_STATUSES,
    YEARLY_JP_TARGET,
    Certificate,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    JpConversion,
    LearningKind,
    LearningRecord,
    RegistrationRequest,
    Training,
    TrainingCompetency,
    TrainingKind,
    TrainingStatus,
)
from training.rules import NoSupervisor, TrainingError, self_registration_error
from training.team import (  # registration requests and the team page
    Team as Team,
)
from training.team import (
    TeamMember as TeamMember,
)
from training.team import (
    my_open_requests as my_open_requests,
)
from training.team import (
    request_for as request_for,
)
from training.team import (
    requests_waiting_for as requests_waiting_for,
)
from training.team import (
    team_overview as team_overview,
)

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def with_seats(queryset: QuerySet[Training]) -> QuerySet[Training]:
    """Adds seats_taken, waitlist_count and seats_left (never below 0) to each training."""
    return queryset.annotate(
        seats_taken=Count("enrollments", filter=Q(enrollments__status__in=SEAT_STATUSES)),
        waitlist_count=Count(
            "enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED)
        ),
    ).annotate(seats_left=Greatest(F("capacity") - F("seats_taken"), Value(0)))


def _competency_links() -> Prefetch:
    return Prefetch(
        "competency_links",
        queryset=TrainingCompetency.objects.select_related("competency").order_by(
            "competency__sort_order", "competency__code"
        ),
    )


def _month_bounds(month: str | dt.date) -> tuple[dt.datetime, dt.datetime] | None:
    if isinstance(month, dt.date):
        year, number = month.year, month.month
    else:
        match = _MONTH.match(month.strip())
        if not match:
            return None
        year, number = int(match[1]), int(match[2])
        if not (1 <= number <= 12 and 2000 <= year <= 2100):
            return None
    tz = timezone.get_current_timezone()
    first = dt.datetime(year, number, 1, tzinfo=tz)
    after = dt.datetime(year + number // 12, number % 12 + 1, 1, tzinfo=tz)
    return first, after


def published_trainings(
    *,
    q: str | None = None,
    mode: str | None = None,
    kind: str | None = None,
    competency: Competency | int | str | None = None,
    month: str | dt.date | None = None,
    include_past: bool = False,
) -> QuerySet[Training]:
    """The catalogue: published trainings (not yet ended unless include_past), soonest first,
    each annotated with seats_taken, seats_left and waitlist_count, with `organizer_unit` and
    `competency_links` (→ competency) loaded. Two queries whatever the number of rows.

    Filters: q (title/description/place, case-insensitive), mode and kind (model choice values),
    competency (a Competency, its id, or its code such as "M1"), month ("YYYY-MM" or a date:
    trainings running at any time in that month). An unparsable month or unknown value filters
    nothing out rather than failing; validate GET input in the view's form.
    """
    trainings = Training.objects.filter(status=TrainingStatus.PUBLISHED)
    if not include_past:
        trainings = trainings.filter(end_at__gte=timezone.now())
    if q and q.strip():
        term = q.strip()
        trainings = trainings.filter(
            Q(title__icontains=term) | Q(description__icontains=term) | Q(place__icontains=term)
        )
    if mode:
        trainings = trainings.filter(mode=mode)
    if kind:
        trainings = trainings.filter(kind=kind)
    if competency not in (None, ""):
        links = TrainingCompetency.objects.filter(training=OuterRef("pk"))
        if isinstance(competency, Competency):
            links = links.filter(competency=competency)
        elif isinstance(competency, int) or str(competency).isdigit():
            links = links.filter(competency_id=int(competency))
        else:
            links = links.filter(competency__code=str(competency).strip().upper())
        trainings = trainings.filter(Exists(links))
    if month:
        bounds = _month_bounds(month)
        if bounds:
            trainings = trainings.filter(start_at__lt=bounds[1], end_at__gte=bounds[0])
    return (
        with_seats(trainings)
        .select_related("organizer_unit")
        .prefetch_related(_competency_links())
        .order_by("start_at", "id")
    )


def catalogue_competencies() -> list[tuple[str, str]]:
    """(code, name) of the competencies the not-yet-ended published trainings develop, in the
    dictionary's order: the catalogue's competency filter. Shared through training.cache until a
    write or the next time the catalogue changes by time alone (two queries when not found)."""

    def load() -> tuple[list[tuple[str, str]], dt.datetime]:
        now = timezone.now()
        competencies = (
            TrainingCompetency.objects.filter(
                training__status=TrainingStatus.PUBLISHED, training__end_at__gte=now
            )
            .order_by("competency__sort_order", "competency__code")
            .values_list("competency__code", "competency__name")
            .distinct()
        )
        return list(competencies), next_catalogue_change(now=now)

    return catalogue_cache.get_or_load("competencies", load)[0]


def next_catalogue_change(*, now: dt.datetime) -> dt.datetime:
    """The next instant the catalogue changes by time alone: a published training's registration
    opens (at the instant) or closes (just after), it starts (at the instant) or ends (just after:
    it leaves the list), or the local month changes (the month filter). One query."""
    bounds = Training.objects.filter(status=TrainingStatus.PUBLISHED, end_at__gte=now).aggregate(
        opens=Min("registration_opens_at", filter=Q(registration_opens_at__gt=now)),
        closes=Min("registration_closes_at", filter=Q(registration_closes_at__gte=now)),
        starts=Min("start_at", filter=Q(start_at__gt=now)),
        ends=Min("end_at"),
    )
    today = timezone.localtime(now).date()
    first = today.replace(day=1)
    next_month = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    month_turns = dt.datetime.combine(next_month, dt.time(), tzinfo=timezone.get_current_timezone())
    return min([month_turns, *(value for value in bounds.values() if value is not None)])


# A waitlisted enrolment's 1-based place in its training's waitlist (FIFO by waitlisted_at, id;
# the index training_enrollment_waitlist); NULL otherwise. Written out because the equivalent
# correlated Subquery cost more to build and compile on every "my trainings" than to run.
_WAITLIST_POSITION_SQL = """
    CASE WHEN training_enrollment.status = 'waitlisted' THEN (
        SELECT count(*) FROM training_enrollment ahead
        WHERE ahead.training_id = training_enrollment.training_id
          AND ahead.status = 'waitlisted'
          AND (ahead.waitlisted_at < training_enrollment.waitlisted_at
               OR (ahead.waitlisted_at = training_enrollment.waitlisted_at
                   AND ahead.id <= training_enrollment.id))
    ) END
"""


def _waitlist_position() -> RawSQL:
    """For an Enrollment queryset's annotate(): see _WAITLIST_POSITION_SQL."""
    return RawSQL(_WAITLIST_POSITION_SQL, (), output_field=IntegerField())  # noqa: S611


@cache
def _enrollment_sql() -> str:
    """enrollment_for()'s query, written once per process: every training page asks it."""
    return (
        f'SELECT {columns(Enrollment, "e")} FROM "{Enrollment._meta.db_table}" e '  # noqa: S608 (names from the models)
        'WHERE e."training_id" = %s AND e."employee_id" = %s '
        f"AND e.\"status\" <> '{EnrollmentStatus.CANCELLED.value}' LIMIT 1"
    )


def enrollment_for(*, training: Training, employee: User) -> Enrollment | None:
    """The person's active (non-cancelled) enrolment on the training, with `waitlist_position`
    (1 = next in line; None unless waitlisted); None if they have none. One plain query, and a
    count for a waitlisted person (the correlated annotation cost more to build than to run)."""
    if not employee.is_authenticated:
        return None
    db, rows = fetch(Enrollment, _enrollment_sql(), [training.pk, employee.pk])
    enrollment = take(Enrollment, db, rows[0], 0)[0] if rows else None
    if enrollment is None:
        return None
    enrollment.waitlist_position = None  # type: ignore[attr-defined]
    if enrollment.status == EnrollmentStatus.WAITLISTED:
        # The same FIFO order as _waitlist_position(): by waitlisted_at, then id.
        enrollment.waitlist_position = (  # type: ignore[attr-defined]
            Enrollment.objects.filter(training=training, status=EnrollmentStatus.WAITLISTED)
            .filter(
                Q(waitlisted_at__lt=enrollment.waitlisted_at)
                | Q(waitlisted_at=enrollment.waitlisted_at, pk__lte=enrollment.pk)
            )
            .count()
        )
    return enrollment


@dataclass(frozen=True)
class TrainingDetail:
    """Everything the detail page shows.

    `enrollment`: the viewer's active enrolment (with waitlist_position) or None.
    `can_register`: the register form applies (no active enrolment, no blocker); a full training
    still allows registering: `will_be_waitlisted` says it lands on the waitlist.
    `register_blocker`: why not, as an Indonesian message (None when can_register or enrolled).
    `can_cancel`: the viewer may cancel their enrolment themselves.
    `state`: Training.registration_state() now.
    `cache_version`: the training.cache version its public part was read under (None: the
    cache was unavailable), for the page's shared fragments.
    With Training.requires_approval, `can_register` means "may ask their supervisor": not while
    a request waits (`request`), nor without a supervisor (`register_blocker` says HR must set
    one).
    """

    training: Training
    enrollment: Enrollment | None
    seats_left: int
    waitlist_count: int
    can_register: bool
    will_be_waitlisted: bool
    register_blocker: str | None
    can_cancel: bool
    state: str = ""
    cache_version: int | None = None
    #: For a training that needs the supervisor's approval: the viewer's latest request (None if
    #: none) and, when they may ask, who decides (None: nobody; register_blocker says so).
    request: RegistrationRequest | None = None
    supervisor: User | None = None


def _public_training(id_or_slug: str) -> tuple[Training, dt.datetime | None]:
    """The training by id or slug, whatever its status, with its seats, organiser, sessions,
    competencies and eligibility loaded (five queries), and when its registration state next
    changes by time alone."""
    lookup = Q(pk=int(id_or_slug)) if id_or_slug.isdigit() else Q(slug=id_or_slug)
    training = (
        with_seats(Training.objects.filter(lookup))
        .select_related("organizer_unit")
        .prefetch_related("sessions", _competency_links(), "eligible_units", "eligible_positions")
        .get()
    )
    return training, training.next_state_change(timezone.now())


def training_for_detail(*, id_or_slug: str | int, user: User) -> TrainingDetail:
    """One training by id or slug, as `user` sees it: published and cancelled trainings for
    everyone, drafts only for people who may view trainings in admin. Raises
    Training.DoesNotExist (→ 404). Loads sessions, competencies, the organiser and eligibility.

    The training's public part belongs to no one and is shared through training.cache (moved on
    by every write that changes it): from there the page costs the viewer's enrolment only (one
    query), plus their permissions for a draft."""
    value = str(id_or_slug)
    training, stamp = catalogue_cache.get_or_load(
        "training", lambda: _public_training(value), id_or_slug=value
    )
    if training.status == TrainingStatus.DRAFT and not user.has_perm("training.view_training"):
        raise Training.DoesNotExist
    now = timezone.now()
    enrollment = enrollment_for(training=training, employee=user)
    blocker: TrainingError | None = None
    if enrollment is None and user.is_authenticated:
        blocker = self_registration_error(training=training, employee=user, now=now)
    seats_left = training.seats_left  # type: ignore[attr-defined]
    waitlist_count = training.waitlist_count  # type: ignore[attr-defined]
    can_register = enrollment is None and blocker is None and user.is_authenticated
    request = supervisor = None
    if training.requires_approval and enrollment is None and user.is_authenticated:
        # Only these trainings pay for the request and the supervisor (up to four queries).
        request = request_for(training=training, employee=user)
        if request is not None and request.is_pending:
            can_register = False
        elif can_register:
            supervisor = people_selectors.supervisor_of(employee=user)
            if supervisor is None:
                can_register, blocker = False, NoSupervisor()
    return TrainingDetail(
        training=training,
        enrollment=enrollment,
        seats_left=seats_left,
        waitlist_count=waitlist_count,
        can_register=can_register,
        will_be_waitlisted=can_register and (seats_left <= 0 or waitlist_count > 0),
        register_blocker=str(blocker) if blocker else None,
        can_cancel=enrollment is not None
        and enrollment.source == EnrollmentSource.SELF
        and enrollment.status in (EnrollmentStatus.REGISTERED, EnrollmentStatus.WAITLISTED)
        and now < training.start_at,
        state=training.registration_state(now),
        cache_version=stamp,
        request=request,
        supervisor=supervisor,
    )


@cache
def _registration_sql(by_id: bool) -> str:
    """The training row without its description, and its eligibility lists as two arrays
    (written once per process: through the ORM, building this query cost more than running it)."""
    meta = Training._meta
    columns = ", ".join(f't."{f.column}"' for f in meta.concrete_fields if f.name != "description")
    units = Training.eligible_units.through._meta.db_table
    positions = Training.eligible_positions.through._meta.db_table
    unit_table = Training.eligible_units.field.related_model._meta.db_table
    # Names from the models' metadata; the value is a parameter.
    return (
        f"SELECT {columns}, "  # noqa: S608
        f'ARRAY(SELECT u.path FROM "{units}" eu JOIN "{unit_table}" u ON u.id = eu.unit_id '
        "WHERE eu.training_id = t.id ORDER BY u.path) AS eligible_unit_paths, "
        f'ARRAY(SELECT ep.position_id FROM "{positions}" ep WHERE ep.training_id = t.id '
        "ORDER BY ep.position_id) AS eligible_position_ids "
        f'FROM "{meta.db_table}" t WHERE t.{"id" if by_id else "slug"} = %s'
    )


def training_for_registration(*, id_or_slug: str | int, user: User) -> Training:
    """The training `user` posts a registration for, in one query and never from the cache (a
    burst of registrations moves the cache version on with every seat): the row without its
    description, with `eligible_unit_paths` and `eligible_position_ids` for rules.is_eligible.
    Drafts only for people who may view trainings in admin; raises Training.DoesNotExist
    (→ 404) otherwise, as training_for_detail does."""
    value = str(id_or_slug)
    by_id = value.isdigit()
    found = list(Training.objects.raw(_registration_sql(by_id), [int(value) if by_id else value]))
    if not found:
        raise Training.DoesNotExist
    training = found[0]
    if training.status == TrainingStatus.DRAFT and not user.has_perm("training.view_training"):
        raise Training.DoesNotExist
    return training


@dataclass(frozen=True)
class MyTrainings:
    """One person's trainings, grouped for /trainings/mine/ (each list soonest first).

    assigned: assigned by HR and not yet attended (each has due_date, assigned_by);
    registered: self-registered seats not yet attended;
    waitlisted: with `waitlist_position`;
    completed: with `learning_record` (its jp) and `certificate` (the valid one: id, number and
    code only; None if none) — most recent first;
    no_show: marked absent — most recent first;
    jp: this year's JP (jp_summary()) when my_trainings() was asked for it, else None.
    Every enrolment has `training` loaded (without its description, deferred), `assigned_by`
    and `learning_record`.
    """

    assigned: list[Enrollment] = field(default_factory=list)
    registered: list[Enrollment] = field(default_factory=list)
    waitlisted: list[Enrollment] = field(default_factory=list)
    completed: list[Enrollment] = field(default_factory=list)
    no_show: list[Enrollment] = field(default_factory=list)
    # This year's JP (jp_summary), when asked for with_jp.
    jp: JpSummary | None = None

    @property
    def rows(self) -> list[Enrollment]:
        """Every group's enrolments, in page order."""
        return [*self.assigned, *self.registered, *self.waitlisted, *self.completed, *self.no_show]

    @property
    def is_empty(self) -> bool:
        return not (
            self.assigned or self.registered or self.waitlisted or self.completed or self.no_show
        )


# The lists show no description: it is the widest column and stays in the database.
_MINE_SKIP = ("description",)


@cache
def _my_trainings_sql(*, with_jp: bool = False) -> str:
    """The person's non-cancelled enrolments with their training, who assigned them, the ledger
    line a completion wrote, the place on a waiting list and the valid certificate (id, number,
    code), in no particular order (written once per process: through the ORM, building this
    query cost more than running it). `with_jp`: then also, in the last two columns of rows of
    their own (the others NULL), this year's JP per route (jp_summary's query): the dashboard
    and "my trainings" show both, and a round trip cost more than the sums."""
    enrollment = Enrollment._meta.db_table  # unaliased: _WAITLIST_POSITION_SQL names it
    extras = [_WAITLIST_POSITION_SQL, 'c."id"', 'c."number"', 'c."code"']
    picked = [
        *(columns(model, alias or enrollment, skip=skip) for model, alias, skip in _MINE_MODELS),
        *extras,
    ]
    sql = (
        f"SELECT {', '.join(picked)}"
        + (", NULL, NULL " if with_jp else " ")
        + f'FROM "{enrollment}" '
        f'JOIN "{Training._meta.db_table}" t ON t."id" = "{enrollment}"."training_id" '
        f'LEFT JOIN "{User._meta.db_table}" a ON a."id" = "{enrollment}"."assigned_by_id" '
        f'LEFT JOIN "{LearningRecord._meta.db_table}" r '
        f'  ON r."source_enrollment_id" = "{enrollment}"."id" '
        # At most one valid certificate per enrolment (a partial unique constraint).
        f'LEFT JOIN "{Certificate._meta.db_table}" c '
        f'  ON c."enrollment_id" = "{enrollment}"."id" AND c."revoked_at" IS NULL '
        f'WHERE "{enrollment}"."employee_id" = %s AND "{enrollment}"."status" <> %s'
    )
    if not with_jp:
        return sql
    nulls = sum(width(model, skip=skip) for model, _alias, skip in _MINE_MODELS) + len(extras)
    return (
        f"{sql} UNION ALL SELECT {', '.join(['NULL'] * nulls)}, "  # noqa: S608
        f'"kind", SUM("jp") FROM "{LearningRecord._meta.db_table}" '
        'WHERE "employee_id" = %s AND "year" = %s GROUP BY "kind"'
    )


# The models of a row of _my_trainings_sql, in order: their table alias (None: the enrolments'
# table, unaliased) and the fields left out.
_MINE_MODELS = (
    (Enrollment, None, ()),
    (Training, "t", _MINE_SKIP),
    (User, "a", ()),
    (LearningRecord, "r", ()),
)


# A certificate as my_trainings() reads it: its number and verification code.
_CERTIFICATE_FIELDS = ("id", "number", "code", "enrollment_id")


def my_trainings(*, employee: User, with_jp: bool = False) -> MyTrainings:
    """The person's non-cancelled enrolments, grouped (see MyTrainings); `with_jp`: and this
    year's JP (as jp_summary()). One query."""
    params: list[Any] = [employee.pk, EnrollmentStatus.CANCELLED]
    year = timezone.localdate().year
    if with_jp:
        params += [employee.pk, year]
    db, rows = fetch(Enrollment, _my_trainings_sql(with_jp=with_jp), params)
    by_kind: dict[str, Decimal] = {}
    enrolments = []
    for data in rows:
        if data[0] is None:  # a JP row: route, sum
            by_kind[data[-2]] = data[-1]
            continue
        row, at = take(Enrollment, db, data, 0)
        training, at = take(Training, db, data, at, skip=_MINE_SKIP)
        assigned_by, at = take(User, db, data, at)
        record, at = take(LearningRecord, db, data, at)
        # Every other row is an enrolment's, with its training.
        assert row is not None
        assert training is not None
        cache_related(row, "training", training)
        cache_related(row, "employee", employee)
        cache_related(row, "assigned_by", assigned_by)
        cache_related(row, "learning_record", record)
        row.waitlist_position = data[at]  # type: ignore[attr-defined]
        certificate_id, number, code = data[at + 1 : at + 4]
        row.certificate = (  # type: ignore[attr-defined]
            # Only what the lists show (others deferred); Model.__init__ cost as much as the query.
            build(Certificate, db, _CERTIFICATE_FIELDS, (certificate_id, number, code, row.pk))
            if certificate_id is not None
            else None
        )
        enrolments.append(row)
    enrolments.sort(key=lambda row: (row.training.start_at, row.pk))  # soonest first
    result = MyTrainings(jp=_jp_summary(by_kind, year=year) if with_jp else None)
    for row in enrolments:
        if row.status == EnrollmentStatus.COMPLETED:
            result.completed.append(row)
        elif row.status == EnrollmentStatus.NO_SHOW:
            result.no_show.append(row)
        elif row.status == EnrollmentStatus.WAITLISTED:
            result.waitlisted.append(row)
        elif row.source == EnrollmentSource.ASSIGNED:
            result.assigned.append(row)
        else:
            result.registered.append(row)
    result.completed.reverse()
    result.no_show.reverse()
    return result


@dataclass(frozen=True)
class AssignedTraining:
    """An assigned training the person has not attended and that has not ended, with the
    competencies it develops: (competency id, level aimed at), in the dictionary's order."""

    training_id: int
    title: str
    slug: str
    start_at: dt.datetime
    develops: list[tuple[int, int]]


def next_steps_enrolments(value: list[list[Any]]) -> tuple[set[int], list[AssignedTraining]]:
    """What "what to learn next" needs of the person's enrolments, from the JSON value of
    next_steps_enrolments_sql(): the trainings they are enrolled in (not cancelled: none is
    offered again) and, of those assigned to them and not yet attended (MyTrainings.assigned),
    the ones not ended, with what they develop. my_trainings() builds every enrolment with its
    training, who assigned it, its ledger line and certificate, none of which the ranking reads."""
    enrolled: set[int] = set()
    assigned: dict[int, AssignedTraining] = {}
    for training_id, live, title, slug, start_at, competency_id, level in value:
        enrolled.add(training_id)
        if not live:
            continue
        found = assigned.get(training_id)
        if found is None:
            found = assigned[training_id] = AssignedTraining(
                training_id, title, slug, dt.datetime.fromisoformat(start_at), []
            )
        if competency_id is not None:
            found.develops.append((competency_id, level))
    return enrolled, list(assigned.values())


# next_steps_enrolments_sql()'s parameters, in order.
NEXT_STEPS_ENROLMENTS_PARAMS = ("now", "now", "employee")


@cache
def next_steps_enrolments_sql() -> str:
    """A SELECT of one JSON value: the person's enrolments but cancelled ones, each as [training
    id, assigned and open at `now`, title, slug, start, competency id, level] (one row per
    competency an open assignment develops), in the order MyTrainings lists them. Run by the
    map in its own statement (training.recommendations.enrolments_read)."""
    names = {
        "enrollments": Enrollment._meta.db_table,
        "trainings": Training._meta.db_table,
        "links": TrainingCompetency._meta.db_table,
        "competencies": Competency._meta.db_table,
    }
    # Assigned and not attended (MyTrainings.assigned), and not ended.
    live = (
        f'e."source" = {code_literal(EnrollmentSource.ASSIGNED)} '
        f'AND e."status" = {code_literal(EnrollmentStatus.REGISTERED)} AND t."end_at" >= %s'
    )
    row = (
        f'e."training_id", {live}, t."title", t."slug", t."start_at", l."competency_id", l."level"'
    )
    return (
        f"SELECT coalesce(json_agg(json_build_array({row}) "  # noqa: S608 (names from the models)
        # As MyTrainings lists them (soonest first), each one's competencies in
        # TrainingCompetency's order.
        'ORDER BY t."start_at", e."id", c."sort_order", c."code"), \'[]\'::json) '
        f'FROM "{names["enrollments"]}" e JOIN "{names["trainings"]}" t ON t."id" = e."training_id" '
        f'LEFT JOIN "{names["links"]}" l ON l."training_id" = e."training_id" AND {live} '
        f'LEFT JOIN "{names["competencies"]}" c ON c."id" = l."competency_id" '
        f'WHERE e."employee_id" = %s AND e."status" <> {code_literal(EnrollmentStatus.CANCELLED)}'
    )


@dataclass(frozen=True)
class JpSummary:
    """An employee's JP for one year against the 20 JP target (PP 11/2017 art. 203(4))."""

    year: int
    total: Decimal
    klasikal: Decimal
    nonklasikal: Decimal
    target: int = YEARLY_JP_TARGET

    @property
    def percent(self) -> int:
        """Progress toward the target, 0-100 (for a progress bar)."""
        return min(100, int(self.total * 100 / self.target)) if self.target else 100

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(self.target) - self.total, Decimal(0))

    @property
    def target_met(self) -> bool:
        return self.total >= self.target


def jp_summary(*, employee: User, year: int | None = None) -> JpSummary:
    """Total, klasikal and nonklasikal JP in the employee's ledger for `year` (default: this
    year, local time), with target 20 and percent. One query."""
    year = year or timezone.localdate().year
    # Grouped by route (two rows at most), as SQL: every dashboard and "my trainings" asks, and
    # the ORM spent more building the aggregate than PostgreSQL running it.
    db = router.db_for_read(LearningRecord)
    with connections[db].cursor() as cursor:
        cursor.execute(
            f'SELECT "kind", SUM("jp") FROM "{LearningRecord._meta.db_table}" '  # noqa: S608
            'WHERE "employee_id" = %s AND "year" = %s GROUP BY "kind"',
            [employee.pk, year],
        )
        return _jp_summary(dict(cursor.fetchall()), year=year)


def _jp_summary(by_kind: dict[str, Decimal], *, year: int) -> JpSummary:
    klasikal = by_kind.get(LearningKind.KLASIKAL, Decimal("0"))
    nonklasikal = by_kind.get(LearningKind.NONKLASIKAL, Decimal("0"))
    return JpSummary(
        year=year, total=klasikal + nonklasikal, klasikal=klasikal, nonklasikal=nonklasikal
    )


def learning_records(*, employee: User, year: int | None = None) -> QuerySet[LearningRecord]:
    """The ledger lines of one person (one year if given), newest first."""
    records = LearningRecord.objects.filter(employee=employee).select_related(
        "source_enrollment__training"
    )
    return records.filter(year=year) if year else records


def jp_for_activity(
    *, activity_type: str, quantity: Decimal, on: dt.date | None = None
) -> tuple[Decimal, str] | None:
    """(JP, kind) for `quantity` units of an activity by the agency's conversion table in force
    on `on` (default today), or None when the table has no row for it."""
    on = on or timezone.localdate()
    conversion = (
        JpConversion.objects.filter(activity_type=activity_type, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .order_by("-valid_from")
        .first()
    )
    if conversion is None:
        return None
    jp = (Decimal(quantity) * conversion.jp_per_unit).quantize(Decimal("0.01"))
    if conversion.max_jp_per_record is not None:
        jp = min(jp, conversion.max_jp_per_record)
    return jp, conversion.kind


def trainings_for_competencies(*, competency_ids: list[int], limit: int = 6) -> QuerySet[Training]:
    """Upcoming published open trainings that develop any of these competencies (for
    recommendations next to a competency gap), soonest first, with seats_left."""
    links = TrainingCompetency.objects.filter(
        training=OuterRef("pk"), competency_id__in=competency_ids
    )
    return with_seats(
        Training.objects.filter(
            Exists(links),
            status=TrainingStatus.PUBLISHED,
            kind=TrainingKind.OPEN,
            start_at__gt=timezone.now(),
        )
    ).order_by("start_at", "id")[:limit]


@dataclass(frozen=True)
class Offer:
    """An open training as the "what to learn next" ranking sees it (training.recommendations):
    belonging to no one, so shared through the cache."""

    id: int
    slug: str
    title: str
    start_at: dt.datetime
    seats_left: int
    level: int  # the level it aims at for the competency it is listed under
    unit_paths: tuple[str, ...] = ()  # eligible unit subtrees (empty: every unit)
    position_ids: frozenset[int] = frozenset()  # eligible positions (empty: every position)


@cache
def _offers_sql() -> str:
    """Every published open training whose registration window holds at a given instant, with
    its seats taken, eligible unit paths and positions, and the competencies it develops with
    their levels: one row per training, soonest first (written once per process)."""
    training = Training._meta.db_table
    units = Training.eligible_units.through._meta.db_table
    positions = Training.eligible_positions.through._meta.db_table
    return (
        f'SELECT t."id", t."slug", t."title", t."start_at", t."capacity", '  # noqa: S608 (names from the models)
        f'(SELECT count(*) FROM "{Enrollment._meta.db_table}" e '
        '  WHERE e."training_id" = t."id" AND e."status" = ANY(%(seats)s)), '
        f'ARRAY(SELECT u."path" FROM "{units}" eu JOIN "{Unit._meta.db_table}" u '
        '  ON u."id" = eu."unit_id" WHERE eu."training_id" = t."id"), '
        f'ARRAY(SELECT ep."position_id" FROM "{positions}" ep WHERE ep."training_id" = t."id"), '
        f'ARRAY(SELECT ARRAY[l."competency_id", l."level"] FROM "{TrainingCompetency._meta.db_table}" l '
        '  WHERE l."training_id" = t."id") '
        f'FROM "{training}" t '
        'WHERE t."status" = %(published)s AND t."kind" = %(open)s AND t."start_at" > %(now)s '
        '  AND (t."registration_opens_at" IS NULL OR t."registration_opens_at" <= %(now)s) '
        '  AND (t."registration_closes_at" IS NULL OR t."registration_closes_at" >= %(now)s) '
        'ORDER BY t."start_at", t."id"'
    )


def _load_offers(now: dt.datetime) -> dict[int, list[Offer]]:
    """Every training open for self-registration at `now` (the window as
    Training.registration_state decides it), by competency it develops, soonest first. One
    query whatever the number of trainings."""
    db = router.db_for_read(Training)
    with connections[db].cursor() as cursor:
        cursor.execute(
            _offers_sql(),
            {
                "seats": list(SEAT_STATUSES),
                "published": TrainingStatus.PUBLISHED,
                "open": TrainingKind.OPEN,
                "now": now,
            },
        )
        rows = cursor.fetchall()
    offers: dict[int, list[Offer]] = {}
    for pk, slug, title, start_at, capacity, taken, paths, position_ids, links in rows:
        for competency_id, level in links:
            offers.setdefault(competency_id, []).append(
                Offer(
                    id=pk,
                    slug=slug,
                    title=title,
                    start_at=start_at,
                    seats_left=max(capacity - taken, 0),
                    level=level,
                    unit_paths=tuple(paths),
                    position_ids=frozenset(position_ids),
                )
            )
    return offers


# The open offers already read by this process, by training version: (offers, until). An entry
# under a version never changes before its `until`, so it need not travel from Redis again.
_LOCAL_OFFERS: dict[int, tuple[dict[int, list[Offer]], float | None]] = {}
_LOCAL_OFFERS_LOCK = threading.Lock()  # gunicorn's threads share it


def open_offers(*, competency_ids: Collection[int]) -> dict[int, list[Offer]]:
    """The trainings open for self-registration that develop each competency, soonest first
    (whoever asks: eligibility, enrolments are the caller's). Shared through training.cache under
    its version until registration opens or closes or a training starts, and kept by the process
    that read it: warm, the version's cache round trip and no query; a miss loads them all (two
    queries) and stores them for the next person."""
    if not competency_ids:
        return {}
    stamp = catalogue_cache.version()
    now = timezone.now()
    every = _shared_offers(stamp, now) if stamp is not None else None
    if every is None:
        every = _load_offers(now)
        if stamp is not None:
            until = next_catalogue_change(now=now)
            key = catalogue_cache.key("offers", stamp, language=False)
            catalogue_cache.set_many({key: ((every, until.timestamp()), until)})
            _keep_offers(stamp, every, until.timestamp())
    return {cid: every.get(cid, []) for cid in competency_ids}


def _shared_offers(stamp: int, now: dt.datetime) -> dict[int, list[Offer]] | None:
    with _LOCAL_OFFERS_LOCK:
        kept = _LOCAL_OFFERS.get(stamp)
    if kept is not None and (kept[1] is None or now.timestamp() < kept[1]):
        return kept[0]
    key = catalogue_cache.key("offers", stamp, language=False)
    found = catalogue_cache.get_many([key]).get(key)
    if not (isinstance(found, tuple) and len(found) == 2):
        return None
    every, until = found
    _keep_offers(stamp, every, until)
    return every


def _keep_offers(stamp: int, every: dict[int, list[Offer]], until: float | None) -> None:
    with _LOCAL_OFFERS_LOCK:
        _LOCAL_OFFERS[stamp] = (every, until)
        for old in sorted(_LOCAL_OFFERS)[:-4]:  # the few latest versions only
            del _LOCAL_OFFERS[old]


# --- admin scoping --------------------------------------------------------------------------


def trainings_changeable_by(*, user: User) -> QuerySet[Training]:
    """Trainings an admin may edit: all for superusers and content admins (add_training), those
    organised by their own units for HR admins."""
    if user.is_superuser or user.has_perm("training.add_training"):
        return Training.objects.all()
    units = people_selectors.units_visible_to(user=user)
    return Training.objects.filter(organizer_unit__in=units)


def enrollments_visible_to(*, user: User) -> QuerySet[Enrollment]:
    """Enrolments of the people an admin manages (everyone's for a superuser)."""
    if user.is_superuser:
        return Enrollment.objects.all()
    return Enrollment.objects.filter(employee__in=people_selectors.employees_visible_to(user=user))


def learning_records_visible_to(*, user: User) -> QuerySet[LearningRecord]:
    """Ledger lines of the people an admin manages (everyone's for a superuser)."""
    if user.is_superuser:
        return LearningRecord.objects.all()
    return LearningRecord.objects.filter(
        employee__in=people_selectors.employees_visible_to(user=user)
    )


# --- JP compliance (/reports/jp/) ------------------------------------------------------------------


def jp_target(*, employee_type: str) -> int:
    """The yearly JP target of an employee type: 20 JP for PNS (PP 11/2017); PPPK's is the
    TRAINING_JP_TARGET_PPPK setting (default 20)."""
    if employee_type == EmployeeType.PPPK:
        return int(getattr(settings, "TRAINING_JP_TARGET_PPPK", YEARLY_JP_TARGET))
    return YEARLY_JP_TARGET


@dataclass(frozen=True)
class JpRow:
    """One person of the JP compliance report: this year's JP by route against their target,
    and the trainings HR assigned them that they have not completed (`open_assigned` titles)."""

    id: int
    full_name: str
    nip: str
    employee_type: str
    unit_name: str
    target: int
    klasikal: Decimal
    nonklasikal: Decimal
    open_assigned: int
    open_assigned_titles: str

    @property
    def total(self) -> Decimal:
        return self.klasikal + self.nonklasikal

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal(self.target) - self.total, Decimal(0))

    @property
    def compliant(self) -> bool:
        return self.total >= self.target

    @property
    def nip_display(self) -> str:
        return format_nip(self.nip)


@dataclass(frozen=True)
class JpCompliance:
    year: int
    people: int
    compliant: int
    rows: list[JpRow]

    @property
    def compliant_percent(self) -> int:
        """The share of people meeting their target, in whole percent (rounded half up)."""
        if not self.people:
            return 0
        share = Decimal(100 * self.compliant) / self.people
        return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


_JP_COMPLIANCE_SQL = """
    WITH people AS (
        SELECT u."id", u."full_name", u."nip", u."employee_type", n."name" AS unit_name,
               CASE WHEN u."employee_type" = 'pppk' THEN %s ELSE %s END AS target
        FROM "people_user" u JOIN "people_unit" n ON n."id" = u."unit_id"
        WHERE u."is_active" AND u."nip" IS NOT NULL AND {scope}
    ), ledger AS (
        SELECT r."employee_id",
               sum(r."jp") FILTER (WHERE r."kind" = 'klasikal') AS klasikal,
               sum(r."jp") FILTER (WHERE r."kind" = 'nonklasikal') AS nonklasikal
        FROM "training_learningrecord" r JOIN people ON people."id" = r."employee_id"
        WHERE r."year" = %s
        GROUP BY r."employee_id"
    ), assigned AS (
        SELECT e."employee_id", count(*) AS open_count,
               string_agg(t."title", '; ' ORDER BY t."start_at", t."id") AS titles
        FROM "training_enrollment" e
        JOIN people ON people."id" = e."employee_id"
        JOIN "training_training" t ON t."id" = e."training_id"
        WHERE e."source" = 'assigned' AND e."status" IN ('registered', 'no_show')
        GROUP BY e."employee_id"
    ), report AS (
        SELECT people.*, coalesce(ledger.klasikal, 0) AS klasikal,
               coalesce(ledger.nonklasikal, 0) AS nonklasikal,
               coalesce(assigned.open_count, 0) AS open_count,
               coalesce(assigned.titles, '') AS titles,
               greatest(people.target - coalesce(ledger.klasikal, 0)
                        - coalesce(ledger.nonklasikal, 0), 0) AS shortfall
        FROM people
        LEFT JOIN ledger ON ledger."employee_id" = people."id"
        LEFT JOIN assigned ON assigned."employee_id" = people."id"
    )
    SELECT "id", "full_name", "nip", "employee_type", unit_name, target, klasikal, nonklasikal,
           open_count, titles, count(*) OVER (), count(*) FILTER (WHERE shortfall = 0) OVER ()
    FROM report
    ORDER BY shortfall DESC, open_count DESC, "full_name", "id"
"""


def jp_compliance(
    *, scope: ReportScope, year: int | None = None, limit: int | None = None, offset: int = 0
) -> JpCompliance:
    """This year's (or `year`'s) JP of every active employee in `scope` against their target
    (jp_target), the largest shortfall first, with their uncompleted HR-assigned trainings; and
    how many meet their target. Set-based: one query (two for a page past the end), whatever
    the number of people (and one to switch JIT off); `limit`/`offset` page the rows, the counts are the whole scope's."""
    year = year or timezone.localdate().year
    condition, scope_params = scope.sql('n."path"')
    sql = _JP_COMPLIANCE_SQL.format(scope=condition)
    params: list[Any] = [
        jp_target(employee_type=EmployeeType.PPPK),
        jp_target(employee_type=EmployeeType.PNS),
        *scope_params,
        year,
    ]
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [limit, offset]
    db = router.db_for_read(LearningRecord)
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        # The planner's estimates for the window over the joined CTEs run into the millions and
        # switch JIT compilation on, which costs seconds more than the query (measured at 100,000
        # employees); for this transaction only.
        cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        if offset and limit is not None:  # past the end: the counts without the page
            whole = jp_compliance(scope=scope, year=year, limit=1)
            return JpCompliance(year=year, people=whole.people, compliant=whole.compliant, rows=[])
        return JpCompliance(year=year, people=0, compliant=0, rows=[])
    people, compliant = rows[0][-2:]
    return JpCompliance(
        year=year,
        people=people,
        compliant=compliant,
        rows=[JpRow(*row[:-2]) for row in rows],
    )


def trainings_for_gap(*, competency_id: int, level: int, limit: int = 20) -> list[Training]:
    """Published trainings not yet ended that develop this competency to at least `level` (the
    nomination from a heatmap cell), soonest first, with seats_taken, seats_left and
    waitlist_count and `organizer_unit` loaded; each has `target_level`. One query."""
    links = TrainingCompetency.objects.filter(
        training=OuterRef("pk"), competency_id=competency_id, level__gte=level
    )
    trainings = (
        with_seats(
            Training.objects.filter(
                Exists(links), status=TrainingStatus.PUBLISHED, end_at__gt=timezone.now()
            )
        )
        .annotate(
            target_level=RawSQL(
                "SELECT max(l.level) FROM training_trainingcompetency l "
                "WHERE l.training_id = training_training.id AND l.competency_id = %s",
                (competency_id,),
                output_field=IntegerField(),
            )
        )
        .select_related("organizer_unit")
        .order_by("start_at", "id")
    )
    return list(trainings[:limit])


def enrollment_states(*, training: Training, employee_ids: list[int]) -> dict[int, str]:
    """The status of each of these people's active (non-cancelled) enrolment on `training`,
    by employee id; people without one are absent. One query."""
    return dict(
        Enrollment.objects.filter(training=training, employee_id__in=employee_ids)
        .exclude(status=EnrollmentStatus.CANCELLED)
        .values_list("employee_id", "status")
    )


# --- Certificates ------------------------------------------------------------------------------


def valid_certificates_by_enrollment(
    *, employee: User, enrollment_ids: list[int] | None = None
) -> dict[int, Certificate]:
    """The person's valid certificates keyed by enrolment id (all, or of `enrollment_ids`). One
    query; only what the links need."""
    return _valid_certificates_by(employee, "enrollment_id", enrollment_ids)


def valid_certificates_by_report(
    *, employee: User, report_ids: list[int] | None = None
) -> dict[int, Certificate]:
    """The person's valid certificates of approved learning-log activities keyed by report id
    (all, or of `report_ids`). One query; only what the links need."""
    return _valid_certificates_by(employee, "activity_report_id", report_ids)


def _valid_certificates_by(
    employee: User, source: str, ids: list[int] | None
) -> dict[int, Certificate]:
    """The person's valid certificates whose `source` (the enrolment's or the report's id) is
    set, keyed by it; only those of `ids` when given (none for an empty list, without a query)."""
    if ids is not None and not ids:
        return {}
    rows = Certificate.objects.filter(
        holder=employee, revoked_at__isnull=True, **{f"{source}__isnull": False}
    ).only("pk", "number", "code", source, "holder_id")
    if ids is not None:
        rows = rows.filter(**{f"{source}__in": ids})
    return {getattr(row, source): row for row in rows.order_by()}


def certificate_for_download(*, pk: int, user: User) -> Certificate:
    """A certificate its holder, an HR admin of the holder's units or a superuser may download.
    Raises Certificate.DoesNotExist (→ 404) for anyone else, as for a certificate that is not."""
    certificate = (
        Certificate.objects.select_related("holder__unit")
        .filter(pk=pk)
        .only("pk", "number", "year", "file", "holder__id", "holder__unit__path")
    ).first()
    if certificate is None:
        raise Certificate.DoesNotExist
    if certificate.holder_id == user.pk or people_selectors.can_manage_employee(
        admin=user, employee=certificate.holder
    ):
        return certificate
    raise Certificate.DoesNotExist


#: What the public verification page may show, and nothing else of the person.
VERIFICATION_FIELDS = (
    "number",
    "holder_name",
    "holder_nip",
    "title",
    "activity_report",
    "mode",
    "started_on",
    "ended_on",
    "jp",
    "issuer",
    "issued_at",
    "revoked_at",
    "revoked_reason",
)


def certificate_for_verification(*, code: str) -> Certificate | None:
    """The certificate with this verification code, or None: one lookup on the unique index
    whatever the code, so an unknown code costs what a known one does."""
    return Certificate.objects.filter(code=code).only(*VERIFICATION_FIELDS).order_by().first()
