"""What to learn next, with the real providers (ebooks and training registered with
competency.recommendations): which items may be suggested, the map page's lists with their why,
and a constant number of queries on the map page."""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from competency import recommendations, selectors
from competency.models import Competency
from ebooks import cache as ebook_cache
from ebooks import services as ebook_services
from ebooks.models import ReadingProgress
from rumahbelajar.dashboard import dashboard_context
from tests.ebooks.factories import EbookFactory
from tests.people.factories import PositionFactory
from tests.test_dashboard import give_map, met_except
from tests.training.factories import TrainingFactory, in_days, restore_reference_data
from training import cache as training_cache
from training import selectors as training_selectors
from training import services as training_services
from training.models import Training, TrainingKind

pytestmark = pytest.mark.django_db

MY_MAP = "/competency/"


@pytest.fixture(autouse=True)
def _reference_data(db):
    if not Competency.objects.filter(code="M1").exists():
        restore_reference_data()


def M(code: str) -> Competency:
    return Competency.objects.get(code=code)


def steps_for(person, *, with_map: bool = False) -> recommendations.NextSteps:
    """The ranking as a page without the personal reads asks for it (each provider reads for
    itself), or `with_map` as the map page does (read in the map's statement)."""
    if with_map:
        cmap, _history, known = selectors.map_and_personal(
            employee=person, reads=recommendations.personal_reads()
        )
    else:
        cmap, known = selectors.map_for_employee(employee=person), {}
    return recommendations.next_steps(employee=person, current=list(cmap.items.all()), known=known)


def offered(person, *, with_map: bool = False) -> set[tuple[str, int]]:
    steps = steps_for(person, with_map=with_map)
    return {(s.kind, s.candidate.item_id) for _n, listed in steps.per_need for s in listed}


def course(competency: str, level: int = 1, **kwargs):
    training = TrainingFactory(**kwargs)
    training.competency_links.create(competency=M(competency), level=level)
    training_cache.bump_version()
    return training


# --- E-books ----------------------------------------------------------------------------------


@pytest.mark.parametrize("with_map", [False, True])
def test_finished_book_is_not_suggested_one_in_progress_is(employee, with_map):
    give_map(employee, levels=met_except("M3"))
    finished = EbookFactory(competencies={M("M3"): 1}, page_count=10)
    reading = EbookFactory(competencies={M("M3"): 1}, page_count=10)
    ebook_services.save_reading_progress(user=employee, ebook=finished, page=10)
    ebook_services.save_reading_progress(user=employee, ebook=reading, page=4)

    assert offered(employee, with_map=with_map) == {("ebook", reading.pk)}


@pytest.mark.parametrize("with_map", [False, True])
def test_all_books_finished_leaves_the_gap_without_books(employee, with_map):
    give_map(employee, levels=met_except("M3"))
    for _ in range(2):
        book = EbookFactory(competencies={M("M3"): 1}, page_count=5)
        ebook_services.save_reading_progress(user=employee, ebook=book, page=5)

    assert offered(employee, with_map=with_map) == set()


def test_dashboard_knows_from_the_reading_shelf_what_may_be_finished(employee):
    """The dashboard passes its reading shelf: a finished book is on it (so its one query still
    runs and the book is left out); nobody reading anything finished nothing (no query)."""
    give_map(employee, levels=met_except("M3"))
    finished = EbookFactory(competencies={M("M3"): 1}, page_count=10)
    fresh = EbookFactory(competencies={M("M3"): 1}, page_count=10)
    ebook_services.save_reading_progress(user=employee, ebook=finished, page=10)

    def top(person) -> set[int]:
        return {s.candidate.item_id for s in dashboard_context(user=person)["steps"].top}

    top(employee)  # the shared books per gap and their cards, read once into the cache
    with CaptureQueriesContext(connection) as reading:
        assert top(employee) == {fresh.pk}
    ReadingProgress.objects.filter(user=employee).delete()
    with CaptureQueriesContext(connection) as nothing:
        assert top(employee) == {fresh.pk, finished.pk}
    assert len(nothing) == len(reading) - 1


