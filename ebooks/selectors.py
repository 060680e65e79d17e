"""Reads of the e-book library: catalogue search, a book for its reader, a reader's shelves, and
books for the competencies a reader has to develop (the dashboard's recommendations).

Search: the stored `search_vector` (see services.refresh_search_vectors) matched with
websearch_to_tsquery in the 'indonesian' and 'simple' configurations OR-ed, through the GIN index
ebooks_ebook_search. Snippets come from ts_headline with SNIPPET_START / SNIPPET_STOP around the
matches: control characters that never occur in stored text (files.clean_text strips them), so
the template filter `highlight` can escape everything and only then turn them into <mark>.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, connections, router
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Left
from django.http import Http404

from ebooks.models import (
    Ebook,
    EbookCompetency,
    EbookImport,
    EbookLanguage,
    Favourite,
    ReadingProgress,
)
from rumahbelajar.sqlrows import clone, columns, fetch, take

# The version every catalogue write moves on (ebooks.cache), under which its shared fragments
# are stored.
CATALOGUE_VERSION_KEY = "ebooks:catalogue-version"

SNIPPET_START = "\x01"
SNIPPET_STOP = "\x02"
SORTS = ("relevance", "newest", "title")
QUERY_MAX_CHARS = 200
# ts_headline parses all the text it is given (about 1 ms per 5,000 characters): a page's rows get
# the description and the start of the body, so a page of results stays cheap whatever the books'
# length. A match deeper in the body still finds the book; its snippet is then the opening text.
SNIPPET_SOURCE_CHARS = 2_000


def _clean_query(q: object) -> str:
    text = q if isinstance(q, str) else ""
    # NUL cannot reach PostgreSQL; other control characters are our snippet markers.
    text = "".join(ch if ch >= " " else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > QUERY_MAX_CHARS:  # cut at a word boundary: half a word would match nothing
        text = text[: QUERY_MAX_CHARS + 1].rsplit(" ", 1)[0]
    return text


def ts_query(q: str) -> SearchQuery:
    """The user's words (web-search syntax: "quoted phrase", -excluded, or) in both
    configurations: stemmed Indonesian OR plain words."""
    return SearchQuery(q, config="indonesian", search_type="websearch") | SearchQuery(
        q, config="simple", search_type="websearch"
    )


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 9:
        return int(value.strip())
    return None


def _id_or_text(value: object, id_field: str, text_lookup: str, *, max_length: int) -> Q | None:
    """A filter on what a URL gives: a number is an id (`id_field`), other text goes to
    `text_lookup` (cut to `max_length`); anything else filters nothing (None)."""
    pk = _as_int(value)
    if pk is not None:
        return Q(**{id_field: pk})
    if isinstance(value, str):
        return Q(**{text_lookup: value.strip()[:max_length]})
    return None


def search_ebooks(
    *,
    q: str = "",
    category: object = None,
    competency: object = None,
    language: object = None,
    year: object = None,
    sort: str = "relevance",
) -> QuerySet[Ebook]:
    """Published books matching the words and the filters, annotated with `rank` (float; 0 when
    there are no words) and `snippet` (text with SNIPPET_START/STOP around matches; "" when
    there are no words).

    Filters take what a URL gives: `category` a slug or id, `competency` a code ("M1") or id,
    `language` "id"/"en", `year` a number. A value that is malformed is ignored; one that is
    well-formed but unknown matches nothing. `sort`: relevance (newest without words), newest,
    title; anything else counts as relevance. Never raises on any input.
    """
    # The page never shows the stored text or vectors; only the snippet, computed in SQL.
    books = Ebook.objects.filter(is_published=True).defer(
        "body_text", "search_vector", "rank_vector"
    )

    if category not in (None, ""):
        condition = _id_or_text(category, "category_id", "category__slug", max_length=100)
        if condition is not None:
            through = Ebook.categories.through
            books = books.filter(Exists(through.objects.filter(condition, ebook_id=OuterRef("pk"))))

    if competency not in (None, ""):
        condition = _id_or_text(
            competency, "competency_id", "competency__code__iexact", max_length=20
        )
        if condition is not None:
            books = books.filter(
                Exists(EbookCompetency.objects.filter(condition, ebook_id=OuterRef("pk")))
            )

    if isinstance(language, str) and language in EbookLanguage.values:
        books = books.filter(language=language)

    year_number = _as_int(year)
    if year_number is not None and 1800 <= year_number <= 2100:
        books = books.filter(year=year_number)

    words = _clean_query(q)
    if words:
        query = ts_query(words)
        # The GIN index ebooks_ebook_search matches (the column has no planner statistics, so
        # even a word in every book is found through it; see migration 0002). Ranking reads the
        # small rank_vector: title above authors above description; a body-only match ranks 0,
        # the newest first among those.
        books = books.filter(search_vector=query).annotate(
            rank=Coalesce(SearchRank(F("rank_vector"), query), Value(0.0)),
            snippet=SearchHeadline(
                Concat(
                    F("description"),
                    Value("\n"),
                    Left("body_text", SNIPPET_SOURCE_CHARS),
                ),
                query,
                config="indonesian",
                start_sel=SNIPPET_START,
                stop_sel=SNIPPET_STOP,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        )
    else:
        books = books.annotate(rank=Value(0.0, output_field=FloatField()), snippet=Value(""))

    if sort not in SORTS:
        sort = "relevance"
    if sort == "relevance" and words:
        return books.order_by("-rank", "-created_at", "-pk")
    if words:
        # Sorted as below, through expressions no index provides: walking the newest/title index
        # and testing each book's large vector until a page is full would read every book for a
        # rare word. The GIN match and a sort of the matches is fast for any word.
        if sort == "title":
            return books.order_by(Concat("title", Value("")), "pk")
        return books.order_by(
            ExpressionWrapper(
                F("created_at") + Value(dt.timedelta(0)), output_field=DateTimeField()
            ).desc(),
            "-pk",
        )
    if sort == "title":
        return books.order_by("title", "pk")
    return books.order_by("-created_at", "-pk")


def can_read(*, user: Any, ebook: Ebook) -> bool:
    """A logged-in person may read a published book; staff who may view e-books in the admin
    may also read unpublished ones."""
    if not getattr(user, "is_authenticated", False):
        return False
    if ebook.is_published:
        return True
    return bool(user.is_staff and user.has_perm("ebooks.view_ebook"))


# A book's page never shows its stored text or search vectors.
_NOT_SHOWN = ("body_text", "search_vector", "rank_vector")


@cache
def _book_sql(column: str) -> str:
    """A book by id or slug, with one person's saved page and favourite mark."""
    return (
        f"SELECT {columns(Ebook, 'b', skip=_NOT_SHOWN)}, "  # noqa: S608 (names from the models)
        f'(SELECT p."page" FROM "{ReadingProgress._meta.db_table}" p '
        '  WHERE p."user_id" = %(user)s AND p."ebook_id" = b."id" LIMIT 1), '
        f'EXISTS (SELECT 1 FROM "{Favourite._meta.db_table}" f '
        '  WHERE f."user_id" = %(user)s AND f."ebook_id" = b."id") '
        f'FROM "{Ebook._meta.db_table}" b WHERE b."{column}" = %(value)s'
    )


