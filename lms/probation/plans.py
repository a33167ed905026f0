"""Probation plan templates: ``content/probation/<slug>.yml`` read, checked and written back,
and the real dates of a plan started on a given day.

A template splits the probation into stages (ranges of days) holding items: courses,
programs, articles, practical tasks, mentor meetings and the one attestation. Day 1 is the
day the probation starts. HR edits the same text in a textarea, so problems are collected
rather than raised, each as "file, line N, field F: what is wrong".

``Fields`` and ``load_mapping`` are shared with ``lms.probation.rubrics``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.frontmatter import CODE_RE, DocumentError
from lms.kb.markdown import ARTICLE_SLUG_RE
from lms.yamlfile import FlowList, LineDict, YamlProblem, dump_yaml, load_yaml

# Course, program and rubric slugs, as lms.courses.files checks them (plan and rubric files
# are named by the same rule).
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
KINDS = ("course", "program", "article", "task", "meeting", "attestation")
# The key naming an item's target, by kind; tasks and meetings have none, only a title.
TARGET_KEYS = {
    "course": "course",
    "program": "program",
    "article": "article",
    "attestation": "rubric",
}
TITLED_KINDS = ("task", "meeting")
PLAN_KEYS = ("title", "position", "duration_days", "stages")
STAGE_KEYS = ("title", "days", "items")
ITEM_KEYS = ("kind", "title", "due_day")
DEFAULT_DURATION = 90
MAX_DURATION = 365
MAX_TITLE = 200


@dataclass
class ItemData:
    kind: str
    title: str  # may be "" for a course, program, article or attestation
    target: str | None  # the course, program, article or rubric slug
    due_day: int
    # Where the item starts in the file; not part of equality, so read-dump-read compares equal.
    line: int = field(default=0, compare=False)


@dataclass
class StageData:
    title: str
    start_day: int
    end_day: int
    items: list[ItemData]


@dataclass
class PlanTemplateData:
    slug: str
    title: str
    position: str
    duration_days: int
    stages: list[StageData]


# Shared reading helpers -------------------------------------------------------------------


def problem_at(name: str, line: int, key: str | None, problem: str) -> str:
    return DocumentError(name, line, key, problem).message


def load_mapping(text: str, name: str, slug: str, problems: list[str]) -> LineDict | None:
    """The file's top-level mapping, or None with the reason noted in ``problems``."""
    if not SLUG_RE.fullmatch(slug):
        problems.append(
            problem_at(
                name, 1, None,
                _("the file name must be a slug: lowercase Latin letters, digits and hyphens."),
            )
        )  # fmt: skip
    try:
        data = load_yaml(text)
    except YamlProblem as error:
        problems.append(problem_at(name, error.line, None, error.problem))
        return None
    if not isinstance(data, LineDict):
        problems.append(problem_at(name, 1, None, _("expected “key: value” lines.")))
        return None
    return data


