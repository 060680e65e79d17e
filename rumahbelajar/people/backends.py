"""The authentication backend: allauth's, loading a person with their unit and position.

Every page reads the person (the session names them) and nearly every page shows or uses their
unit and position (the dashboard, the map, training eligibility): they come in one query, written
as SQL once per process (rumahbelajar.sqlrows). Through the ORM, building and compiling that
query cost about twice what PostgreSQL spends running it, on every request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.db import connections, router

from rumahbelajar.people.models import Position, Unit, User
from rumahbelajar.sqlrows import cache_related, columns, take


@cache
def _person_sql() -> str:
    return (
        f"SELECT {columns(User, 'u')}, {columns(Unit, 'n')}, {columns(Position, 'p')} "  # noqa: S608 (names from the models)
        f'FROM "{User._meta.db_table}" u '
        f'LEFT JOIN "{Unit._meta.db_table}" n ON n."id" = u."unit_id" '
        f'LEFT JOIN "{Position._meta.db_table}" p ON p."id" = u."position_id" '
        'WHERE u."id" = %s'
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
    db = router.db_for_read(User)
    with connections[db].cursor() as cursor:
        cursor.execute(_person_sql(), [pk])
        row = cursor.fetchone()
    if row is None:
        return None
    user, at = take(User, db, row, 0)
    unit, at = take(Unit, db, row, at)
    position, _at = take(Position, db, row, at)
    assert user is not None  # the row is the user's
    cache_related(user, "unit", unit)
    cache_related(user, "position", position)
    return user


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = load_person(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
