"""Notifications: recorded with the write, emailed once after commit through the worker (eager
here), opt-out per kind, the unread count without a query of its own, the pages' access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from notifications import services
from notifications.models import EmailOptOut, Notification
from rumahbelajar.people.models import User
from tests.requests import client_for
from tests.training.factories import recorded_activity
from tests.training.test_activities import file_report
from training import services as training_services
from training.models import LearningRecord

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:notification-list")


def test_notify_emails_once_after_commit(employee, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify(recipient_ids=[employee.pk], kind="report_approved", title="Disetujui")
        sent_before_commit = len(mail.outbox)

    assert (sent_before_commit, len(callbacks), len(mail.outbox)) == (0, 1, 1)
    assert mail.outbox[0].to == [employee.email]
    assert mail.outbox[0].subject == "[Rumah Belajar] Disetujui"


def test_notify_rolled_back_sends_nothing(employee, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.notify(recipient_ids=[employee.pk], kind="report_approved", title="x")
                raise RuntimeError
        except RuntimeError:
            pass

    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_notify_same_key_twice_records_and_sends_once(employee, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient_ids=[employee.pk], kind="reminder", title="a", key="k:1")
        services.notify(recipient_ids=[employee.pk], kind="reminder", title="a", key="k:1")

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert User.objects.get(pk=employee.pk).unread_notifications == 1


def test_send_email_twice_sends_once(employee, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        (note,) = services.notify(recipient_ids=[employee.pk], kind="report_approved", title="x")
    mail.outbox.clear()

    first = services.send_email(notification_id=note.pk)
    second = services.send_email(notification_id=note.pk)

    assert (first, second, len(mail.outbox)) == (True, False, 1)


def test_opt_out_per_kind_keeps_message_but_no_email(employee, django_capture_on_commit_callbacks):
    services.set_email_opt_outs(user=employee, kinds=["report_approved"])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.notify(recipient_ids=[employee.pk], kind="report_approved", title="x")
        services.notify(recipient_ids=[employee.pk], kind="report_returned", title="y")

    assert Notification.objects.filter(recipient=employee).count() == 2
    assert [m.subject for m in mail.outbox] == ["[Rumah Belajar] y"]


def test_opt_out_form_saves_unticked_kinds(employee):
    response = client_for(employee).post(LIST, {"email_kinds": ["report_waiting"]})

    assert response.status_code == 302
    out = set(EmailOptOut.objects.filter(user=employee).values_list("kind", flat=True))
    assert "report_waiting" not in out
    assert "jp_digest" in out


def test_opt_out_form_unknown_kind_is_field_error(employee):
    response = client_for(employee).post(LIST, {"email_kinds": ["nope"]})

    assert response.status_code == 400
    assert "email_kinds" in response.context["form"].errors


def test_report_flow_notifies_supervisor_then_author(
    cast, head, employee, django_capture_on_commit_callbacks
):
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        report = file_report(employee)
    with django_capture_on_commit_callbacks(execute=True):
        training_services.approve_report(report=report, by=head)
    with django_capture_on_commit_callbacks(execute=True):
        training_services.approve_report(report=report, by=head)  # a double click

    assert [m.to for m in mail.outbox] == [[head.email], [employee.email]]
    assert [n.kind for n in Notification.objects.order_by("pk")] == [
        "report_waiting",
        "report_approved",
    ]
    assert LearningRecord.objects.filter(source_report=report).count() == 1


def test_returned_report_tells_author_with_comment(
    cast, head, employee, django_capture_on_commit_callbacks
):
    report = file_report(employee)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        training_services.return_report(report=report, by=head, comment="Lengkapi bukti.")

    assert "Lengkapi bukti." in mail.outbox[0].body
    assert mail.outbox[0].to == [employee.email]


def test_unread_count_in_layout_and_cleared_by_opening(cast, employee):
    (note,) = services.notify(
        recipient_ids=[employee.pk],
        kind="report_approved",
        title="Disetujui",
        url="/trainings/activities/",
    )
    client = client_for(employee)

    before = client.get("/trainings/activities/")
    opened = client.get(reverse("notifications:notification-open", args=[note.pk]))
    after = client.get("/trainings/activities/")

    assert 'class="unread-badge">1<' in before.content.decode()
    assert opened["Location"] == "/trainings/activities/"
    assert "unread-badge" not in after.content.decode()
    assert User.objects.get(pk=employee.pk).unread_notifications == 0


def test_mark_all_read(employee):
    services.notify(recipient_ids=[employee.pk], kind="report_approved", title="a")
    services.notify(recipient_ids=[employee.pk], kind="report_approved", title="b")

    client_for(employee).post(reverse("notifications:notification-read-all"))

    assert not Notification.objects.filter(recipient=employee, read_at=None).exists()
    assert User.objects.get(pk=employee.pk).unread_notifications == 0


@pytest.mark.parametrize("who", ["colleague", "outsider", "hr_admin", "superuser"])
def test_open_someone_elses_notification_is_404(cast, who):
    (note,) = services.notify(recipient_ids=[cast["employee"].pk], kind="reminder", title="a")

    response = client_for(cast[who]).get(reverse("notifications:notification-open", args=[note.pk]))

    assert response.status_code == 404
    assert Notification.objects.get(pk=note.pk).read_at is None


@pytest.mark.parametrize("who", ["employee", "colleague", "outsider", "hr_admin", "superuser"])
def test_list_shows_only_my_notifications(cast, who):
    services.notify(recipient_ids=[cast["employee"].pk], kind="reminder", title="Milik Alice")

    response = client_for(cast[who]).get(LIST)

    assert response.status_code == 200
    titles = [n.title for n in response.context["items"]]
    assert titles == (["Milik Alice"] if who == "employee" else [])


def test_list_anonymous_redirected(client):
    assert client.get(LIST).status_code == 302


@pytest.mark.parametrize("count", [1, 30])
def test_list_queries_constant(employee, count, django_assert_max_num_queries):
    for n in range(count):
        services.notify(recipient_ids=[employee.pk], kind="reminder", title=f"n{n}")
    client = client_for(employee)
    client.get(LIST)

    with django_assert_max_num_queries(6):
        response = client.get(LIST)

    assert len(response.context["items"]) == count


def test_jp_digest_tells_people_behind_pace_once_a_month(
    cast, employee, colleague, django_capture_on_commit_callbacks
):
    today = dt.date(2026, 7, 1)  # half the year past: 10 JP expected
    recorded_activity(
        colleague, by=cast["superuser"], jp=Decimal("12"), kind="klasikal", date=dt.date(2026, 3, 1)
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        first = training_services.send_jp_digest(today=today)
    with django_capture_on_commit_callbacks(execute=True):
        again = training_services.send_jp_digest(today=today)

    told = set(Notification.objects.filter(kind="jp_digest").values_list("recipient_id", flat=True))
    assert employee.pk in told
    assert colleague.pk not in told
    assert again == 0
    assert first == len(told)
    assert len([m for m in mail.outbox if m.to == [employee.email]]) == 1


def test_jp_digest_in_january_tells_nobody(cast):
    assert training_services.send_jp_digest(today=dt.date(2026, 1, 1)) == 0


def test_training_assignment_email_is_a_notification(
    cast, employee, hr_admin, django_capture_on_commit_callbacks
):
    from tests.training.factories import TrainingFactory

    training = TrainingFactory()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        training_services.assign(training=training, employees=[employee], assigned_by=hr_admin)

    assert Notification.objects.get(recipient=employee).kind == "assigned"
    assert mail.outbox[0].attachments[0][2] == "text/calendar"


def test_training_assignment_email_opted_out_not_sent(
    cast, employee, hr_admin, django_capture_on_commit_callbacks
):
    from tests.training.factories import TrainingFactory

    services.set_email_opt_outs(user=employee, kinds=["assigned"])
    training = TrainingFactory()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        training_services.assign(training=training, employees=[employee], assigned_by=hr_admin)

    assert mail.outbox == []
    assert Notification.objects.filter(recipient=employee, kind="assigned").count() == 1
