"""The ranking of "what to learn next" (competency.recommendations.rank), pure: crafted needs
and candidates, no database. Order of needs, fit of levels, ties, no items, full trainings,
assigned trainings first and apart, the top list's mix, and the why text."""

from __future__ import annotations

from competency.models import Competency
from competency.recommendations import (
    EBOOK,
    TRAINING,
    Candidate,
    Need,
    needs_from,
    rank,
)
from competency.selectors import TargetItem

M1 = Competency(pk=1, code="M1", name="Integritas", sort_order=1)
M3 = Competency(pk=3, code="M3", name="Komunikasi", sort_order=3)
M4 = Competency(pk=4, code="M4", name="Orientasi pada Hasil", sort_order=4)
T1 = Competency(pk=10, code="T1", name="Legal Drafting", sort_order=20)


def item(
    competency: Competency, *, required: int, achieved: int, assessed: bool = True
) -> TargetItem:
    """A map item (a target position's, which has a CompetencyMapItem's shape), its gap as
    maps compute it."""
    gap = max(required - achieved, 0)
    return TargetItem(competency, required, achieved, gap, assessed, last_assessed_on=None)


def book(pk: int, competency: Competency, level: int) -> Candidate:
    return Candidate(
        kind=EBOOK,
        item_id=pk,
        title=f"Buku {pk}",
        url=f"/ebooks/buku-{pk}/",
        competency_id=competency.pk,
        level=level,
        order=(-pk,),
    )


def course(
    pk: int, competency: Competency | None, level: int | None, *, starts: float = 0.0, **kw
) -> Candidate:
    return Candidate(
        kind=TRAINING,
        item_id=pk,
        title=f"Pelatihan {pk}",
        url=f"/trainings/pelatihan-{pk}/",
        competency_id=competency.pk if competency else None,
        level=level,
        order=(starts,),
        **kw,
    )


# --- Needs ------------------------------------------------------------------------------------


def test_needs_biggest_gap_first_then_unassessed_then_dictionary_order():
    needs = needs_from(
        [
            item(M1, required=3, achieved=2),  # gap 1
            item(M3, required=3, achieved=1),  # gap 2
            item(T1, required=3, achieved=0, assessed=False),  # gap 3
            item(M4, required=2, achieved=1),  # gap 1, after M1 in the dictionary
            item(Competency(pk=9, code="M9", name="Met", sort_order=9), required=2, achieved=3),
        ]
    )

    assert [need.competency.code for need in needs] == ["T1", "M3", "M1", "M4"]


def test_needs_tie_on_gap_puts_the_unassessed_first():
    needs = needs_from(
        [item(M1, required=2, achieved=1), item(M4, required=1, achieved=0, assessed=False)]
    )

    assert [need.competency.code for need in needs] == ["M4", "M1"]


def test_needs_current_position_before_target_and_a_shared_competency_once():
    needs = needs_from(
        [item(M3, required=2, achieved=1)],
        [item(M3, required=4, achieved=1), item(T1, required=4, achieved=1)],
    )

    assert [(n.competency.code, n.for_target, n.required) for n in needs] == [
        ("M3", False, 2),
        ("T1", True, 4),
    ]


# --- Fit and order ----------------------------------------------------------------------------


def test_next_level_first_then_up_to_the_requirement_then_beyond_then_the_same_level():
    need = Need(competency=M3, achieved=2, required=4, assessed=True)

    steps = rank(
        [need],
        [book(1, M3, 2), book(2, M3, 5), book(3, M3, 4), book(4, M3, 3), book(5, M3, 1)],
        per_need=5,
    )

    assert [s.candidate.level for s in steps.per_need[0][1]] == [3, 4, 5, 2]  # level 1: out


def test_ties_in_level_newest_book_first_and_soonest_training_first():
    need = Need(competency=M3, achieved=1, required=2, assessed=True)

    steps = rank(
        [need],
        [
            book(7, M3, 2),
            book(9, M3, 2),
            course(1, M3, 2, starts=200.0),
            course(2, M3, 2, starts=100.0),
        ],
    )

    shown = steps.per_need[0][1]
    assert [(s.kind, s.candidate.item_id) for s in shown] == [
        (TRAINING, 2),
        (TRAINING, 1),
        (EBOOK, 9),
        (EBOOK, 7),
    ]


def test_full_training_ranks_after_one_with_seats_at_the_same_level():
    need = Need(competency=M3, achieved=1, required=2, assessed=True)

    steps = rank([need], [course(1, M3, 2, starts=1.0, full=True), course(2, M3, 2, starts=9.0)])

    assert [s.candidate.item_id for s in steps.per_need[0][1]] == [2, 1]