class Fields:
    """Checks the values of one YAML mapping, noting each problem at its key's line."""

    def __init__(self, data: LineDict, name: str, problems: list[str]) -> None:
        self.data, self.name, self.problems = data, name, problems

    def nested(self, data: LineDict) -> Fields:
        return Fields(data, self.name, self.problems)

    def fail(self, key: str, problem: str) -> None:
        self.problems.append(problem_at(self.name, self.data.line_of(key), key, problem))

    def only(self, keys: tuple[str, ...]) -> None:
        """An error for every key not in ``keys``: a typo must not pass silently."""
        for key, value in self.data.items():
            if key in keys:
                continue
            line = self.data.line_of(key)
            if value is None and list(self.data.lines.values()).count(line) > 1:
                # "{descriptor: Fast, polite}" reads "polite" as a key on the same line.
                problem = _(
                    "“%(key)s” is read as a field name: text with a comma inside {…} "
                    "must be in quotes.",
                    key=key,
                )
                self.problems.append(problem_at(self.name, line, None, problem))
                continue
            self.fail(key, _("unknown field; expected one of: %(keys)s.", keys=", ".join(keys)))

    def given(self, key: str, default: Any = None, *, required: bool = True) -> Any:
        """The value, or None for none (noted as a problem when ``required``)."""
        value = self.data.get(key, default)
        if value is None or value == "":
            if required:
                self.fail(key, _("this field is required."))
            return None
        return value

    def text(self, key: str, *, required: bool = False, limit: int = MAX_TITLE) -> str:
        value = self.given(key, required=required)
        if value is None:
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(key, _("expected text."))
            return ""
        value = str(value).strip()
        if len(value) > limit:
            self.fail(key, _("at most %(num)d characters.", num=limit))
        return value

    def whole(
        self, key: str, low: int, high: int, default: int | None = None, problem: str = ""
    ) -> int | None:
        """A whole number from ``low`` to ``high``; required unless it has a default."""
        value = self.given(key, default)
        if value is None or _is(value, int, low, high):
            return value
        problem = problem or _(
            "expected a whole number from %(low)d to %(high)d.", low=low, high=high
        )
        self.fail(key, problem)
        return None

    def number(self, key: str, *, positive: bool, default: float | None = None) -> float | None:
        """A finite number, 0 or more (above 0 if ``positive``); required without a default."""
        value = self.given(key, default)
        if value is None or (_is(value, int | float, 0, math.inf) and (value > 0 or not positive)):
            return value
        if positive:
            self.fail(key, _("expected a number greater than 0."))
        else:
            self.fail(key, _("expected a number, 0 or more."))
        return None

    def code(self, key: str, pattern: re.Pattern[str], problem: str, *, required: bool) -> str:
        value = self.given(key, required=required)
        if value is None:
            return ""
        if not isinstance(value, str) or not pattern.fullmatch(value):
            self.fail(key, problem)
            return ""
        return value

    def choice(self, key: str, choices: tuple[str, ...]) -> str:
        value = self.given(key)
        if value is not None and value not in choices:
            self.fail(key, _("expected one of: %(choices)s.", choices=", ".join(choices)))
            return ""
        return value or ""


def _is(value: Any, kind: Any, low: float, high: float) -> bool:
    """Whether ``value`` is of ``kind`` and finite, from ``low`` to ``high`` (bools are not)."""
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    return math.isfinite(value) and low <= value <= high


# Reading a plan template ------------------------------------------------------------------


def read_plan_template(
    text: str, *, filename: str, slug: str
) -> tuple[PlanTemplateData | None, list[str]]:
    """The template in ``text`` and every problem found; the data is None if there are any."""
    problems: list[str] = []
    data = load_mapping(text, filename, slug, problems)
    if data is None:
        return None, problems
    fields = Fields(data, filename, problems)
    fields.only(PLAN_KEYS)
    title = fields.text("title", required=True)
    position = fields.code(
        "position",
        CODE_RE,
        _("expected a position code: lowercase Latin letters, digits, “-” and “_”."),
        required=True,
    )
    duration = fields.whole("duration_days", 1, MAX_DURATION, DEFAULT_DURATION)
    stages = _stages(fields, duration or DEFAULT_DURATION)
    _check_attestation(fields, stages)
    plan = PlanTemplateData(slug, title, position, duration or DEFAULT_DURATION, stages)
    return (None if problems else plan), problems


def _stages(fields: Fields, duration: int) -> list[StageData]:
    raw = fields.data.get("stages")
    if not isinstance(raw, list) or not raw:
        fields.fail("stages", _("expected a list of stages, at least one."))
        return []
    stages: list[StageData] = []
    previous_end = 0
    for entry in raw:
        if not isinstance(entry, LineDict):
            fields.fail("stages", _("each stage needs “title”, “days” and “items”."))
            continue
        stage = fields.nested(entry)
        stage.only(STAGE_KEYS)
        title = stage.text("title", required=True)
        days = _days(stage, duration, previous_end)
        start, end = days or (1, duration)
        previous_end = end if days else previous_end
        stages.append(StageData(title, start, end, _items(stage, start, end)))
    return stages


def _days(stage: Fields, duration: int, previous_end: int) -> tuple[int, int] | None:
    value = stage.data.get("days")
    if value is None:
        stage.fail("days", _("this field is required."))
        return None
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(_is(day, int, 1, duration) for day in value)
        and value[0] <= value[1]
    ):
        stage.fail("days", _("expected [first day, last day]: whole numbers from 1 to %(high)d, "
                             "the first not after the last.", high=duration))  # fmt: skip
        return None
    if value[0] <= previous_end:
        stage.fail("days", _("stages go in order without overlapping: this one must start "
                             "after day %(day)d, where the stage before it ends.",
                             day=previous_end))  # fmt: skip
        return None
    return value[0], value[1]


