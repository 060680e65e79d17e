"""The catalogue's writes: the search vectors, a book's metadata, categories and competency
tags, publishing, deleting (and the orphaned-file sweep), reading progress and favourites."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from competency.models import Competency
from ebooks.cache import bump_version
from ebooks.models import Category, Ebook, EbookCompetency, Favourite, ReadingProgress

# Ids per statement when search vectors are recomputed in bulk.
VECTOR_CHUNK = 2_000

# Competencies with their target level, keyed by Competency, id or code.
TagSpec = Mapping[Any, int]


class EbookError(Exception):
    """A change to the library that cannot be made; the message is for the person asking."""


# --- search vector --------------------------------------------------------------------------------
# Two configurations side by side: 'indonesian' stems ("peraturan", "mengatur" → "atur"),
# 'simple' keeps words, names and codes as written. Weights: title A, authors B, description C,
# body D (ISBN and publisher count as title and authors). `search_vector` has everything and is
# what the GIN index matches; `rank_vector` has the A-C parts only and is what results are
# ranked by (small, so ranking many matches stays cheap).
_HEAD_SQL = """
       setweight(to_tsvector('pg_catalog.indonesian', title), 'A')
    || setweight(to_tsvector('pg_catalog.simple', title || ' ' || isbn), 'A')
    || setweight(to_tsvector('pg_catalog.indonesian', authors), 'B')
    || setweight(to_tsvector('pg_catalog.simple', authors || ' ' || publisher), 'B')
    || setweight(to_tsvector('pg_catalog.indonesian', description), 'C')
    || setweight(to_tsvector('pg_catalog.simple', description), 'C')
"""
# Constant SQL (the f-string only inlines _HEAD_SQL); the ids are a parameter.
_VECTOR_SQL = f"""
UPDATE ebooks_ebook SET
    rank_vector = head.vector,
    search_vector = head.vector
        || setweight(to_tsvector('pg_catalog.indonesian', body_text), 'D')
        || setweight(to_tsvector('pg_catalog.simple', body_text), 'D')
FROM (SELECT id, {_HEAD_SQL} AS vector FROM ebooks_ebook WHERE id = ANY(%s)) AS head
WHERE ebooks_ebook.id = head.id
"""  # noqa: S608


def refresh_search_vectors(*, ebook_ids: Iterable[int] | None = None) -> int:
    """Recomputes the stored search vector of these books (all when None), set-based, in chunks.

    Side effects: one UPDATE per VECTOR_CHUNK books; the catalogue version moves on after
    commit (ebooks.cache). Returns the number of rows updated.
    """
    if ebook_ids is None:
        ids: Sequence[int] = list(Ebook.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = list(ebook_ids)
    updated = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), VECTOR_CHUNK):
            cursor.execute(_VECTOR_SQL, [list(ids[start : start + VECTOR_CHUNK])])
            updated += cursor.rowcount
    bump_version()
    return updated


# --- tags and ISBN -------------------------------------------------------------------------------

_ISBN_CLEAN = re.compile(r"[\s\-]")


def clean_isbn(value: str) -> str:
    """An ISBN-10 or ISBN-13 without separators, checksum verified; "" stays "".
    Raises ValidationError."""
    isbn = _ISBN_CLEAN.sub("", value or "").upper()
    if not isbn:
        return ""
    if re.fullmatch(r"[0-9]{9}[0-9X]", isbn):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(isbn))
        if total % 11 == 0:
            return isbn
    elif re.fullmatch(r"97[89][0-9]{10}", isbn):
        total = sum((1 if i % 2 == 0 else 3) * int(c) for i, c in enumerate(isbn))
        if total % 10 == 0:
            return isbn
    raise ValidationError(_("ISBN tidak valid (periksa digitnya)."), code="isbn")


def resolve_tags(competencies: TagSpec | None) -> dict[int, int]:
    """{competency id: target level} from competencies given as objects, ids or codes."""
    if not competencies:
        return {}
    codes = [key for key in competencies if isinstance(key, str)]
    by_code = dict(Competency.objects.filter(code__in=codes).values_list("code", "pk"))
    tags: dict[int, int] = {}
    for key, level in competencies.items():
        if isinstance(key, Competency):
            competency_id = key.pk
        elif isinstance(key, str):
            if key not in by_code:
                raise EbookError(_("Kompetensi %(code)s tidak dikenal.") % {"code": key})
            competency_id = by_code[key]
        else:
            competency_id = int(key)
        level = int(level)
        if not 1 <= level <= 5:
            raise EbookError(_("Level sasaran harus 1 sampai 5."))
        tags[competency_id] = level
    return tags


# --- editing --------------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "title",
    "slug",
    "authors",
    "publisher",
    "year",
    "language",
    "isbn",
    "description",
    "is_published",
)


@transaction.atomic
def update_ebook(*, ebook: Ebook, **values: Any) -> Ebook:
    """Changes a book's metadata (EDITABLE_FIELDS; the file is never replaced in place) and
    recomputes its search vector. Side effects: the catalogue version moves on after commit."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise EbookError(f"Not editable: {', '.join(sorted(unknown))}")
    if "isbn" in values:
        values["isbn"] = clean_isbn(values["isbn"])
    for field, value in values.items():
        setattr(ebook, field, value)
    ebook.full_clean(
        exclude=["file", "cover", "sha256", "search_vector", "rank_vector", "body_text"]
    )
    ebook.save(update_fields=[*values, "updated_at"])
    refresh_search_vectors(ebook_ids=[ebook.pk])
    bump_version()
    return ebook