def test_per_need_shows_at_most_two_of_each_kind():
    need = Need(competency=M3, achieved=1, required=2, assessed=True)

    steps = rank([need], [book(n, M3, 2) for n in range(1, 6)] + [course(1, M3, 2)])

    kinds = [s.kind for s in steps.per_need[0][1]]
    assert kinds == [TRAINING, EBOOK, EBOOK]


def test_no_items_no_entry_and_an_empty_top():
    need = Need(competency=M3, achieved=1, required=2, assessed=True)

    steps = rank([need], [book(1, M1, 2)])  # another competency's book

    assert steps.per_need == []
    assert steps.top == []
    assert steps.is_empty
    assert steps.for_competency(M3.pk) == []


def test_no_needs_ranks_nothing_but_the_assigned():
    steps = rank([], [book(1, M3, 2), course(5, None, None, assigned=True)])

    assert steps.per_need == []
    assert [s.candidate.item_id for s in steps.assigned] == [5]


# --- Assigned trainings -----------------------------------------------------------------------


def test_assigned_training_first_apart_once_and_not_repeated_under_its_need():
    need = Need(competency=M3, achieved=1, required=3, assessed=True)

    steps = rank(
        [need],
        [
            course(5, M3, 2, assigned=True, starts=50.0),
            course(5, M1, 2, assigned=True, starts=50.0),
            course(4, None, None, assigned=True, starts=10.0),
            course(6, M3, 2),
        ],
    )

    assert [s.candidate.item_id for s in steps.assigned] == [4, 5]
    assert steps.assigned[0].why == (
        "Pelatihan wajib yang ditugaskan kepada Anda oleh pengelola SDM"
    )
    assert steps.assigned[1].why.startswith("Komunikasi: level Anda 1")
    assert [s.candidate.item_id for s in steps.per_need[0][1]] == [6]


# --- The top list -----------------------------------------------------------------------------


def test_top_takes_turns_across_needs_each_item_once():
    first = Need(competency=M3, achieved=1, required=3, assessed=True)
    second = Need(competency=M1, achieved=1, required=2, assessed=True)
    shared = [book(1, M3, 2), book(1, M1, 2)]  # one book tagged with both

    steps = rank(
        [first, second], [*shared, book(2, M3, 2), book(3, M1, 2), course(8, M1, 2)], top=4
    )

    assert [(s.kind, s.candidate.item_id, s.need.competency.code) for s in steps.top] == [
        (EBOOK, 2, "M3"),
        (TRAINING, 8, "M1"),
        (EBOOK, 1, "M3"),
        (EBOOK, 3, "M1"),
    ]


def test_top_holds_a_training_when_one_fits_even_far_down():
    needs = [
        Need(competency=M3, achieved=1, required=3, assessed=True),
        Need(competency=M1, achieved=1, required=2, assessed=True),
    ]
    candidates = [book(n, M3, 2) for n in range(1, 10)] + [book(n, M1, 2) for n in range(10, 20)]
    candidates.append(course(3, M1, 3))  # beyond M1's requirement: ranked after every book

    steps = rank(needs, candidates, top=5)

    assert len(steps.top) == 5
    assert [s.kind for s in steps.top].count(TRAINING) == 1
    assert steps.top[-1].candidate.item_id == 3


def test_top_holds_an_ebook_when_only_trainings_come_first():
    need = Need(competency=M3, achieved=1, required=3, assessed=True)
    candidates = [course(n, M3, 2, starts=float(n)) for n in range(1, 8)] + [book(1, M3, 3)]

    steps = rank([need], candidates, top=3)

    assert [s.kind for s in steps.top] == [TRAINING, TRAINING, EBOOK]


# --- The why ----------------------------------------------------------------------------------


def test_why_names_the_competency_the_levels_and_the_item_level():
    need = Need(competency=M3, achieved=2, required=3, assessed=True)

    steps = rank([need], [course(1, M3, 3), book(2, M3, 3)])

    assert [s.why for s in steps.per_need[0][1]] == [
        "Komunikasi: level Anda 2, jabatan Anda memerlukan 3 — pelatihan ini untuk level 3",
        "Komunikasi: level Anda 2, jabatan Anda memerlukan 3 — e-book ini untuk level 3",
    ]


def test_why_for_the_target_position_and_an_unassessed_competency():
    need = Need(competency=T1, achieved=0, required=2, assessed=False, for_target=True)

    steps = rank([need], [book(2, T1, 1)])

    suggestion = steps.per_need[0][1][0]
    assert suggestion.for_target
    assert suggestion.why == (
        "Legal Drafting: belum diases, jabatan target Anda memerlukan 2 — e-book ini untuk level 1"
    )


def test_why_in_english(settings):
    from django.utils import translation

    need = Need(competency=M3, achieved=2, required=3, assessed=True)
    with translation.override("en"):
        steps = rank([need], [course(1, M3, 3)])

    assert steps.per_need[0][1][0].why == (
        "Komunikasi: your level 2, your position requires 3 — this training is for level 3"
    )
