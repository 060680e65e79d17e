"""The authentication backend: allauth's, loading a person with their unit and position.

Nearly every page shows or uses the person's unit and position (the dashboard, the map, training
eligibility): loading them with the user that every request reads anyway saves each page a query.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from rumahbelajar.people.models import User


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = User._default_manager.select_related("unit", "position").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
