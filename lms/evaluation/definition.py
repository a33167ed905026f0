"""Evaluation definitions: ``content/evaluations/<slug>.yml`` read, checked and written back.

A definition names what is evaluated (a course or a program), whose results count (people
who completed it between two dates), the KPI windows, the metrics with the money value of
one unit of improvement, and the costs. Every problem is collected and reported at once,
each as "file, line N, field F: what is wrong".

Decisions:
- Exactly one of ``course`` and ``program``.
- ``before_months`` and ``after_months`` are required, whole numbers from 1 to 24.
- ``control_group`` defaults to false.
- ``metrics`` maps a KPI code to the money value of one unit of improvement per participant
  per month, 0 or more; null marks an intangible benefit. At least one metric.
- ``costs``: ``development``, ``delivery_per_participant`` and ``hourly_cost`` are required
  (0 is allowed, but must be written); ``other`` and ``evaluation`` default to 0.
- ``follow_up_days`` (days after completion when level-3 surveys go out) defaults to
  [30, 90]: whole numbers from 1 to 730, increasing. ``behaviours`` (the target behaviours
  the surveys ask about) defaults to none.
- Whether the course, program and metrics exist is the caller's to know: it passes
  ``known_courses``, ``known_programs``, ``known_metrics`` and unknown ones are reported.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from pathlib import PurePosixPath
from typing import Any

from lms.evaluation.phillips import Costs
from lms.i18n import _
from lms.kb.frontmatter import CODE_RE
from lms.kb.sync import SyncError
from lms.probation.plans import SLUG_RE, Fields, load_mapping
from lms.yamlfile import FlowList, LineDict, dump_yaml

DEFINITION_KEYS = (
    *("title", "course", "program", "completed_from", "completed_to"),
    *("before_months", "after_months", "control_group", "metrics", "costs"),
    *("follow_up_days", "behaviours"),
)
COST_KEYS = ("development", "delivery_per_participant", "hourly_cost", "other", "evaluation")
REQUIRED_COSTS = COST_KEYS[:3]
MAX_MONTHS = 24
MAX_FOLLOW_UP_DAY = 730
DEFAULT_FOLLOW_UP_DAYS = (30, 90)
MAX_BEHAVIOUR = 200


class DefinitionError(SyncError):
    """A definition that cannot be used; ``problems`` lists every one with its line."""


@dataclass
class EvaluationDefinition:
    slug: str
    title: str
    course: str | None
    program: str | None
    completed_from: date
    completed_to: date
    before_months: int
    after_months: int
    control_group: bool
    metrics: dict[str, float | None]  # code -> value of one unit of improvement, or None
    costs: Costs
    follow_up_days: list[int] = field(default_factory=lambda: list(DEFAULT_FOLLOW_UP_DAYS))
    behaviours: list[str] = field(default_factory=list)

    @property
    def intangibles(self) -> list[str]:
        return [code for code, value in self.metrics.items() if value is None]


def parse_definition(
    text: str,
    *,
    filename: str,
    slug: str | None = None,
    known_metrics: Collection[str] | None = None,
    known_courses: Collection[str] | None = None,
    known_programs: Collection[str] | None = None,
) -> EvaluationDefinition:
    """The definition in ``text``; raises ``DefinitionError`` with every problem found.

    ``slug`` defaults to the file name without ``.yml``.
    """
    definition, problems = read_definition(
        text,
        filename=filename,
        slug=slug,
        known_metrics=known_metrics,
        known_courses=known_courses,
        known_programs=known_programs,
    )
    if definition is None:
        raise DefinitionError(problems)
    return definition


def read_definition(
    text: str,
    *,
    filename: str,
    slug: str | None = None,
    known_metrics: Collection[str] | None = None,
    known_courses: Collection[str] | None = None,
    known_programs: Collection[str] | None = None,
) -> tuple[EvaluationDefinition | None, list[str]]:
    """The definition and every problem found; the definition is None if there are any."""
    slug = PurePosixPath(filename).stem if slug is None else slug
    problems: list[str] = []
    data = load_mapping(text, filename, slug, problems)  # 2024-02-30 is a problem on its line
    if data is None:
        return None, problems
    fields = Fields(data, filename, problems)
    fields.only(DEFINITION_KEYS)
    title = fields.text("title", required=True)
    course, program = _target(fields, known_courses, known_programs)
    start, end = _date(fields, "completed_from"), _date(fields, "completed_to")
    if start and end and start > end:
        fields.fail("completed_to", _("the last date must not be before “completed_from”."))
    before = fields.whole("before_months", 1, MAX_MONTHS)
    after = fields.whole("after_months", 1, MAX_MONTHS)
    control_group = _flag(fields, "control_group")
    metrics = _metrics(fields, known_metrics)
    costs = _costs(fields)
    follow_up_days = _follow_up_days(fields)
    behaviours = _behaviours(fields)
    if problems or not (start and end and before and after and costs):
        return None, problems
    definition = EvaluationDefinition(
        slug=slug,
        title=title,
        course=course,
        program=program,
        completed_from=start,
        completed_to=end,
        before_months=before,
        after_months=after,
        control_group=control_group,
        metrics=metrics,
        costs=costs,
        follow_up_days=follow_up_days,
        behaviours=behaviours,
    )
    return definition, []


def _target(
    fields: Fields, known_courses: Collection[str] | None, known_programs: Collection[str] | None
) -> tuple[str | None, str | None]:
    """The course slug or the program slug: exactly one of them."""
    has_course, has_program = (fields.data.get(key) is not None for key in ("course", "program"))
    if has_course and has_program:
        fields.fail("program", _("give either “course” or “program”, not both."))
    elif not has_course and not has_program:
        fields.fail("course", _("give the course evaluated (“course: slug”) or the program."))
    problem = _("expected a slug: lowercase Latin letters, digits and hyphens.")
    course = fields.code("course", SLUG_RE, problem, required=False) or None
    if course and known_courses is not None and course not in known_courses:
        fields.fail("course", _("there is no course “%(slug)s”.", slug=course))
    program = fields.code("program", SLUG_RE, problem, required=False) or None
    if program and known_programs is not None and program not in known_programs:
        fields.fail("program", _("there is no program “%(slug)s”.", slug=program))
    return course, program


def _date(fields: Fields, key: str) -> date | None:
    value = fields.given(key)
    if isinstance(value, str):
        with suppress(ValueError):
            value = date.fromisoformat(value.strip())
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    fields.fail(key, _("expected a date: YYYY-MM-DD."))
    return None


def _flag(fields: Fields, key: str) -> bool:
    value = fields.data.get(key, False)
    if not isinstance(value, bool):
        fields.fail(key, _("expected true or false."))
        return False
    return value


def _amount(value: Any) -> float | None:
    """A finite number, 0 or more, as a float; None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value >= 0 else None


