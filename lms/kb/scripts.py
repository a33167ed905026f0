"""Call scripts: Markdown where each ``## Heading {#step-id}`` is a step of the call.

A step's list items that link to ``#other-step`` are the branches the agent can take; a
step without any is an ending. The first step is the start. The file reads as ordinary
Markdown, and the player shows one step at a time.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from lms.i18n import _
from lms.kb.markdown import slugify

STEP_HEADING_RE = re.compile(
    r"##[ \t]+(?P<title>.*?)(?:[ \t]*\{:?[ \t]*#(?P<id>[\w-]+)[^}]*\})?[ \t]*#*[ \t]*"
)
LIST_ITEM_RE = re.compile(r"[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
CHOICE_LINK_RE = re.compile(r"\[(?P<label>[^\]]+)\]\(\s*#(?P<target>[\w-]+)\s*\)")
FENCE_RE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")


@dataclass(frozen=True)
class Choice:
    """A branch: the button label and the id of the step it leads to."""

    label: str
    target: str
    line: int = 0  # 1-based line of the list item within the body


@dataclass
class Step:
    """One screen of the script: its heading, its text and the branches out of it."""

    id: str
    title: str
    text_markdown: str
    choices: list[Choice] = field(default_factory=list)
    line: int = 0  # 1-based line of the heading within the body

    @property
    def is_end(self) -> bool:
        """A step without branches ends the call."""
        return not self.choices


@dataclass
class Script:
    """The steps in file order; ``start`` is the first one (``""`` when there are none).

    A step whose id repeats an earlier one is kept apart in ``duplicates``.
    """

    steps: dict[str, Step] = field(default_factory=dict)
    start: str = ""
    intro_markdown: str = ""
    duplicates: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class ScriptProblem:
    """Something wrong with a script, with the step and line to look at."""

    step_id: str | None
    line: int | None
    message: str


@dataclass
class ScriptCheck:
    """Errors stop a script from being published; warnings are worth a look."""

    errors: list[ScriptProblem] = field(default_factory=list)
    warnings: list[ScriptProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors


def parse_script(body: str) -> Script:
    """Split a script's Markdown body into steps at its level-2 headings."""
    script = Script()
    intro: list[str] = []
    current: tuple[Step, list[str]] | None = None
    for number, line, heading, in_code in _lines(body):
        if heading is not None:
            if current is not None:
                _finish(script, *current)
            current = (_new_step(heading, number), [])
        elif current is not None:
            _take_line(current[0], current[1], line, number, in_code)
        else:
            intro.append(line)
    if current is not None:
        _finish(script, *current)
    script.intro_markdown = "\n".join(intro).strip()
    script.start = next(iter(script.steps), "")
    return script


Line = tuple[int, str, "re.Match[str] | None", bool]


def _lines(body: str) -> list[Line]:
    """Each line: its number, its text, its match if a step heading, whether in a code block."""
    result: list[Line] = []
    fence: str | None = None
    for number, line in enumerate(body.replace("\r\n", "\n").split("\n"), start=1):
        marker = FENCE_RE.match(line)
        if marker and fence is None:
            fence = marker[1]
        elif marker and marker[1][0] == fence[0] and len(marker[1]) >= len(fence):
            fence = None
        in_code = fence is not None or marker is not None
        heading = None if in_code else STEP_HEADING_RE.fullmatch(line)
        result.append((number, line, heading, in_code))
    return result


def _new_step(heading: re.Match[str], number: int) -> Step:
    title = heading["title"].strip()
    step_id = heading["id"] or slugify(title) or f"step-{number}"
    return Step(id=step_id, title=title, text_markdown="", line=number)


def _take_line(step: Step, text: list[str], line: str, number: int, in_code: bool) -> None:
    """A choice list item becomes branches; any other line is the step's text."""
    is_item = not in_code and LIST_ITEM_RE.match(line)
    links = list(CHOICE_LINK_RE.finditer(line)) if is_item else []
    if not links:
        text.append(line)
    for link in links:
        step.choices.append(Choice(link["label"].strip(), link["target"], number))


def _finish(script: Script, step: Step, text: list[str]) -> None:
    step.text_markdown = "\n".join(text).strip()
    if step.id in script.steps:
        script.duplicates.append(step)
    else:
        script.steps[step.id] = step


def validate_script(script: Script) -> ScriptCheck:
    """Check that every branch leads somewhere and that a call can end.

    Errors: no steps, a repeated step id, a branch to a step that does not exist, no ending
    reachable from the start. Warnings: steps the agent can never reach, and steps from
    which no ending can be reached (the call would go round in circles).
    """
    check = ScriptCheck()
    if not script.steps:
        check.errors.append(
            ScriptProblem(None, None, _("the script has no steps (“## ” headings)."))
        )
        return check
    check.errors += _duplicate_problems(script)
    check.errors += _missing_target_problems(script)
    reachable = _reachable(script, [script.start])
    finishing = _can_finish(script)
    start = script.steps[script.start]
    if script.start not in finishing:
        check.errors.append(
            ScriptProblem(
                start.id,
                start.line,
                _("no ending can be reached from the first step: every branch loops back."),
            )
        )
    check.warnings += [
        ScriptProblem(step.id, step.line, _("no branch leads to this step."))
        for step in script.steps.values()
        if step.id not in reachable
    ]
    if script.start in finishing:
        check.warnings += [
            ScriptProblem(step.id, step.line, _("from this step the call can never end."))
            for step in script.steps.values()
            if step.id in reachable and step.id not in finishing
        ]
    return check


def _duplicate_problems(script: Script) -> list[ScriptProblem]:
    return [
        ScriptProblem(
            step.id,
            step.line,
            _(
                "the step id “%(id)s” is already used by the step on line %(line)d.",
                id=step.id,
                line=script.steps[step.id].line,
            ),
        )
        for step in script.duplicates
    ]


def _missing_target_problems(script: Script) -> list[ScriptProblem]:
    return [
        ScriptProblem(
            step.id,
            choice.line,
            _(
                "missing target: the branch “%(label)s” leads to “#%(target)s”, "
                "but there is no such step.",
                label=choice.label,
                target=choice.target,
            ),
        )
        for step in script.steps.values()
        for choice in step.choices
        if choice.target not in script.steps
    ]


def _reachable(script: Script, starts: list[str]) -> set[str]:
    """The ids of the steps the agent can get to from ``starts``."""
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for choice in script.steps[queue.popleft()].choices:
            if choice.target in script.steps and choice.target not in seen:
                seen.add(choice.target)
                queue.append(choice.target)
    return seen


def _can_finish(script: Script) -> set[str]:
    """The ids of the steps from which some path reaches an ending."""
    finishing = {step.id for step in script.steps.values() if step.is_end}
    changed = True
    while changed:
        changed = False
        for step in script.steps.values():
            if step.id not in finishing and any(c.target in finishing for c in step.choices):
                finishing.add(step.id)
                changed = True
    return finishing
