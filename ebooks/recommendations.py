"""The e-book provider of the "what to learn next" ranking (competency.recommendations),
registered in EbooksConfig.ready().

Published books tagged with each needed competency, from ebooks_for_gaps (shared under the
catalogue version: warm, it reads the cache only), less the ones the reader has finished: read
with the map (finished_read(), the personal read the map page runs in its own statement), or
one query here (none when the page knows they are reading nothing). At most two queries per
page, whatever the number of books or gaps.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from django.urls import reverse

from competency.recommendations import EBOOK, KNOWN_READING, Candidate, Need, PersonalRead
from ebooks import selectors

# Books read per need: enough that a finished one or two still leave a choice.
PER_GAP = 4
# known[FINISHED]: the ids of every book the person has finished (finished_read()).
FINISHED = "ebooks.finished"


def finished_read() -> PersonalRead:
    """The books the person has finished, as selectors.finished_ebooks() judges them (their
    position on the last page of a book whose page count is known), all of them: the map reads
    them before it knows which books it will suggest. A JSON list of ids."""
    return PersonalRead(key=FINISHED, sql=selectors.finished_ebooks_sql())


def provide(
    *,
    employee: Any,
    needs: Sequence[Need],
    known: Mapping[str, Any],
    limit: int | None = None,
) -> list[Candidate]:
    """The books of ebooks_for_gaps() for each need (PER_GAP, fewer than the ranking's `limit`),
    less those the person has finished."""
    if not needs:
        return []
    per_gap = _for_gaps({need.competency.pk: need.achieved for need in needs})
    ids = sorted({candidate.item_id for listed in per_gap.values() for candidate in listed})
    # Someone reading no published book has finished none: no query (most people, on the
    # dashboard, which lists what they are reading anyway).
    reading = known.get(KNOWN_READING)
    if FINISHED in known:
        finished = set(known[FINISHED])
    elif reading is not None and not reading:
        finished = set()
    else:
        finished = selectors.finished_ebooks(user=employee, ebook_ids=ids)
    return [
        candidate
        for listed in per_gap.values()
        for candidate in listed
        if candidate.item_id not in finished
    ]


# The candidates for one competency and the level reached there: the same for everyone at that
# level, so a process makes them once per catalogue version (at most the dictionary's
# competencies times six levels), not once per person. Forgotten when the version moves on.
_KEPT: dict[tuple[int, int], tuple[Candidate, ...]] = {}
_KEPT_VERSION: list[int | None] = [None]
_KEPT_LOCK = threading.Lock()


def _for_gaps(achieved: dict[int, int]) -> dict[int, tuple[Candidate, ...]]:
    """{competency id: its candidates}, for each competency in `achieved` (→ the level reached)."""
    from ebooks import cache as catalogue_cache  # the cache module imports the forms

    current = catalogue_cache.version_or_none()
    if current is None:  # cache away: found afresh, kept for nobody
        return _made(achieved)
    with _KEPT_LOCK:
        if _KEPT_VERSION[0] != current:
            _KEPT.clear()
            _KEPT_VERSION[0] = current
        found = {cid: _KEPT.get((cid, level)) for cid, level in achieved.items()}
    missing = {cid: achieved[cid] for cid, kept in found.items() if kept is None}
    if missing:
        made = _made(missing)
        with _KEPT_LOCK:
            if _KEPT_VERSION[0] == current:
                _KEPT.update({(cid, missing[cid]): listed for cid, listed in made.items()})
        found.update(made)
    return {cid: found[cid] or () for cid in achieved}


def _made(achieved: dict[int, int]) -> dict[int, tuple[Candidate, ...]]:
    per_gap = selectors.ebooks_for_gaps(achieved=achieved, per_gap=PER_GAP)
    # The address of every book's page from one reverse(): one per book costs more.
    url = reverse("ebooks:ebook-detail", args=["0"]).removesuffix("0/")
    return {
        competency_id: tuple(
            Candidate(
                kind=EBOOK,
                item_id=book.pk,
                title=book.title,
                url=f"{url}{book.slug or book.pk}/",
                competency_id=competency_id,
                level=book.aimed_at,  # type: ignore[attr-defined]
                order=(-book.pk,),  # the newest first
            )
            for book in per_gap.get(competency_id, [])
        )
        for competency_id in achieved
    }
