"""Attainment, the overall KPI and the three-month marks, on numbers worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from lms.evaluation.kpi import (
    AT_RISK,
    CAP,
    RAISE,
    Catalogue,
    add_months,
    attainment,
    compute_months,
    month_flag,
    month_results,
    overall,
)


@pytest.mark.parametrize(
    ("value", "target", "direction", "expected"),
    [
        (90, 90, "higher", 1.0),  # CSAT on target
        (81, 90, "higher", 0.9),  # 81 / 90
        (99, 90, "higher", 1.1),  # 99 / 90
        (4, 5, "lower", 1.25),  # first response 4 min against 5: 5 / 4
        (8, 5, "lower", 0.625),  # 5 / 8
        (5, 5, "lower", 1.0),
        (0, 3, "lower", CAP),  # no missed calls at all: the best there is, not 3 / 0
        (1, 3, "lower", CAP),  # 3 / 1 = 300%, capped
        (200, 90, "higher", CAP),  # 222%, capped
        (0, 90, "higher", 0.0),
    ],
)
def test_attainment(value: float, target: float, direction: str, expected: float) -> None:
    assert attainment(value, target, direction) == pytest.approx(expected)


def test_overall_is_the_mean_of_the_known_attainments() -> None:
    assert overall([1.0, 0.9, 1.1]) == pytest.approx(1.0)
    assert overall([0.8, None, 1.0]) == pytest.approx(0.9)
    assert overall([None]) is None
    assert overall([]) is None


def test_month_results_leave_out_metrics_without_a_target() -> None:
    # csat (1) 81/90 = 0.9; first response (2) 5/4 = 1.25; metric 3 has no target.
    per_metric, mean = month_results(
        {1: 81, 2: 4, 3: 1000}, {1: 90, 2: 5}, {1: "higher", 2: "lower", 3: "higher"}
    )
    assert per_metric == pytest.approx({1: 0.9, 2: 1.25})
    assert mean == pytest.approx(1.075)


def test_add_months_crosses_years() -> None:
    assert add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert add_months(date(2024, 11, 1), 3) == date(2025, 2, 1)


def series(*values: float | None, start: date = date(2025, 1, 1)) -> dict[date, float | None]:
    return {add_months(start, n): v for n, v in enumerate(values)}


def test_three_months_at_95_or_more_make_a_raise_candidate() -> None:
    s = series(0.95, 0.97, 1.2)
    assert month_flag(s, date(2025, 3, 1)) == RAISE
    assert month_flag(s, date(2025, 2, 1)) is None  # only two months so far


def test_three_months_below_90_put_someone_at_risk() -> None:
    s = series(0.89, 0.5, 0.8999)
    assert month_flag(s, date(2025, 3, 1)) == AT_RISK


def test_exactly_90_is_not_at_risk_and_94_is_no_raise() -> None:
    assert month_flag(series(0.85, 0.90, 0.85), date(2025, 3, 1)) is None
    assert month_flag(series(0.96, 0.94, 0.99), date(2025, 3, 1)) is None


def test_a_broken_streak_starts_again() -> None:
    s = series(0.96, 0.97, 0.80, 0.96, 0.97, 0.98)
    flags = [month_flag(s, add_months(date(2025, 1, 1), n)) for n in range(6)]
    assert flags == [None, None, None, None, None, RAISE]


def test_a_month_without_a_value_breaks_the_run() -> None:
    s = {date(2025, 1, 1): 0.5, date(2025, 2, 1): 0.5, date(2025, 4, 1): 0.5}
    assert month_flag(s, date(2025, 4, 1)) is None
    s[date(2025, 3, 1)] = None  # a month with values but no targeted metric
    assert month_flag(s, date(2025, 4, 1)) is None
    s[date(2025, 3, 1)] = 0.5
    assert month_flag(s, date(2025, 4, 1)) == AT_RISK


def test_compute_months_from_plain_rows() -> None:
    catalogue = Catalogue([], {1: "higher", 2: "lower"}, {10: {1: 90.0, 2: 5.0}})
    rows = []
    # Person 7 in department 10: csat 90 and first response 4 each month -> (1 + 1.25) / 2
    for n in range(3):
        rows += [(7, add_months(date(2025, 1, 1), n), 1, 90.0),
                 (7, add_months(date(2025, 1, 1), n), 2, 4.0)]  # fmt: skip
    # Person 8, no department: values but no targets, so no overall.
    rows.append((8, date(2025, 3, 1), 1, 50.0))
    people = compute_months(rows, {7: 10, 8: None}, catalogue)
    march = people[7][date(2025, 3, 1)]
    assert march.overall == pytest.approx(1.125)
    assert march.flag == RAISE
    assert people[7][date(2025, 2, 1)].flag is None
    assert people[8][date(2025, 3, 1)].overall is None
