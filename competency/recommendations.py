"""What to learn next: one ranking of e-books and trainings for a person's competency gaps, each
item with a one-line reason (the "why").

`competency` imports neither `ebooks` nor `training` (the apps depend the other way). They
register a *provider* here when Django starts (their AppConfig.ready()); a provider is given the
person and their needs and returns candidates: items tagged with a needed competency and the
level they aim at. This module only ranks and explains, so the map page (competency.views), the
dashboard (rumahbelajar.dashboard) and any later page share one ranking.

The rules (rank(), pure, unit-tested with crafted needs and candidates):

- Needs: the current position's gaps before the target position's; within each, the largest gap
  first, then the not yet assessed, then the dictionary's order. A competency short for both
  positions is one need, the current position's (the next level to reach is the same).
- Items fit a need when they aim at a level between the next level the person needs
  (achieved + 1) and the level required, nearest first; then those beyond the requirement
  (nearest first); then those at the person's own level (consolidation). Items below the
  person's level are left out.
- Among equally fitting items: trainings with seats before those that would waitlist, then the
  provider's own order (e-books newest first, trainings soonest first).
- Assigned (mandatory) trainings come first and apart, whatever the gaps.
- The top list takes turns across needs (the best item of the first need, of the second, …,
  then the second best of each), each item once, and holds at least one e-book and one training
  when any fit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Protocol

from django.db import connection
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from competency.models import Competency
from rumahbelajar.sqlrows import decode_json

EBOOK = "ebook"
TRAINING = "training"
# Per need and kind on the map page; in the top list of the dashboard.
PER_NEED = 2
TOP = 5
# What a page may pass in next_steps(known=...) so a provider does not read it again:
# training.selectors.my_trainings() of the person;
KNOWN_MY_TRAININGS = "training.my_trainings"
# the books the person is reading, newest first, as ebooks.selectors.shelves() lists them (at
# least one if they are reading any published book: none means none of theirs is finished).
KNOWN_READING = "ebooks.reading"


class GapLike(Protocol):
    """A stored map item or a target item (selectors.TargetItem)."""

    @property
    def competency(self) -> Competency: ...
    @property
    def required(self) -> int: ...
    @property
    def achieved(self) -> int: ...
    @property
    def gap(self) -> int: ...
    @property
    def assessed(self) -> bool: ...


@dataclass(frozen=True)
class Need:
    """A competency to develop: where the person stands and what a position requires."""

    competency: Competency
    achieved: int  # 0 = not yet assessed
    required: int
    assessed: bool
    for_target: bool = False

    @property
    def gap(self) -> int:
        return max(self.required - self.achieved, 0)

    @property
    def next_level(self) -> int:
        return min(self.achieved + 1, 5)

    def levels_by_fit(self, levels: Iterable[int]) -> list[int]:
        """Those of `levels` an item may aim at to serve this need, the best fit first."""
        fits = [(fit, level) for level in levels if (fit := self.fit(level)) is not None]
        return [level for _fit, level in sorted(fits)]

    def fit(self, level: int) -> int | None:
        """How well an item aimed at `level` serves this need (0 best), or None: unfit."""
        if self.achieved < level <= self.required:
            return level - self.achieved - 1  # 0: the next level
        if level > self.required:
            return 10 + level - self.required  # beyond the requirement: a stretch
        if level == self.achieved:
            return 20  # consolidation, last
        return None


@dataclass(frozen=True)
class Candidate:
    """An item a provider offers for a competency (one per competency it is tagged with)."""

    kind: str  # EBOOK or TRAINING
    item_id: int
    title: str
    url: str
    competency_id: int | None
    level: int | None
    order: tuple[Any, ...] = ()  # the provider's order among equally fitting items
    full: bool = False  # a training without seats: joining puts one on the waiting list
    assigned: bool = False  # an assigned (mandatory) training: shown first, apart
    note: str = ""  # a short fact shown with it (a date, "daftar tunggu")

    @cached_property
    def tie(self) -> tuple[bool, bool, tuple[Any, ...], int]:
        """The order among equally fitting candidates: a training before an e-book, one with
        seats before a full one, then the provider's order. Worked out once per candidate (the
        shared trainings' candidates are ranked for every person)."""
        return (self.kind != TRAINING, self.full, self.order, self.item_id)