def _book_with_reading_state(column: str, value: int | str, user_id: int) -> Ebook | None:
    db = router.db_for_read(Ebook)
    with connections[db].cursor() as cursor:
        cursor.execute(_book_sql(column), {"user": user_id, "value": value})
        row = cursor.fetchone()
    if row is None:
        return None
    ebook, at = take(Ebook, db, row, 0, skip=_NOT_SHOWN)
    assert ebook is not None  # the row is the book's
    ebook.progress_page, ebook.is_favourite = row[at], row[at + 1]  # type: ignore[attr-defined]
    return ebook


def ebook_for_reader(*, user: Any, id_or_slug: object, with_reading_state: bool = False) -> Ebook:
    """The book at /ebooks/<id-or-slug>/ if this person may read it; Http404 otherwise (also for
    an unpublished book, so its existence is not revealed).

    with_reading_state: the same one query also answers what this person did with the book,
    as `progress_page` (their saved page, or None) and `is_favourite` (bool)."""
    ref = str(id_or_slug or "").strip()
    number = _as_int(ref)
    if number is not None:
        lookup = Q(pk=number)
    elif ref and len(ref) <= 320:
        lookup = Q(slug=ref)
    else:
        raise Http404
    if with_reading_state:
        # Every book page and the reader ask this: SQL written once per process (sqlrows).
        column = "id" if number is not None else "slug"
        value: int | str = number if number is not None else ref
        ebook = _book_with_reading_state(column, value, getattr(user, "pk", None) or 0)
        if ebook is None or not can_read(user=user, ebook=ebook):
            raise Http404
        return ebook
    books = Ebook.objects.defer(*_NOT_SHOWN).filter(lookup)
    # pk and slug are unique: no ORDER BY needed for the one row.
    ebook = next(iter(books.order_by()[:1]), None)
    if ebook is None or not can_read(user=user, ebook=ebook):
        raise Http404
    return ebook


