"""The training provider of the "what to learn next" ranking (competency.recommendations),
registered in TrainingConfig.ready().

Offered: the trainings the person may still join (registration open, eligible, not already
enrolled; a full one still takes them on its waiting list, and ranks after those with seats),
shared per competency under the training version (selectors.open_offers); and, first and apart,
the mandatory trainings assigned to them that have not ended. The person's enrolments and their
open assignments with what those develop are one JSON value (enrolments_read()), which the map
page reads in its own statement and passes as `known`; read here otherwise (one query). A page
that already read my_trainings (the dashboard) passes it instead, and then only the
competencies of open assignments take a query, when there are any.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from competency.recommendations import (
    KNOWN_MY_TRAININGS,
    TRAINING,
    Candidate,
    Need,
    PersonalRead,
    read_personal,
)
from training import selectors
from training.models import TrainingCompetency
from training.rules import eligible_by

# known[ENROLMENTS]: the person's enrolments as the ranking reads them (enrolments_read()).
ENROLMENTS = "training.enrolments"


def enrolments_read() -> PersonalRead:
    """The person's enrolments and open assignments (selectors.next_steps_enrolments_sql()),
    read by the map page in its own statement."""
    return PersonalRead(
        key=ENROLMENTS,
        sql=selectors.next_steps_enrolments_sql(),
        params=selectors.NEXT_STEPS_ENROLMENTS_PARAMS,
    )


def provide(
    *,
    employee: Any,
    needs: Sequence[Need],
    known: Mapping[str, Any],
    limit: int | None = None,
) -> list[Candidate]:
    url = reverse("training:training-detail", args=["x"]).removesuffix("x/")
    now = timezone.now()
    mine = known.get(KNOWN_MY_TRAININGS)
    if ENROLMENTS in known:  # read with the map
        enrolled, assigned = selectors.next_steps_enrolments(known[ENROLMENTS])
    elif mine is not None:  # the page read them (the dashboard shows them)
        enrolled = {row.training_id for row in mine.rows}
        assigned = _open_assignments(mine, now=now)
    else:
        value = read_personal(enrolments_read(), employee_id=employee.pk, now=now)
        enrolled, assigned = selectors.next_steps_enrolments(value)
    waitlist_note = _("kuota penuh: Anda masuk daftar tunggu")

    candidates = _assigned(assigned, url=url)
    # Not offered again: what they are enrolled in, and what they are assigned (shown apart).
    skip = enrolled | {training.training_id for training in assigned}
    offers = selectors.open_offers(competency_ids=[need.competency.pk for need in needs])
    for need in needs:
        listed = offers.get(need.competency.pk)
        if not listed:
            continue
        by_level = _by_level(need.competency.pk, listed, url=url, note=waitlist_note)
        # The levels that fit, best first, each level's offers in the ranking's order: the
        # first `limit` the person may join are the best `limit` (Provider), the rest unread.
        found = 0
        for level in need.levels_by_fit(by_level):
            for offer, candidate in by_level[level]:
                if offer.id in skip or not eligible_by(
                    unit_paths=offer.unit_paths, position_ids=offer.position_ids, employee=employee
                ):
                    continue
                candidates.append(candidate)
                found += 1
                if found == limit:
                    break
            if found == limit:
                break
    return candidates


# The candidates of each shared offer list (selectors.open_offers), by the level they aim at and
# in the ranking's order within a level (Candidate.tie), per language: they belong to no one, so
# a process builds them once per catalogue version instead of once per person.
_OFFERED: dict[
    tuple[int, int, str], tuple[list[Any], dict[int, list[tuple[selectors.Offer, Candidate]]]]
] = {}
_OFFERED_MAX = 2048
_OFFERED_LOCK = threading.Lock()


def _by_level(
    competency_id: int, listed: list[selectors.Offer], *, url: str, note: str
) -> dict[int, list[tuple[selectors.Offer, Candidate]]]:
    language = get_language() or ""
    key = (competency_id, id(listed), language)
    kept = _OFFERED.get(key)
    if kept is not None and kept[0] is listed:
        return kept[1]
    by_level: dict[int, list[tuple[selectors.Offer, Candidate]]] = {}
    for offer in listed:
        if offer.level is None:  # aimed at no level: it fits no need
            continue
        candidate = Candidate(
            kind=TRAINING,
            item_id=offer.id,
            title=offer.title,
            url=f"{url}{offer.slug}/",
            competency_id=competency_id,
            level=offer.level,
            order=(offer.start_at.timestamp(),),  # the soonest first
            full=offer.seats_left <= 0,
            note=note if offer.seats_left <= 0 else _start_note(offer.start_at),
        )
        by_level.setdefault(offer.level, []).append((offer, candidate))
    for pairs in by_level.values():
        pairs.sort(key=lambda pair: pair[1].tie)
    with _OFFERED_LOCK:
        if len(_OFFERED) >= _OFFERED_MAX:
            _OFFERED.clear()  # old catalogue versions: their lists are gone from selectors too
        _OFFERED[key] = (listed, by_level)  # the list itself is kept, so its id is not reused
    return by_level


def _start_note(start_at: Any) -> str:
    return _day(start_at, get_language() or "")


@lru_cache(maxsize=4096)
def _day(start_at: Any, language: str) -> str:
    """A start date as the lists print it, per language (month names): formatted once per
    process, not once per offer per person (a crowd's dashboards went over hundreds of offers)."""
    return date_format(timezone.localtime(start_at), "j M Y")


def _open_assignments(mine: selectors.MyTrainings, *, now: Any) -> list[selectors.AssignedTraining]:
    """next_steps_enrolments()'s assignments from what the page read: the assigned
    trainings not ended, with what they develop (one query, only when there are any)."""
    rows = [row for row in mine.assigned if row.training.end_at >= now]
    if not rows:
        return []
    develops: dict[int, list[tuple[int, int]]] = {}
    for training_id, competency_id, level in TrainingCompetency.objects.filter(
        training_id__in=[row.training_id for row in rows]
    ).values_list("training_id", "competency_id", "level"):
        develops.setdefault(training_id, []).append((competency_id, level))
    return [
        selectors.AssignedTraining(
            row.training_id,
            row.training.title,
            row.training.slug,
            row.training.start_at,
            develops.get(row.training_id, []),
        )
        for row in rows
    ]


def _assigned(assigned: list[selectors.AssignedTraining], *, url: str) -> list[Candidate]:
    """The assigned trainings not ended, once per competency they develop (once without one)."""
    candidates = []
    for training in assigned:
        tags: list[tuple[int | None, int | None]] = list(training.develops) or [(None, None)]
        for tag, aimed_at in tags:
            candidates.append(
                Candidate(
                    kind=TRAINING,
                    item_id=training.training_id,
                    title=training.title,
                    url=f"{url}{training.slug}/",
                    competency_id=tag,
                    level=aimed_at,
                    order=(training.start_at.timestamp(),),
                    assigned=True,
                    note=_start_note(training.start_at),
                )
            )
    return candidates
