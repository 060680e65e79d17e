"""Model instances from hand-written SQL: for the few queries every page runs (the person, a
competency map), written once per process instead of built and compiled by the ORM each time
(which costs more than PostgreSQL spends running them).

    columns(User, "u")            -> 'u."id", u."password", ...'   (every concrete column)
    db, rows = fetch(User, sql, [pk])   # the rows, from the database User is read from
    user, at = take(User, db, row, 0)   # the instance from row[0:n]; `at` is where the next starts
"""

from __future__ import annotations

from typing import Any

from django.db import connections, models, router


def _fields(model: type[models.Model], skip: tuple[str, ...] = ()) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if field.name not in skip]


def columns(model: type[models.Model], alias: str, *, skip: tuple[str, ...] = ()) -> str:
    """Every concrete column of `model` under the table alias `alias`, in field order, but the
    fields named in `skip` (left deferred: read from the database if ever asked for)."""
    return ", ".join(f'{alias}."{field.column}"' for field in _fields(model, skip))


def width(model: type[models.Model], *, skip: tuple[str, ...] = ()) -> int:
    """How many columns `columns(model, ..., skip=skip)` lists."""
    return len(_fields(model, skip))


def fetch(model: type[models.Model], sql: str, params: Any) -> tuple[str, list[tuple[Any, ...]]]:
    """Runs `sql` on the database `model` is read from: that database's alias (for `take`) and
    every row."""
    db = router.db_for_read(model)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return db, cursor.fetchall()


def take[M: models.Model](
    model: type[M], db: str, row: tuple[Any, ...], start: int, *, skip: tuple[str, ...] = ()
) -> tuple[M | None, int]:
    """The instance of `model` whose columns (as `columns` lists them) begin at row[start], or
    None when its primary key is NULL (a LEFT JOIN found nothing); and where the next begin."""
    names = [field.attname for field in _fields(model, skip)]
    values = row[start : start + len(names)]
    pk_index = names.index(model._meta.pk.attname)  # type: ignore[union-attr]
    instance = model.from_db(db, names, values) if values[pk_index] is not None else None
    return instance, start + len(names)


def take_shared[M: models.Model](
    model: type[M],
    db: str,
    row: tuple[Any, ...],
    start: int,
    seen: dict[Any, M],
    *,
    skip: tuple[str, ...] = (),
) -> tuple[M | None, int]:
    """take(), but one instance per primary key in `seen`: rows that repeat the same unit or
    position build it once."""
    fields = _fields(model, skip)
    pk = row[start + [field.attname for field in fields].index(model._meta.pk.attname)]  # type: ignore[union-attr]
    end = start + len(fields)
    if pk is None:
        return None, end
    if pk not in seen:
        seen[pk] = take(model, db, row, start, skip=skip)[0]  # type: ignore[assignment]
    return seen[pk], end


def cache_related(instance: models.Model, field_name: str, related: models.Model | None) -> None:
    """Sets what `instance.<field_name>` returns without a query (as select_related does)."""
    instance._meta.get_field(field_name).set_cached_value(instance, related)  # type: ignore[union-attr]
