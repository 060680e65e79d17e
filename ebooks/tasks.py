"""Background work for e-books: the admin bulk upload and the clean-ups."""

from __future__ import annotations

from celery import shared_task
from django.utils.translation import gettext as _

from ebooks import services


@shared_task(name="ebooks.run_import", acks_late=True)
def run_ebook_import_task(*, job_id: int) -> None:
    try:
        services.run_ebook_import(job_id=job_id)
    except Exception:
        services.fail_ebook_import(
            job_id=job_id, message=_("Terjadi kesalahan tak terduga; impor dihentikan.")
        )
        raise


@shared_task(name="ebooks.resume_imports", acks_late=True)
def resume_ebook_imports_task() -> None:
    services.resume_ebook_imports()


@shared_task(name="ebooks.purge_old_imports", acks_late=True)
def purge_old_ebook_imports_task() -> None:
    services.purge_old_ebook_imports()


@shared_task(name="ebooks.delete_orphan_files", acks_late=True)
def delete_orphan_files_task() -> None:
    services.delete_orphan_files()
