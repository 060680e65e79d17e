from __future__ import annotations

import pytest

from competency.models import Competency
from tests.training.factories import restore_reference_data
from training.models import JpConversion


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Data migrations fill the competency dictionary and the JP conversion table; a
    transactional test elsewhere may have flushed them from the reused test database."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("db")
    if not (Competency.objects.filter(code="M1").exists() and JpConversion.objects.exists()):
        restore_reference_data()


@pytest.fixture
def _restore_reference_data(django_db_blocker):
    """For a transactional test (`pytest.mark.usefixtures("_restore_reference_data")`, set up
    before its transactional_db so torn down after the flush): the reference data back."""
    yield
    with django_db_blocker.unblock():
        restore_reference_data()