# What a shelf shows of a book (cover, title, authors, format, pages, links): the rest of the row
# (the description, the stored text) stays in the database.
SHELF_FIELDS = ("slug", "title", "authors", "cover", "sha256", "file_format", "page_count")


def continue_reading(*, user: Any, limit: int = 5) -> QuerySet[ReadingProgress]:
    """The reader's latest positions in published books, newest first, each with its `ebook`
    (loaded with SHELF_FIELDS only)."""
    if not getattr(user, "pk", None):
        return ReadingProgress.objects.none()
    return (
        ReadingProgress.objects.filter(user=user, ebook__is_published=True)
        .select_related("ebook")
        .only("page", "ebook_id", *(f"ebook__{name}" for name in SHELF_FIELDS))
        .order_by("-updated_at")[:limit]
    )


def favourites(*, user: Any) -> QuerySet[Ebook]:
    """The reader's favourite published books, the latest added first (SHELF_FIELDS only).

    Ordered through the join the filter already makes (one favourite per person and book), not
    a subquery per book."""
    if not getattr(user, "pk", None):
        return Ebook.objects.none()
    return (
        Ebook.objects.filter(is_published=True, favourites__user=user)
        .only(*SHELF_FIELDS)
        .order_by("-favourites__created_at", "-pk")
    )


# Both shelves in one round trip. Written as SQL because building and compiling the two ORM
# queries cost about three times what PostgreSQL spends running them, on every catalogue visit.
# Each branch walks its own index (ebooks_progress_recent; the favourites' user index) and stops
# at its limit; `position` keeps each shelf's order through the UNION.
_SHELVES_SQL = """
SELECT * FROM (
    (SELECT 'reading' AS shelf, {columns}, p.page AS progress_page,
            row_number() OVER (ORDER BY p.updated_at DESC, p.id DESC) AS position
       FROM ebooks_readingprogress p JOIN ebooks_ebook e ON e.id = p.ebook_id
      WHERE p.user_id = %(user)s AND e.is_published
      ORDER BY p.updated_at DESC, p.id DESC LIMIT %(reading)s)
    UNION ALL
    (SELECT 'favourite' AS shelf, {columns}, NULL AS progress_page,
            row_number() OVER (ORDER BY f.created_at DESC, e.id DESC) AS position
       FROM ebooks_favourite f JOIN ebooks_ebook e ON e.id = f.ebook_id
      WHERE f.user_id = %(user)s AND e.is_published
      ORDER BY f.created_at DESC, e.id DESC LIMIT %(favourites)s)
) shelves
ORDER BY shelf DESC, position
"""


def shelves(*, user: Any, reading: int = 5, favourites: int = 6) -> dict[str, list[Ebook]]:
    """The catalogue's two shelves in one query: "reading", what continue_reading() lists (each
    book with `progress_page`), and "favourite", what favourites() lists; SHELF_FIELDS only."""
    found: dict[str, list[Ebook]] = {"reading": [], "favourite": []}
    if not getattr(user, "pk", None):
        return found
    skip = _shelf_skip()
    db, rows = fetch(
        Ebook, _shelves_sql(), {"user": user.pk, "reading": reading, "favourites": favourites}
    )
    for row in rows:  # shelf, the book's columns, progress_page, position
        book, at = take(Ebook, db, row, 1, skip=skip)
        assert book is not None  # every row is a book's
        book.shelf, book.progress_page = row[0], row[at]  # type: ignore[attr-defined]
        found[row[0]].append(book)
    return found


@cache
def _shelf_skip() -> tuple[str, ...]:
    """The columns a shelf leaves in the database (deferred: read if ever asked for)."""
    shown = ("id", *SHELF_FIELDS)
    return tuple(f.name for f in Ebook._meta.concrete_fields if f.name not in shown)


