"""The Phillips levels on hand-computed fixtures: every formula, both isolation methods."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import pytest
from flask import Flask
from flask_babel import force_locale

from lms.evaluation.definition import parse_definition
from lms.evaluation.phillips import (
    CONTROL,
    ESTIMATE,
    Costs,
    EvaluationData,
    KpiIndex,
    Level4,
    MetricImpact,
    Participant,
    PoolMember,
    ReactionResponse,
    SkillLevels,
    SurveyAnswer,
    TestResult,
    bench_phillips,
    evaluate,
    level1,
    level2,
    level3,
    level4,
    level5,
    month_number,
)

approx = pytest.approx


@pytest.fixture(autouse=True)
def _english(app: Flask) -> Iterator[None]:
    """Notes in English; the computation needs no database, only the translation helpers."""
    with app.test_request_context(), force_locale("en"):
        yield


# Level 1 ------------------------------------------------------------------------------------

REACTIONS = [
    ReactionResponse(5, 4, 5, "Use the paraphrase checklist"),
    ReactionResponse(4, 3, 4),
    ReactionResponse(2, 5, None, "   "),
    ReactionResponse(3, 4, 5, " Ask a mentor to listen to two calls "),
]


def test_level1_rate_means_favourable_and_actions() -> None:
    result = level1(REACTIONS, participants=5)
    assert (result.responses, result.response_rate) == (4, 80.0)
    figures = {q.question: (q.answers, q.mean, q.favourable_pct) for q in result.questions}
    assert figures == {
        "satisfaction": (4, 3.5, 50.0),  # 5 4 2 3
        "relevance": (4, 4.0, 75.0),  # 4 3 5 4
        "intent": (3, approx(14 / 3), 100.0),  # 5 4 5, one left blank
    }
    assert result.overall_mean == 4.0  # 44 points over 11 answers
    assert result.planned_actions == [
        "Use the paraphrase checklist",
        "Ask a mentor to listen to two calls",
    ]
    assert result.questions[2].label == "Intent to use"


def test_level1_without_answers_or_participants() -> None:
    result = level1([], participants=0)
    assert result.response_rate is None
    assert result.overall_mean is None
    assert [q.mean for q in result.questions] == [None, None, None]


def test_level1_refuses_answers_off_the_scale() -> None:
    with pytest.raises(ValueError):
        level1([ReactionResponse(6, 3, 3)], participants=1)


# Level 2 ------------------------------------------------------------------------------------


def test_level2_means_gain_and_passed() -> None:
    result = level2(
        [
            TestResult(40, 70, passed=True),
            TestResult(50, 80, passed=True),
            TestResult(60, None),  # no post-test: not passed, no gain
            TestResult(None, 55),  # no pre-test: in the post mean only
        ]
    )
    assert (result.participants, result.pre_mean) == (4, 50.0)
    assert result.post_mean == approx(205 / 3)
    assert (result.paired, result.mean_gain, result.passed_pct) == (2, 30.0, 50.0)


def test_level2_of_nobody() -> None:
    assert level2([]).mean_gain is None
    assert level2([]).passed_pct is None


# Level 3 ------------------------------------------------------------------------------------

SURVEYS = [
    SurveyAnswer("participant", {"paraphrase": 5, "summarise": 2}, "No time", "My mentor",
                 estimate_pct=50, confidence_pct=80, days_after=30),
    SurveyAnswer("participant", {"paraphrase": 4}, estimate_pct=80, confidence_pct=50),
    SurveyAnswer("participant", {"paraphrase": 1, "summarise": 4}, " Queue too long ",
                 estimate_pct=90),  # no confidence: not in the adjustment
    SurveyAnswer("mentor", {"paraphrase": 4, "summarise": 3}, enablers="Script cards",
                 estimate_pct=100, confidence_pct=100),  # mentors do not estimate
]  # fmt: skip


def test_level3_behaviours_by_role_and_often() -> None:
    result = level3(SURVEYS, behaviours=["summarise"])
    assert result.responses == {"participant": 3, "mentor": 1}
    figures = [
        (b.behaviour, b.role, b.answers, b.mean_frequency, b.often_pct) for b in result.behaviours
    ]
    assert figures == [
        ("summarise", "participant", 2, 3.0, 50.0),
        ("summarise", "mentor", 1, 3.0, 0.0),
        ("paraphrase", "participant", 3, approx(10 / 3), approx(200 / 3)),
        ("paraphrase", "mentor", 1, 4.0, 100.0),
    ]
    assert result.barriers == ["No time", "Queue too long"]
    assert result.enablers == ["My mentor", "Script cards"]


def test_level3_adjustment_is_the_mean_of_estimate_times_confidence() -> None:
    result = level3(SURVEYS)
    assert result.estimates == 2
    assert result.adjustment == approx(0.4)  # (0.5 x 0.8 + 0.8 x 0.5) / 2


def test_level3_skill_change_over_people_with_both_levels() -> None:
    skills = [
        SkillLevels("empathy", 2, 3),
        SkillLevels("empathy", 3, 3),
        SkillLevels("empathy", None, 4),
        SkillLevels("product", 1, 3),
    ]
    result = level3([], skills)
    assert [(s.skill, s.people, s.before, s.after, s.change) for s in result.skills] == [
        ("empathy", 2, 2.5, 3.0, 0.5),
        ("product", 1, 1.0, 3.0, 2.0),
    ]
    assert result.adjustment is None


def test_level3_refuses_unknown_roles() -> None:
    with pytest.raises(ValueError):
        level3([SurveyAnswer("manager", {})])


# Level 4 ------------------------------------------------------------------------------------

APRIL = date(2024, 4, 10)  # before: February and March; after: May and June


def kpi(*series: tuple[int, str, dict[int, float]]) -> KpiIndex:
    """KPI values of 2024 by month number (2 = February)."""
    return KpiIndex.from_rows(
        (user, metric, date(2024, month, 1), value)
        for user, metric, months in series
        for month, value in months.items()
    )


def impact(
    values: KpiIndex,
    participants: list[Participant],
    pool: Sequence[PoolMember] = (),
    *,
    metric: str = "dsat",
    direction: str = "lower",
    control_group: bool = True,
    adjustment: float | None = None,
) -> MetricImpact:
    result = level4(
        participants,
        pool,
        values,
        {metric: direction},
        before_months=2,
        after_months=2,
        control_group=control_group,
        adjustment=adjustment,
    )
    return result.metrics[0]


TEAM = [Participant(1, APRIL, "line1", "agent"), Participant(2, APRIL, "line1", "agent")]
DSAT_SERIES = (
    (1, "dsat", {2: 11, 3: 9, 4: 100, 5: 7, 6: 5}),  # 10 -> 6; April is left out
    (2, "dsat", {2: 10, 3: 10, 5: 6, 6: 6}),  # 10 -> 6
    (11, "dsat", {2: 10, 3: 10, 5: 8, 6: 8}),  # control 10 -> 8
    (12, "dsat", {2: 9, 3: 11, 5: 7, 6: 9}),  # control 10 -> 8
    (13, "dsat", {2: 10, 3: 10, 5: 2, 6: 2}),  # trained in the period: not a control
    (14, "dsat", {2: 10, 3: 10, 5: 20, 6: 20}),  # another department: not a control
)
DSAT = kpi(*DSAT_SERIES)
POOL = [
    PoolMember(1, "line1", "agent"),  # a participant is never their own control
    PoolMember(11, "line1", "agent"),
    PoolMember(12, "line1", "agent"),
    PoolMember(13, "line1", "agent", is_trained=True),
    PoolMember(14, "line2", "agent"),
]


def test_month_numbers_make_windows_ranges() -> None:
    assert month_number(date(2024, 1, 31)) + 1 == month_number(date(2024, 2, 1))
    assert month_number(date(2023, 12, 1)) + 1 == month_number(date(2024, 1, 1))


def test_a_control_group_that_improved_too() -> None:
    result = impact(DSAT, TEAM, POOL)
    assert (result.participants, result.skipped, result.matched) == (2, 0, 2)
    assert (result.before, result.after, result.change) == (10.0, 6.0, -4.0)
    assert (result.control_before, result.control_after, result.control_change) == (10, 8, -2)
    assert result.method == CONTROL
    assert result.method_label == "control group"
    assert result.effect == 2.0  # DSAT fell 2 points more: +2 units of improvement


def test_controls_are_compared_in_each_participants_own_months() -> None:
    june = date(2024, 6, 20)  # before: April and May; after: July and August
    team = [Participant(1, APRIL, "line1", "agent"), Participant(2, june, "line1", "agent")]
    values = kpi(
        (1, "csat", {2: 80, 3: 80, 5: 84, 6: 84}),  # +4
        (2, "csat", {4: 80, 5: 80, 7: 90, 8: 90}),  # +10
        (11, "csat", {2: 80, 3: 80, 4: 80, 5: 80, 6: 80, 7: 86, 8: 86}),  # 0 for 1, +6 for 2
    )
    result = impact(values, team, [PoolMember(11, "line1", "agent")], metric="csat",
                    direction="higher")  # fmt: skip
    assert (result.change, result.control_change) == (7.0, 3.0)
    assert result.effect == 4.0


def test_the_effect_compares_the_participants_who_have_controls() -> None:
    team = [*TEAM[:1], Participant(3, APRIL, None, "agent")]  # no department: no controls
    values = kpi(*DSAT_SERIES, (3, "dsat", {2: 20, 3: 20, 5: 10, 6: 10}))
    result = impact(values, team, POOL)
    assert (result.participants, result.matched) == (2, 1)
    assert result.change == -7.0  # (-4 - 10) / 2, as printed
    assert result.effect == 2.0  # participant 1 only: -(-4 - -2)


def test_the_estimate_path_for_a_higher_is_better_metric() -> None:
    values = kpi((1, "csat", {2: 80, 3: 80, 5: 84, 6: 84}), (2, "csat", {3: 70, 6: 74}))
    adjustment = level3(SURVEYS).adjustment  # 0.4
    result = impact(values, TEAM, metric="csat", direction="higher", control_group=False,
                    adjustment=adjustment)  # fmt: skip
    assert result.change == 4.0
    assert result.method == ESTIMATE
    assert result.method_label == "participant estimate"
    assert result.effect == approx(1.6)
    assert result.note == ""


def test_the_estimate_path_flips_the_sign_of_a_lower_is_better_metric() -> None:
    result = impact(DSAT, TEAM, control_group=False, adjustment=0.4)
    assert result.effect == approx(1.6)  # DSAT -4 x 0.4, a fall: improvement


def test_without_matching_controls_the_estimate_is_used_with_a_note() -> None:
    result = impact(DSAT, TEAM, [PoolMember(14, "line2", "agent")], adjustment=0.5)
    assert (result.method, result.effect, result.matched) == (ESTIMATE, 2.0, 0)
    assert "the participants' estimate is used instead" in result.note


def test_without_controls_or_estimates_there_is_no_effect() -> None:
    result = impact(DSAT, TEAM, control_group=False, adjustment=None)
    assert (result.method, result.effect, result.change) == ("", None, -4.0)
    assert result.note == (
        "No participant gave an estimate with its confidence: the effect cannot be isolated."
    )


def test_participants_missing_a_window_are_skipped_and_counted() -> None:
    team = [
        *TEAM,
        Participant(4, APRIL, "line1", "agent"),  # values before only
        Participant(5, APRIL, "line1", "agent"),  # no values at all
        Participant(6, APRIL, "line1", "agent"),  # only March and June: partial windows count
    ]
    values = kpi(*DSAT_SERIES, (4, "dsat", {2: 50, 3: 50}), (6, "dsat", {3: 12, 6: 6}))
    result = impact(values, team, POOL)
    assert (result.participants, result.skipped) == (3, 2)
    assert (result.before, result.after) == (approx(32 / 3), 6.0)


def test_a_metric_nobody_has_values_for() -> None:
    result = impact(DSAT, TEAM, POOL, metric="fcr", direction="higher")
    assert (result.participants, result.skipped, result.effect) == (0, 2, None)
    assert result.note == "No participant has values both before and after the course."


def test_level4_prints_the_methods_used() -> None:
    result = level4(TEAM, POOL, DSAT, {"dsat": "lower", "fcr": "higher"}, before_months=2,
                    after_months=2, control_group=True, adjustment=0.4)  # fmt: skip
    assert result.methods == ["control group"]
    assert [m.metric for m in result.metrics] == ["dsat", "fcr"]


# Level 5 ------------------------------------------------------------------------------------

IMPACT = Level4(
    participants=50,
    before_months=3,
    after_months=3,
    metrics=[
        MetricImpact("dsat", "lower", 40, 10, 10, 6, -4, effect=2.0, method=CONTROL),
        MetricImpact("csat", "higher", 38, 12, 80, 84, 4, effect=1.5, method=CONTROL),
        MetricImpact("fcr", "higher", 0, 50, None, None, None),
    ],
)
UNIT_VALUES = {"dsat": 150.0, "csat": 100.0, "fcr": 50.0, "qa-score": None}
COSTS = Costs(50_000, 500, 20, other=3_000, evaluation=7_000)


def test_level5_benefits_costs_bcr_and_roi() -> None:
    result = level5(IMPACT, UNIT_VALUES, COSTS, participants=50, course_hours=16)
    assert [(b.metric, b.participants, b.annual_benefit) for b in result.benefits] == [
        ("dsat", 40, 144_000.0),  # 2 x 150 x 12 x 40
        ("csat", 38, 68_400.0),  # 1.5 x 100 x 12 x 38
        ("fcr", 0, None),  # no effect: no benefit claimed
    ]
    assert result.total_benefit == 212_400.0
    assert result.intangibles == ["qa-score"]
    costs = result.costs
    assert (costs.development, costs.delivery, costs.participants_time) == (50_000, 25_000, 16_000)
    assert (costs.other, costs.evaluation, costs.total) == (3_000, 7_000, 101_000)
    assert result.bcr == approx(212_400 / 101_000)  # 2.10
    assert result.roi_pct == approx(111_400 / 101_000 * 100)  # 110.30 %
    assert result.note == ""


def test_level5_with_zero_costs_has_no_ratio() -> None:
    result = level5(IMPACT, UNIT_VALUES, Costs(0, 0, 0), participants=50, course_hours=16)
    assert (result.bcr, result.roi_pct, result.total_benefit) == (None, None, 212_400.0)
    assert result.note.startswith("The costs are zero")


def test_level5_a_negative_effect_is_a_loss() -> None:
    worse = Level4(50, 3, 3, [MetricImpact("dsat", "lower", 10, 0, 6, 10, 4, effect=-1.0)])
    result = level5(worse, {"dsat": 100.0}, Costs(12_000, 0, 0), participants=10, course_hours=0)
    assert result.total_benefit == -12_000.0
    assert (result.bcr, result.roi_pct) == (-1.0, -200.0)


# The chain ----------------------------------------------------------------------------------

DEFINITION = """\
title: Negative customers
course: customer-negativity
completed_from: 2024-04-01
completed_to: 2024-04-30
before_months: 2
after_months: 2
metrics: {dsat: 100, qa-score: null}
costs: {development: 1000, delivery_per_participant: 100, hourly_cost: 10}
behaviours: [summarise]
"""


def test_evaluate_chains_the_levels() -> None:
    definition = parse_definition(DEFINITION, filename="evaluations/negativity.yml")
    data = EvaluationData(
        participants=TEAM,
        kpi=DSAT,
        directions={"dsat": "lower", "qa-score": "higher"},
        course_hours=8,
        reactions=REACTIONS[:1],
        tests=[TestResult(40, 70, passed=True)],
        surveys=SURVEYS,
        pool=POOL,
    )
    result = evaluate(definition, data)
    assert result.level1.response_rate == 50.0
    assert result.level2.mean_gain == 30.0
    assert result.level3.behaviours[0].behaviour == "summarise"
    dsat = result.level4.metrics[0]
    assert (dsat.method, dsat.effect) == (ESTIMATE, approx(1.6))  # no control group: -4 x 0.4
    assert result.level5.benefits[0].annual_benefit == approx(1.6 * 100 * 12 * 2)  # 3,840
    assert result.level5.costs.total == 1000 + 100 * 2 + 8 * 10 * 2  # 1,360
    assert result.level5.intangibles == ["qa-score"]


def test_the_bench_returns_seconds() -> None:
    assert bench_phillips(users=20, months=6, metrics=2) >= 0
