"""Model instances from hand-written SQL: for the few queries every page runs (the person, a
competency map), written once per process instead of built and compiled by the ORM each time
(which costs more than PostgreSQL spends running them).

    columns(User, "u")            -> 'u."id", u."password", ...'   (every concrete column)
    db, rows = fetch(User, sql, [pk])   # the rows, from the database User is read from
    user, at = take(User, db, row, 0)   # the instance from row[0:n]; `at` is where the next starts
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connections, models, router
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init


def _fields(model: type[models.Model], skip: tuple[str, ...] = ()) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if field.name not in skip]


def columns(model: type[models.Model], alias: str, *, skip: tuple[str, ...] = ()) -> str:
    """Every concrete column of `model` under the table alias `alias`, in field order, but the
    fields named in `skip` (left deferred: read from the database if ever asked for)."""
    return ", ".join(f'{alias}."{field.column}"' for field in _fields(model, skip))


@cache
def width(model: type[models.Model], *, skip: tuple[str, ...] = ()) -> int:
    """How many columns `columns(model, ..., skip=skip)` lists (counted once per process: pages
    ask for it with every row they split)."""
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
    names, pk_index = _layout(model, skip)
    values = row[start : start + len(names)]
    instance = build(model, db, names, values) if values[pk_index] is not None else None
    return instance, start + len(names)


@cache
def _layout(model: type[models.Model], skip: tuple[str, ...]) -> tuple[tuple[str, ...], int]:
    """The attribute names of `columns(model, ..., skip=skip)` and where the primary key is."""
    names = tuple(field.attname for field in _fields(model, skip))
    return names, names.index(model._meta.pk.attname)  # type: ignore[union-attr]


# The descriptors whose __set__ on a new instance only stores the value in its __dict__ (an image
# updates its dimension fields only when it replaces a file the instance already had).
_PLAIN_DESCRIPTORS = (
    DeferredAttribute,
    ForeignKeyDeferredAttribute,
    FileDescriptor,
    ImageFileDescriptor,
)


@cache
def _plain(model: type[models.Model]) -> bool:
    """Whether `model` is built from the database by Django's own from_db and __init__, and
    each of its columns' attributes only stores what it is given."""
    return (
        model.__init__ is models.Model.__init__
        and model.from_db.__func__ is models.Model.from_db.__func__  # type: ignore[attr-defined]
        and all(
            type(getattr(model, field.attname, None)) in _PLAIN_DESCRIPTORS
            for field in model._meta.concrete_fields
        )
    )


def _listened(model: type[models.Model]) -> bool:
    """Whether anyone listens to pre_init or post_init for `model`; no lookup while nobody listens
    to either for any model (the usual case: has_listeners costs as much as building a row)."""
    if not (pre_init.receivers or post_init.receivers):
        return False
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


def build[M: models.Model](
    model: type[M], db: str, names: Sequence[str], values: Sequence[Any]
) -> M:
    """model.from_db(db, names, values), without the per-field work of Model.__init__ (half of a
    page's time in from_db, with dozens of rows a page): for a model Django would build the same
    way, with nobody listening to pre_init or post_init, the values go straight into the
    instance's __dict__, which is all that __init__ leaves there (tests/test_sqlrows.py)."""
    if not _plain(model) or _listened(model):
        return model.from_db(db, names, values)
    instance = _bare(model, db, adding=False)
    instance.__dict__.update(zip(names, values, strict=True))
    return instance


def _bare[M: models.Model](model: type[M], db: str | None, *, adding: bool) -> M:
    """An instance of `model` with a state of its own and no field values yet."""
    instance = model.__new__(model)
    state = ModelState()
    state.adding = adding
    state.db = db
    instance.__dict__["_state"] = state
    return instance


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
    names, pk_index = _layout(model, skip)
    pk = row[start + pk_index]
    end = start + len(names)
    if pk is None:
        return None, end
    if pk not in seen:
        seen[pk] = take(model, db, row, start, skip=skip)[0]  # type: ignore[assignment]
    return seen[pk], end


def cache_related(instance: models.Model, field_name: str, related: models.Model | None) -> None:
    """Sets what `instance.<field_name>` returns without a query (as select_related does)."""
    instance._meta.get_field(field_name).set_cached_value(instance, related)  # type: ignore[union-attr]


def clone[M: models.Model](instance: M) -> M:
    """copy.copy(instance), without its round trip through pickling's protocol (~10 times the
    time): a new instance with the same field values and related objects, and a state of its
    own, so what is set on one does not show on the other."""
    new = _bare(type(instance), instance._state.db, adding=instance._state.adding)
    new.__dict__.update({k: v for k, v in instance.__dict__.items() if k != "_state"})
    new._state.fields_cache = dict(instance._state.fields_cache)
    if "_prefetched_objects_cache" in new.__dict__:
        new._prefetched_objects_cache = dict(new._prefetched_objects_cache)  # type: ignore[attr-defined]
    return new


def decode_json(value: Any) -> Any:
    """A json column's value as the driver gave it: decoded already, or its text."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def code_literal(value: str) -> str:
    """A status or source code written into SQL as a quoted literal rather than a parameter: a
    prepared statement's generic plan took `t.status <> $1` for one training in 500 and looped
    over the enrolments of each (5 ms instead of 0.5). Only the codes' own words reach the SQL."""
    if not value.replace("_", "").isalpha():
        raise ValueError(f"not a status code: {value!r}")
    return f"'{value}'"