@cache
def _shelves_sql() -> str:
    """_SHELVES_SQL with the shelf's columns, written once per process (a raw queryset built
    each book through from_db and its converters: a third of the dashboard's shelf)."""
    return _SHELVES_SQL.format(columns=columns(Ebook, "e", skip=_shelf_skip()))


# A book's categories and competency tags for its detail page, in one round trip instead of two
# prefetches (the sections are then shared through the cache: see views._book_sections_html).
_SECTIONS_SQL = """
SELECT 'category' AS kind, c.slug AS code, c.name, NULL AS level, c.sort_order AS position,
       c.name AS tiebreak
  FROM {category} c JOIN {through} ec ON ec.category_id = c.id WHERE ec.ebook_id = %(book)s
UNION ALL
SELECT 'competency', k.code, k.name, t.target_level, k.sort_order, k.code
  FROM {tag} t JOIN {competency} k ON k.id = t.competency_id WHERE t.ebook_id = %(book)s
ORDER BY kind, position, tiebreak
"""


def book_sections(*, ebook_id: int) -> dict[str, list[dict[str, Any]]]:
    """What a book's detail page lists: "categories" ({slug, name}, in the categories' order) and
    "competencies" ({code, name, target_level}, in the dictionary's order)."""
    competency_model = EbookCompetency._meta.get_field("competency").related_model
    sql = _SECTIONS_SQL.format(
        category=Ebook.categories.field.related_model._meta.db_table,
        through=Ebook.categories.through._meta.db_table,
        tag=EbookCompetency._meta.db_table,
        competency=competency_model._meta.db_table,  # type: ignore[union-attr]
    )
    found: dict[str, list[dict[str, Any]]] = {"categories": [], "competencies": []}
    with connection.cursor() as cursor:
        cursor.execute(sql, {"book": ebook_id})
        for kind, code, name, level, _position, _tiebreak in cursor.fetchall():
            if kind == "category":
                found["categories"].append({"slug": code, "name": name})
            else:
                found["competencies"].append({"code": code, "name": name, "target_level": level})
    return found


def level_order(*, achieved: int) -> list[int]:
    """The levels a book may aim at, best first for a reader at level `achieved` (0 = not yet
    assessed): the next level, the same level, further above (nearest first), then below."""
    following = achieved + 1
    above = list(range(following + 1, 6))
    below = list(range(min(achieved, 5) - 1, 0, -1))
    return [level for level in (following, achieved) if 1 <= level <= 5] + above + below


# Raw SQL: the ORM would build one queryset per (competency, level), ~0.5 ms of Python each.
_BOOKS_PER_LEVEL_SQL = """
    SELECT wanted.competency_id, wanted.level, best.ebook_id
    FROM unnest(%s::bigint[], %s::int[]) AS wanted (competency_id, level)
    CROSS JOIN LATERAL (
        SELECT tag.ebook_id
        FROM ebooks_ebookcompetency tag
        JOIN ebooks_ebook book ON book.id = tag.ebook_id AND book.is_published
        WHERE tag.competency_id = wanted.competency_id AND tag.target_level = wanted.level
        ORDER BY tag.ebook_id DESC
        LIMIT %s
    ) AS best
"""