@dataclass(frozen=True)
class Suggestion:
    candidate: Candidate
    need: Need | None
    why: str

    @property
    def kind(self) -> str:
        return self.candidate.kind

    @property
    def is_training(self) -> bool:
        return self.candidate.kind == TRAINING

    @property
    def title(self) -> str:
        return self.candidate.title

    @property
    def url(self) -> str:
        return self.candidate.url

    @property
    def for_target(self) -> bool:
        return self.need is not None and self.need.for_target


@dataclass
class NextSteps:
    needs: list[Need] = field(default_factory=list)
    assigned: list[Suggestion] = field(default_factory=list)
    # Per need (in needs' order): its best e-books and trainings, PER_NEED of each kind.
    per_need: list[tuple[Need, list[Suggestion]]] = field(default_factory=list)
    top: list[Suggestion] = field(default_factory=list)

    def for_competency(self, competency_id: int) -> list[Suggestion]:
        for need, suggestions in self.per_need:
            if need.competency.pk == competency_id:
                return suggestions
        return []

    @property
    def is_empty(self) -> bool:
        return not (self.assigned or self.top)


class Provider(Protocol):
    """Returns the candidates of its kind for `needs`. With `limit`, it may return only the best
    `limit` of them for each need (by Need.fit, then Candidate.tie, as rank() orders them): the
    ranking never reads further (next_steps())."""

    def __call__(
        self,
        *,
        employee: Any,
        needs: Sequence[Need],
        known: Mapping[str, Any],
        limit: int | None = None,
    ) -> list[Candidate]: ...


@dataclass(frozen=True)
class PersonalRead:
    """What a provider reads of the person's own state (their enrolments, the books they have
    finished), declared rather than run: `sql` is a SELECT of one JSON value, whose `%s`
    placeholders take, in order, the values `params` names ("employee": the person's id, "now":
    the moment of the request). The map page reads every provider's in the statement that reads
    the map (selectors.map_and_personal), so the person's own state costs no round trip of its
    own; the value reaches the provider as known[key], decoded. A page that does not pass it
    leaves the provider to read for itself (read_personal())."""

    key: str
    sql: str
    params: tuple[str, ...] = ("employee",)

    def values(self, *, employee_id: int, now: Any) -> list[Any]:
        given = {"employee": employee_id, "now": now}
        return [given[name] for name in self.params]


_PROVIDERS: dict[str, Provider] = {}
_PERSONAL: dict[str, PersonalRead] = {}


def register(name: str, provider: Provider, *, personal: PersonalRead | None = None) -> None:
    """Adds (or replaces) a provider, and what it reads of the person (`personal`); ebooks and
    training call this from AppConfig.ready()."""
    _PROVIDERS[name] = provider
    if personal is None:
        _PERSONAL.pop(name, None)
    else:
        _PERSONAL[name] = personal


def personal_reads() -> tuple[PersonalRead, ...]:
    """The registered providers' personal reads, for a page to run with its own (in one
    statement: competency.selectors.map_and_personal)."""
    return tuple(_PERSONAL.values())


