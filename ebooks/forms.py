"""The catalogue's search and filter form. It never rejects a request: a value that is not one of
the choices (an unknown category, `year=xyz`) is dropped, and the catalogue shows everything else."""

from __future__ import annotations

import contextlib
from typing import Any, cast

from django import forms
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from ebooks.models import Category, Ebook, EbookCompetency, EbookLanguage

SORT_CHOICES = [
    ("relevance", _("Relevansi")),
    ("newest", _("Terbaru")),
    ("title", _("Judul (A–Z)")),  # noqa: RUF001
]
FILTERS = ("category", "competency", "language", "year")
# The empty choice of every filter; the field's label says what "all" is (short enough for phones).
ALL = _("Semua")
FILTER_CHOICES_KEY = "ebooks:filter-choices:v1"
FILTER_CHOICES_SECONDS = 60
# htmx re-filters when one of these changes (hx-trigger "change from:.catalogue-filter").
FILTER_SELECT = forms.Select(attrs={"class": "catalogue-filter"})


def filter_choices() -> dict[str, list[tuple[Any, str]]]:
    """What people can filter by: every category, the competencies and years of published
    books. Three queries (the last two scan the catalogue), so the answer is shared through the
    cache for a minute: a new category or year shows up in the filters within that minute."""
    try:
        cached = cache.get(FILTER_CHOICES_KEY)
    except RedisError:  # the cache is away: a miss
        cached = None
    if cached is not None:
        return cached
    choices: dict[str, list[tuple[Any, str]]] = {
        "category": list(Category.objects.values_list("slug", "name")),
        "competency": [
            (code, f"{code} {name}")
            for code, name in EbookCompetency.objects.filter(ebook__is_published=True)
            .order_by("competency__sort_order", "competency__code")
            .values_list("competency__code", "competency__name")
            .distinct()
        ],
        "year": [
            (year, str(year))
            for year in Ebook.objects.filter(is_published=True, year__isnull=False)
            .order_by("-year")
            .values_list("year", flat=True)
            .distinct()
        ],
    }
    with contextlib.suppress(RedisError):
        cache.set(FILTER_CHOICES_KEY, choices, FILTER_CHOICES_SECONDS)
    return choices


class CatalogueForm(forms.Form):
    q = forms.CharField(
        label=_("Cari e-book"),
        required=False,
        max_length=200,
        strip=True,
        widget=forms.SearchInput(
            attrs={
                "placeholder": _("Judul, penulis, atau isi buku"),
                "autocomplete": "off",
                "enterkeyhint": "search",
                "spellcheck": "false",
            }
        ),
    )
    category = forms.ChoiceField(label=_("Kategori"), required=False, widget=FILTER_SELECT)
    competency = forms.ChoiceField(label=_("Kompetensi"), required=False, widget=FILTER_SELECT)
    language = forms.ChoiceField(
        label=_("Bahasa"),
        required=False,
        choices=[("", ALL), *EbookLanguage.choices],
        widget=FILTER_SELECT,
    )
    year = forms.TypedChoiceField(
        label=_("Tahun terbit"), required=False, coerce=int, widget=FILTER_SELECT
    )
    sort = forms.ChoiceField(
        label=_("Urutkan"), required=False, choices=SORT_CHOICES, widget=FILTER_SELECT
    )

    def __init__(self, *args: Any, choices: Any = None, **kwargs: Any) -> None:
        """`choices`: filter_choices() when the caller already read them from the cache."""
        super().__init__(*args, **kwargs)
        for name, options in (choices or filter_choices()).items():
            cast(forms.ChoiceField, self.fields[name]).choices = [("", ALL), *options]

    def search_params(self) -> dict[str, Any]:
        """Keyword arguments for selectors.search_ebooks, made of the valid values only."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        q = data.get("q") or ""
        params: dict[str, Any] = {"q": q}
        for name in FILTERS:
            value = data.get(name)
            if value not in (None, ""):
                params[name] = value
        sort = data.get("sort") or ("relevance" if q else "newest")
        # Relevance means nothing without words to be relevant to.
        params["sort"] = "newest" if sort == "relevance" and not q else sort
        # The select shows the order the list is really in.
        self.data = {**dict(self.data.items()), "sort": params["sort"]}
        return params

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(field name, label, value shown) of every filter in use, for "remove this filter"."""
        data = getattr(self, "cleaned_data", {})
        active = []
        for name in FILTERS:
            value = data.get(name)
            if value in (None, ""):
                continue
            shown = dict(self.fields[name].choices).get(value, value)  # type: ignore[attr-defined]
            active.append((name, str(self.fields[name].label), str(shown)))
        return active