def test_unpublished_book_is_not_suggested(employee):
    give_map(employee, levels=met_except("M3"))
    EbookFactory(competencies={M("M3"): 1}, is_published=False)
    ebook_cache.bump_version()

    assert offered(employee) == set()


def test_books_kept_per_gap_follow_the_catalogue_as_it_changes(employee, colleague):
    """The books for a gap are kept per process under the catalogue version: a book published
    or withdrawn shows in the very next ranking, for everyone at that level."""
    give_map(employee, levels=met_except("M3"))
    give_map(colleague, levels=met_except("M3"))
    first = EbookFactory(competencies={M("M3"): 1})
    assert offered(employee) == {("ebook", first.pk)}  # kept now

    second = EbookFactory(competencies={M("M3"): 1})
    ebook_services.update_ebook(ebook=first, is_published=False)

    assert offered(colleague) == {("ebook", second.pk)}
    assert offered(employee) == {("ebook", second.pk)}


# --- Trainings --------------------------------------------------------------------------------


def test_open_training_for_a_gap_is_suggested_with_its_why(employee):
    give_map(employee, levels=met_except("M3"))
    training = course("M3")

    steps = steps_for(employee)

    (_need, listed), *_ = steps.per_need
    assert [s.candidate.item_id for s in listed] == [training.pk]
    assert listed[0].why == (
        f"{M('M3').name}: belum diases, jabatan Anda memerlukan 1 — pelatihan ini untuk level 1"
    )
    assert listed[0].url == f"/trainings/{training.slug}/"


def test_trainings_one_may_not_join_are_not_suggested(employee, colleague, outsider):
    give_map(employee, levels=met_except("M3"))
    enrolled = course("M3")
    training_services.register(training=enrolled, employee=employee)
    course("M3", eligible_positions=[PositionFactory(code="lain")])  # another position
    course("M3", eligible_units=[outsider.unit])  # another unit
    course("M3", registration_opens_at=in_days(2))  # not open yet
    course(
        "M3",
        start_at=in_days(-1),
        registration_opens_at=in_days(-5),
        registration_closes_at=in_days(-2),
        end_at=in_days(2),
    )  # running
    course("M3", status="draft")
    course("M3", kind=TrainingKind.MANDATED)  # assigned by HR, not joined
    own_unit = course("M3", eligible_units=[employee.unit])
    training_cache.bump_version()

    assert offered(employee) == {("training", own_unit.pk)}


def test_full_training_still_offered_after_one_with_seats_with_a_waitlist_note(employee, colleague):
    give_map(employee, levels=met_except("M3"))
    full = course("M3", capacity=1, start_at=in_days(5))
    training_services.register(training=full, employee=colleague)
    later = course("M3", start_at=in_days(30))

    listed = steps_for(employee).per_need[0][1]

    assert [s.candidate.item_id for s in listed] == [later.pk, full.pk]
    assert listed[1].candidate.full
    assert listed[1].candidate.note == "kuota penuh: Anda masuk daftar tunggu"


def _answer(steps: recommendations.NextSteps) -> tuple:
    def said(suggestions):
        return [
            (s.kind, s.candidate.item_id, s.candidate.competency_id, s.why) for s in suggestions
        ]

    return (
        said(steps.assigned),
        [(need.competency.pk, said(listed)) for need, listed in steps.per_need],
        said(steps.top),
    )


