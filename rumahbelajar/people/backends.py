"""The authentication backend: allauth's, loading a person with their unit and position.

Every page reads the person (the session names them) and nearly every page shows or uses their
unit and position (the dashboard, the map, training eligibility): they come in one query, written
as SQL once per process. Through the ORM, building and compiling that query cost about twice what
PostgreSQL spends running it, on every request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.db import connections, models, router

from rumahbelajar.people.models import Position, Unit, User

# The related rows loaded with the person: (foreign key on User, model, table alias).
_RELATED: tuple[tuple[str, type[models.Model], str], ...] = (
    ("unit", Unit, "n"),
    ("position", Position, "p"),
)


def _attnames(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@cache
def _person_sql() -> str:
    """SELECT the person's columns, then each related row's, LEFT JOINed on the foreign keys."""
    parts = [[f'u."{User._meta.get_field(name).column}"' for name in _attnames(User)]]
    joins = []
    for fk_name, model, alias in _RELATED:
        fk = User._meta.get_field(fk_name)
        parts.append([f'{alias}."{model._meta.get_field(n).column}"' for n in _attnames(model)])
        joins.append(
            f'LEFT JOIN "{model._meta.db_table}" {alias} '
            f'ON {alias}."{model._meta.pk.column}" = u."{fk.column}"'  # type: ignore[union-attr]
        )
    columns = ", ".join(column for part in parts for column in part)
    return f'SELECT {columns} FROM "{User._meta.db_table}" u {" ".join(joins)} WHERE u."id" = %s'  # noqa: S608 (names from the models, never input)


def load_person(user_id: Any) -> User | None:
    """The person with `unit` and `position` loaded (as select_related would), or None. One
    query."""
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    db = router.db_for_read(User)
    with connections[db].cursor() as cursor:
        cursor.execute(_person_sql(), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    names = _attnames(User)
    user = User.from_db(db, names, row[: len(names)])
    start = len(names)
    for fk_name, model, _alias in _RELATED:
        related_names = _attnames(model)
        values = row[start : start + len(related_names)]
        start += len(related_names)
        related = model.from_db(db, related_names, values) if values[0] is not None else None
        User._meta.get_field(fk_name).set_cached_value(user, related)  # type: ignore[union-attr]
    return user


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = load_person(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
