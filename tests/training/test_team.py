"""A supervisor's team (/team/), their reading of the team's maps, and the reports scoped to the
team (/reports/competency/ with its drill-down and exports, /reports/jp/); nomination stays HR's.

The cast: Unit A1's head ("kepala") supervises Alice and Bob; Unit B1's head ("kepala B")
supervises Charlie; the HR admin of Kanwil A and the superuser lead no team."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from competency.models import Competency
from rumahbelajar.people import services as people_services
from rumahbelajar.people.models import PositionKind, User
from rumahbelajar.people.selectors import is_supervisor, report_scope, team_of, team_page
from tests.people.factories import PositionFactory, UnitFactory, UserFactory
from tests.report_helpers import store_map
from tests.requests import client_for, get_ok_counting_queries
from tests.training.factories import TrainingFactory, in_days
from training import services
from training.models import LearningRecord, Training, TrainingKind, TrainingStatus
from training.selectors import requests_waiting_for, team_overview

pytestmark = pytest.mark.django_db

TEAM = "/team/"
HEATMAP = "/reports/competency/"
JP = "/reports/jp/"


@pytest.fixture
def head_b(unit_b1):
    person = UserFactory(email="kepala.b@example.test", full_name="Kepala Unit B1", unit=unit_b1)
    people_services.set_unit_head(unit=unit_b1, head=person)
    return person


@pytest.fixture
def people(cast, head, head_b):
    return {**cast, "supervisor": head, "other_supervisor": head_b}


@pytest.fixture
def analyst():
    return PositionFactory(code="analis", name="Analis SDM", kind=PositionKind.FUNGSIONAL_KEAHLIAN)


@pytest.fixture
def maps(people, analyst):
    m1, m2 = Competency.objects.get(code="M1"), Competency.objects.get(code="M2")
    store_map(people["employee"], analyst, {m1: (3, 1), m2: (3, 3)})
    store_map(people["colleague"], analyst, {m1: (3, 3), m2: (3, 2)})
    store_map(people["outsider"], analyst, {m1: (4, 1)})
    return people


# --- who is in a team ---------------------------------------------------------------------------


def test_team_of_head_is_their_unit_and_explicit_supervisor_wins(people, unit_a1):
    charlie = people["outsider"]
    charlie.supervisor = people["supervisor"]
    charlie.save()

    team = set(team_of(supervisor=people["supervisor"]))
    other = set(team_of(supervisor=people["other_supervisor"]))

    assert team == {people["employee"], people["colleague"], charlie}
    assert other == set()


def test_team_of_a_head_includes_heads_of_child_units(people, kanwil_a, unit_a1):
    chief = UserFactory(email="kakanwil@example.test", unit=kanwil_a)
    people_services.set_unit_head(unit=kanwil_a, head=chief)

    assert set(team_of(supervisor=chief)) == {people["supervisor"], people["hr_admin"]}


def test_team_page_is_team_of_by_name_in_pages_with_its_size(people, kanwil_a, unit_a1, unit_b1):
    """team_page() (one statement for /team/) against team_of() (the rule), with every rule at
    work: people of the unit, an explicit supervisor elsewhere, an inactive explicit supervisor
    (the unit head stands in), someone who left, a child unit's head, and an explicit
    supervisor who is someone else (not in the team)."""
    chief = UserFactory(email="kakanwil@example.test", full_name="Kakanwil", unit=kanwil_a)
    people_services.set_unit_head(unit=kanwil_a, head=chief)
    gone = UserFactory(full_name="Atasan Pensiun", unit=unit_b1, is_active=False)
    for name, unit, supervisor, active in [
        ("Zaenal", kanwil_a, None, True),
        ("Andi", unit_b1, chief, True),  # explicit, in another unit
        ("Budi", kanwil_a, gone, True),  # explicit but inactive: the head stands in
        ("Citra", kanwil_a, None, False),  # left
        ("Dewi", kanwil_a, people["outsider"], True),  # someone else's
        ("Andi", kanwil_a, None, True),  # same name: then by id
    ]:
        UserFactory(full_name=name, unit=unit, supervisor=supervisor, is_active=active)

    expected = list(
        team_of(supervisor=chief).order_by("full_name", "pk").values_list("pk", flat=True)
    )
    pages = [team_page(supervisor=chief, offset=start, limit=2) for start in range(0, 8, 2)]

    assert len(expected) == 6  # Andi x2, Budi, Zaenal, the head of A1, the HR admin
    assert [size for size, _ids in pages[:3]] == [6, 6, 6]
    assert [pk for _size, ids in pages for pk in ids] == expected
    assert pages[3] == (0, [])  # past the end
    assert team_page(supervisor=people["employee"], offset=0, limit=50) == (0, [])


def test_team_page_past_the_end_shows_the_last_page(people, monkeypatch):
    monkeypatch.setattr("training.team.MEMBERS_PER_PAGE", 1)

    answer = client_for(people["supervisor"]).get(TEAM, {"page": "9"}).content.decode()

    assert "Halaman 2 dari 2" in answer
    assert "Bob Rekan" in answer


def test_is_supervisor_only_for_heads_and_named_supervisors(people):
    assert [is_supervisor(user=people[w]) for w in ("supervisor", "employee", "hr_admin")] == [
        True,
        False,
        False,
    ]


# --- /team/ -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("employee", 404),
        ("colleague", 404),
        ("outsider", 404),
        ("supervisor", 200),
        ("other_supervisor", 200),
        ("hr_admin", 404),
        ("superuser", 404),
    ],
)
def test_team_page_access_by_cast_only_supervisors(people, who, status):
    client = Client() if who == "anonymous" else client_for(people[who])

    response = client.get(TEAM)

    assert response.status_code == status
    if status == 200:
        assert "no-store" in response["Cache-Control"]


def test_team_page_shows_each_member_with_map_gaps_jp_assignments_and_waiting(maps, analyst):
    alice = maps["employee"]
    diklat(alice, "7.5")
    training = TrainingFactory(title="Pelatihan Wajib Etika", kind=TrainingKind.MANDATED)
    services.assign(
        training=training,
        employees=[alice],
        assigned_by=maps["superuser"],
        due_date=timezone.localdate() - dt.timedelta(days=1),
    )
    asking = TrainingFactory(title="Pelatihan Perlu Izin", requires_approval=True)
    services.request_registration(training=asking, employee=alice)

    response = client_for(maps["supervisor"]).get(TEAM)

    text = response.content.decode()
    assert response.status_code == 200
    assert "Alice Pegawai" in text
    assert "Bob Rekan" in text
    assert "Charlie Luar" not in text
    assert f"/competency/employees/{alice.nip}/" in text
    assert "M1" in text  # Alice's largest gap
    assert "7,50 / 20" in text
    assert "Pelatihan Wajib Etika" in text
    assert "Lewat batas waktu" in text
    assert '<a href="/team/approvals/">1</a>' in text


def test_team_waiting_counts_each_member_and_all_even_from_someone_no_longer_in_the_team(maps):
    """What waits for the supervisor: per member, and in all, which also counts a request from
    someone who has since left the team (still theirs to decide at /team/approvals/); a team
    with nobody left still says how much waits."""
    supervisor, alice, bob = maps["supervisor"], maps["employee"], maps["colleague"]
    asking = TrainingFactory(title="Pelatihan Perlu Izin", requires_approval=True)
    for person in (alice, bob):
        services.request_registration(training=asking, employee=person)
    User.objects.filter(pk=bob.pk).update(supervisor=maps["other_supervisor"])

    team = team_overview(supervisor=supervisor)

    waits = {member.person.pk: member.waiting for member in team.members}
    assert waits[alice.pk] == 1
    assert bob.pk not in waits
    assert team.waiting == 2 == len(requests_waiting_for(user=supervisor))

    # A team leader whose only member has left: nobody on the page, the request still waits.
    leader = UserFactory(full_name="Ketua Tim", unit=alice.unit)
    member = UserFactory(full_name="Anggota", unit=alice.unit, supervisor=leader)
    services.request_registration(training=asking, employee=member)
    User.objects.filter(pk=member.pk).update(supervisor=supervisor)
    empty = team_overview(supervisor=leader)
    assert (empty.members, empty.waiting) == ([], 1)


def test_team_page_assignment_without_due_date_is_due_when_its_training_ends(maps):
    alice = maps["employee"]
    soon = TrainingFactory(
        title="Pelatihan Segera", kind=TrainingKind.MANDATED, start_at=in_days(10)
    )
    later = TrainingFactory(
        title="Pelatihan Nanti", kind=TrainingKind.MANDATED, start_at=in_days(60)
    )
    cancelled = TrainingFactory(
        title="Pelatihan Batal", kind=TrainingKind.MANDATED, start_at=in_days(5)
    )
    for training in (soon, later, cancelled):
        services.assign(
            training=training, employees=[alice], assigned_by=maps["superuser"], due_date=None
        )
    Training.objects.filter(pk=cancelled.pk).update(status=TrainingStatus.CANCELLED)

    text = client_for(maps["supervisor"]).get(TEAM).content.decode()

    assert f'<a href="/trainings/{soon.slug}/">Pelatihan Segera</a></li>' in text
    assert "Pelatihan Nanti" not in text  # ends in more than 30 days
    assert "Pelatihan Batal" not in text


def test_team_page_rows_escape_what_people_typed_and_follow_the_language(maps):
    alice = maps["employee"]
    alice.full_name = 'Alice "Ali" <b>Pegawai</b> & Co'
    alice.save(update_fields=["full_name"])
    diklat(alice, "12.5")
    client = client_for(maps["supervisor"])

    indonesian = client.get(TEAM).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": TEAM})
    english = client.get(TEAM).content.decode()

    assert "Alice &quot;Ali&quot; &lt;b&gt;Pegawai&lt;/b&gt; &amp; Co</a>" in indonesian
    assert "<b>Pegawai</b>" not in indonesian
    assert "12,50 / 20" in indonesian
    assert "level 1 dari 3" in indonesian  # Alice's largest gap, M1
    assert "12.50 / 20" in english
    assert "level 1 of 3" in english


def test_team_page_pages_a_large_team(people, monkeypatch):
    monkeypatch.setattr("training.team.MEMBERS_PER_PAGE", 1)
    client = client_for(people["supervisor"])

    first = client.get(TEAM).content.decode()
    second = client.get(TEAM, {"page": "2"}).content.decode()
    odd = client.get(TEAM, {"page": "x9"})

    assert "Alice Pegawai" in first
    assert "Bob Rekan" not in first
    assert "Bob Rekan" in second
    assert "Halaman 2 dari 2" in second
    assert odd.status_code == 200


def test_team_page_empty_team_says_so(people, ministry):
    empty = UnitFactory(code="unit-kosong", name="Unit Kosong", kind="unit", parent=ministry)
    lonely = UserFactory(email="kepala.kosong@example.test", unit=None)
    people_services.set_unit_head(unit=empty, head=lonely)

    response = client_for(lonely).get(TEAM)

    assert response.status_code == 200
    assert "Belum ada anggota tim" in response.content.decode()


def diklat(person, jp: str) -> None:
    """A klasikal ledger line of `jp` JP this year."""
    LearningRecord.objects.create(
        employee=person,
        year=timezone.localdate().year,
        jp=Decimal(jp),
        kind="klasikal",
        activity_type="training",
        description="Diklat",
        date=timezone.localdate(),
    )


def _grow_team(unit, analyst, n: int) -> None:
    m1 = Competency.objects.get(code="M1")
    training = TrainingFactory(kind=TrainingKind.MANDATED, capacity=100)
    members = [UserFactory(unit=unit) for _ in range(n)]
    for person in members:
        store_map(person, analyst, {m1: (3, 1)})
        diklat(person, "2")
    superuser = UserFactory(is_staff=True, is_superuser=True, nip=None, unit=None)
    services.assign(
        training=training,
        employees=members,
        assigned_by=superuser,
        due_date=timezone.localdate() + dt.timedelta(days=3),
    )


def test_team_page_queries_constant_in_team_size(
    people, unit_a1, analyst, django_assert_max_num_queries
):
    client = client_for(people["supervisor"])
    _grow_team(unit_a1, analyst, 1)
    client.get(TEAM)  # warm the per-process caches
    _small, few = get_ok_counting_queries(client, TEAM)
    _grow_team(unit_a1, analyst, 12)

    with django_assert_max_num_queries(few):
        response = client.get(TEAM)

    assert response.status_code == 200
    # The session's person; the units they head; the page of the team; its members with their
    # maps, JP, open assignments and what waits from each and in all.
    assert few == 4
    assert response.content.decode().count("/competency/employees/") == 15  # 2 + 1 + 12


def test_team_page_of_someone_who_heads_no_unit_skips_the_units_query(people, unit_a1, analyst):
    leader = UserFactory(full_name="Ketua Tim", unit=unit_a1)
    members = [UserFactory(full_name=f"Anggota {n}", unit=unit_a1) for n in range(3)]
    for member in members:
        User.objects.filter(pk=member.pk).update(supervisor=leader)
    client = client_for(leader)
    client.get(TEAM)  # warm the per-process caches

    response, queries = get_ok_counting_queries(client, TEAM)

    text = response.content.decode()
    assert [name for name in ("Anggota 0", "Anggota 1", "Anggota 2") if name in text] == [
        "Anggota 0",
        "Anggota 1",
        "Anggota 2",
    ]
    assert "Alice Pegawai" not in text  # the unit's people belong to its head
    # The person; the page of the team; its members (with what waits).
    assert queries == 3
    assert team_of(supervisor=leader).count() == 3


# --- the header -------------------------------------------------------------------------------


def test_header_links_team_for_supervisors_only_whatever_was_cached_first(people):
    employee_page = client_for(people["employee"]).get("/trainings/mine/")
    supervisor_page = client_for(people["supervisor"]).get("/trainings/mine/")
    employee_again = client_for(people["colleague"]).get("/trainings/mine/")

    assert 'href="/team/"' not in employee_page.content.decode()
    assert 'href="/team/"' in supervisor_page.content.decode()
    assert 'href="/reports/jp/"' in supervisor_page.content.decode()
    assert 'href="/team/"' not in employee_again.content.decode()


# --- a team member's map ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "whose", "status"),
    [
        ("supervisor", "employee", 200),
        ("supervisor", "colleague", 200),
        ("supervisor", "outsider", 404),
        ("supervisor", "hr_admin", 404),
        ("other_supervisor", "employee", 404),
        ("other_supervisor", "outsider", 200),
        ("employee", "colleague", 404),
        ("employee", "supervisor", 404),
    ],
)
def test_employee_map_supervisor_reads_their_team_only(maps, who, whose, status):
    response = client_for(maps[who]).get(f"/competency/employees/{maps[whose].nip}/")

    assert response.status_code == status


# --- the reports, scoped to the team ------------------------------------------------------------


def test_report_scope_of_a_supervisor_is_their_team(maps):
    scope = report_scope(viewer=maps["supervisor"])

    assert scope is not None
    assert scope.is_team
    assert set(scope.member_ids) == {maps["employee"].pk, maps["colleague"].pk}
    assert report_scope(viewer=maps["supervisor"], team=False) is None
    assert report_scope(viewer=maps["employee"]) is None


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("employee", 404),
        ("outsider", 404),
        ("supervisor", 200),
        ("other_supervisor", 200),
        ("hr_admin", 200),
        ("superuser", 200),
    ],
)
@pytest.mark.parametrize("url", [HEATMAP, JP])
def test_reports_access_by_cast_includes_supervisors(maps, who, status, url):
    response = client_for(maps[who]).get(url)

    assert response.status_code == status


def test_jp_report_supervisor_sees_their_team_only(maps):
    supervisor, other = client_for(maps["supervisor"]), client_for(maps["other_supervisor"])

    mine = supervisor.get(JP).content.decode()
    theirs = other.get(JP).content.decode()
    exported = supervisor.get(JP, {"format": "csv"}).content.decode("utf-8-sig")

    assert "Alice Pegawai" in mine
    assert "Bob Rekan" in mine
    assert "Charlie Luar" not in mine
    assert "Charlie Luar" in theirs
    assert "Alice Pegawai" not in theirs
    names = {row[1] for row in list(csv.reader(io.StringIO(exported)))[1:]}
    assert names == {"Alice Pegawai", "Bob Rekan"}


def test_heatmap_supervisor_counts_their_team_only(maps, analyst):
    response = client_for(maps["supervisor"]).get(HEATMAP, {"format": "xlsx"})

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    by_code = {row[2]: row for row in rows[1:]}
    assert by_code["M1"][5:7] == (2, 1)  # two people, Alice below; Charlie not counted
    assert by_code["M2"][5:7] == (2, 1)


def test_heatmap_drilldown_and_export_supervisor_sees_no_one_else(maps, analyst):
    cell = {"position": analyst.pk, "competency": "M1"}
    supervisor, other = client_for(maps["supervisor"]), client_for(maps["other_supervisor"])

    page = supervisor.get(HEATMAP, cell).content.decode()
    exported = other.get(HEATMAP, {**cell, "format": "csv"}).content.decode("utf-8-sig")

    assert "Alice Pegawai" in page
    assert "Charlie Luar" not in page
    assert "Usulkan pelatihan" not in page  # nominating is HR's
    names = [row[1] for row in list(csv.reader(io.StringIO(exported)))[1:]]
    assert names == ["Charlie Luar"]


def test_heatmap_unit_filter_outside_the_team_is_refused_not_widened(maps, unit_b1, analyst):
    response = client_for(maps["supervisor"]).get(
        HEATMAP, {"unit": unit_b1.pk, "position": analyst.pk, "competency": "M1"}
    )

    assert "Charlie Luar" not in response.content.decode()


def test_heatmap_unit_filter_inside_the_team_narrows_it(maps, unit_a1, analyst):
    response = client_for(maps["supervisor"]).get(
        HEATMAP, {"unit": unit_a1.pk, "position": analyst.pk, "competency": "M1"}
    )

    text = response.content.decode()
    assert response.status_code == 200
    assert "Alice Pegawai" in text
    assert "Charlie Luar" not in text


def test_nomination_stays_hr_only(maps, analyst):
    url = f"/trainings/nominations/new/?position={analyst.pk}&competency=M1"

    assert client_for(maps["supervisor"]).get(url).status_code == 404
    assert client_for(maps["hr_admin"]).get(url).status_code == 200


def test_reports_query_count_for_a_supervisor_constant_in_team_size(
    maps, unit_a1, analyst, django_assert_max_num_queries
):
    client = client_for(maps["supervisor"])
    client.get(JP)
    _r, few = get_ok_counting_queries(client, JP, {"page": 2})
    _grow_team(unit_a1, analyst, 10)

    with django_assert_max_num_queries(few):
        client.get(JP, {"page": 2})
