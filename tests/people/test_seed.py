from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from rumahbelajar.people import demo
from rumahbelajar.people.models import Position, Unit, User
from rumahbelajar.people.nip import validate_nip
from rumahbelajar.people.roles import HR_ADMIN
from rumahbelajar.people.selectors import employees_visible_to, team_of, units_visible_to
from tests.people.factories import UserFactory

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, list[tuple]]:
    return {
        "units": list(Unit.objects.values_list("code", "name", "kind", "path", "depth")),
        "positions": list(Position.objects.values_list("code", "name", "kind", "level")),
        "users": list(
            User.objects.order_by("email").values_list(
                "email", "nip", "full_name", "unit__code", "position__code", "rank", "is_staff"
            )
        ),
        "groups": list(Group.objects.values_list("name", "user__email").order_by("name", "user")),
        "managed": list(
            User.managed_units.through.objects.values_list("user__email", "unit__code")
        ),
    }


def test_seed_demo_demo_data_off_refuses_and_creates_nothing(settings):
    settings.DEMO_DATA = False

    with pytest.raises(CommandError, match="DEMO_DATA"):
        seed()

    assert User.objects.count() == 0
    assert Unit.objects.count() == 0


def test_seed_demo_no_options_creates_250_numbered_employees():
    seed()

    numbered = User.objects.filter(email__regex=r"^pegawai[0-9]+@demo\.rumahbelajar\.id$")
    assert numbered.count() == 250
    assert numbered.order_by("email").last().email == "pegawai0250@demo.rumahbelajar.id"


def test_seed_demo_admin_is_superuser_without_nip():
    seed("--employees", "0")

    admin = User.objects.get(email=demo.ADMIN_EMAIL)
    assert admin.is_superuser is True
    assert admin.is_staff is True
    assert admin.nip is None


def test_seed_demo_hr_admin_manages_first_regional_office_subtree():
    seed("--employees", "30")

    hr = User.objects.get(email=demo.HR_EMAIL)
    first_office = Unit.objects.get(code=demo.FIRST_REGIONAL_OFFICE)
    assert hr.is_staff is True
    assert hr.is_superuser is False
    assert list(hr.groups.values_list("name", flat=True)) == [HR_ADMIN]
    assert list(hr.managed_units.all()) == [first_office]
    assert set(units_visible_to(user=hr)) == set(
        Unit.objects.filter(path__startswith=first_office.path)
    )


def test_seed_demo_employee_inside_hr_subtree_outsider_outside():
    seed("--employees", "30")

    hr = User.objects.get(email=demo.HR_EMAIL)
    employee = User.objects.get(email=demo.EMPLOYEE_EMAIL)
    outsider = User.objects.get(email=demo.OUTSIDER_EMAIL)
    visible = employees_visible_to(user=hr)
    assert visible.filter(pk=employee.pk).exists() is True
    assert visible.filter(pk=outsider.pk).exists() is False
    assert outsider.unit.path.startswith(Unit.objects.get(code=demo.OTHER_REGIONAL_OFFICE).path)


def test_seed_demo_employee_has_valid_nip_position_and_rank():
    seed("--employees", "0")

    employee = User.objects.get(email=demo.EMPLOYEE_EMAIL)
    validate_nip(employee.nip, employee.employee_type)
    assert employee.position is not None
    assert employee.rank in demo.RANKS_BY_LEVEL[employee.position.level]


@pytest.mark.parametrize(
    "email", [demo.ADMIN_EMAIL, demo.HR_EMAIL, demo.EMPLOYEE_EMAIL, demo.OUTSIDER_EMAIL]
)
def test_seed_demo_contract_account_logs_in_with_demo_password(client, email):
    seed("--employees", "0")

    logged_in = client.login(username=email, password="rumahbelajar-demo")

    assert logged_in is True


def test_seed_demo_numbered_employee_logs_in_with_demo_password(client):
    seed("--employees", "3")

    logged_in = client.login(
        username="pegawai0003@demo.rumahbelajar.id", password="rumahbelajar-demo"
    )

    assert logged_in is True


def test_seed_demo_run_twice_same_data():
    seed("--employees", "30")
    before = snapshot()

    output = seed("--employees", "30")

    assert snapshot() == before
    assert "0 created, 30 already there" in output


def test_seed_demo_changed_demo_account_restored():
    seed("--employees", "0")
    employee = User.objects.get(email=demo.EMPLOYEE_EMAIL)
    employee.set_password("something-else-entirely")
    employee.unit = Unit.objects.get(code="jatim-lapas-porong")
    employee.save()

    seed("--employees", "0")

    employee.refresh_from_db()
    assert employee.check_password("rumahbelajar-demo") is True
    assert employee.unit.code == "dki-divisi-yankum"


def test_seed_demo_employees_30_creates_exactly_those_with_valid_unique_nips():
    seed("--employees", "30")

    numbered = list(
        User.objects.filter(email__regex=r"^pegawai[0-9]+@")
        .order_by("email")
        .values_list("email", "nip")
    )
    assert [email for email, _ in numbered] == [
        f"pegawai{n:04d}@demo.rumahbelajar.id" for n in range(1, 31)
    ]
    nips = [nip for _, nip in numbered]
    for nip in nips:
        validate_nip(nip, "pns")
    assert len(set(nips)) == 30


