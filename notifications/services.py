"""Every write about notifications. `notify` records messages inside the caller's transaction
and emails them after it commits, through the worker (rumahbelajar.queue); `deliver` records and
emails one at once, for code already running in the worker after its commit (the training
emails with their calendar file).

Each message is emailed once: the row is claimed (emailed_at set) under a row lock in the
transaction that sends it, so a retried or doubled task skips it, and a failed send rolls the
claim back for the retry. A rolled-back write sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import EmailOptOut, Notification, NotificationKind
from rumahbelajar.people.models import User
from rumahbelajar.queue import queue_after_commit

SUBJECT_PREFIX = "[Rumah Belajar] "


def _absolute(url: str) -> str:
    if url.startswith("/"):
        return getattr(settings, "SITE_URL", "").rstrip("/") + url
    return url


def _create(
    *, recipient_ids: Iterable[int], kind: str, title: str, body: str, url: str, key: str | None
) -> list[Notification]:
    ids = sorted(set(recipient_ids))
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=title[:300],
            body=body,
            url=url[:500],
            key=f"{key}:{pk}"[:120] if key else None,
        )
        for pk in ids
    ]
    if key:
        # A key already used means the message exists: nothing new (and no second count).
        taken = set(
            Notification.objects.filter(key__in=[r.key for r in rows]).values_list("key", flat=True)
        )
        rows = [r for r in rows if r.key not in taken]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:  # the same event recorded concurrently: it is there, once
        return []
    counted = [n.recipient_id for n in created]
    if counted:
        User.objects.filter(pk__in=counted).update(
            unread_notifications=F("unread_notifications") + 1
        )
    return created


@transaction.atomic
def notify(
    *,
    recipient_ids: Iterable[int],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    key: str | None = None,
) -> list[Notification]:
    """Records one message per recipient and emails them after commit (each once; those who
    opted out of `kind` by email get only the message). `key` names the event: calling again
    with it records nothing more.

    Side effects: raises each recipient's unread count; queues notifications.tasks.send_emails.
    """
    created = _create(
        recipient_ids=recipient_ids, kind=kind, title=title, body=body, url=url, key=key
    )
    if created:
        from notifications import tasks

        queue_after_commit(tasks.send_emails_task, notification_ids=[n.pk for n in created])
    return created


def deliver(
    *,
    recipient: User,
    kind: str,
    title: str,
    body: str,
    url: str = "",
    key: str | None = None,
    email_subject: str | None = None,
    email_body: str | None = None,
    attachments: Sequence[tuple[str, str | bytes, str]] = (),
    email_html: str | None = None,
) -> bool:
    """Records and emails one message now (for a task already past its commit): the email may
    carry its own subject, body (and an HTML alternative) and attachments. Returns whether an
    email went out."""
    with transaction.atomic():
        created = _create(
            recipient_ids=[recipient.pk], kind=kind, title=title, body=body, url=url, key=key
        )
    if not created:
        return False
    return send_email(
        notification_id=created[0].pk,
        subject=email_subject,
        body=email_body,
        attachments=attachments,
        html=email_html,
    )


def send_email(
    *,
    notification_id: int,
    subject: str | None = None,
    body: str | None = None,
    attachments: Sequence[tuple[str, str | bytes, str]] = (),
    html: str | None = None,
) -> bool:
    """Emails one message (plain text, with `html` as its alternative when given) unless already emailed, its person is inactive or without email, or
    opted out of its kind. Returns whether it was sent.

    Side effects: locks the row (SKIP LOCKED: a concurrent sender has it) and marks it emailed
    in the transaction that sends, so a failure leaves it for the retry.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at=None)
            .first()
        )
        if notification is None:
            return False
        person = notification.recipient
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        if (
            not person.email
            or not person.is_active
            or EmailOptOut.objects.filter(user=person, kind=notification.kind).exists()
        ):
            return False
        with translation.override("id"):
            context = {
                "notification": notification,
                "person": person,
                "url": _absolute(notification.url),
            }
            text = (
                body
                if body is not None
                else render_to_string("notifications/email_body.txt", context)
            )
        message = (EmailMultiAlternatives if html else EmailMessage)(
            subject=" ".join((subject or SUBJECT_PREFIX + notification.title).split()),
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[person.email],
        )
        if html and isinstance(message, EmailMultiAlternatives):
            message.attach_alternative(html, "text/html")
        for name, content, mimetype in attachments:
            message.attach(name, content, mimetype)
        message.send()
    return True


@transaction.atomic
def mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Marks `user`'s unread messages read (all, or these); returns how many.

    Side effects: lowers their unread count by as many (never below 0)."""
    unread = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    count = unread.update(read_at=timezone.now())
    if count:
        User.objects.filter(pk=user.pk).update(
            unread_notifications=Greatest(F("unread_notifications") - count, 0)
        )
        user.unread_notifications = max(user.unread_notifications - count, 0)
    return count


@transaction.atomic
def set_email_opt_outs(*, user: User, kinds: Iterable[str]) -> None:
    """The kinds `user` does not want by email (exactly these). Side effects: none."""
    wanted = {k for k in kinds if k in NotificationKind.values}
    EmailOptOut.objects.filter(user=user).exclude(kind__in=wanted).delete()
    EmailOptOut.objects.bulk_create(
        [EmailOptOut(user=user, kind=k) for k in sorted(wanted)], ignore_conflicts=True
    )
