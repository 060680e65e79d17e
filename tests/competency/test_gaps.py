"""The gap and JPM arithmetic (competency.gaps): examples and properties. No database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from competency.gaps import Latest, compute_gaps, jpm_category
from competency.models import JpmCategory

BANDS = settings.COMPETENCY_JPM_BANDS
DAY = dt.date(2025, 5, 1)

levels = st.integers(min_value=1, max_value=5)
standards = st.dictionaries(st.integers(min_value=1, max_value=40), levels, max_size=15)


@st.composite
def standards_and_results(draw: st.DrawFn) -> tuple[dict[int, int], dict[int, Latest]]:
    """A standard and the latest results: some required competencies unassessed, some results
    for competencies the standard does not name."""
    required = draw(standards)
    assessed = draw(st.sets(st.sampled_from(sorted(required)))) if required else set()
    extra = draw(st.sets(st.integers(min_value=41, max_value=60), max_size=3))
    latest = {
        competency_id: Latest(level=draw(levels), assessed_on=DAY)
        for competency_id in assessed | extra
    }
    return required, latest


def gaps_of(required: dict[int, int], latest: dict[int, Latest]):
    return compute_gaps(required=required, latest=latest, bands=BANDS)


# --- examples ------------------------------------------------------------------------------


def test_compute_gaps_no_result_counts_as_zero_and_not_assessed():
    result = gaps_of({1: 3}, {})

    (item,) = result.items
    assert (item.achieved, item.gap, item.assessed, item.last_assessed_on) == (0, 3, False, None)
    assert result.jpm == Decimal("0.00")
    assert result.category == JpmCategory.KURANG_OPTIMAL


def test_compute_gaps_result_below_requirement_gives_the_difference():
    result = gaps_of({1: 4}, {1: Latest(level=2, assessed_on=DAY)})

    (item,) = result.items
    assert (item.achieved, item.gap, item.assessed, item.last_assessed_on) == (2, 2, True, DAY)
    assert result.jpm == Decimal("50.00")


def test_compute_gaps_surplus_is_capped_so_it_hides_no_other_gap():
    required = {1: 2, 2: 2}
    latest = {1: Latest(level=5, assessed_on=DAY), 2: Latest(level=1, assessed_on=DAY)}

    result = gaps_of(required, latest)

    assert [item.gap for item in result.items] == [0, 1]
    assert result.achieved_total == 3
    assert result.required_total == 4
    assert result.jpm == Decimal("75.00")


def test_compute_gaps_results_outside_the_standard_are_ignored():
    result = gaps_of({1: 2}, {1: Latest(level=2, assessed_on=DAY), 9: Latest(2, DAY)})

    assert [item.competency_id for item in result.items] == [1]
    assert result.jpm == Decimal("100.00")
    assert result.category == JpmCategory.OPTIMAL


def test_compute_gaps_empty_standard_has_no_jpm_and_no_band():
    result = gaps_of({}, {1: Latest(level=3, assessed_on=DAY)})

    assert result.items == []
    assert result.jpm is None
    assert result.category == ""


def test_compute_gaps_jpm_rounds_half_up_to_two_places():
    required = {n: 4 for n in range(1, 9)}  # 32 in total
    latest = {1: Latest(level=1, assessed_on=DAY)}  # 1 / 32 = 3.125 %

    result = gaps_of(required, latest)

    assert result.jpm == Decimal("3.13")


def test_jpm_category_thresholds_come_from_settings():
    optimal = Decimal(str(BANDS["optimal"]))
    cukup = Decimal(str(BANDS["cukup_optimal"]))

    bands = [
        jpm_category(value, bands=BANDS)
        for value in (optimal, optimal - Decimal("0.01"), cukup, cukup - Decimal("0.01"))
    ]

    assert (optimal, cukup) == (Decimal(90), Decimal(78))
    assert bands == [
        JpmCategory.OPTIMAL,
        JpmCategory.CUKUP_OPTIMAL,
        JpmCategory.CUKUP_OPTIMAL,
        JpmCategory.KURANG_OPTIMAL,
    ]


def test_jpm_category_other_bands_move_the_thresholds():
    bands = {"optimal": 80, "cukup_optimal": 68}

    categories = [jpm_category(Decimal(v), bands=bands) for v in ("80", "79.99", "68", "67.99")]

    assert categories == [
        JpmCategory.OPTIMAL,
        JpmCategory.CUKUP_OPTIMAL,
        JpmCategory.CUKUP_OPTIMAL,
        JpmCategory.KURANG_OPTIMAL,
    ]


def test_jpm_category_no_jpm_has_no_band():
    category = jpm_category(None, bands=BANDS)

    assert category == ""


# --- properties ----------------------------------------------------------------------------


@given(standards_and_results())
def test_compute_gaps_any_data_gap_is_never_negative(data):
    result = gaps_of(*data)

    assert all(item.gap >= 0 for item in result.items)


@given(standards_and_results())
def test_compute_gaps_any_data_gap_is_zero_exactly_when_requirement_met(data):
    result = gaps_of(*data)

    assert all((item.gap == 0) == (item.achieved >= item.required) for item in result.items)
    assert all(item.gap == max(item.required - item.achieved, 0) for item in result.items)


@given(standards_and_results())
def test_compute_gaps_any_data_one_item_per_required_competency(data):
    required, latest = data

    result = gaps_of(required, latest)

    assert [item.competency_id for item in result.items] == list(required)
    assert all(item.assessed == (item.competency_id in latest) for item in result.items)
    assert all(item.required == required[item.competency_id] for item in result.items)


@given(standards_and_results())
def test_compute_gaps_any_standard_jpm_between_0_and_100(data):
    required, latest = data

    result = gaps_of(required, latest)

    if required:
        assert Decimal(0) <= result.jpm <= Decimal(100)
    else:
        assert result.jpm is None


@given(standards_and_results())
def test_compute_gaps_any_standard_jpm_is_100_exactly_when_all_met(data):
    required, latest = data

    result = gaps_of(required, latest)

    all_met = all(item.gap == 0 for item in result.items)
    assert (result.jpm == Decimal(100)) == (bool(required) and all_met)


@given(standards_and_results(), st.integers(min_value=1, max_value=4))
def test_compute_gaps_any_surplus_never_raises_jpm_above_the_capped_sum(data, surplus):
    required, latest = data
    boosted = {
        cid: Latest(level=min(5, r.level + surplus), assessed_on=r.assessed_on)
        for cid, r in latest.items()
    }

    result = gaps_of(required, boosted)

    capped = sum(min(item.achieved, item.required) for item in result.items)
    assert result.achieved_total == capped
    if required:
        expected = (Decimal(capped) * 100 / Decimal(result.required_total)).quantize(
            Decimal("0.01")
        )
        assert abs(result.jpm - expected) <= Decimal("0.01")
        assert result.jpm <= Decimal(100)


@given(standards_and_results())
def test_compute_gaps_any_data_band_follows_settings(data):
    result = gaps_of(*data)

    if result.jpm is None:
        assert result.category == ""
    elif result.jpm >= BANDS["optimal"]:
        assert result.category == JpmCategory.OPTIMAL
    elif result.jpm >= BANDS["cukup_optimal"]:
        assert result.category == JpmCategory.CUKUP_OPTIMAL
    else:
        assert result.category == JpmCategory.KURANG_OPTIMAL
