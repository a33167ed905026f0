"""The Phillips evaluation of a course or program, levels 1-5, as pure computation.

Plain dataclasses in, dataclasses out; no database (the caller loads the answers, scores and
KPI values). Level 4 lives in ``lms.evaluation.impact`` and is re-exported here.

Decisions, as the report prints them:

- Numbers are floats throughout, money included; round only when presenting (2 decimals).
- Percentages are 0-100; the level-3 *adjustment* (mean of estimate x confidence) is a
  fraction 0-1, so that effect = change x adjustment.
- Level 1: scale answers are 1-5, "favourable" is 4 or 5; the overall mean is over every
  answer given (not the mean of the three means). A question left blank is not counted.
- Level 2: the pre and post means are over the scores given; the mean gain is over the
  participants with both; "% passed" is over every participant listed (no post-test = not
  passed).
- Level 3: frequencies are 1 never, 2 rarely, 3 sometimes, 4 often, 5 always; "often" means
  4 or 5. Only participants' answers give the estimate (mentors do not). Skill change is over
  the people with a level both before and after.
- Level 5: first-year benefits only. A metric's annual benefit = effect x unit value x 12 x
  the participants counted for it in level 4 (those with values in both windows: no data,
  no assumed improvement). Costs count every participant. BCR and ROI are None, with a
  reason, when the total cost is zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from math import fsum
from typing import TYPE_CHECKING

# Level 4 is re-exported, so callers import every level from here.
from lms.evaluation.impact import CONTROL as CONTROL
from lms.evaluation.impact import ESTIMATE as ESTIMATE
from lms.evaluation.impact import METHOD_LABELS as METHOD_LABELS
from lms.evaluation.impact import KpiIndex as KpiIndex
from lms.evaluation.impact import Level4 as Level4
from lms.evaluation.impact import MetricImpact as MetricImpact
from lms.evaluation.impact import Participant as Participant
from lms.evaluation.impact import PoolMember as PoolMember
from lms.evaluation.impact import bench_phillips as bench_phillips
from lms.evaluation.impact import level4 as level4
from lms.evaluation.impact import month_number as month_number
from lms.i18n import _, _l

if TYPE_CHECKING:
    from lms.evaluation.definition import EvaluationDefinition

QUESTIONS = ("satisfaction", "relevance", "intent")
QUESTION_LABELS = {
    "satisfaction": _l("Satisfaction"),
    "relevance": _l("Relevance to the job"),
    "intent": _l("Intent to use"),
}
FREQUENCIES = (_l("never"), _l("rarely"), _l("sometimes"), _l("often"), _l("always"))
FAVOURABLE = 4  # a 1-5 answer of 4 or 5 is favourable (level 1) or "often" (level 3)
PARTICIPANT = "participant"
MENTOR = "mentor"
ROLES = (PARTICIPANT, MENTOR)


def _mean(values: Sequence[float]) -> float | None:
    return fsum(values) / len(values) if values else None


def _pct(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


def _scale(value: int | None) -> int | None:
    if value is not None and (isinstance(value, bool) or value not in range(1, 6)):
        raise ValueError(f"a 1-5 answer was expected, not {value!r}")
    return value


# Level 1: reaction and planned action ------------------------------------------------------


@dataclass(frozen=True)
class ReactionResponse:
    satisfaction: int | None
    relevance: int | None
    intent: int | None
    planned_actions: str = ""


@dataclass(frozen=True)
class QuestionFigures:
    question: str
    answers: int
    mean: float | None
    favourable_pct: float | None

    @property
    def label(self) -> str:
        return str(QUESTION_LABELS[self.question])


@dataclass(frozen=True)
class Level1:
    participants: int
    responses: int
    response_rate: float | None
    questions: list[QuestionFigures]
    overall_mean: float | None
    planned_actions: list[str]


def level1(responses: Sequence[ReactionResponse], *, participants: int) -> Level1:
    """Response rate, each question's mean and % favourable, the planned actions."""
    questions = []
    every: list[int] = []
    for question in QUESTIONS:
        answers = [a for r in responses if (a := _scale(getattr(r, question))) is not None]
        favourable = sum(1 for a in answers if a >= FAVOURABLE)
        questions.append(
            QuestionFigures(question, len(answers), _mean(answers), _pct(favourable, len(answers)))
        )
        every.extend(answers)
    actions = [text for r in responses if (text := r.planned_actions.strip())]
    rate = _pct(len(responses), participants)
    return Level1(participants, len(responses), rate, questions, _mean(every), actions)


