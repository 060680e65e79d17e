"""The e-book provider of the "what to learn next" ranking (competency.recommendations),
registered in EbooksConfig.ready().

Published books tagged with each needed competency, from ebooks_for_gaps (shared under the
catalogue version: warm, it reads the cache only), less the ones the reader has finished: read
with the map (finished_read(), the personal read the map page runs in its own statement), or
one query here (none when the page knows they are reading nothing). At most two queries per
page, whatever the number of books or gaps.
"""

from __future__ import annotations

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
    """The unfinished books of ebooks_for_gaps() for each need: at most PER_GAP, whatever
    `limit` (the ranking's; PER_GAP is below it)."""
    if not needs:
        return []
    per_gap = selectors.ebooks_for_gaps(
        achieved={need.competency.pk: need.achieved for need in needs}, per_gap=PER_GAP
    )
    ids = sorted({book.pk for books in per_gap.values() for book in books})
    # Someone reading no published book has finished none: no query (most people, on the
    # dashboard, which lists what they are reading anyway).
    reading = known.get(KNOWN_READING)
    if FINISHED in known:
        finished = set(known[FINISHED])
    elif reading is not None and not reading:
        finished = set()
    else:
        finished = selectors.finished_ebooks(user=employee, ebook_ids=ids)
    # The address of every book's page from one reverse(): one per book costs more.
    url = reverse("ebooks:ebook-detail", args=["0"]).removesuffix("0/")
    return [
        Candidate(
            kind=EBOOK,
            item_id=book.pk,
            title=book.title,
            url=f"{url}{book.slug or book.pk}/",
            competency_id=competency_id,
            level=book.aimed_at,  # type: ignore[attr-defined]
            order=(-book.pk,),  # the newest first
        )
        for competency_id, books in per_gap.items()
        for book in books
        if book.pk not in finished
    ]
