"""Course content files, read and checked: the half of the course sync that touches no rows.

``content/<course-slug>/course.yml`` names the lessons (Markdown) and the quizzes (GIFT);
``content/programs.yml`` lists the programs. Everything is read and checked before anything
is written, and problems are collected rather than raised, so one run reports them all,
each as "file, line N, field F: what is wrong".
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lms.courses.gift import GiftError, Question, parse_gift_bytes, question_to_dict
from lms.courses.models import LEVELS
from lms.i18n import _
from lms.kb.frontmatter import DocumentError
from lms.yamlfile import LineDict, YamlProblem, read_yaml

COURSE_FILE = "course.yml"
PROGRAMS_FILE = "programs.yml"
SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")
LESSON_NAME_RE = re.compile(r"[A-Za-z0-9][\w.-]{0,115}\.md")
QUIZ_NAME_RE = re.compile(r"[A-Za-z0-9][\w.-]{0,195}\.gift")
EMBED_RE = re.compile(r"^\[\[article:([^\]\s]+)\]\]\s*$")
QUIZ_FIELDS = {"pre_test": "pre", "post_test": "post", "quiz": "final"}
COURSE_KEYS = (
    *("title", "summary", "language", "level", "duration_minutes", "pass_score"),
    *("max_attempts", "cost_per_participant", "skills", "shuffle_answers", "lessons"),
    *QUIZ_FIELDS,
)
MAX_TITLE = 200
MAX_COST = Decimal("9999999999")


@dataclass
class LessonFile:
    slug: str
    name: str  # path under the content directory, for messages
    title: str
    body: str
    embeds: list[tuple[int, str]] = field(default_factory=list)  # (line, article slug)


@dataclass
class QuizFile:
    kind: str  # pre, post, final
    name: str
    text: str
    digest: str
    questions: list[Question]

    def question_dicts(self) -> list[dict[str, Any]]:
        return [question_to_dict(q) for q in self.questions]


@dataclass
class CourseFile:
    slug: str
    name: str  # "<slug>/course.yml"
    title: str
    summary: str = ""
    language: str = "ru"
    level: str = "basic"
    duration_minutes: int = 0
    pass_score: int = 70
    max_attempts: int = 0
    cost_per_participant: Decimal = Decimal(0)
    shuffle_answers: bool = True
    skills: dict[str, int] = field(default_factory=dict)
    skill_line: int = 1
    lessons: list[LessonFile] = field(default_factory=list)
    quizzes: dict[str, QuizFile] = field(default_factory=dict)
    digest: str = ""


@dataclass
class LevelEntry:
    title: str
    badge: str
    courses: list[str]
    line: int


@dataclass
class ProgramEntry:
    slug: str
    title: str
    summary: str
    levels: list[LevelEntry]
    line: int


@dataclass
class ContentSources:
    """Everything read from a content directory, and what was wrong with it."""

    courses: list[CourseFile] = field(default_factory=list)
    programs: list[ProgramEntry] = field(default_factory=list)
    has_programs: bool = False
    problems: list[str] = field(default_factory=list)
    # Every course folder found, read or not: a program naming a course whose files have
    # problems gets those problems, not a second "there is no course".
    folders: set[str] = field(default_factory=set)


def read_content(content_dir: Path) -> ContentSources:
    """Read every ``*/course.yml`` (with its lessons and quizzes) and ``programs.yml``."""
    sources = ContentSources()
    for path in sorted(content_dir.glob(f"*/{COURSE_FILE}")):
        sources.folders.add(path.parent.name)
        course = _read_course(path, content_dir, sources.problems)
        if course is not None:
            sources.courses.append(course)
    programs = content_dir / PROGRAMS_FILE
    if programs.is_file():
        sources.has_programs = True
        sources.programs = _read_programs(programs, sources.problems)
    return sources


def _problem(name: str, line: int, key: str | None, problem: str) -> str:
    return DocumentError(name, line, key, problem).message


# course.yml ---------------------------------------------------------------------------------


class _Fields:
    """Checks the values of one YAML mapping, noting each problem at its key's line."""

    def __init__(self, data: LineDict, name: str, problems: list[str]) -> None:
        self.data, self.name, self.problems = data, name, problems

    def fail(self, key: str, problem: str) -> None:
        self.problems.append(_problem(self.name, self.data.line_of(key), key, problem))

    def text(self, key: str, *, required: bool = False, limit: int | None = None) -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self.fail(key, _("this field is required."))
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.fail(key, _("expected text."))
            return ""
        value = str(value).strip()
        if limit and len(value) > limit:
            self.fail(key, _("at most %(num)d characters.", num=limit))
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(
                key, _("expected a whole number from %(low)d to %(high)d.", low=low, high=high)
            )
            return default
        return value

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if value not in choices:
            self.fail(key, _("expected one of: %(choices)s.", choices=", ".join(choices)))
            return default
        return str(value)

    def money(self, key: str) -> Decimal:
        value = self.data.get(key, 0)
        try:
            amount = Decimal(str(value)) if not isinstance(value, bool) else Decimal(-1)
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or not Decimal(0) <= amount <= MAX_COST:
            self.fail(key, _("expected an amount of money, 0 or more."))
            return Decimal(0)
        return amount.quantize(Decimal("0.01"))


