"""Every write to people and the organisation goes through here."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext_lazy

from rumahbelajar.imports import pipeline
from rumahbelajar.imports.pipeline import ErrorReport, RowPipeline
from rumahbelajar.people import imports
from rumahbelajar.people.models import EmployeeImport, Position, Unit, User

logger = logging.getLogger(__name__)


class PeopleError(Exception):
    """A domain rule about people or units was broken."""


class UnitMoveError(PeopleError):
    pass


def allocate_unit_ids(count: int) -> list[int]:
    """Takes `count` ids from the unit id sequence, so a path can be built before the insert."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('people_unit', 'id')) FROM generate_series(1, %s)",
            [count],
        )
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def create_unit(
    *, code: str, name: str, kind: str, parent: Unit | None = None, head: User | None = None
) -> Unit:
    """Creates a unit under `parent` (or a root). Side effects: none."""
    (unit_id,) = allocate_unit_ids(1)
    prefix = parent.path if parent else "/"
    unit = Unit(
        id=unit_id,
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        path=f"{prefix}{unit_id}/",
        depth=(parent.depth + 1) if parent else 0,
        head=head,
    )
    unit.full_clean(exclude=["path", "depth"])
    unit.save(force_insert=True)
    return unit


@transaction.atomic
def update_unit(
    *,
    unit: Unit,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None,
    head: User | None,
) -> Unit:
    """Changes a unit; moving it rewrites the paths of its whole subtree in one UPDATE.

    Side effects: locks the moved subtree's rows.
    """
    old_parent_id = Unit.objects.filter(pk=unit.pk).values_list("parent_id", flat=True).get()
    unit.code, unit.name, unit.kind = code, name, kind
    unit.head = head
    unit.full_clean(exclude=["path", "depth", "parent"])
    unit.save(update_fields=["code", "name", "kind", "head"])
    if (parent.pk if parent else None) != old_parent_id:
        move_unit(unit=unit, new_parent=parent)
    return unit


@transaction.atomic
def move_unit(*, unit: Unit, new_parent: Unit | None) -> Unit:
    """Moves `unit` and its subtree under `new_parent`. Side effects: locks the subtree's rows."""
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if new_parent is not None:
        new_parent = Unit.objects.get(pk=new_parent.pk)
        if new_parent.path.startswith(unit.path):
            raise UnitMoveError("A unit cannot be moved into its own subtree.")
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    depth_change = ((new_parent.depth + 1) if new_parent else 0) - unit.depth
    list(Unit.objects.select_for_update().filter(path__startswith=old_path).values_list("pk"))
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    Unit.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", Length(Value(old_path)) + 1)),
        depth=F("depth") + depth_change,
    )
    unit.refresh_from_db()
    return unit


@transaction.atomic
def set_managed_units(*, admin: User, units: list[Unit]) -> None:
    """Sets the unit subtrees an HR admin manages. Side effects: none."""
    admin.managed_units.set(units)
    if hasattr(admin, "_managed_unit_paths"):
        del admin._managed_unit_paths


@transaction.atomic
def set_unit_head(*, unit: Unit, head: User | None) -> Unit:
    """Names the head of a unit (the supervisor of its people). Side effects: none."""
    unit.head = head
    unit.save(update_fields=["head"])
    return unit


@transaction.atomic
def delete_unit(*, unit: Unit) -> None:
    """Deletes a unit without children or people (PROTECT refuses otherwise). Side effects: none."""
    unit.delete()


# --- positions ------------------------------------------------------------------------------------


@transaction.atomic
def create_position(*, code: str, name: str, kind: str, level: str) -> Position:
    """Creates a position. Side effects: none."""
    position = Position(code=code, name=name, kind=kind, level=level)
    position.full_clean()
    position.save(force_insert=True)
    return position


@transaction.atomic
def update_position(*, position: Position, code: str, name: str, kind: str, level: str) -> Position:
    """Changes a position. Side effects: none."""
    position.code, position.name, position.kind, position.level = code, name, kind, level
    position.full_clean()
    position.save(update_fields=["code", "name", "kind", "level"])
    return position


@transaction.atomic
def delete_position(*, position: Position) -> None:
    """Deletes a position nobody holds (PROTECT refuses otherwise). Side effects: none."""
    position.delete()