def _items(stage: Fields, start: int, end: int) -> list[ItemData]:
    raw = stage.data.get("items")
    if not isinstance(raw, list) or not raw:
        stage.fail("items", _("expected a list of items, at least one."))
        return []
    items: list[ItemData] = []
    for entry in raw:
        if not isinstance(entry, LineDict):
            stage.fail("items", _("each item needs “kind” and “due_day”."))
            continue
        item = _item(stage.nested(entry), start, end)
        if item is not None:
            items.append(item)
    return items


def _item(fields: Fields, start: int, end: int) -> ItemData | None:
    kind = fields.choice("kind", KINDS)
    target_key = TARGET_KEYS.get(kind)
    if kind:
        fields.only((*ITEM_KEYS, target_key) if target_key else ITEM_KEYS)
    else:
        fields.only((*ITEM_KEYS, *TARGET_KEYS.values()))
    title = fields.text("title", required=kind in TITLED_KINDS)
    target = None
    if target_key == "article":
        problem = _("expected an article slug: its file name without .md.")
        target = fields.code(target_key, ARTICLE_SLUG_RE, problem, required=True)
    elif target_key:
        problem = _("expected a slug: lowercase Latin letters, digits and hyphens.")
        target = fields.code(target_key, SLUG_RE, problem, required=True)
    due_day = fields.whole(
        "due_day",
        start,
        end,
        problem=_("expected a day of this stage, from %(low)d to %(high)d.", low=start, high=end),
    )
    if not kind:
        return None
    return ItemData(kind, title, target, due_day or start, fields.data.line)


def _check_attestation(fields: Fields, stages: list[StageData]) -> None:
    """Exactly one attestation per plan, in the last stage: the probation ends with it."""
    found = [
        (number, item)
        for number, stage in enumerate(stages, 1)
        for item in stage.items
        if item.kind == "attestation"
    ]
    if not found:
        if stages:
            fields.fail(
                "stages",
                _("the plan needs an attestation item (kind: attestation) in its last stage."),
            )
        return
    first_stage, first = found[0]
    for _stage, extra in found[1:]:
        fields.problems.append(
            problem_at(
                fields.name, extra.line, "kind",
                _("a plan has one attestation; there is already one on line %(line)d.",
                  line=first.line),
            )
        )  # fmt: skip
    if first_stage != len(stages):
        fields.problems.append(
            problem_at(
                fields.name, first.line, "kind", _("the attestation belongs in the last stage.")
            )
        )


# Writing a plan template ------------------------------------------------------------------


def dump_plan_template(data: PlanTemplateData) -> str:
    """The template as YAML in the file format: what HR saves from the page and export writes."""
    return dump_yaml(
        {
            "title": data.title,
            "position": data.position,
            "duration_days": data.duration_days,
            "stages": [
                {
                    "title": stage.title,
                    "days": FlowList([stage.start_day, stage.end_day]),
                    "items": [_item_document(item) for item in stage.items],
                }
                for stage in data.stages
            ],
        }
    )


def _item_document(item: ItemData) -> dict[str, Any]:
    document: dict[str, Any] = {"kind": item.kind}
    if item.kind in TARGET_KEYS:
        document[TARGET_KEYS[item.kind]] = item.target
    if item.title:
        document["title"] = item.title
    document["due_day"] = item.due_day
    return document


def references(data: PlanTemplateData) -> dict[str, set[str]]:
    """Every slug and code the template names, by kind, to check against the database."""
    found: dict[str, set[str]] = {key: set() for key in (*TARGET_KEYS.values(), "position")}
    found["position"].add(data.position)
    for stage in data.stages:
        for item in stage.items:
            if item.kind in TARGET_KEYS and item.target:
                found[TARGET_KEYS[item.kind]].add(item.target)
    return found


# Dates ------------------------------------------------------------------------------------


def day_date(start: date, day: int) -> date:
    """The date of plan day ``day``: day 1 is the start date."""
    return start + timedelta(days=day - 1)


def plan_dates(data: PlanTemplateData, start: date) -> list[tuple[StageData, ItemData, date]]:
    """Every item of a plan started on ``start``, with its stage and its due date."""
    return [
        (stage, item, day_date(start, item.due_day))
        for stage in data.stages
        for item in stage.items
    ]


def end_date(duration_days: int, start: date) -> date:
    """The last day of a probation of ``duration_days`` days started on ``start``."""
    return day_date(start, duration_days)


def extend(end: date, days: int) -> date:
    """The new last day of a probation extended by ``days`` days."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ServiceError(_("An extension is a whole number of days, 1 or more."), field="days")
    return end + timedelta(days=days)
