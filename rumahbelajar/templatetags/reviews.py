"""Readers' reviews on a book's page. The e-book app does not know the learning log (ebooks and
training are independent layers), so the wiring, which may read every app, joins them here:
`{% ebook_reviews ebook %}` on templates/ebooks/ebook_detail.html. One indexed query (the
partial index training_report_reviews); permissions are read only when there is a review."""

from __future__ import annotations

from typing import Any

from django import template

from training import selectors as training_selectors

register = template.Library()


@register.inclusion_tag("ebooks/_reviews.html", takes_context=True)
def ebook_reviews(context: dict[str, Any], ebook: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    reviews = training_selectors.reviews_for_ebook(ebook_id=ebook.pk)
    moderator = bool(
        reviews and user is not None and (user.is_superuser or user.has_perm("ebooks.change_ebook"))
    )
    items = [
        (review, moderator or (user is not None and review.author_id == user.pk))
        for review in reviews
    ]
    return {"items": items, "csrf_token": context.get("csrf_token")}
