"""Course and program files to the database: the course half of ``flask lms sync``.

Files are read and checked first (``lms.courses.files``); references (skills, embedded
articles, a program's courses) are checked against the database next; only then is
anything written, and the caller rolls back on ``SyncError``, so a run imports every file
or none. A course whose files hash as last time is left alone. A changed quiz file becomes
a new quiz version: attempts keep pointing at the version they were taken on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lms.courses.files import (
    PROGRAMS_FILE,
    ContentSources,
    CourseFile,
    ProgramEntry,
    QuizFile,
    read_content,
)
from lms.courses.models import (
    Course,
    CourseSkill,
    Lesson,
    Program,
    ProgramLevel,
    Quiz,
    QuizVersion,
)
from lms.i18n import _
from lms.kb.files import Progress, quiet
from lms.kb.frontmatter import DocumentError
from lms.kb.queries import articles_by_slug
from lms.kb.sync import SyncError
from lms.models_base import utcnow
from lms.skills.services import skills_by_code


@dataclass
class ContentReport:
    """What a course sync did (or, in a dry run, would do)."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    # (course slug, quiz kind, file, version number) of each new quiz version
    quiz_versions: list[tuple[str, str, str, int]] = field(default_factory=list)
    programs_created: int = 0
    programs_updated: int = 0


def sync_content(
    session: Session, content_dir: Path, *, progress: Progress = quiet
) -> ContentReport:
    """Import every course folder and ``programs.yml`` under ``content_dir``, or raise
    ``SyncError`` listing every problem (the caller rolls back)."""
    sources = read_content(content_dir)
    problems = list(sources.problems) + reference_problems(session, sources)
    if problems:
        raise SyncError(problems)
    report = ContentReport()
    existing = {
        c.slug: c
        for c in session.scalars(
            select(Course).options(
                selectinload(Course.lessons),
                selectinload(Course.skill_rows),
                selectinload(Course.quizzes).selectinload(Quiz.current_version),
            )
        )
    }
    skills = skills_by_code(session, {code for c in sources.courses for code in c.skills})
    for count, item in enumerate(sources.courses, start=1):
        course = existing.get(item.slug)
        if course is not None and course.file_hash == item.digest:
            report.unchanged += 1
            continue
        (report.updated if course else report.created).append(item.slug)
        existing[item.slug] = _write_course(session, item, course, skills, report)
        progress(_("Courses: %(done)d/%(total)d…", done=count, total=len(sources.courses)))
    session.flush()
    for entry in sources.programs:
        _write_program(session, entry, existing, report)
    session.flush()
    return report


def reference_problems(session: Session, sources: ContentSources) -> list[str]:
    """Skills, embedded articles and program courses that do not exist."""
    problems: list[str] = []
    codes = {code for c in sources.courses for code in c.skills}
    known_skills = skills_by_code(session, codes)
    slugs = {slug for c in sources.courses for lesson in c.lessons for _n, slug in lesson.embeds}
    known_articles = articles_by_slug(session, sorted(slugs))
    for course in sources.courses:
        for code in course.skills:
            if code not in known_skills:
                problems.append(
                    DocumentError(
                        course.name, course.skill_line, "skills",
                        _("there is no skill “%(code)s” in skills.yml.", code=code),
                    ).message
                )  # fmt: skip
        for lesson in course.lessons:
            for line, slug in lesson.embeds:
                if slug not in known_articles:
                    problems.append(
                        DocumentError(
                            lesson.name, line, None,
                            _("there is no knowledge-base article “%(slug)s”.", slug=slug),
                        ).message
                    )  # fmt: skip
    problems += _program_course_problems(session, sources)
    return problems


def _program_course_problems(session: Session, sources: ContentSources) -> list[str]:
    known = sources.folders | set(session.scalars(select(Course.slug)))
    problems = []
    for program in sources.programs:
        for level in program.levels:
            for slug in level.courses:
                if slug not in known:
                    problems.append(
                        DocumentError(
                            PROGRAMS_FILE, level.line, "courses",
                            _("there is no course “%(slug)s”.", slug=slug),
                        ).message
                    )  # fmt: skip
    return problems


# Writing -------------------------------------------------------------------------------------