def _metrics(fields: Fields, known: Collection[str] | None) -> dict[str, float | None]:
    raw = fields.data.get("metrics")
    if not isinstance(raw, LineDict) or not raw:
        problem = _(
            "expected KPI codes, each with the money value of one unit of improvement per "
            "participant per month (or null)."
        )
        fields.fail("metrics", problem)
        return {}
    metrics = fields.nested(raw)
    found: dict[str, float | None] = {}
    for code, value in raw.items():
        if not CODE_RE.fullmatch(code):
            problem = _("expected a metric code: lowercase Latin letters, digits, “-” and “_”.")
            metrics.fail(code, problem)
        elif known is not None and code not in known:
            metrics.fail(code, _("there is no such metric in the KPI catalogue."))
        amount = _amount(value)
        if value is not None and amount is None:
            metrics.fail(code, _("expected a money value, 0 or more, or null (intangible)."))
        found[code] = amount
    return found


def _costs(fields: Fields) -> Costs | None:
    raw = fields.data.get("costs")
    if not isinstance(raw, LineDict):
        fields.fail("costs", _("expected the costs: %(keys)s.", keys=", ".join(COST_KEYS)))
        return None
    costs = fields.nested(raw)
    costs.only(COST_KEYS)
    values = {
        key: costs.number(key, positive=False, default=None if key in REQUIRED_COSTS else 0)
        for key in COST_KEYS
    }
    if any(value is None for value in values.values()):
        return None
    return Costs(**{key: float(value) for key, value in values.items()})


def _follow_up_days(fields: Fields) -> list[int]:
    value = fields.data.get("follow_up_days")
    if value is None:
        return list(DEFAULT_FOLLOW_UP_DAYS)
    days_ok = (
        isinstance(value, list)
        and len(value) > 0
        and all(_is_day(day) for day in value)
        and all(a < b for a, b in pairwise(value))
    )
    if not days_ok:
        problem = _(
            "expected days after completion, increasing, each from 1 to %(high)d: [30, 90].",
            high=MAX_FOLLOW_UP_DAY,
        )
        fields.fail("follow_up_days", problem)
        return list(DEFAULT_FOLLOW_UP_DAYS)
    return list(value)


def _is_day(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_FOLLOW_UP_DAY


def _behaviours(fields: Fields) -> list[str]:
    value = fields.data.get("behaviours")
    if value is None:
        return []
    items = value if isinstance(value, list) else [None]
    texts = [item.strip() if isinstance(item, str) else "" for item in items]
    if not all(0 < len(text) <= MAX_BEHAVIOUR for text in texts):
        problem = _(
            "expected a list of target behaviours, each a line of text of at most %(num)d "
            "characters.",
            num=MAX_BEHAVIOUR,
        )
        fields.fail("behaviours", problem)
        return []
    for text in dict.fromkeys(text for text in texts if texts.count(text) > 1):
        fields.fail("behaviours", _("the behaviour “%(text)s” is listed twice.", text=text))
    return texts


def definition_to_yaml(definition: EvaluationDefinition) -> str:
    """The definition in the file format, every key written (read back, it compares equal)."""
    document: dict[str, Any] = {"title": definition.title}
    if definition.course:
        document["course"] = definition.course
    if definition.program:
        document["program"] = definition.program
    document |= {
        "completed_from": definition.completed_from,
        "completed_to": definition.completed_to,
        "before_months": definition.before_months,
        "after_months": definition.after_months,
        "control_group": definition.control_group,
        "metrics": {code: _plain(value) for code, value in definition.metrics.items()},
        "costs": {key: _plain(getattr(definition.costs, key)) for key in COST_KEYS},
        "follow_up_days": FlowList(definition.follow_up_days),
    }
    if definition.behaviours:
        document["behaviours"] = list(definition.behaviours)
    return dump_yaml(document)


def _plain(value: float | None) -> float | int | None:
    """12.0 written as 12, so the file reads as HR wrote it."""
    return int(value) if value is not None and value.is_integer() else value
