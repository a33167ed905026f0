"""Levels 1 and 3 of the Phillips model: the reaction questionnaire after a course, the
follow-up surveys of participants and mentors on their due days, and evaluations kept in
the database (HR's YAML editor and the file sync, with conflicts after an edit in the app).

Dates are relative to the real today, as the pages see it: Ann completed the course 30 days
ago, so her 30-day survey (and her mentor's) is due today and the 90-day one is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from lms.auth.models import Mentorship, User
from lms.courses.models import BadgeAward, Course, Enrolment, Program, ProgramLevel
from lms.errors import ServiceError
from lms.evaluation import phillips, surveys
from lms.evaluation.catalogue import load_metrics
from lms.evaluation.definition import DefinitionError, parse_definition
from lms.evaluation.survey_models import Evaluation, FollowUpSurvey, ReactionResponse
from lms.evaluation.survey_views import example_text
from lms.extensions import db
from lms.models_base import utcnow
from lms.yamlfile import load_yaml, read_yaml
from tests.conftest import ROOT, Browser

COURSE = "neg-course"
SLUG = "neg-2026"
TODAY = utcnow().date()
DONE = TODAY - timedelta(days=30)  # Ann's completion: the 30-day survey is due today
METRICS_YML = """\
metrics:
  - {code: dsat, name: {ru: DSAT, en: DSAT}, unit: "%", direction: lower}
  - {code: csat, name: {ru: CSAT, en: CSAT}, unit: "%", direction: higher}
  - {code: qa-score, name: {ru: QA, en: QA}, unit: points, direction: higher}
"""
BEHAVIOURS = ["Lets the customer finish", "Names a next step and its deadline"]


def definition_yml(course: str = COURSE, *, start: date | None = None) -> str:
    start = start or DONE - timedelta(days=60)
    return (
        f"title: Negativity, this year\ncourse: {course}\n"
        f"completed_from: {start}\ncompleted_to: {DONE + timedelta(days=60)}\n"
        "before_months: 3\nafter_months: 3\ncontrol_group: true\n"
        "metrics:\n  dsat: 2500\n  csat: 1200\n  qa-score: null\n"
        "costs:\n  development: 1000\n  delivery_per_participant: 100\n  hourly_cost: 10\n"
        "follow_up_days: [30, 90]\n"
        f"behaviours:\n  - {BEHAVIOURS[0]}\n  - {BEHAVIOURS[1]}\n"
    )


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


def complete(user_id: int, course_id: int, day: date) -> None:
    db.session.add(Enrolment(user_id=user_id, course_id=course_id, completed_at=at(day)))


@pytest.fixture
def world(app: Flask, make_user: Any) -> dict[str, Any]:
    """Ann completed the course 30 days ago and Meg mentors her; Bob completed it too; Cid
    did not; Nia mentors nobody yet; Hal is HR. The evaluation covers 60 days either side
    of Ann's completion."""
    people = {
        key: make_user(role, name=name, locale="en", email=f"{key}@surveys.example")
        for key, role, name in (
            ("ann", "agent", "Ann Agent"),
            ("bob", "agent", "Bob Agent"),
            ("cid", "agent", "Cid Agent"),
            ("meg", "mentor", "Meg Mentor"),
            ("nia", "mentor", "Nia New"),
            ("hal", "hr", "Hal HR"),
        )
    }
    with app.test_request_context():
        course = Course(slug=COURSE, title="Handling negativity")
        other = Course(slug="customer-negativity", title="The shipped course")
        db.session.add_all([course, other])
        db.session.flush()
        load_metrics(db.session, load_yaml(METRICS_YML), filename="metrics.yml")
        complete(people["ann"].id, course.id, DONE)
        complete(people["bob"].id, course.id, DONE - timedelta(days=5))
        db.session.add(
            Mentorship(
                mentor_id=people["meg"].id,
                mentee_id=people["ann"].id,
                started_on=DONE - timedelta(days=100),
            )
        )
        surveys.save_evaluation(db.session, SLUG, definition_yml(), actor=None, now=utcnow())
        db.session.commit()
        ids = {"course": course.id}
    return {**people, **ids}


