from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from rumahbelajar.people.models import User


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are provisioned by HR; public signup only where the setting allows it."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_ALLOW_SIGNUP)


def user_display(user: User) -> str:
    return user.full_name or user.email