# --- employees ------------------------------------------------------------------------------------

EMPLOYEE_FIELDS = [
    "email",
    "full_name",
    "nip",
    "employee_type",
    "unit",
    "position",
    "rank",
    "supervisor",
]


@transaction.atomic
def create_employee(
    *,
    email: str,
    full_name: str,
    nip: str | None = None,
    employee_type: str = "",
    unit: Unit | None = None,
    position: Position | None = None,
    rank: str = "",
    supervisor: User | None = None,
    is_active: bool = True,
) -> User:
    """Provisions a person with an unusable password: they set one through the reset or
    login-by-code flow. Side effects: none."""
    user = User(
        email=email,
        full_name=full_name,
        nip=nip or None,
        employee_type=employee_type,
        unit=unit,
        position=position,
        rank=rank,
        supervisor=supervisor,
        is_active=is_active,
    )
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save(force_insert=True)
    return user


@transaction.atomic
def update_employee(
    *,
    employee: User,
    email: str,
    full_name: str,
    nip: str | None,
    employee_type: str,
    unit: Unit | None,
    position: Position | None,
    rank: str,
    is_active: bool,
    supervisor: User | None = None,
) -> User:
    """Changes a person's employee data (not their admin access); `supervisor` empty means the
    unit's head (selectors.supervisor_of). Side effects: none."""
    employee.email, employee.full_name, employee.nip = email, full_name, nip or None
    employee.employee_type, employee.unit, employee.position = employee_type, unit, position
    employee.rank, employee.is_active = rank, is_active
    employee.supervisor = supervisor
    employee.full_clean(exclude=["password"])
    employee.save(update_fields=[*EMPLOYEE_FIELDS, "is_active"])
    forget_replaced_addresses(user_ids=[employee.pk])
    return employee


def forget_replaced_addresses(*, user_ids: Iterable[int]) -> int:
    """HR owns email addresses: once HR gives a person a new one, the old address (which allauth
    keeps as a verified EmailAddress) must no longer reach the account through a password reset
    or a login code. Deletes every stored address of these people other than their current one."""
    return (
        EmailAddress.objects.filter(user_id__in=list(user_ids))
        .exclude(email__iexact=F("user__email"))
        .delete()[0]
    )


@transaction.atomic
def set_admin_access(
    *,
    user: User,
    is_staff: bool,
    is_superuser: bool,
    groups: Iterable[Group],
    managed_units: Iterable[Unit],
    user_permissions: Iterable[Permission],
) -> User:
    """Sets what a person may do in the admin; only superusers may call this. Side effects: none."""
    user.is_staff, user.is_superuser = is_staff, is_superuser
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.set(groups)
    user.user_permissions.set(user_permissions)
    set_managed_units(admin=user, units=list(managed_units))
    return user


@transaction.atomic
def set_employees_active(*, employees: QuerySet[User], active: bool) -> int:
    """Activates or deactivates many people in one UPDATE. A deactivated person is logged out at
    their next request (the authentication backend refuses inactive accounts)."""
    ids = list(employees.exclude(is_active=active).values_list("pk", flat=True))
    return User.objects.filter(pk__in=ids).update(is_active=active)


@transaction.atomic
def delete_employee(*, employee: User) -> None:
    """Deletes a person. Side effects: none (deactivating is usually what HR wants)."""
    employee.delete()


# --- employee import ------------------------------------------------------------------------------


class EmployeeImportPipeline(RowPipeline[EmployeeImport]):
    """The HR employee import: the shared pipeline with people's columns, checks and COPY writer.

    Side effects of apply: bulk-writes people inside the apply transaction.
    """

    name = "employee-import"
    model = EmployeeImport
    columns = imports.COLUMNS
    count_fields = {
        "created": "created_count",
        "updated": "updated_count",
        "unchanged": "unchanged_count",
    }
    conflict_message = gettext_lazy(
        "Data bentrok dengan perubahan lain (NIP atau email ganda); tidak ada yang diterapkan."
    )

    def checker(
        self, *, job: EmployeeImport, columns: list[str], report: ErrorReport | None
    ) -> imports.EmployeeRowChecker:
        assert job.requested_by is not None  # the pipeline refuses an orphaned job
        return imports.EmployeeRowChecker(
            requested_by=job.requested_by, columns=columns, report=report
        )

    def writer(self, *, job: EmployeeImport, checker: Any) -> _EmployeeWriter:
        # COPY saves no model: no account's post_save is sent.
        return _EmployeeWriter(update_fields=checker.update_fields)