@pytest.fixture
def svc(world: dict[str, Any], app: Flask) -> Iterator[dict[str, Any]]:
    """The world, inside a request context for calling services directly."""
    with app.test_request_context():
        yield world


def me(user: User) -> User:
    found = db.session.get(User, user.id)
    assert found is not None
    return found


def course() -> Course:
    found = db.session.scalar(select(Course).where(Course.slug == COURSE))
    assert found is not None
    return found


def evaluation() -> Evaluation:
    found = surveys.evaluation_by_slug(db.session, SLUG)
    assert found is not None
    return found


def sign_in(app: Flask, user: User) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(user.email).status_code == 302
    return browser


def pending(user: User, today: date = TODAY) -> list[tuple[str, str, int]]:
    return [
        (p.participant.name, p.role, p.days_after)
        for p in surveys.pending_surveys(db.session, me(user), today)
    ]


def answer(user: User, participant: User, role: str, **changes: Any) -> FollowUpSurvey:
    values: dict[str, Any] = {
        "answers": dict.fromkeys(BEHAVIOURS, 4),
        "barriers": "No time",
        "enablers": "The checklist",
        "estimate_pct": 50 if role == "participant" else None,
        "confidence_pct": 80 if role == "participant" else None,
        "now": utcnow(),
        **changes,
    }
    return surveys.save_survey(
        db.session, evaluation(), me(participant), me(user), role, 30, values.pop("answers"),
        values.pop("barriers"), values.pop("enablers"), values.pop("estimate_pct"),
        values.pop("confidence_pct"), values.pop("now"),
    )  # fmt: skip


# Level 1: the reaction questionnaire -------------------------------------------------------


def test_the_reaction_is_due_only_after_completion_and_only_once(svc):
    cid, ann = me(svc["cid"]), me(svc["ann"])
    assert not surveys.reaction_due(db.session, cid, course())
    with pytest.raises(ServiceError):
        surveys.save_reaction(db.session, cid, course(), 5, 5, 5, "", utcnow())
    assert surveys.reaction_due(db.session, ann, course())
    surveys.save_reaction(db.session, ann, course(), "4", 5, 3, " Paraphrase ", utcnow())
    assert not surveys.reaction_due(db.session, ann, course())
    with pytest.raises(ServiceError):
        surveys.save_reaction(db.session, ann, course(), 5, 5, 5, "", utcnow())
    found = surveys.reactions_for(db.session, course().id, [ann.id, cid.id])
    assert found == [phillips.ReactionResponse(4, 5, 3, "Paraphrase")]
    assert surveys.reactions_for(db.session, course().id, []) == []


def test_a_second_submit_racing_the_first_is_refused_not_a_crash(svc, monkeypatch):
    """Both requests passed the "answered already?" check before either saved."""
    ann = me(svc["ann"])
    monkeypatch.setattr(surveys, "reaction_of", lambda *_args: None)
    surveys.save_reaction(db.session, ann, course(), 5, 5, 5, "", utcnow())
    with pytest.raises(ServiceError, match="answered already"):
        surveys.save_reaction(db.session, ann, course(), 4, 4, 4, "", utcnow())
    assert db.session.scalar(select(func.count(ReactionResponse.id))) == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ((0, 5, 5, ""), "satisfaction"),
        ((5, 6, 5, ""), "relevance"),
        ((5, 5, "often", ""), "intent"),
        ((5, 5, None, ""), "intent"),
        ((5, 5, 5, "x" * 2001), "planned_actions"),
    ],
)
def test_the_reaction_answers_are_checked(svc, values, field):
    with pytest.raises(ServiceError) as error:
        surveys.save_reaction(db.session, me(svc["ann"]), course(), *values, utcnow())
    assert error.value.field == field
    assert db.session.scalar(select(func.count(ReactionResponse.id))) == 0


