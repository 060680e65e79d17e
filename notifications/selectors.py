"""Reads about notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from notifications.models import EmailOptOut, Notification
from rumahbelajar.people.models import User

LIST_LIMIT = 50


def notifications_of(*, user: User, limit: int = LIST_LIMIT) -> QuerySet[Notification]:
    """The person's latest messages, newest first (one index range)."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")[:limit]


def email_opt_outs(*, user: User) -> set[str]:
    return set(EmailOptOut.objects.filter(user=user).values_list("kind", flat=True))