def _read_course(path: Path, content_dir: Path, problems: list[str]) -> CourseFile | None:
    slug = path.parent.name
    name = f"{slug}/{COURSE_FILE}"
    if not SLUG_RE.fullmatch(slug):
        problems.append(
            _problem(
                name, 1, None,
                _("the folder name must be a course slug: lowercase Latin letters, digits "
                  "and hyphens."),
            )
        )  # fmt: skip
        return None
    try:
        data = read_yaml(path)
    except YamlProblem as error:
        problems.append(_problem(name, error.line, None, error.problem))
        return None
    if not isinstance(data, LineDict):
        problems.append(_problem(name, 1, None, _("expected “key: value” lines.")))
        return None
    before = len(problems)
    fields = _Fields(data, name, problems)
    for key in data:
        if key not in COURSE_KEYS:
            fields.fail(
                key, _("unknown field; expected one of: %(keys)s.", keys=", ".join(COURSE_KEYS))
            )
    course = CourseFile(
        slug=slug,
        name=name,
        title=fields.text("title", required=True, limit=MAX_TITLE),
        summary=fields.text("summary"),
        language=fields.choice("language", "ru", ("ru", "en")),
        level=fields.choice("level", "basic", LEVELS),
        duration_minutes=fields.integer("duration_minutes", 0, 0, 100_000),
        pass_score=fields.integer("pass_score", 70, 0, 100),
        max_attempts=fields.integer("max_attempts", 0, 0, 100),
        cost_per_participant=fields.money("cost_per_participant"),
        shuffle_answers=_flag(fields, "shuffle_answers", True),
        skills=_skills(fields),
        skill_line=data.line_of("skills"),
    )
    course.lessons = _lessons(fields, path.parent, slug)
    for key, kind in QUIZ_FIELDS.items():
        quiz = _quiz(fields, key, kind, path.parent, slug)
        if quiz is not None:
            course.quizzes[kind] = quiz
    if len(problems) > before:
        return None
    course.digest = _digest(course)
    return course


def _flag(fields: _Fields, key: str, default: bool) -> bool:
    value = fields.data.get(key, default)
    if not isinstance(value, bool):
        fields.fail(key, _("expected true or false."))
        return default
    return value


def _skills(fields: _Fields) -> dict[str, int]:
    value = fields.data.get("skills") or {}
    if not isinstance(value, dict):
        fields.fail("skills", _("expected “{skill code: level}”."))
        return {}
    skills: dict[str, int] = {}
    for code, level in value.items():
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 4:
            fields.fail("skills", _("the level of “%(code)s” must be 0 to 4.", code=code))
            continue
        skills[str(code)] = level
    return skills


def _lessons(fields: _Fields, folder: Path, slug: str) -> list[LessonFile]:
    names = fields.data.get("lessons")
    if not isinstance(names, list) or not names:
        fields.fail("lessons", _("expected a list of lesson files (Markdown), at least one."))
        return []
    lessons, seen = [], set()
    for lesson_name in names:
        if not isinstance(lesson_name, str) or not LESSON_NAME_RE.fullmatch(lesson_name):
            fields.fail(
                "lessons", _("“%(name)s” is not a lesson file name (*.md).", name=lesson_name)
            )
            continue
        if lesson_name in seen:
            fields.fail("lessons", _("“%(name)s” is listed twice.", name=lesson_name))
            continue
        seen.add(lesson_name)
        lesson = _read_lesson(fields, folder / lesson_name, f"{slug}/{lesson_name}")
        if lesson is not None:
            lessons.append(lesson)
    return lessons


def _read_lesson(fields: _Fields, path: Path, name: str) -> LessonFile | None:
    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        fields.fail("lessons", _("there is no file %(name)s.", name=name))
        return None
    except (OSError, UnicodeDecodeError):
        fields.problems.append(_problem(name, 1, None, _("the file is not UTF-8 text.")))
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines[0].startswith("# ") or not lines[0][2:].strip():
        fields.problems.append(
            _problem(name, 1, None, _("a lesson starts with its title: a line “# Title”."))
        )
        return None
    embeds = [(n, m[1]) for n, line in enumerate(lines, 1) if (m := EMBED_RE.match(line.strip()))]
    body = "\n".join(lines[1:]).strip("\n") + "\n"
    title = lines[0][2:].strip()[:MAX_TITLE]
    return LessonFile(slug=path.stem, name=name, title=title, body=body, embeds=embeds)