def test_the_reaction_page(app, world):
    ann = sign_in(app, world["ann"])
    url = f"/courses/{COURSE}/reaction"
    assert sign_in(app, world["cid"]).get(url).status_code == 403
    assert ann.get("/courses/nope/reaction").status_code == 404
    html = ann.get(url).get_data(as_text=True)
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3
    assert 'type="radio" id="satisfaction-1" name="satisfaction" value="1"' in html
    wrong = ann.post(url, {"satisfaction": "5", "relevance": "9", "intent": "4"})
    assert wrong.status_code == 400 and "from 1 to 5" in wrong.get_data(as_text=True)
    sent = ann.post(
        url, {"satisfaction": "5", "relevance": "4", "intent": "4", "planned_actions": "Listen"}
    )
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/courses/{COURSE}")
    assert "already answered" in ann.get(url).get_data(as_text=True)
    with app.test_request_context():
        assert db.session.scalar(select(func.count(ReactionResponse.id))) == 1


def test_the_course_page_prompts_until_answered(app, world):
    ann = sign_in(app, world["ann"])
    assert "data-reaction-prompt" in ann.get(f"/courses/{COURSE}").get_data(as_text=True)
    with app.test_request_context():
        surveys.save_reaction(db.session, me(world["ann"]), course(), 5, 5, 5, "", utcnow())
        db.session.commit()
    assert "data-reaction-prompt" not in ann.get(f"/courses/{COURSE}").get_data(as_text=True)
    page = sign_in(app, world["cid"]).get(f"/courses/{COURSE}").get_data(as_text=True)
    assert "data-reaction-prompt" not in page


# Level 3: what is due, to whom ---------------------------------------------------------------


def test_surveys_are_due_on_the_day_for_the_participant_and_the_mentor(svc):
    ann, meg = svc["ann"], svc["meg"]
    yesterday = TODAY - timedelta(days=1)
    assert pending(ann, yesterday) == [] and pending(meg, yesterday) == []
    assert pending(ann) == [("Ann Agent", "participant", 30)]
    assert pending(meg) == [("Ann Agent", "mentor", 30)]
    assert pending(svc["cid"]) == [] and pending(svc["hal"]) == []
    later = DONE + timedelta(days=90)
    assert pending(ann, later) == [
        ("Ann Agent", "participant", 30),
        ("Ann Agent", "participant", 90),
    ]


def test_an_answered_survey_is_no_longer_pending(svc):
    ann, meg = svc["ann"], svc["meg"]
    answer(ann, ann, "participant")
    assert pending(ann) == []
    assert pending(meg) == [("Ann Agent", "mentor", 30)]
    answer(meg, ann, "mentor")
    assert pending(meg) == []
    assert surveys.survey_answers(db.session, evaluation()) == [
        phillips.SurveyAnswer("participant", dict.fromkeys(BEHAVIOURS, 4), "No time",
                              "The checklist", 50.0, 80.0, 30),
        phillips.SurveyAnswer("mentor", dict.fromkeys(BEHAVIOURS, 4), "No time",
                              "The checklist", None, None, 30),
    ]  # fmt: skip


def test_the_mentor_is_the_one_of_the_due_day(svc):
    ann, meg, new = me(svc["ann"]), me(svc["meg"]), me(svc["nia"])
    mentorship = db.session.scalar(select(Mentorship).where(Mentorship.mentee_id == ann.id))
    mentorship.ended_on = TODAY + timedelta(days=1)  # Meg mentored her on the due day
    db.session.add(Mentorship(mentor_id=new.id, mentee_id=ann.id, started_on=mentorship.ended_on))
    db.session.flush()
    later = TODAY + timedelta(days=5)
    assert pending(meg, later) == [("Ann Agent", "mentor", 30)]
    assert pending(new, later) == []
    # Nobody mentored her on the due day: the mentor of today answers.
    mentorship.started_on = mentorship.ended_on = TODAY + timedelta(days=1)
    db.session.flush()
    assert pending(meg, later) == []
    assert pending(new, later) == [("Ann Agent", "mentor", 30)]