def _unusable_password() -> str:
    # What set_unusable_password() stores, without its per-call cost on 100,000 rows.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(UNUSABLE_PASSWORD_SUFFIX_LENGTH // 2)


class _EmployeeWriter:
    """Writes planned chunks set-based through COPY: new people straight into the table, changes
    into a temporary table and then one UPDATE ... FROM per chunk. (bulk_update's CASE per row
    took minutes for 100,000 people; this takes seconds.) Must run inside a transaction."""

    def __init__(self, *, update_fields: list[str]) -> None:
        opts = User._meta
        fields = [f for f in opts.concrete_fields if not f.primary_key]
        self.table = _quoted(opts.db_table)
        self.temp = _quoted("people_employee_import_rows")
        self.insert_columns = [f.attname for f in fields]
        self.insert_sql = "COPY {} ({}) FROM STDIN".format(
            self.table, ", ".join(_quoted(f.column) for f in fields)
        )
        self.update_fields = update_fields
        self.update_columns = [
            _quoted(opts.get_field(name).column)  # type: ignore[union-attr]
            for name in update_fields
        ]
        self.temp_ready = False

    def write(self, plan: imports.ChunkPlan) -> None:
        with connection.cursor() as cursor:
            if plan.create:
                self._insert(cursor, plan.create)
            if plan.update:
                self._update(cursor, plan.update)
            if plan.heads:
                # After the people exist: each named unit's head is the person with that NIP.
                nips, units = zip(*plan.heads, strict=True)
                cursor.execute(
                    f"UPDATE {_quoted(Unit._meta.db_table)} AS n SET head_id = u.id "  # noqa: S608
                    f"FROM {self.table} AS u, unnest(%s::text[], %s::bigint[]) AS h(nip, unit) "
                    "WHERE u.nip = h.nip AND n.id = h.unit",
                    [list(nips), list(units)],
                )

    def _insert(self, cursor: Any, rows: list[dict[str, Any]]) -> None:
        defaults = {f.attname: f.get_default() for f in User._meta.concrete_fields}
        with cursor.copy(self.insert_sql) as copy:
            for row in rows:
                values = {**defaults, **row, "password": _unusable_password()}
                copy.write_row([values[name] for name in self.insert_columns])

    def _update(self, cursor: Any, rows: list[dict[str, Any]]) -> None:
        # Identifiers come from the model's metadata, quoted; values travel through COPY.
        table, temp, columns = self.table, self.temp, ", ".join(self.update_columns)
        if not self.temp_ready:
            create = f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT id, {columns} FROM {table} WITH NO DATA"  # noqa: S608
            cursor.execute(create)
            self.temp_ready = True
        with cursor.copy(f"COPY {temp} (id, {columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row["pk"], *(row[name] for name in self.update_fields)])
        assignments = ", ".join(f"{c} = r.{c}" for c in self.update_columns)
        update = f"UPDATE {table} AS u SET {assignments} FROM {temp} AS r WHERE u.id = r.id"  # noqa: S608
        cursor.execute(update)
        if "email" in self.update_fields:
            # As forget_replaced_addresses: an old address no longer reaches the account.
            addresses = _quoted(EmailAddress._meta.db_table)
            forget = f"DELETE FROM {addresses} AS a USING {temp} AS r, {table} AS u WHERE a.user_id = r.id AND u.id = r.id AND UPPER(a.email) <> UPPER(u.email)"  # noqa: S608
            cursor.execute(forget)
        cursor.execute(f"TRUNCATE {temp}")


def _quoted(name: Any) -> str:
    return connection.ops.quote_name(str(name))


employee_import = EmployeeImportPipeline()
ImportNotReady = pipeline.ImportNotReady


def purge_old_employee_imports(*, older_than: dt.timedelta | None = None) -> int:
    """Deletes old import jobs and their stored files (IMPORT_KEEP_DAYS; the beat sweep does this
    for every import). Side effects: deletes files from default storage."""
    return employee_import.purge(older_than=older_than)