@pytest.mark.parametrize(
    ("gaps", "per_need", "top"), [(3, 2, 5), (3, 2, 9), (3, 3, 1), (1, 2, 5), (1, 1, 3)]
)
def test_providers_find_only_the_best_few_and_the_ranking_answers_as_with_all(
    employee, colleague, outsider, gaps, per_need, top
):
    """A provider returns the best recommendations.enough() of its kind for each need (a
    person's open trainings ran to hundreds): the answer must be the one every candidate gives,
    over random levels, seats, start dates, eligibility and enrolments."""
    rng = random.Random(gaps * 1000 + per_need * 100 + top)
    codes = ["M1", "M2", "M3", "M4"][: gaps + 1]
    give_map(employee, levels={"M1": 1, **met_except(*codes)})  # M1 met, the others gaps
    for _ in range(40):
        restricted = rng.random()
        units = (
            [outsider.unit] if restricted < 0.15 else [employee.unit] if restricted < 0.3 else []
        )
        training = TrainingFactory(
            capacity=rng.choice([1, 1, 5]),
            start_at=in_days(rng.choice([10, 20, 30])),
            eligible_units=units,
        )
        for code in rng.sample(codes, rng.choice([1, 2])):
            training.competency_links.create(competency=M(code), level=rng.randint(1, 5))
        if not restricted < 0.15 and rng.random() < 0.3:
            training_services.register(training=training, employee=colleague)
        if not restricted < 0.15 and rng.random() < 0.1:
            training_services.register(training=training, employee=employee)
    training_cache.bump_version()
    items = list(selectors.map_for_employee(employee=employee).items.all())
    needs = recommendations.needs_from(items)
    every = [
        candidate
        for provider in recommendations._PROVIDERS.values()
        for candidate in provider(employee=employee, needs=needs, known={}, limit=None)
    ]

    limited = recommendations.next_steps(
        employee=employee, current=items, per_need=per_need, top=top
    )

    assert _answer(limited) == _answer(
        recommendations.rank(needs, every, per_need=per_need, top=top)
    )
    enough = recommendations.enough(per_need=per_need, top=top)
    trainings = [c for c in every if c.kind == "training"]
    assert any(  # the limit did leave some out
        sum(c.competency_id == need.competency.pk for c in trainings) > enough for need in needs
    )


def test_assigned_training_comes_first_apart_with_its_why(employee, hr_admin):
    give_map(employee, levels=met_except("M3"))
    mandated = course("M3", kind=TrainingKind.MANDATED, start_at=in_days(9))
    training_services.assign(
        training=mandated, employees=[employee], assigned_by=hr_admin, due_date=None
    )

    steps = steps_for(employee)

    assert [s.candidate.item_id for s in steps.assigned] == [mandated.pk]
    assert steps.assigned[0].why.endswith("pelatihan ini untuk level 1")
    assert steps.per_need == []