def test_pending_surveys_take_the_same_few_queries_for_many_mentees(svc, count_queries):
    meg = me(svc["meg"])
    first = count_queries(lambda: surveys.pending_surveys(db.session, meg, TODAY))
    for key in ("bob", "cid"):
        db.session.add(Mentorship(mentor_id=meg.id, mentee_id=svc[key].id, started_on=DONE))
    complete(svc["cid"].id, course().id, DONE)
    db.session.flush()
    assert len(pending(meg)) == 3
    assert count_queries(lambda: surveys.pending_surveys(db.session, meg, TODAY)) == first <= 6


def test_completions_outside_the_period_do_not_count(svc):
    bob = me(svc["bob"])
    assert set(surveys.participants_of(db.session, evaluation())) == {svc["ann"].id, bob.id}
    surveys.save_evaluation(
        db.session, SLUG, definition_yml(start=DONE - timedelta(days=1)), actor=None, now=utcnow()
    )
    assert surveys.participants_of(db.session, evaluation()) == {svc["ann"].id: DONE}
    assert pending(bob, TODAY + timedelta(days=200)) == []


def test_a_program_is_completed_with_the_badge_of_its_last_level(svc):
    ann, bob = me(svc["ann"]), me(svc["bob"])
    program = Program(slug="path", title="Path")
    levels = [ProgramLevel(position=n, title=f"L{n}", badge="B") for n in (1, 2)]
    program.levels = levels
    db.session.add(program)
    db.session.flush()
    db.session.add_all(
        [
            BadgeAward(user_id=ann.id, level_id=levels[0].id, awarded_at=at(DONE - timedelta(3))),
            BadgeAward(user_id=ann.id, level_id=levels[1].id, awarded_at=at(DONE)),
            BadgeAward(user_id=bob.id, level_id=levels[0].id, awarded_at=at(DONE)),
        ]
    )
    text = definition_yml().replace(f"course: {COURSE}", "program: path")
    saved = surveys.save_evaluation(db.session, "path-eval", text, actor=None, now=utcnow())
    assert saved.program_id == program.id and saved.course_id is None
    assert surveys.participants_of(db.session, saved) == {ann.id: DONE}


# Level 3: answers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role", "changes", "field"),
    [
        ("ann", "participant", {"answers": {BEHAVIOURS[0]: 4}}, "behaviour-1"),
        ("ann", "participant", {"answers": dict.fromkeys(BEHAVIOURS, 6)}, "behaviour-0"),
        ("ann", "participant", {"answers": {**dict.fromkeys(BEHAVIOURS, 3), "Other": 3}}, None),
        ("ann", "participant", {"estimate_pct": 101}, "estimate_pct"),
        ("ann", "participant", {"confidence_pct": "many"}, "confidence_pct"),
        ("ann", "participant", {"confidence_pct": None}, "confidence_pct"),
        ("ann", "participant", {"barriers": "x" * 2001}, "barriers"),
        ("meg", "mentor", {"estimate_pct": 50, "confidence_pct": 50}, "estimate_pct"),
        ("bob", "participant", {}, None),  # someone else's survey
        ("cid", "mentor", {}, None),  # not her mentor
        ("ann", "participant", {"now": utcnow() - timedelta(days=1)}, None),  # not due yet
    ],
)
def test_survey_answers_are_checked(svc, who, role, changes, field):
    with pytest.raises(ServiceError) as error:
        answer(svc[who], svc["ann"], role, **changes)
    assert error.value.field == field
    assert db.session.scalar(select(func.count(FollowUpSurvey.id))) == 0