@transaction.atomic
def set_ebook_tags(
    *,
    ebook: Ebook,
    categories: Iterable[Category] | None = None,
    competencies: TagSpec | None = None,
) -> None:
    """Replaces a book's categories and/or competency tags (None leaves that part alone).
    Side effects: the catalogue version moves on after commit."""
    bump_version()
    if categories is not None:
        ebook.categories.set(list(categories))
    if competencies is not None:
        tags = resolve_tags(competencies)
        EbookCompetency.objects.filter(ebook=ebook).exclude(competency_id__in=tags).delete()
        EbookCompetency.objects.bulk_create(
            [
                EbookCompetency(ebook=ebook, competency_id=c, target_level=lv)
                for c, lv in tags.items()
            ],
            update_conflicts=True,
            unique_fields=["ebook", "competency"],
            update_fields=["target_level"],
        )


@transaction.atomic
def set_ebooks_published(*, ebooks: QuerySet[Ebook], published: bool) -> int:
    """Publishes or withdraws books in one UPDATE. Side effects: the catalogue version moves on
    after commit (if any row changed). Returns rows changed."""
    changed = ebooks.exclude(is_published=published).update(
        is_published=published, updated_at=timezone.now()
    )
    if changed:
        bump_version()
    return changed


@transaction.atomic
def delete_ebook(*, ebook: Ebook) -> None:
    """Deletes a book. Side effects: after commit, moves the catalogue version on and deletes its file and cover from storage unless
    another row still points at them (extra demo rows share files)."""
    file_name, cover_name = ebook.file.name, ebook.cover.name
    storage = ebook.file.storage
    ebook.delete()
    bump_version()

    def remove_files() -> None:
        for field, stored in (("file", file_name), ("cover", cover_name)):
            if stored and not Ebook.objects.filter(**{field: stored}).exists():
                with suppress(Exception):
                    storage.delete(stored)

    transaction.on_commit(remove_files)


def delete_orphan_files(*, older_than: dt.timedelta = dt.timedelta(hours=6)) -> int:
    """Deletes stored e-book files and covers that no row points at (left by a crash between
    writing a file and committing its row), if older than `older_than`.

    Side effects: deletes files from default storage. Returns how many.
    """
    storage = Ebook._meta.get_field("file").storage
    cutoff = timezone.now() - older_than
    deleted = 0
    for root, field in (("ebooks/files", "file"), ("ebooks/covers", "cover")):
        try:
            shards, _names = storage.listdir(root)
        except (FileNotFoundError, NotImplementedError):
            continue
        for shard in shards:
            _dirs, names = storage.listdir(f"{root}/{shard}")
            stored = {f"{root}/{shard}/{n}" for n in names}
            used = set(
                Ebook.objects.filter(**{f"{field}__in": stored}).values_list(field, flat=True)
            )
            for orphan in sorted(stored - used):
                with suppress(NotImplementedError):
                    if storage.get_modified_time(orphan) > cutoff:
                        continue
                storage.delete(orphan)
                deleted += 1
    return deleted


@transaction.atomic
def save_category(
    *, category: Category | None = None, name: str, slug: str, sort_order: int = 0
) -> Category:
    """Creates a category (category=None) or changes one. Side effects: the catalogue version
    moves on after commit."""
    category = category or Category()
    category.name, category.slug, category.sort_order = name, slug, sort_order
    category.full_clean()
    category.save()
    bump_version()
    return category


@transaction.atomic
def delete_category(*, category: Category) -> None:
    """Deletes a category; its books stay (they lose the category). Side effects: the catalogue
    version moves on after commit."""
    category.delete()
    bump_version()


# --- reading --------------------------------------------------------------------------------------


def save_reading_progress(
    *, user: Any, ebook: Ebook, page: int, location: str = ""
) -> ReadingProgress:
    """Remembers where a reader is (page clamped to 1..page_count), one row per reader and book.
    Side effects: one INSERT … ON CONFLICT UPDATE; the reader's stored pages go stale."""
    last = ebook.page_count if ebook.page_count > 0 else 2_147_483_647
    page = max(1, min(int(page), last))
    progress = ReadingProgress(user=user, ebook=ebook, page=page, location=(location or "")[:300])
    ReadingProgress.objects.bulk_create(
        [progress],
        update_conflicts=True,
        unique_fields=["user", "ebook"],
        update_fields=["page", "location", "updated_at"],
    )
    return progress


def toggle_favourite(*, user: Any, ebook: Ebook) -> bool:
    """Adds the book to the reader's favourites, or removes it if it was there; returns whether
    it is a favourite now. Side effects: one DELETE, or one INSERT (race-safe); the reader's stored
    pages go stale."""
    deleted, _rows = Favourite.objects.filter(user=user, ebook=ebook).delete()
    if deleted:
        return False
    Favourite.objects.bulk_create([Favourite(user=user, ebook=ebook)], ignore_conflicts=True)
    return True