def ebooks_for_gaps(*, achieved: Mapping[int, int], per_gap: int = 4) -> dict[int, list[Ebook]]:
    """Published books per competency to develop, best first: for each competency id in
    `achieved` (→ the reader's level there, 0 = not yet assessed), at most `per_gap` books in
    level_order() of the level they aim at (`book.aimed_at`), newest first within a level.
    Books carry CARD_FIELDS only.

    What is found belongs to no one: the newest books aimed at one level of one competency, and
    a book's card. Both are shared through the cache under the catalogue version, so a crowd
    with many different gaps still reads them from there (a few dozen keys in all); a miss costs
    an index range scan per (competency, level) on ebooks_tag_level_newest, each stopping after
    `per_gap` rows, and one query for the cards.
    """
    from ebooks import cache as catalogue_cache  # the cache module imports the forms

    if per_gap < 1 or not achieved:
        return {}
    pairs = [
        (competency_id, level)
        for competency_id, level_reached in achieved.items()
        for level in level_order(achieved=level_reached)
    ]
    current = catalogue_cache.version_or_none()
    newest = _shared(
        current,
        {pair: f"ebooks:gap-books:{current}:{pair[0]}:{pair[1]}:{per_gap}" for pair in pairs},
        lambda missing: _newest_per_level(missing, per_gap=per_gap),
    )
    chosen: dict[int, list[tuple[int, int]]] = {}
    for competency_id, level_reached in achieved.items():
        picks = [
            (level, ebook_id)
            for level in level_order(achieved=level_reached)
            for ebook_id in newest.get((competency_id, level), [])
        ]
        chosen[competency_id] = picks[:per_gap]
    wanted = {ebook_id for picks in chosen.values() for _level, ebook_id in picks}
    cards = _shared(
        current,
        {ebook_id: f"ebooks:card:{current}:{ebook_id}" for ebook_id in wanted},
        lambda missing: Ebook.objects.only(*CARD_FIELDS).in_bulk(missing),
    )
    ranked: dict[int, list[Ebook]] = {}
    for competency_id, picks in chosen.items():
        ranked[competency_id] = []
        for level, ebook_id in picks:
            if ebook_id not in cards:  # deleted in between
                continue
            book = clone(cards[ebook_id])  # one book may serve two competencies
            book.aimed_at = level  # type: ignore[attr-defined]
            ranked[competency_id].append(book)
    return ranked


# A book the reader has finished: their position is on its last page (a book whose page count
# is known). The one statement of the rule, for finished_ebooks() and the map's personal read.
_FINISHED = (
    "FROM ebooks_readingprogress progress JOIN ebooks_ebook book ON book.id = progress.ebook_id "
    "WHERE progress.user_id = %s AND book.page_count > 0 AND progress.page >= book.page_count"
)


def finished_ebooks(*, user: Any, ebook_ids: list[int]) -> set[int]:
    """Which of `ebook_ids` the reader has finished (_FINISHED). One query on the (user, ebook)
    unique index; none for no ids."""
    if not ebook_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT progress.ebook_id {_FINISHED} AND progress.ebook_id = ANY(%s)",
            [user.pk, ebook_ids],
        )
        return {ebook_id for (ebook_id,) in cursor.fetchall()}


def finished_ebooks_sql() -> str:
    """A SELECT of one JSON value: the ids of every book the reader (the one parameter) has
    finished (_FINISHED), for a statement that reads them with others."""
    return f"SELECT coalesce(json_agg(progress.ebook_id), '[]'::json) {_FINISHED}"


# What a book's card on a shelf shows (title and link, cover, format).
CARD_FIELDS = ("id", "slug", "title", "cover", "sha256", "file_format", "page_count")


def _shared[K, V](
    current: int | None, keys: dict[K, str], find: Callable[[list[K]], dict[K, V]]
) -> dict[K, V]:
    """The values of `keys` from the cache (one MGET), `find` for the rest, stored for the next
    person (one MSET). Without a catalogue version (cache away) everything is found afresh."""
    from ebooks import cache as catalogue_cache  # the cache module imports the forms

    found: dict[K, V] = {}
    if current is not None:
        stored = catalogue_cache.read_shared(*keys.values()) if keys else {}
        found = {key: stored[name] for key, name in keys.items() if name in stored}
    missing = [key for key in keys if key not in found]
    if missing:
        fresh = find(missing)
        found.update(fresh)
        if current is not None:
            catalogue_cache.store_shared({keys[key]: fresh[key] for key in missing if key in fresh})
    return found


def _newest_per_level(
    pairs: list[tuple[int, int]], *, per_gap: int
) -> dict[tuple[int, int], list[int]]:
    """The ids of the newest `per_gap` published books aimed at each (competency, level)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _BOOKS_PER_LEVEL_SQL,
            [[c for c, _l in pairs], [level for _c, level in pairs], per_gap],
        )
        rows = cursor.fetchall()
    found: dict[tuple[int, int], list[int]] = {pair: [] for pair in pairs}
    for competency_id, level, ebook_id in rows:
        found[(competency_id, level)].append(ebook_id)
    for ids in found.values():
        ids.sort(reverse=True)  # newest first
    return found


def ebook_imports_visible_to(*, user: Any) -> QuerySet[EbookImport]:
    """Bulk-upload jobs a person may follow: their own; every job for a superuser."""
    jobs = EbookImport.objects.select_related("requested_by", "category")
    if user.is_superuser:
        return jobs
    return jobs.filter(requested_by=user)