# Level 2: learning --------------------------------------------------------------------------


@dataclass(frozen=True)
class TestResult:
    """One participant's scores (points or %, the same for everyone) and whether they passed."""

    __test__ = False  # not a pytest class

    pre_score: float | None
    post_score: float | None
    passed: bool = False


@dataclass(frozen=True)
class Level2:
    participants: int
    pre_mean: float | None
    post_mean: float | None
    paired: int
    mean_gain: float | None
    passed_pct: float | None


def level2(results: Sequence[TestResult]) -> Level2:
    """Pre and post means, the mean gain of those with both scores, % passed of everyone."""
    pre = [r.pre_score for r in results if r.pre_score is not None]
    post = [r.post_score for r in results if r.post_score is not None]
    gains = [
        r.post_score - r.pre_score
        for r in results
        if r.pre_score is not None and r.post_score is not None
    ]
    passed = _pct(sum(1 for r in results if r.passed), len(results))
    return Level2(len(results), _mean(pre), _mean(post), len(gains), _mean(gains), passed)


# Level 3: application and implementation ----------------------------------------------------


@dataclass(frozen=True)
class SurveyAnswer:
    """One follow-up survey answer, by the participant or their mentor."""

    role: str
    behaviours: Mapping[str, int]  # target behaviour -> frequency 1 never .. 5 always
    barriers: str = ""
    enablers: str = ""
    estimate_pct: float | None = None  # how much of the KPI change is due to the training
    confidence_pct: float | None = None  # how sure they are of that estimate
    days_after: int | None = None  # the follow-up it answers (30, 90, ...)


@dataclass(frozen=True)
class SkillLevels:
    """One person's level of one skill before the course and now."""

    skill: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class BehaviourFigures:
    behaviour: str
    role: str
    answers: int
    mean_frequency: float | None
    often_pct: float | None


@dataclass(frozen=True)
class SkillFigures:
    skill: str
    people: int
    before: float
    after: float
    change: float


@dataclass(frozen=True)
class Level3:
    responses: dict[str, int]
    behaviours: list[BehaviourFigures]
    barriers: list[str]
    enablers: list[str]
    estimates: int  # participants' answers giving both an estimate and a confidence
    adjustment: float | None  # mean(estimate x confidence), a fraction 0-1
    skills: list[SkillFigures] = field(default_factory=list)


def level3(
    answers: Sequence[SurveyAnswer],
    skills: Sequence[SkillLevels] = (),
    *,
    behaviours: Sequence[str] = (),
) -> Level3:
    """Use of each behaviour by role, barriers and enablers, the adjustment, skill changes.

    Behaviours come in the order of ``behaviours``, then any other answered, as first seen.
    """
    if unknown := {a.role for a in answers} - set(ROLES):
        raise ValueError(f"unknown survey roles: {sorted(unknown)}")
    names = list(dict.fromkeys([*behaviours, *(b for a in answers for b in a.behaviours)]))
    figures = [_behaviour(answers, name, role) for name in names for role in ROLES]
    products = [
        a.estimate_pct * a.confidence_pct / 10_000
        for a in answers
        if a.role == PARTICIPANT and a.estimate_pct is not None and a.confidence_pct is not None
    ]
    return Level3(
        responses={role: sum(1 for a in answers if a.role == role) for role in ROLES},
        behaviours=figures,
        barriers=[text for a in answers if (text := a.barriers.strip())],
        enablers=[text for a in answers if (text := a.enablers.strip())],
        estimates=len(products),
        adjustment=_mean(products),
        skills=_skills(skills),
    )


def _behaviour(answers: Sequence[SurveyAnswer], name: str, role: str) -> BehaviourFigures:
    found = [
        value
        for a in answers
        if a.role == role and (value := _scale(a.behaviours.get(name))) is not None
    ]
    often = sum(1 for value in found if value >= FAVOURABLE)
    return BehaviourFigures(name, role, len(found), _mean(found), _pct(often, len(found)))


