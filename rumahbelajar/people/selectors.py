"""Reads about people and the organisation, scoped to who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, reduce
from operator import or_
from typing import Any

from django.db import connection, connections, router
from django.db.models import F, Q, QuerySet

from rumahbelajar.people.models import Position, Unit, User
from rumahbelajar.sqlrows import cache_related, columns, take


def managed_unit_paths(*, user: User) -> list[str]:
    """The path prefixes of the subtrees an HR admin manages (cached on the user object)."""
    cached = getattr(user, "_managed_unit_paths", None)
    if cached is None:
        cached = _outermost(_managed_paths(user.pk) if user.pk else [])
        user._managed_unit_paths = cached  # type: ignore[attr-defined]
    return cached


def _outermost(paths: list[str]) -> list[str]:
    """The paths in order, without subtrees already covered by an ancestor (shorter SQL)."""
    paths = sorted(paths)
    return [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]


# The paths of the units the person `owner` manages: a parameter, or the person query's column.
_MANAGED_PATHS = (
    "SELECT mu.{path} FROM {units} mu JOIN {link} mm ON mm.{unit_id} = mu.{unit_pk} "
    "WHERE mm.{user_id} = {owner}"
)


@cache
def _managed_paths_sql(owner: str = "%s") -> str:
    # Written once per process from the models' metadata, quoted: read on every HR page, where
    # compiling the ORM query cost more than running it.
    unit, link = Unit._meta, User.managed_units.through._meta
    names = {
        "path": _q(unit.get_field("path").column),  # type: ignore[arg-type]
        "units": _q(unit.db_table),
        "unit_pk": _q(str(unit.pk.column)),  # type: ignore[union-attr]
        "link": _q(link.db_table),
        "unit_id": _q(link.get_field("unit").column),  # type: ignore[arg-type]
        "user_id": _q(link.get_field("user").column),  # type: ignore[arg-type]
    }
    return _MANAGED_PATHS.format(**names, owner=owner)


def _managed_paths(user_id: int) -> list[str]:
    with connections[router.db_for_read(Unit)].cursor() as cursor:
        cursor.execute(_managed_paths_sql(), [user_id])
        return [path for (path,) in cursor.fetchall()]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _subtree_q(paths: list[str], field: str) -> Q:
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": path}) for path in paths))


def units_visible_to(*, user: User) -> QuerySet[Unit]:
    """All units for a superuser; the managed subtrees for an HR admin; none otherwise."""
    if user.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(_subtree_q(managed_unit_paths(user=user), "path"))


def employees_visible_to(*, user: User) -> QuerySet[User]:
    """People an admin may see and change: everyone for a superuser, their subtrees for HR."""
    if user.is_superuser:
        return User.objects.all()
    return User.objects.filter(_subtree_q(managed_unit_paths(user=user), "unit__path"))


def can_manage_employee(*, admin: User, employee: User) -> bool:
    """Whether `employee` is in one of `admin`'s subtrees (always, for a superuser). One query
    for the admin's managed units (none when already read), none for the employee's unit when it
    is loaded."""
    if admin.is_superuser:
        return True
    if employee.unit is None:
        return False
    path = employee.unit.path
    return any(path.startswith(prefix) for prefix in managed_unit_paths(user=admin))


# --- the direct supervisor (atasan langsung) --------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    """ "/1/4/17/" -> ["/1/", "/1/4/", "/1/4/17/"] (the unit itself last)."""
    ids = path.strip("/").split("/")
    return ["/" + "/".join(ids[: n + 1]) + "/" for n in range(len(ids))]


def supervisor_of(*, employee: User) -> User | None:
    """The person who approves `employee`'s learning reports (docs/domain.md, "Atasan langsung"):

    1. the supervisor HR set on the employee, if active;
    2. else the head of their unit, or, for the head themself, the head of the parent unit;
    3. where there is none, an HR admin managing the unit (the nearest managed subtree first).

    Never the employee themself; None when nobody qualifies. At most three small indexed queries.
    """
    if employee.supervisor_id is not None:
        explicit = User.objects.filter(pk=employee.supervisor_id, is_active=True).first()
        if explicit is not None and explicit.pk != employee.pk:
            return explicit
    if employee.unit_id is None:
        return None
    unit = Unit.objects.select_related("parent").get(pk=employee.unit_id)
    head_unit = unit.parent if unit.head_id == employee.pk else unit
    if head_unit is not None and head_unit.head_id not in (None, employee.pk):
        head = User.objects.filter(pk=head_unit.head_id, is_active=True).first()
        if head is not None:
            return head
    return (
        User.objects.filter(
            is_active=True, is_staff=True, managed_units__path__in=_ancestor_paths(unit.path)
        )
        .exclude(pk=employee.pk)
        .order_by("-managed_units__depth", "pk")
        .first()
    )


def team_of(*, supervisor: User) -> QuerySet[User]:
    """The active people whose direct supervisor `supervisor` is by the first two rules of
    supervisor_of (set by HR, or as head of their unit; for a head, of the parent unit). The
    third rule's fallback (an HR admin standing in where a unit has no head) makes no team: those
    HR admins see the people through their scope already.

    The units the supervisor heads (and their child units) are read first (one small query, none
    when the request's person heads none), so
    the team is two index lookups, on the explicit supervisor and on those units, instead of a
    scan of everyone (a head of a unit of 7,000 among 100,000 people: 150 ms a count)."""
    pk = supervisor.pk
    headed = _headed_units(supervisor)
    own = [unit for unit, head in headed if head == pk]
    children = [unit for unit, head in headed if head != pk]
    no_explicit = Q(supervisor__isnull=True) | Q(supervisor__is_active=False)
    as_head = Q(unit_id__in=own) & ~Q(unit__head_id=F("pk"))
    as_parent_head = Q(unit_id__in=children) & Q(unit__head_id=F("pk"))
    by_unit = Q(unit_id__in=own + children) & no_explicit & (as_head | as_parent_head)
    return (
        User.objects.filter(is_active=True)
        .exclude(pk=pk)
        .filter(Q(supervisor_id=pk) | by_unit if headed else Q(supervisor_id=pk))
    )


# team_of() as one statement for a page of the team: each rule an index lookup of its own
# (UNION ALL: the parts are disjoint: an active explicit supervisor, none, an inactive one), the
# size counted in the same pass; people_user_team_by_unit answers the unit's people from the
# index alone. The ORM's OR of both rules read a unit head's 7,000 people twice,
# to count them and to sort them (2 x 11 ms). The units come first, as in team_of: planned
# from a subquery, the people of a unit or two were found by a scan of all 100,000. The people
# whose explicit supervisor has left are found from those who left (people_user_inactive: a
# few), not by looking up the supervisor of each of the unit's people (6,600 lookups, 20 ms).
_TEAM_PAGE = """
SELECT {pk}, count(*) OVER () FROM (
    SELECT u.{pk}, u.{name} FROM {users} u
     WHERE u.{supervisor} = %(pk)s AND u.{active} AND u.{pk} <> %(pk)s
    {heads}
) team
ORDER BY {name}, {pk} LIMIT %(limit)s OFFSET %(offset)s
"""
# The people a unit head leads besides those who name them: added for heads only. Everyone else
# (most supervisors) asks the first part alone, a statement PostgreSQL plans once per connection;
# with these parts and no unit to match, it planned the whole on every call (0.7 ms, more than it
# spent running it), as only the values showed that two of the three parts find no one.
_TEAM_PAGE_HEADS = """
    UNION ALL
    SELECT u.{pk}, u.{name} FROM {users} u
     WHERE u.{unit} = ANY(%(units)s) AND u.{active} AND u.{pk} <> %(pk)s
       AND u.{supervisor} IS NULL
       AND (u.{unit} = ANY(%(own)s) OR u.{pk} = ANY(%(heads)s))
    UNION ALL
    SELECT u.{pk}, u.{name} FROM {users} s JOIN {users} u ON u.{supervisor} = s.{pk}
     WHERE NOT s.{active} AND u.{unit} = ANY(%(units)s) AND u.{active} AND u.{pk} <> %(pk)s
       AND (u.{unit} = ANY(%(own)s) OR u.{pk} = ANY(%(heads)s))
"""


@cache
def _team_page_sql(heads: bool) -> str:
    """team_page's SQL, written once per process: for someone who heads units (`heads`), or not."""
    user = User._meta
    names = {
        "users": connection.ops.quote_name(user.db_table),
        "pk": user.pk.column,
        "name": user.get_field("full_name").column,
        "supervisor": user.get_field("supervisor").column,  # type: ignore[union-attr]
        "active": user.get_field("is_active").column,
        "unit": user.get_field("unit").column,  # type: ignore[union-attr]
    }
    return _TEAM_PAGE.format(heads=_TEAM_PAGE_HEADS.format(**names) if heads else "", **names)


def _headed_units(user: User) -> list[tuple[int, int | None]]:
    """(unit id, its head's id) of the units `user` heads and of their child units: where
    team_of and team_page look for the people a head leads. One query; none for the person a
    request loaded when they head no unit (load_person reads it as `heads_unit`): most
    supervisors lead the people who name them, and head nothing."""
    if getattr(user, "heads_unit", None) is False:
        return []
    pk = user.pk
    with connection.cursor() as cursor:
        cursor.execute(_headed_units_sql(), [pk, pk])
        return cursor.fetchall()


@cache
def _headed_units_sql() -> str:
    """_headed_units' SQL, written once per process."""
    units = connection.ops.quote_name(Unit._meta.db_table)
    head = Unit._meta.get_field("head").column  # type: ignore[union-attr]
    parent = Unit._meta.get_field("parent").column  # type: ignore[union-attr]
    return (
        f'SELECT u."id", u."{head}" FROM {units} u LEFT JOIN {units} p ON p."id" = u."{parent}" '  # noqa: S608 (names from the model)
        f'WHERE u."{head}" = %s OR p."{head}" = %s'
    )


def team_page(*, supervisor: User, offset: int, limit: int) -> tuple[int, list[int]]:
    """How many people team_of(supervisor) holds, and the ids of `limit` of them from `offset`
    on, by name (then id). Two queries (the units the supervisor heads, then the page); one for
    the person a request loaded when they head no unit. The size is 0 past the last page (no row
    to count on)."""
    pk = supervisor.pk
    headed = _headed_units(supervisor)
    own = [unit for unit, head in headed if head == pk]
    # Of a child unit only its head (for a head, the parent unit's head is the supervisor).
    heads = [head for unit, head in headed if head not in (pk, None) and unit not in own]
    params: dict[str, Any] = {
        "pk": pk,
        "units": [unit for unit, _head in headed],
        "own": own,
        "heads": heads,
        "limit": limit,
        "offset": max(offset, 0),
    }
    with connection.cursor() as cursor:
        cursor.execute(_team_page_sql(bool(headed)), params)
        rows = cursor.fetchall()
    return (rows[0][1] if rows else 0), [row[0] for row in rows]


def is_supervisor(*, user: User) -> bool:
    """Whether `user` leads a team: someone active has them as supervisor, or they head a unit
    (whose people are their team, even while it has none). No query for the person a request
    loaded (load_person reads it as `leads_team`); two small indexed ones otherwise."""
    if not user.is_authenticated or not user.is_active:
        return False
    known = getattr(user, "leads_team", None)
    if known is not None:
        return bool(known)
    return (
        User.objects.filter(supervisor_id=user.pk, is_active=True).exists()
        or Unit.objects.filter(head_id=user.pk).exists()
    )


def supervises(*, supervisor: User, employee: User) -> bool:
    """Whether `employee` is in `supervisor`'s team (team_of). One query."""
    if supervisor.pk is None or employee.pk == supervisor.pk:
        return False
    return team_of(supervisor=supervisor).filter(pk=employee.pk).exists()


def subtree(*, unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(path__startswith=unit.path)


def positions() -> QuerySet[Position]:
    return Position.objects.all()


def employees_changeable_by(*, user: User) -> QuerySet[User]:
    """People an admin may change: for HR, the visible ones minus admin accounts.

    HR may not edit other admins (an email change would hand them that admin's access).
    """
    if user.is_superuser:
        return User.objects.all()
    return employees_visible_to(user=user).filter(is_staff=False, is_superuser=False)


def can_change_employee(*, admin: User, employee: User) -> bool:
    if admin.is_superuser:
        return True
    if employee.is_staff or employee.is_superuser:
        return False
    return can_manage_employee(admin=admin, employee=employee)


# --- the person every request reads ---------------------------------------------------------
# Written as SQL once per process (rumahbelajar.sqlrows): through the ORM, building and compiling
# this query cost about twice what PostgreSQL spends running it, on every request.


@cache
def _person_sql(column: str = "id") -> str:
    return (
        f"SELECT {columns(User, 'u')}, {columns(Unit, 'n')}, {columns(Position, 'p')} "  # noqa: S608 (names from the models)
        # Whether the person leads a team (is_supervisor), for the header's "Tim saya", and
        # whether they head a unit (team_of, team_page: only a head's team needs their units):
        # two index probes in the same query rather than queries of their own.
        f', EXISTS (SELECT 1 FROM "{User._meta.db_table}" s '
        'WHERE s."supervisor_id" = u."id" AND s."is_active") '
        f', EXISTS (SELECT 1 FROM "{Unit._meta.db_table}" h WHERE h."head_id" = u."id") '
        # Staff: the paths of the units they manage (managed_unit_paths: every report page and
        # the header's report link read them); NULL for everyone else, who manage none.
        f', CASE WHEN u."is_staff" THEN ARRAY({_managed_paths_sql(owner='u."id"')}) END '
        f'FROM "{User._meta.db_table}" u '
        f'LEFT JOIN "{Unit._meta.db_table}" n ON n."id" = u."unit_id" '
        f'LEFT JOIN "{Position._meta.db_table}" p ON p."id" = u."position_id" '
        f'WHERE u."{column}" = %s'
    )


def load_person(user_id: Any) -> User | None:
    """The person with `unit` and `position` loaded (as select_related would), or None. One
    query."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:  # a bigint: anything else names no one (and would be a DataError)
        return None
    return _load(_person_sql("id"), pk)


def load_person_by_nip(nip: str) -> User | None:
    """load_person() for an NIP (18 digits; anything else names no one). One query."""
    if not (isinstance(nip, str) and len(nip) == 18 and nip.isdigit()):
        return None
    return _load(_person_sql("nip"), nip)


def _load(sql: str, value: int | str) -> User | None:
    db = router.db_for_read(User)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    user, at = take(User, db, row, 0)
    unit, at = take(Unit, db, row, at)
    position, at = take(Position, db, row, at)
    assert user is not None  # the row is the user's
    cache_related(user, "unit", unit)
    cache_related(user, "position", position)
    supervises_someone, heads, managed = row[at : at + 3]
    user.leads_team = bool(supervises_someone or heads)  # type: ignore[attr-defined]
    user.heads_unit = bool(heads)  # type: ignore[attr-defined]
    if managed is not None:
        user._managed_unit_paths = _outermost(managed)  # type: ignore[attr-defined]
    return user


# --- who may see which people in the reports ------------------------------------------------------


@dataclass(frozen=True)
class ReportScope:
    """The people a viewer may see in the reports (/reports/competency/, /reports/jp/) and
    nominate from them (HR only): everyone (`everyone`), or the employees whose unit lies in one
    of the unit subtrees `unit_paths`, or a supervisor's team (`member_ids`, their ids); `within`
    narrows a team to one unit subtree (the `unit` filter).
    """

    everyone: bool
    unit_paths: tuple[str, ...] = ()
    member_ids: tuple[int, ...] = ()
    within: str = ""

    @property
    def is_team(self) -> bool:
        """A supervisor's team (no unit subtree of their own, nobody else)."""
        return not self.everyone and not self.unit_paths

    def narrowed_to(self, unit: Unit) -> ReportScope:
        """The same people, only those in `unit`'s subtree (the `unit` filter); `unit` must be
        visible (units_in_report_scope)."""
        if self.is_team:
            return ReportScope(everyone=False, member_ids=self.member_ids, within=unit.path)
        return ReportScope(everyone=False, unit_paths=(unit.path,))

    def sql(self, path_column: str, id_column: str = 'u."id"') -> tuple[str, list[Any]]:
        """A WHERE condition on the unit path column `path_column` (e.g. 'n."path"') and the
        person's id column `id_column`, and its parameters: a prefix match per subtree, each
        served by the path index; a team by its members' ids."""
        if self.everyone:
            return "TRUE", []
        if self.is_team:
            if not self.member_ids:
                return "FALSE", []
            condition = f"{id_column} = ANY(%s)"
            params: list[Any] = [list(self.member_ids)]
            if self.within:
                condition += f" AND {path_column} LIKE %s"
                params.append(_like_prefix(self.within))
            return f"({condition})", params
        condition = " OR ".join(f"{path_column} LIKE %s" for _path in self.unit_paths)
        return f"({condition})", [_like_prefix(path) for path in self.unit_paths]

    def contains(self, unit: Unit | None) -> bool:
        """Whether a unit lies inside the scope's unit subtrees (a team has none). No query."""
        if self.everyone:
            return True
        return unit is not None and any(unit.path.startswith(p) for p in self.unit_paths)


def _like_prefix(path: str) -> str:
    # Paths hold digits and slashes only (people_unit_path_shape), but escape as LIKE wants.
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def report_scope(*, viewer: User, team: bool = True) -> ReportScope | None:
    """The one place that decides who may see which people in the reports: a superuser sees
    everyone; an HR admin (staff) the people of the unit subtrees they manage; a supervisor
    (is_supervisor) their team (team_of), unless `team` is False (the nomination is HR's);
    anyone else nobody (None: the report pages answer 404). At most one query for HR (the
    managed units), two for a supervisor (the units they head, then the team's ids)."""
    if not viewer.is_authenticated or not viewer.is_active:
        return None
    if viewer.is_superuser:
        return ReportScope(everyone=True)
    if viewer.is_staff:
        paths = managed_unit_paths(user=viewer)
        if paths:
            return ReportScope(everyone=False, unit_paths=tuple(paths))
    if team and is_supervisor(user=viewer):
        members = team_of(supervisor=viewer).order_by("pk").values_list("pk", flat=True)
        return ReportScope(everyone=False, member_ids=tuple(members))
    return None


def units_in_report_scope(*, scope: ReportScope) -> QuerySet[Unit]:
    """The units a report's `unit` filter may name, in tree order (for a team: its members'
    units)."""
    if scope.everyone:
        return Unit.objects.order_by("path")
    if scope.is_team:
        units = User.objects.filter(pk__in=scope.member_ids).values("unit_id")
        return Unit.objects.filter(pk__in=units).order_by("path")
    return Unit.objects.filter(_subtree_q(list(scope.unit_paths), "path")).order_by("path")