def test_a_survey_is_answered_once(svc):
    answer(svc["ann"], svc["ann"], "participant", estimate_pct="", confidence_pct=None)
    with pytest.raises(ServiceError):
        answer(svc["ann"], svc["ann"], "participant")


# Level 3: pages ------------------------------------------------------------------------------


def test_the_survey_pages(app, world):
    ann, meg, cid = (sign_in(app, world[key]) for key in ("ann", "meg", "cid"))
    url = f"/surveys/{SLUG}/{world['ann'].id}/participant/30"
    assert "data-surveys-waiting" in ann.get("/").get_data(as_text=True)
    assert url in ann.get("/surveys").get_data(as_text=True)
    html = ann.get(url).get_data(as_text=True)
    assert BEHAVIOURS[1] in html and "never" in html and "always" in html
    assert 'name="estimate_pct"' in html and "how sure you are" in html
    mentor_url = url.replace("participant", "mentor")
    assert 'name="estimate_pct"' not in meg.get(mentor_url).get_data(as_text=True)
    for browser, address in ((cid, url), (meg, url), (cid, mentor_url), (ann, mentor_url)):
        assert browser.get(address).status_code == 403
    assert ann.get(url.removesuffix("30") + "90").status_code == 403  # not due yet
    assert ann.get(f"/surveys/nope/{world['ann'].id}/participant/30").status_code == 404
    form = {"behaviour-0": "4", "behaviour-1": "5", "estimate_pct": "40", "confidence_pct": "70"}
    wrong = ann.post(url, {**form, "behaviour-1": ""})
    assert wrong.status_code == 400 and "from 1 to 5" in wrong.get_data(as_text=True)
    sent = ann.post(url, form)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/surveys")
    assert "answered already" in ann.get(url).get_data(as_text=True)
    page = ann.get("/surveys").get_data(as_text=True)
    assert url not in page and "Nothing to answer now" in page
    assert "data-surveys-waiting" not in ann.get("/").get_data(as_text=True)
    assert mentor_url in meg.get("/surveys").get_data(as_text=True)


# Evaluations: HR's editor --------------------------------------------------------------------


def stored(app: Flask, slug: str = SLUG) -> Evaluation | None:
    with app.test_request_context():
        found = surveys.evaluation_by_slug(db.session, slug)
        if found is not None:
            db.session.expunge(found)
        return found


def test_hr_lists_and_edits_evaluations(app, world):
    hal = sign_in(app, world["hal"])
    listing = hal.get("/evaluations").get_data(as_text=True)
    assert "Negativity, this year" in listing and f"/evaluations/{SLUG}/edit" in listing
    assert "from the file" in listing
    url = f"/evaluations/{SLUG}/edit"
    assert "completed_from:" in hal.get(url).get_data(as_text=True)
    before = stored(app)
    broken = definition_yml().replace("before_months: 3", "before_months: 30")
    broken = broken.replace("  csat: 1200", "  nps: 1")
    refused = hal.post(url, {"source": broken})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nothing was saved" in html
    assert f"evaluations/{SLUG}.yml, line 5, field before_months" in html
    assert "line 10, field nps" in html
    assert stored(app).source == before.source
    changed = definition_yml().replace("Negativity, this year", "Renamed")
    assert hal.post(url, {"source": changed}).status_code == 302
    saved = stored(app)
    assert (saved.title, saved.source, saved.edited_in_app) == ("Renamed", changed, True)
    assert saved.updated_by_id == world["hal"].id
    assert "edited in the app" in hal.get("/evaluations").get_data(as_text=True)
    assert hal.get("/evaluations/nope/edit").status_code == 404