def test_enrolments_read_with_the_map_or_alone_agree_with_my_trainings(
    employee, colleague, hr_admin
):
    """The map reads the person's enrolments with one lean query; the dashboard passes the
    my_trainings() it shows. Both must rank alike, over every kind of enrolment."""
    give_map(employee, levels=met_except("M1", "M2", "M3", "M4"))
    assigned = course("M2", kind=TrainingKind.MANDATED, start_at=in_days(9))
    assigned.competency_links.create(competency=M("M1"), level=2)
    untagged = course("M4", kind=TrainingKind.MANDATED, start_at=in_days(5))
    untagged.competency_links.all().delete()
    ended = course("M3", kind=TrainingKind.MANDATED, start_at=in_days(3))
    training_services.assign(
        training=assigned, employees=[employee], assigned_by=hr_admin, due_date=None
    )
    training_services.assign(
        training=untagged, employees=[employee], assigned_by=hr_admin, due_date=None
    )
    training_services.assign(
        training=ended, employees=[employee], assigned_by=hr_admin, due_date=None
    )
    Training.objects.filter(pk=ended.pk).update(
        start_at=in_days(-3),
        end_at=in_days(-2),
        registration_opens_at=in_days(-10),
        registration_closes_at=in_days(-4),
    )
    mine, cancelled, waiting = course("M1"), course("M3"), course("M4", capacity=1)
    training_services.register(training=mine, employee=employee)
    seat = training_services.register(training=cancelled, employee=employee)
    training_services.cancel(enrollment=seat, by=employee)
    training_services.register(training=waiting, employee=colleague)
    training_services.register(training=waiting, employee=employee)
    training_cache.bump_version()
    items = list(selectors.map_for_employee(employee=employee).items.all())

    lean = recommendations.next_steps(employee=employee, current=items)
    _cmap, _history, personal = selectors.map_and_personal(
        employee=employee, reads=recommendations.personal_reads()
    )
    with_map = recommendations.next_steps(employee=employee, current=items, known=personal)
    known = recommendations.next_steps(
        employee=employee,
        current=items,
        known={
            recommendations.KNOWN_MY_TRAININGS: training_selectors.my_trainings(employee=employee)
        },
    )

    def shown(steps):
        return (
            [(s.candidate, s.why) for s in steps.assigned],
            [
                (n.competency.pk, [(s.candidate, s.why) for s in listed])
                for n, listed in steps.per_need
            ],
            [(s.candidate, s.why) for s in steps.top],
        )

    assert shown(lean) == shown(known) == shown(with_map)
    assert set(personal) == {"training.enrolments", "ebooks.finished"}
    assert [s.candidate.item_id for s in lean.assigned] == [untagged.pk, assigned.pk]
    offered_now = {s.candidate.item_id for _n, listed in lean.per_need for s in listed}
    assert cancelled.pk in offered_now  # a cancelled seat may be taken again
    assert not offered_now & {mine.pk, waiting.pk, assigned.pk, untagged.pk, ended.pk}


# --- The map page -----------------------------------------------------------------------------


def test_map_page_lists_per_gap_its_training_and_book_with_the_why(client, employee):
    give_map(employee, levels=met_except("M3"))
    training = course("M3", title="Pelatihan Komunikasi Publik")
    book = EbookFactory(title="Komunikasi Efektif", competencies={M("M3"): 1})
    client.force_login(employee)

    response = client.get(MY_MAP)

    panel = response.content.decode().split('id="judul-dikembangkan"')[1].split("</section>")[0]
    assert f'href="/trainings/{training.slug}/">Pelatihan Komunikasi Publik</a>' in panel
    assert f'href="/ebooks/{book.slug}/">Komunikasi Efektif</a>' in panel
    assert "pelatihan ini untuk level 1" in panel
    assert "e-book ini untuk level 1" in panel
    assertNotContains(response, "akan segera tersedia")


def test_map_page_of_someone_else_has_no_suggestions(client, hr_admin, employee):
    give_map(employee, levels=met_except("M3"))
    course("M3")
    client.force_login(hr_admin)

    response = client.get(f"/competency/employees/{employee.nip}/")

    assertContains(response, M("M3").name)
    assertNotContains(response, 'class="steps"')


def _warm_queries(client, person) -> int:
    client.force_login(person)
    client.get(MY_MAP)  # the shared parts into the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(MY_MAP)
    assert response.status_code == 200
    return len(queries)


def test_map_page_queries_do_not_grow_with_gaps_books_and_trainings(
    client, employee, colleague, hr_admin
):
    give_map(employee, levels=met_except("M3"))
    EbookFactory(competencies={M("M3"): 1})
    course("M3")
    give_map(colleague, levels=met_except("M1", "M2", "M3", "M4"))
    for code in ("M1", "M2", "M3", "M4"):
        for _ in range(4):
            EbookFactory(competencies={M(code): 1})
            course(code)
    mandated = course("M2", kind=TrainingKind.MANDATED)
    training_services.assign(
        training=mandated, employees=[employee, colleague], assigned_by=hr_admin, due_date=None
    )

    small = _warm_queries(client, employee)
    large = _warm_queries(client, colleague)

    # The person; the map with its target and history, my enrolments with what my open
    # assignments develop and the books I finished, in one statement.
    assert small == large == 2