def _write_course(
    session: Session,
    item: CourseFile,
    course: Course | None,
    skills: dict,
    report: ContentReport,
) -> Course:
    if course is None:
        course = Course(slug=item.slug)
        session.add(course)
    course.title, course.summary, course.language = item.title, item.summary, item.language
    course.level, course.duration_minutes = item.level, item.duration_minutes
    course.pass_score, course.max_attempts = item.pass_score, item.max_attempts
    course.cost_per_participant, course.shuffle_answers = (
        item.cost_per_participant,
        item.shuffle_answers,
    )
    course.is_active, course.file_hash, course.updated_at = True, item.digest, utcnow()
    _write_skills(course, item, skills)
    _write_lessons(course, item)
    for kind in ("pre", "post", "final"):
        _write_quiz(session, course, kind, item.quizzes.get(kind), report)
    return course


def _write_skills(course: Course, item: CourseFile, skills: dict) -> None:
    rows = {row.skill.code: row for row in course.skill_rows}
    course.skill_rows = [
        _skill_row(rows.get(code), skills[code], level) for code, level in item.skills.items()
    ]


def _skill_row(row: CourseSkill | None, skill, level: int) -> CourseSkill:
    row = row or CourseSkill(skill=skill)
    row.level = level
    return row


def _write_lessons(course: Course, item: CourseFile) -> None:
    """Lessons by slug: updated in place (progress stays), new ones added, dropped ones
    kept inactive so finished lessons stay in people's history."""
    by_slug = {lesson.slug: lesson for lesson in course.lessons}
    wanted = set()
    for position, lesson_file in enumerate(item.lessons):
        lesson = by_slug.get(lesson_file.slug)
        if lesson is None:
            lesson = Lesson(slug=lesson_file.slug)
            course.lessons.append(lesson)
        lesson.title, lesson.body = lesson_file.title, lesson_file.body
        lesson.position, lesson.is_active = position, True
        wanted.add(lesson_file.slug)
    for lesson in course.lessons:
        if lesson.slug not in wanted:
            lesson.is_active = False
            lesson.position = 1000 + lesson.position % 1000


def _write_quiz(
    session: Session, course: Course, kind: str, item: QuizFile | None, report: ContentReport
) -> None:
    quiz = next((q for q in course.quizzes if q.kind == kind), None)
    if item is None:
        if quiz is not None:
            quiz.is_active = False
        return
    if quiz is None:
        quiz = Quiz(kind=kind)
        course.quizzes.append(quiz)
    quiz.is_active = True
    current = quiz.current_version
    if current is not None and current.source_hash == item.digest:
        return
    version = QuizVersion(
        quiz=quiz,
        number=(current.number + 1) if current else 1,
        source_name=item.name,
        source_hash=item.digest,
        gift=item.text,
        questions=item.question_dicts(),
    )
    session.add(version)
    quiz.current_version = version
    report.quiz_versions.append((course.slug, kind, item.name, version.number))


def _write_program(
    session: Session, entry: ProgramEntry, courses: dict[str, Course], report: ContentReport
) -> None:
    program = session.scalar(
        select(Program).where(Program.slug == entry.slug).options(
            selectinload(Program.levels).selectinload(ProgramLevel.courses)
        )
    )  # fmt: skip
    before = _program_state(program)
    if program is None:
        program = Program(slug=entry.slug)
        session.add(program)
    program.title, program.summary, program.is_active = entry.title, entry.summary, True
    levels = list(program.levels)
    for position, level_entry in enumerate(entry.levels):
        if position < len(levels):
            level = levels[position]
        else:
            level = ProgramLevel(position=position)
            program.levels.append(level)
        level.title, level.badge = level_entry.title, level_entry.badge
        level.courses = [courses[slug] for slug in level_entry.courses]
    for extra in levels[len(entry.levels) :]:
        program.levels.remove(extra)
    after = _program_state(program)
    if before is None:
        report.programs_created += 1
    elif before != after:
        report.programs_updated += 1


def _program_state(program: Program | None) -> tuple | None:
    if program is None:
        return None
    return (
        program.title,
        program.summary,
        tuple(
            (lv.title, lv.badge, tuple(sorted(c.slug for c in lv.courses))) for lv in program.levels
        ),
    )