def _skills(levels: Sequence[SkillLevels]) -> list[SkillFigures]:
    pairs: dict[str, list[tuple[float, float]]] = {}
    for level in levels:
        if level.before is not None and level.after is not None:
            pairs.setdefault(level.skill, []).append((level.before, level.after))
    figures = []
    for skill, found in pairs.items():
        before = fsum(b for b, _a in found) / len(found)
        after = fsum(a for _b, a in found) / len(found)
        figures.append(SkillFigures(skill, len(found), before, after, after - before))
    return figures


# Level 5: return on investment ---------------------------------------------------------------


@dataclass(frozen=True)
class Costs:
    """The definition's costs; the participants' time is priced from ``hourly_cost``."""

    development: float
    delivery_per_participant: float
    hourly_cost: float
    other: float = 0.0
    evaluation: float = 0.0


@dataclass(frozen=True)
class CostBreakdown:
    development: float
    delivery: float
    participants_time: float
    other: float
    evaluation: float

    @property
    def total(self) -> float:
        parts = (self.development, self.delivery, self.participants_time)
        return fsum((*parts, self.other, self.evaluation))


@dataclass(frozen=True)
class MetricBenefit:
    metric: str
    unit_value: float
    participants: int
    effect: float | None
    annual_benefit: float | None  # None when level 4 has no effect for the metric


@dataclass(frozen=True)
class Level5:
    benefits: list[MetricBenefit]
    total_benefit: float
    intangibles: list[str]
    costs: CostBreakdown
    bcr: float | None
    roi_pct: float | None
    note: str = ""


def cost_breakdown(costs: Costs, *, participants: int, course_hours: float) -> CostBreakdown:
    """Fully loaded costs: development, delivery, participants' time, other, evaluation."""
    return CostBreakdown(
        development=costs.development,
        delivery=costs.delivery_per_participant * participants,
        participants_time=course_hours * costs.hourly_cost * participants,
        other=costs.other,
        evaluation=costs.evaluation,
    )


def level5(
    impact: Level4,
    unit_values: Mapping[str, float | None],
    costs: Costs,
    *,
    participants: int,
    course_hours: float,
) -> Level5:
    """Annual benefits of the metrics with a money value, fully loaded costs, BCR and ROI %."""
    effects = {m.metric: m for m in impact.metrics}
    benefits = []
    for code, value in unit_values.items():
        if value is None:
            continue
        found = effects.get(code)
        effect = found.effect if found else None
        counted = found.participants if found else 0
        benefit = None if effect is None else effect * value * 12 * counted
        benefits.append(MetricBenefit(code, value, counted, effect, benefit))
    total = fsum(b.annual_benefit for b in benefits if b.annual_benefit is not None)
    intangibles = [code for code, value in unit_values.items() if value is None]
    breakdown = cost_breakdown(costs, participants=participants, course_hours=course_hours)
    cost = breakdown.total
    if cost <= 0:
        note = _("The costs are zero: the benefit-cost ratio and the ROI cannot be computed.")
        return Level5(benefits, total, intangibles, breakdown, None, None, note)
    roi = (total - cost) / cost * 100
    return Level5(benefits, total, intangibles, breakdown, total / cost, roi)


# The chain ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationData:
    """What the caller loads for one definition; ``directions`` maps metric code -> direction."""

    participants: Sequence[Participant]
    kpi: KpiIndex
    directions: Mapping[str, str]
    course_hours: float
    reactions: Sequence[ReactionResponse] = ()
    tests: Sequence[TestResult] = ()
    surveys: Sequence[SurveyAnswer] = ()
    skills: Sequence[SkillLevels] = ()
    pool: Sequence[PoolMember] = ()


@dataclass(frozen=True)
class Evaluation:
    level1: Level1
    level2: Level2
    level3: Level3
    level4: Level4
    level5: Level5


def evaluate(definition: EvaluationDefinition, data: EvaluationData) -> Evaluation:
    """The five levels of ``definition`` over ``data``; every metric needs a direction."""
    count = len(data.participants)
    third = level3(data.surveys, data.skills, behaviours=definition.behaviours)
    fourth = level4(
        data.participants,
        data.pool,
        data.kpi,
        {code: data.directions[code] for code in definition.metrics},
        before_months=definition.before_months,
        after_months=definition.after_months,
        control_group=definition.control_group,
        adjustment=third.adjustment,
    )
    fifth = level5(
        fourth,
        definition.metrics,
        definition.costs,
        participants=count,
        course_hours=data.course_hours,
    )
    return Evaluation(
        level1(data.reactions, participants=count), level2(data.tests), third, fourth, fifth
    )