def _quiz(fields: _Fields, key: str, kind: str, folder: Path, slug: str) -> QuizFile | None:
    quiz_name = fields.data.get(key)
    if quiz_name is None:
        return None
    if not isinstance(quiz_name, str) or not QUIZ_NAME_RE.fullmatch(quiz_name):
        fields.fail(key, _("“%(name)s” is not a quiz file name (*.gift).", name=quiz_name))
        return None
    name = f"{slug}/{quiz_name}"
    try:
        data = (folder / quiz_name).read_bytes()
    except OSError:
        fields.fail(key, _("there is no file %(name)s.", name=name))
        return None
    try:
        questions = parse_gift_bytes(data, name)
    except GiftError as error:
        fields.problems.extend(str(problem) for problem in error.problems)
        return None
    if not any(q.max_mark > 0 for q in questions):
        fields.problems.append(_problem(name, 1, None, _("the quiz has no question to answer.")))
        return None
    text = data.decode("utf-8-sig").replace("\r\n", "\n")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return QuizFile(kind=kind, name=name, text=text, digest=digest, questions=questions)


def _digest(course: CourseFile) -> str:
    """The hash of everything sync writes for a course: unchanged files do nothing."""
    state = {
        "fields": [
            *(course.title, course.summary, course.language, course.level),
            *(course.duration_minutes, course.pass_score, course.max_attempts),
            *(str(course.cost_per_participant), course.shuffle_answers),
        ],
        "skills": sorted(course.skills.items()),
        "lessons": [(x.slug, x.title, x.body) for x in course.lessons],
        "quizzes": sorted((kind, quiz.digest) for kind, quiz in course.quizzes.items()),
    }
    return hashlib.sha256(json.dumps(state, ensure_ascii=False).encode()).hexdigest()


# programs.yml -------------------------------------------------------------------------------


def _read_programs(path: Path, problems: list[str]) -> list[ProgramEntry]:
    try:
        data = read_yaml(path)
    except YamlProblem as error:
        problems.append(_problem(PROGRAMS_FILE, error.line, None, error.problem))
        return []
    items = data.get("programs") if isinstance(data, LineDict) else None
    if not isinstance(items, list):
        problems.append(_problem(PROGRAMS_FILE, 1, "programs", _("expected a “programs:” list.")))
        return []
    programs: list[ProgramEntry] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, LineDict):
            problems.append(
                _problem(PROGRAMS_FILE, 1, "programs", _("expected “key: value” lines."))
            )
            continue
        program = _program(item, problems)
        if program is None:
            continue
        if program.slug in seen:
            problems.append(
                _problem(PROGRAMS_FILE, item.line_of("slug"), "slug",
                         _("the slug “%(slug)s” is used twice.", slug=program.slug))
            )  # fmt: skip
            continue
        seen.add(program.slug)
        programs.append(program)
    return programs


def _program(item: LineDict, problems: list[str]) -> ProgramEntry | None:
    before = len(problems)
    fields = _Fields(item, PROGRAMS_FILE, problems)
    slug = fields.text("slug", required=True)
    if slug and not SLUG_RE.fullmatch(slug):
        fields.fail("slug", _("lowercase Latin letters, digits and hyphens."))
    title = fields.text("title", required=True, limit=MAX_TITLE)
    summary = fields.text("summary")
    levels_data = item.get("levels")
    if not isinstance(levels_data, list) or not levels_data:
        fields.fail("levels", _("expected a list of levels, at least one."))
        return None
    levels, used = [], set()
    for level_data in levels_data:
        if not isinstance(level_data, LineDict):
            fields.fail("levels", _("each level needs “title”, “badge” and “courses”."))
            continue
        level_fields = _Fields(level_data, PROGRAMS_FILE, problems)
        courses = level_data.get("courses")
        if (
            not isinstance(courses, list)
            or not courses
            or not all(isinstance(c, str) for c in courses)
        ):
            level_fields.fail("courses", _("expected a list of course slugs, at least one."))
            courses = []
        for slug_in_level in courses:
            if slug_in_level in used:
                level_fields.fail(
                    "courses", _("the course “%(slug)s” is in two levels.", slug=slug_in_level)
                )
            used.add(slug_in_level)
        levels.append(
            LevelEntry(
                title=level_fields.text("title", required=True, limit=MAX_TITLE),
                badge=level_fields.text("badge", required=True, limit=MAX_TITLE),
                courses=list(courses),
                line=level_data.line_of("courses"),
            )
        )
    if len(problems) > before:
        return None
    return ProgramEntry(slug=slug, title=title, summary=summary, levels=levels, line=item.line)
