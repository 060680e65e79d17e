"""Fixtures for the e-book tests: the catalogue's categories."""

from __future__ import annotations

import pytest

from ebooks.models import Category


@pytest.fixture
def law(db) -> Category:
    return Category.objects.create(name="Hukum", slug="hukum", sort_order=1)


@pytest.fixture
def service(db) -> Category:
    return Category.objects.create(name="Pelayanan Publik", slug="pelayanan-publik", sort_order=2)