def test_seed_demo_more_employees_later_adds_only_the_new_ones():
    seed("--employees", "10")

    output = seed("--employees", "25")

    assert "15 created, 10 already there" in output
    assert User.objects.filter(email__startswith="pegawai0").count() == 25


def test_seed_demo_nip_taken_by_someone_else_skips_that_employee():
    taken = demo.demo_employee(2).nip
    UserFactory(email="someone@example.test", nip=taken)

    output = seed("--employees", "3")

    assert "2 created, 0 already there, 1 skipped" in output
    assert User.objects.get(nip=taken).email == "someone@example.test"


def test_seed_demo_numbered_employees_ranks_fit_position_levels():
    seed("--employees", "200")

    rows = User.objects.filter(email__startswith="pegawai0").values_list("position__level", "rank")
    misfits = [(level, rank) for level, rank in rows if rank not in demo.RANKS_BY_LEVEL[level]]
    assert misfits == []


def test_seed_demo_unit_paths_extend_their_parents_paths():
    seed("--employees", "0")

    units = list(Unit.objects.select_related("parent"))
    assert len(units) == len(demo.UNITS)
    for unit in units:
        if unit.parent is None:
            assert unit.path == f"/{unit.pk}/"
        else:
            assert unit.path == f"{unit.parent.path}{unit.pk}/"
            assert unit.depth == unit.parent.depth + 1


def test_seed_demo_regional_offices_hang_under_ministry():
    seed("--employees", "0")

    offices = Unit.objects.filter(parent__code=demo.MINISTRY, kind="kanwil").order_by("path")
    assert [unit.code for unit in offices] == [
        demo.FIRST_REGIONAL_OFFICE,
        demo.OTHER_REGIONAL_OFFICE,
    ]


def test_seed_demo_ebooks_option_accepted():
    output = seed("--employees", "0", "--ebooks", "5")

    assert "Demo data ready" in output


def test_seed_demo_negative_employees_refused():
    with pytest.raises(CommandError):
        seed("--employees", "-1")


def test_demo_employee_many_numbers_unique_valid_nips():
    # Around the wrap-arounds of the birth-day cycle, where a collision would show first.
    numbers = sorted({*range(1, 5_001), *range(demo._BIRTH_DAYS - 50, demo._BIRTH_DAYS * 3 + 50)})

    nips = [demo.demo_employee(number).nip for number in numbers]

    assert len(set(nips)) == len(numbers)
    for nip in nips[::97]:
        validate_nip(nip, "pns")


def test_demo_employee_sex_digit_matches_given_name():
    people = [demo.demo_employee(number) for number in range(1, 501)]

    mismatched = [
        person
        for person in people
        if (person.full_name.split()[0] in demo.FEMALE_NAMES) != (person.nip[14] == "2")
    ]
    assert mismatched == []


def test_demo_employee_same_number_same_person():
    first = demo.demo_employee(1234)

    again = demo.demo_employee(1234)

    assert again == first


def test_seed_demo_splits_large_units_into_teams_with_a_leader_each(monkeypatch):
    # Scaled down: a unit with more than 12 numbered employees is large, teams are of 5.
    monkeypatch.setattr(demo, "LARGE_UNIT", 12)
    monkeypatch.setattr(demo, "TEAM_SIZE", 5)
    demo.seed(employees=200, log=lambda _line: None)
    numbered = User.objects.filter(email__regex=r"^pegawai[0-9]+@demo\.rumahbelajar\.id$")
    by_unit: dict[int, list[User]] = {}
    for person in numbered.order_by("pk"):
        by_unit.setdefault(person.unit_id, []).append(person)

    large = {unit: people for unit, people in by_unit.items() if len(people) > 12}
    small = {unit: people for unit, people in by_unit.items() if len(people) <= 12}
    assert large  # 200 people over 13 units: both kinds
    assert small
    for people in small.values():
        assert all(person.supervisor_id is None for person in people)
    for unit, people in large.items():
        for rank, person in enumerate(people):
            leader = people[rank - rank % 5]
            expected = None if person == leader else leader.pk
            assert person.supervisor_id == expected, (unit, rank)
    # A large unit's head leads its team leaders, not everyone: the others have their leader.
    headed = [unit for unit in large if Unit.objects.get(pk=unit).head_id]
    assert headed  # atasan@ heads the demo employee's unit
    for unit in headed:
        people, head = large[unit], Unit.objects.get(pk=unit).head
        team = set(team_of(supervisor=head).values_list("pk", flat=True))
        leaders = {people[i].pk for i in range(0, len(people), 5)}
        assert leaders <= team
        assert not team & {person.pk for person in people} - leaders
    assert demo._ensure_numbered_teams() == 0  # a second run changes nothing


def test_seed_demo_team_leader_sees_their_team_page(monkeypatch, client):
    monkeypatch.setattr(demo, "LARGE_UNIT", 12)
    monkeypatch.setattr(demo, "TEAM_SIZE", 5)
    demo.seed(employees=200, log=lambda _line: None)
    leader = User.objects.filter(supervisees__isnull=False).distinct().first()
    members = list(leader.supervisees.values_list("full_name", flat=True))
    client.force_login(leader)

    response = client.get("/team/")

    assert response.status_code == 200
    assert 1 <= len(members) <= 4
    for name in members:
        assert name in response.content.decode()
