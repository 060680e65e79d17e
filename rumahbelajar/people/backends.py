"""The authentication backend: allauth's, loading a person with their unit and position.

Every page reads the person (the session names them) and nearly every page shows or uses their
unit and position (the dashboard, the map, training eligibility): selectors.load_person reads
them in one query written as SQL once per process.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from rumahbelajar.people.models import User
from rumahbelajar.people.selectors import load_person


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = load_person(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
