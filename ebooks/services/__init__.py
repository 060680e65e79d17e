"""Every write to the e-book library, by topic:

    catalogue  search vectors, metadata, tags, publishing, deleting, reading progress, favourites
    importing  one file in: checked by content, stored privately, created all or nothing
    bulk       the admin bulk upload, imported by a worker with a per-file report

Callers use `from ebooks import services` and the names below.
"""

from ebooks.services.bulk import (
    ebook_import,
    purge_old_ebook_imports,
    resume_ebook_imports,
    run_ebook_import,
    start_ebook_import,
)
from ebooks.services.catalogue import (
    EDITABLE_FIELDS,
    EbookError,
    clean_isbn,
    delete_category,
    delete_ebook,
    delete_orphan_files,
    refresh_search_vectors,
    save_category,
    save_reading_progress,
    set_ebook_tags,
    set_ebooks_published,
    toggle_favourite,
    update_ebook,
)
from ebooks.services.importing import ImportOutcome, import_ebook

__all__ = [
    "EDITABLE_FIELDS",
    "EbookError",
    "ImportOutcome",
    "clean_isbn",
    "delete_category",
    "delete_ebook",
    "delete_orphan_files",
    "ebook_import",
    "import_ebook",
    "purge_old_ebook_imports",
    "refresh_search_vectors",
    "resume_ebook_imports",
    "run_ebook_import",
    "save_category",
    "save_reading_progress",
    "set_ebook_tags",
    "set_ebooks_published",
    "start_ebook_import",
    "toggle_favourite",
    "update_ebook",
]
