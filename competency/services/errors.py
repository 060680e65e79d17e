"""What a broken competency rule raises."""

from __future__ import annotations

from collections.abc import Mapping


class CompetencyError(Exception):
    """A competency rule was broken."""


class InvalidResult(CompetencyError):
    """A result that cannot be recorded; `errors` maps field names to messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


class FixedCompetency(CompetencyError):
    """The regulation's nine competencies (M1…M8, SK1) are not changed in the portal."""
