"""Attestation rubrics: ``content/rubrics/<slug>.yml`` read, checked and written back, and a
rubric's pass rule applied to the levels a commission chose.

A rubric lists criteria, each with a weight and ascending levels worth points; it passes
when the weighted total reaches ``min_total`` and no criterion is graded below
``min_level``. The database keeps the definition as JSON (``rubric_to_dict``), so an
attestation is judged by the rubric it was held under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.frontmatter import CODE_RE
from lms.probation.plans import Fields, load_mapping
from lms.yamlfile import LineDict, dump_yaml

RUBRIC_KEYS = ("title", "criteria", "pass_rule")
CRITERION_KEYS = ("code", "title", "weight", "skill", "levels")
LEVEL_KEYS = ("level", "points", "descriptor")
PASS_KEYS = ("min_total", "min_level")
PROPOSALS = ("pass", "fail", "extend")
MAX_LEVEL = 100
MAX_DESCRIPTOR = 1000


@dataclass
class LevelData:
    level: int
    points: float
    descriptor: str


@dataclass
class CriterionData:
    code: str
    title: str
    weight: float
    skill: str | None
    levels: list[LevelData]


@dataclass
class RubricData:
    slug: str
    title: str
    criteria: list[CriterionData]
    min_total: float
    min_level: int


def max_total(rubric: RubricData) -> float:
    """The highest weighted total: every criterion at its top level."""
    return _round(sum(c.weight * c.levels[-1].points for c in rubric.criteria if c.levels))


def _round(value: float) -> float:
    # Weights like 0.1 must not leave 17.999999 where the rule asks for 18.
    return round(value, 6)


def _number(value: float) -> str:
    return f"{value:g}"


# Reading ----------------------------------------------------------------------------------


def read_rubric(text: str, *, filename: str, slug: str) -> tuple[RubricData | None, list[str]]:
    """The rubric in ``text`` and every problem found; the data is None if there are any."""
    problems: list[str] = []
    data = load_mapping(text, filename, slug, problems)
    if data is None:
        return None, problems
    fields = Fields(data, filename, problems)
    fields.only(RUBRIC_KEYS)
    title = fields.text("title", required=True)
    before = len(problems)
    criteria = _criteria(fields)
    min_total, min_level = _pass_rule(fields, criteria, checked=len(problems) == before)
    rubric = RubricData(slug, title, criteria, min_total, min_level)
    return (None if problems else rubric), problems


def _criteria(fields: Fields) -> list[CriterionData]:
    raw = fields.data.get("criteria")
    if not isinstance(raw, list) or not raw:
        fields.fail("criteria", _("expected a list of criteria, at least one."))
        return []
    criteria: list[CriterionData] = []
    seen: set[str] = set()
    for entry in raw:
        if not isinstance(entry, LineDict):
            fields.fail("criteria", _("each criterion needs “code”, “title” and “levels”."))
            continue
        criterion = _criterion(fields.nested(entry))
        if criterion.code and criterion.code in seen:
            fields.nested(entry).fail(
                "code", _("the code “%(code)s” is used twice.", code=criterion.code)
            )
        seen.add(criterion.code)
        criteria.append(criterion)
    return criteria


def _criterion(fields: Fields) -> CriterionData:
    fields.only(CRITERION_KEYS)
    code_problem = _("expected a code: lowercase Latin letters, digits, “-” and “_”.")
    return CriterionData(
        code=fields.code("code", CODE_RE, code_problem, required=True),
        title=fields.text("title", required=True),
        weight=fields.number("weight", positive=True, default=1) or 1,
        skill=fields.code("skill", CODE_RE, code_problem, required=False) or None,
        levels=_levels(fields),
    )


def _levels(fields: Fields) -> list[LevelData]:
    raw = fields.data.get("levels")
    if not isinstance(raw, list) or len(raw) < 2:
        fields.fail("levels", _("expected a list of levels, at least two, from the lowest up."))
        return []
    levels: list[LevelData] = []
    for entry in raw:
        if not isinstance(entry, LineDict):
            fields.fail("levels", _("each level needs “level”, “points” and “descriptor”."))
            continue
        level = _level(fields.nested(entry), levels[-1] if levels else None)
        if level is not None:
            levels.append(level)
    return levels


def _level(fields: Fields, previous: LevelData | None) -> LevelData | None:
    fields.only(LEVEL_KEYS)
    number = fields.whole("level", 0, MAX_LEVEL)
    points = fields.number("points", positive=False)
    descriptor = fields.text("descriptor", required=True, limit=MAX_DESCRIPTOR)
    if number is None or points is None:
        return None
    if previous is not None and number <= previous.level:
        fields.fail(
            "level",
            _("levels go up: expected more than %(previous)d, the level before.",
              previous=previous.level),
        )  # fmt: skip
    if previous is not None and points <= previous.points:
        fields.fail(
            "points",
            _("points go up with the level: expected more than %(previous)s, the points of "
              "the level before.", previous=_number(previous.points)),
        )  # fmt: skip
    return LevelData(number, points, descriptor)


def _pass_rule(
    fields: Fields, criteria: list[CriterionData], *, checked: bool
) -> tuple[float, int]:
    """``min_total`` and ``min_level``; whether they can be met is only judged (``checked``)
    when the criteria themselves are sound."""
    raw = fields.data.get("pass_rule")
    if not isinstance(raw, LineDict):
        fields.fail("pass_rule", _("expected “min_total” and “min_level” under it."))
        return 0, 0
    rule = fields.nested(raw)
    rule.only(PASS_KEYS)
    min_total = rule.number("min_total", positive=False)
    min_level = rule.whole("min_level", 0, MAX_LEVEL)
    if checked and min_total is not None:
        top = max_total(RubricData("", "", criteria, 0, 0))
        if min_total > top:
            rule.fail(
                "min_total",
                _("cannot be reached: the most a graded rubric totals is %(max)s.",
                  max=_number(top)),
            )  # fmt: skip
    if checked and min_level is not None:
        _check_min_level(rule, criteria, min_level)
    return (min_total or 0), (min_level or 0)


def _check_min_level(rule: Fields, criteria: list[CriterionData], min_level: int) -> None:
    used = sorted({level.level for criterion in criteria for level in criterion.levels})
    if min_level not in used:
        rule.fail(
            "min_level",
            _("expected one of the levels used: %(levels)s.",
              levels=", ".join(str(n) for n in used)),
        )  # fmt: skip
        return
    for criterion in criteria:
        if criterion.levels[-1].level < min_level:
            rule.fail(
                "min_level",
                _("the criterion “%(code)s” has no level this high, so nobody could pass.",
                  code=criterion.code),
            )  # fmt: skip


# Writing and storing ----------------------------------------------------------------------


def dump_rubric(data: RubricData) -> str:
    """The rubric as YAML in the file format (levels in block style: descriptors have commas)."""
    return dump_yaml(
        {
            "title": data.title,
            "criteria": [_criterion_document(c) for c in data.criteria],
            "pass_rule": {"min_total": data.min_total, "min_level": data.min_level},
        }
    )


def _criterion_document(criterion: CriterionData) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": criterion.code,
        "title": criterion.title,
        "weight": criterion.weight,
    }
    if criterion.skill:
        document["skill"] = criterion.skill
    document["levels"] = [asdict(level) for level in criterion.levels]
    return document


def rubric_to_dict(data: RubricData) -> dict[str, Any]:
    """The rubric as JSON-safe values, as the database stores it."""
    return asdict(data)


def rubric_from_dict(value: Mapping[str, Any]) -> RubricData:
    """The rubric ``rubric_to_dict`` stored."""
    criteria = [
        CriterionData(
            code=c["code"],
            title=c["title"],
            weight=c["weight"],
            skill=c.get("skill"),
            levels=[LevelData(x["level"], x["points"], x["descriptor"]) for x in c["levels"]],
        )
        for c in value["criteria"]
    ]
    return RubricData(
        value["slug"], value["title"], criteria, value["min_total"], value["min_level"]
    )


# Evaluating -------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """A graded rubric: the weighted total and whether the pass rule is met."""

    total: float
    max_total: float
    percent: float
    below_min: list[str]  # codes of criteria graded below min_level
    missing: list[str]  # codes of criteria not graded
    passed: bool

    @property
    def outcome(self) -> str:
        return "pass" if self.passed else "fail"

    def allowed_proposals(self) -> tuple[str, ...]:
        """What the mentor may propose without an override: the outcome, or an extension."""
        return (self.outcome, "extend")


def evaluate(rubric: RubricData, grades: Mapping[str, int | None]) -> Evaluation:
    """Apply the pass rule to ``grades`` (criterion code -> level chosen; None: not graded).

    Raises ``ServiceError`` for a code the rubric lacks or a level its criterion lacks.
    """
    codes = {criterion.code for criterion in rubric.criteria}
    for code in grades:
        if code not in codes:
            raise ServiceError(
                _("The rubric has no criterion “%(code)s”.", code=code), field=str(code)
            )
    total = 0.0
    below_min: list[str] = []
    missing: list[str] = []
    for criterion in rubric.criteria:
        chosen = grades.get(criterion.code)
        if chosen is None:
            missing.append(criterion.code)
            continue
        level = _level_of(criterion, chosen)
        total += level.points * criterion.weight
        if level.level < rubric.min_level:
            below_min.append(criterion.code)
    total, top = _round(total), max_total(rubric)
    return Evaluation(
        total=total,
        max_total=top,
        percent=round(total / top * 100, 1) if top else 0.0,
        below_min=below_min,
        missing=missing,
        passed=not missing and not below_min and total >= rubric.min_total,
    )


def _level_of(criterion: CriterionData, chosen: Any) -> LevelData:
    for level in criterion.levels:
        if not isinstance(chosen, bool) and level.level == chosen:
            return level
    raise ServiceError(
        _(
            "“%(title)s” (%(code)s) has no level %(level)s; choose one of: %(levels)s.",
            title=criterion.title,
            code=criterion.code,
            level=chosen,
            levels=", ".join(str(level.level) for level in criterion.levels),
        ),
        field=criterion.code,
    )


def needs_override(evaluation: Evaluation, proposal: str) -> bool:
    """Whether the mentor's proposal goes against the rubric, and so needs a justification."""
    if proposal not in PROPOSALS:
        raise ServiceError(
            _("Propose one of: %(choices)s.", choices=", ".join(PROPOSALS)), field="proposal"
        )
    return proposal not in evaluation.allowed_proposals()