def read_personal(read: PersonalRead, *, employee_id: int, now: Any) -> Any:
    """One personal read on its own (one query), decoded: for a page that did not read it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ({read.sql})", read.values(employee_id=employee_id, now=now))
        (value,) = cursor.fetchone()
    return decode_json(value)


# --- Needs -----------------------------------------------------------------------------------


def gaps_first[G: GapLike](items: Iterable[G]) -> list[G]:
    """The items with a gap, the ones to work on first: the biggest gap first, then those not
    yet assessed, then in the dictionary's order. The one order of the map page's "to develop"
    list and of the needs the recommendations serve."""
    with_gap = [item for item in items if item.gap > 0]
    with_gap.sort(
        key=lambda item: (
            -item.gap,
            item.assessed,
            item.competency.sort_order,
            item.competency.code,
        )
    )
    return with_gap


def needs_from(current: Iterable[GapLike], target: Iterable[GapLike] = ()) -> list[Need]:
    """The needs in ranking order: current position's gaps, then the target's (competencies the
    current position does not already ask for)."""

    def ordered(items: Iterable[GapLike], *, for_target: bool) -> list[Need]:
        return [
            Need(
                competency=item.competency,
                achieved=item.achieved,
                required=item.required,
                assessed=item.assessed,
                for_target=for_target,
            )
            for item in gaps_first(items)
        ]

    now = ordered(current, for_target=False)
    seen = {need.competency.pk for need in now}
    later = [n for n in ordered(target, for_target=True) if n.competency.pk not in seen]
    return now + later


# --- The why ---------------------------------------------------------------------------------


class _Why:
    """The reason texts, translated once per process and language (not once per item, nor per
    ranking: seven gettext calls were a seventh of a ranking's time)."""

    def __init__(self) -> None:
        self.stand, self.unassessed, self.texts, self.assigned = _why_texts(get_language() or "")

    def __call__(self, candidate: Candidate, need: Need | None) -> str:
        if need is None or candidate.level is None:
            return self.assigned
        stand = self.stand % {"achieved": need.achieved} if need.assessed else self.unassessed
        return self.texts[(candidate.kind, need.for_target)] % {
            "competency": need.competency.name,
            "stand": stand,
            "required": need.required,
            "level": candidate.level,
        }


@lru_cache(maxsize=16)
def _why_texts(language: str) -> tuple[str, str, dict[tuple[str, bool], str], str]:
    """_Why's texts in `language` (the active one: it keys the cache)."""
    texts = {
        (EBOOK, False): _(
            "%(competency)s: %(stand)s, jabatan Anda memerlukan %(required)s — "
            "e-book ini untuk level %(level)s"
        ),
        (TRAINING, False): _(
            "%(competency)s: %(stand)s, jabatan Anda memerlukan %(required)s — "
            "pelatihan ini untuk level %(level)s"
        ),
        (EBOOK, True): _(
            "%(competency)s: %(stand)s, jabatan target Anda memerlukan %(required)s — "
            "e-book ini untuk level %(level)s"
        ),
        (TRAINING, True): _(
            "%(competency)s: %(stand)s, jabatan target Anda memerlukan %(required)s — "
            "pelatihan ini untuk level %(level)s"
        ),
    }
    return (
        _("level Anda %(achieved)s"),
        _("belum diases"),
        texts,
        _("Pelatihan wajib yang ditugaskan kepada Anda oleh pengelola SDM"),
    )


# --- The ranking -----------------------------------------------------------------------------


def rank(
    needs: Sequence[Need],
    candidates: Iterable[Candidate],
    *,
    per_need: int = PER_NEED,
    top: int = TOP,
) -> NextSteps:
    """Ranks `candidates` for `needs` (already in needs_from() order). No query."""
    why = _Why()
    by_competency: dict[int, list[Candidate]] = {}
    assigned: dict[int, list[Candidate]] = {}
    for candidate in candidates:
        if candidate.assigned:
            assigned.setdefault(candidate.item_id, []).append(candidate)
        elif candidate.competency_id is not None and candidate.level is not None:
            by_competency.setdefault(candidate.competency_id, []).append(candidate)
    need_of = {need.competency.pk: need for need in needs}

    steps = NextSteps(needs=list(needs))
    for tags in assigned.values():  # an assigned training once, for its first-ranked need
        tags.sort(key=lambda c: _need_index(needs, c.competency_id))
        best = tags[0]
        need = need_of.get(best.competency_id) if best.competency_id is not None else None
        if need is not None and best.level is not None and need.fit(best.level) is None:
            need = None
        steps.assigned.append(Suggestion(best, need, why(best, need)))
    steps.assigned.sort(key=lambda s: s.candidate.order)
    taken = {(TRAINING, s.candidate.item_id) for s in steps.assigned}

    # Every fitting candidate is sorted, but only the few shown get a Suggestion and its "why"
    # (formatted text): a dashboard ranks hundreds of open offers and shows five.
    queues: list[_Queue] = []
    for need in needs:
        fitting = [
            (fit, candidate)
            for candidate in by_competency.get(need.competency.pk, [])
            if (fit := need.fit(candidate.level or 0)) is not None
            and (candidate.kind, candidate.item_id) not in taken
        ]
        if not fitting:
            continue
        fitting.sort(key=lambda pair: (pair[0], pair[1].tie))
        queue = _Queue(need, [candidate for _fit, candidate in fitting], why)
        queues.append(queue)
        shown = [queue.suggestion(i) for i in queue.first_of(TRAINING, per_need)]
        shown += [queue.suggestion(i) for i in queue.first_of(EBOOK, per_need)]
        steps.per_need.append((need, shown))
    steps.top = _top(queues, top)
    return steps


class _Queue:
    """One need's fitting candidates, best first; a Suggestion is made when one is shown."""

    def __init__(self, need: Need, candidates: list[Candidate], why: _Why) -> None:
        self.need = need
        self.candidates = candidates
        self._why = why
        self._made: dict[int, Suggestion] = {}

    def __len__(self) -> int:
        return len(self.candidates)

    def suggestion(self, index: int) -> Suggestion:
        made = self._made.get(index)
        if made is None:
            candidate = self.candidates[index]
            made = self._made[index] = Suggestion(
                candidate, self.need, self._why(candidate, self.need)
            )
        return made

    def first_of(self, kind: str, count: int) -> list[int]:
        found: list[int] = []
        for index, candidate in enumerate(self.candidates):
            if len(found) == count:
                break
            if candidate.kind == kind:
                found.append(index)
        return found


def _need_index(needs: Sequence[Need], competency_id: int | None) -> int:
    for index, need in enumerate(needs):
        if need.competency.pk == competency_id:
            return index
    return len(needs)


def _top(queues: list[_Queue], limit: int) -> list[Suggestion]:
    """Turns across the needs' ranked lists, best first; each item once; at least one of each
    kind when any fits."""
    if limit < 1:
        return []
    chosen: list[Suggestion] = []
    seen: set[tuple[str, int]] = set()
    depth = max((len(queue) for queue in queues), default=0)
    for turn in range(depth):
        if len(chosen) >= limit:
            break
        for queue in queues:
            if turn < len(queue) and len(chosen) < limit:
                candidate = queue.candidates[turn]
                key = (candidate.kind, candidate.item_id)
                if key not in seen:
                    seen.add(key)
                    chosen.append(queue.suggestion(turn))
    for kind in (TRAINING, EBOOK):
        if any(s.kind == kind for s in chosen):
            continue
        spare = next(
            (queue.suggestion(i) for queue in queues for i in queue.first_of(kind, 1)), None
        )
        if spare is None:
            continue
        if len(chosen) >= limit:
            # Make room: drop the last pick of the other kind (there are `limit` of them).
            del chosen[-1]
        chosen.append(spare)
    return chosen


# --- The entry point -------------------------------------------------------------------------


def next_steps(
    *,
    employee: Any,
    current: Iterable[GapLike],
    target: Iterable[GapLike] = (),
    known: Mapping[str, Any] | None = None,
    per_need: int = PER_NEED,
    top: int = TOP,
) -> NextSteps:
    """What `employee` should learn next for their current (and target) position's gaps, from
    every registered provider. `known`: data the page already read that a provider may use
    instead of querying again (e.g. "training.my_trainings"). Each provider runs a constant
    number of queries (see their modules)."""
    needs = needs_from(current, target)
    candidates: list[Candidate] = []
    limit = enough(per_need=per_need, top=top)
    for provider in _PROVIDERS.values():
        candidates += provider(employee=employee, needs=needs, known=known or {}, limit=limit)
    return rank(needs, candidates, per_need=per_need, top=top)


def enough(*, per_need: int, top: int) -> int:
    """How many candidates of one kind for one need rank() can use: those beyond the best
    `enough` of a kind never change its answer, so a provider need not find them (a person's
    open trainings ran to hundreds, of which the page shows a few).

    A need's queue is its candidates of both kinds in rank order. The per-need list takes the
    first `per_need` of each kind; the top list's spare the first of a kind. The top list reads
    a queue's entry i only while it has chosen fewer than `top` items, and then every earlier
    entry of that queue is already chosen (each a different item): so i < `top`. The first
    `top` entries of a queue hold at most `top` of either kind, each among the best of its kind.
    """
    return max(per_need, top, 1)
