"""The shared import pipeline is tested through the result import (its apply needs the
competency dictionary) and the employee import; their fixtures come from those apps' tests."""

from tests.competency.conftest import (  # noqa: F401  (fixtures)
    _competency_dictionary,
    broker_down,
    real_publishing,
)