def test_a_new_evaluation_starts_from_a_commented_example(app, world):
    hal = sign_in(app, world["hal"])
    page = hal.get("/evaluations/new").get_data(as_text=True)
    assert "# What is evaluated" in page
    with app.test_request_context():
        text = example_text(TODAY)
    taken = hal.post("/evaluations/new", {"slug": SLUG, "source": text})
    assert taken.status_code == 422 and "exists already" in taken.get_data(as_text=True)
    reserved = hal.post("/evaluations/new", {"slug": "new", "source": text})
    assert reserved.status_code == 422 and stored(app, "new") is None
    assert hal.post("/evaluations/new", {"slug": "fresh", "source": text}).status_code == 302
    assert stored(app, "fresh").edited_in_app


def test_agents_cannot_open_the_editor(app, world):
    ann = sign_in(app, world["ann"])
    for url in ("/evaluations", "/evaluations/new", f"/evaluations/{SLUG}/edit"):
        assert ann.get(url).status_code == 403
    assert ann.post("/evaluations/new", {"slug": "x", "source": "title: x"}).status_code == 403


# Evaluations: files ----------------------------------------------------------------------------


def write(folder: Path, slug: str, text: str) -> None:
    (folder / "evaluations").mkdir(exist_ok=True)
    (folder / "evaluations" / f"{slug}.yml").write_text(text, encoding="utf-8")


def sync(folder: Path, *, overwrite: bool = False) -> surveys.EvaluationSyncReport:
    return surveys.sync_evaluation_files(db.session, folder, overwrite=overwrite, now=utcnow())


def test_sync_leaves_an_evaluation_edited_in_the_app_unless_overwritten(svc, tmp_path):
    write(tmp_path, "from-file", definition_yml())
    report = sync(tmp_path)
    assert (report.saved, report.unchanged, report.conflicts) == (
        ["evaluations/from-file.yml"],
        0,
        [],
    )
    assert sync(tmp_path).unchanged == 1
    edited = definition_yml().replace("Negativity, this year", "HR's title")
    surveys.save_evaluation(db.session, "from-file", edited, actor=me(svc["hal"]), now=utcnow())
    assert sync(tmp_path).unchanged == 1  # the file did not change: no conflict
    write(tmp_path, "from-file", definition_yml().replace("hourly_cost: 10", "hourly_cost: 20"))
    report = sync(tmp_path)
    assert report.conflicts == ["evaluations/from-file.yml"] and report.saved == []
    assert "left as they are" in report.lines()[0]
    assert surveys.evaluation_by_slug(db.session, "from-file").title == "HR's title"
    assert sync(tmp_path, overwrite=True).saved == ["evaluations/from-file.yml"]
    again = surveys.evaluation_by_slug(db.session, "from-file")
    assert again.title == "Negativity, this year" and not again.edited_in_app


def test_sync_saves_nothing_while_any_file_is_wrong(svc, tmp_path):
    write(tmp_path, "good", definition_yml())
    write(tmp_path, "wrong", definition_yml(course="no-such-course"))
    with pytest.raises(DefinitionError) as error:
        sync(tmp_path)
    assert error.value.problems == [
        "evaluations/wrong.yml, line 2, field course: there is no course “no-such-course”."
    ]
    assert surveys.evaluation_by_slug(db.session, "good") is None
    assert sync(tmp_path / "nothing-here").lines() == []


def test_the_shipped_evaluation_names_shipped_courses_and_metrics(svc):
    content = ROOT / "content"
    metrics = {m["code"] for m in read_yaml(content / "kpi" / "metrics.yml")["metrics"]}
    courses = {path.parent.name for path in content.glob("*/course.yml")}
    path = content / "evaluations" / "negativity-course.yml"
    found = parse_definition(
        path.read_text(encoding="utf-8"),
        filename="evaluations/negativity-course.yml",
        known_metrics=metrics,
        known_courses=courses,
    )
    assert found.course == "customer-negativity" and found.control_group
    assert {"dsat", "csat"} <= set(found.metrics) and found.intangibles
    assert 3 <= len(found.behaviours) <= 4
