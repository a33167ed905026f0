"""The library of plan templates and rubrics: synced from a content folder (rubrics first,
as plans name them), HR's edits kept against a changed file unless overwritten, every
reference checked, and nothing saved while any file is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation.library import (
    ProbationSyncReport,
    ProblemsError,
    save_plan_template,
    save_rubric,
    sync_probation_files,
)
from lms.probation.models import PlanTemplate, Rubric
from tests.courses.conftest import me
from tests.probation.fixtures import PLAN, POSITION, RUBRIC, RUBRIC_YML, plan_yml

pytestmark = pytest.mark.usefixtures("course", "agent_position")

PLAN_FILE = f"probation/{PLAN}.yml"
RUBRIC_FILE = f"rubrics/{RUBRIC}.yml"


def sync(folder: Path, *, overwrite: bool = False) -> ProbationSyncReport:
    return sync_probation_files(db.session, folder, now=utcnow(), overwrite=overwrite)


def rows() -> dict[str, list[str]]:
    """The slugs saved, by kind."""
    db.session.expire_all()
    return {
        "rubrics": list(db.session.scalars(select(Rubric.slug).order_by(Rubric.slug))),
        "plans": list(db.session.scalars(select(PlanTemplate.slug).order_by(PlanTemplate.slug))),
    }


def one(model: type, slug: str) -> object:
    db.session.expire_all()
    found = db.session.scalar(select(model).where(model.slug == slug))
    assert found is not None
    return found


def write(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_sync_saves_the_rubric_then_the_plan_naming_it(probation_dir: Path):
    report = sync(probation_dir)
    assert (report.saved, report.unchanged, report.conflicts) == ([RUBRIC_FILE, PLAN_FILE], 0, [])
    rubric = one(Rubric, RUBRIC)
    assert (rubric.title, rubric.source, rubric.edited_in_app) == (
        "Calm attestation", RUBRIC_YML, False,
    )  # fmt: skip
    assert [c["code"] for c in rubric.definition["criteria"]] == ["listening", "accuracy"]
    assert (rubric.definition["min_total"], rubric.definition["min_level"]) == (6, 2)
    assert rubric.file_hash
    plan = one(PlanTemplate, PLAN)
    assert (plan.title, plan.duration_days, plan.source) == ("Line-1 probation", 30, plan_yml())
    assert (plan.position.code, plan.edited_in_app, plan.updated_by_id) == (POSITION, False, None)
    assert plan.file_hash


def test_a_second_run_changes_nothing(probation_dir: Path):
    sync(probation_dir)
    saved_at = one(PlanTemplate, PLAN).updated_at
    report = sync(probation_dir)
    assert (report.saved, report.unchanged, report.conflicts) == ([], 2, [])
    assert one(PlanTemplate, PLAN).updated_at == saved_at


def test_an_hr_edit_stands_against_a_changed_file_until_overwritten(
    probation_dir: Path, people: dict[str, User]
):
    sync(probation_dir)
    hr = me(people["hr"])
    hr_plan = plan_yml().replace("Line-1 probation", "Line-1 probation (HR)")
    hr_rubric = RUBRIC_YML.replace("Calm attestation", "Calm attestation (HR)")
    save_plan_template(db.session, PLAN, hr_plan, actor=hr, now=utcnow())
    save_rubric(db.session, RUBRIC, hr_rubric, actor=hr, now=utcnow())
    plan = one(PlanTemplate, PLAN)
    assert (plan.title, plan.edited_in_app, plan.updated_by_id) == (
        "Line-1 probation (HR)", True, hr.id,
    )  # fmt: skip

    # The files have not changed since they were synced: HR's edits stay, quietly.
    report = sync(probation_dir)
    assert (report.saved, report.unchanged, report.conflicts) == ([], 2, [])
    assert one(PlanTemplate, PLAN).source == hr_plan

    # The files changed: a conflict, HR's edits still stand.
    file_plan = plan_yml().replace("Line-1 probation", "Line-1 probation v2")
    file_rubric = RUBRIC_YML.replace("Calm attestation", "Calm attestation v2")
    write(probation_dir, PLAN_FILE, file_plan)
    write(probation_dir, RUBRIC_FILE, file_rubric)
    report = sync(probation_dir)
    assert (report.saved, report.conflicts) == ([], [RUBRIC_FILE, PLAN_FILE])
    assert one(PlanTemplate, PLAN).source == hr_plan
    assert one(Rubric, RUBRIC).title == "Calm attestation (HR)"

    report = sync(probation_dir, overwrite=True)
    assert (report.saved, report.conflicts) == ([RUBRIC_FILE, PLAN_FILE], [])
    plan, rubric = one(PlanTemplate, PLAN), one(Rubric, RUBRIC)
    assert (plan.title, plan.source, plan.edited_in_app) == (
        "Line-1 probation v2",
        file_plan,
        False,
    )
    assert (rubric.title, rubric.edited_in_app) == ("Calm attestation v2", False)
    assert sync(probation_dir).unchanged == 2


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ({"course": "no-such-course"}, "there is no course “no-such-course”."),
        ({"program": "no-such-path"}, "there is no program “no-such-path”."),
        ({"article": "no-such-article"}, "there is no knowledge-base article “no-such-article”."),
        ({"rubric": "no-such-rubric"}, "there is no rubric “no-such-rubric”."),
    ],
)
def test_an_unknown_reference_is_named(
    probation_dir: Path, people: dict[str, User], reference: dict[str, str], message: str
):
    write(probation_dir, PLAN_FILE, plan_yml(**reference))
    with pytest.raises(ProblemsError) as caught:
        sync(probation_dir)
    assert caught.value.problems == [f"{PLAN_FILE}: {message}"]
    assert rows() == {"rubrics": [], "plans": []}

    # HR's edit is checked the same way.
    save_rubric(db.session, RUBRIC, RUBRIC_YML, actor=None, now=utcnow())
    with pytest.raises(ProblemsError) as caught:
        save_plan_template(
            db.session, PLAN, plan_yml(**reference), actor=me(people["hr"]), now=utcnow()
        )
    assert caught.value.problems == [f"{PLAN_FILE}: {message}"]
    assert rows()["plans"] == []


def test_a_position_not_created_yet_leaves_the_template_unattached(probation_dir: Path):
    """Unlike the other references, a missing position is no error: a fresh install has no
    positions, and the template waits for HR to create one."""
    write(probation_dir, PLAN_FILE, plan_yml(position="agent-l9"))
    assert sync(probation_dir).saved == [RUBRIC_FILE, PLAN_FILE]
    plan = one(PlanTemplate, PLAN)
    assert (plan.position_id, plan.source) == (None, plan_yml(position="agent-l9"))


def test_nothing_is_saved_while_any_file_is_wrong(probation_dir: Path):
    write(probation_dir, "probation/line1-extra.yml", plan_yml(course="gone-course"))
    with pytest.raises(ProblemsError) as caught:
        sync(probation_dir)
    assert caught.value.problems == ["probation/line1-extra.yml: there is no course “gone-course”."]
    assert rows() == {"rubrics": [], "plans": []}

    write(probation_dir, "probation/line1-extra.yml", plan_yml())
    report = sync(probation_dir)
    assert report.saved == [RUBRIC_FILE, PLAN_FILE, "probation/line1-extra.yml"]
    assert rows() == {"rubrics": [RUBRIC], "plans": ["line1-agent", "line1-extra"]}


def test_a_broken_rubric_fails_the_plans_naming_it_and_keeps_the_old_rows(probation_dir: Path):
    sync(probation_dir)
    before = (one(Rubric, RUBRIC).source, one(PlanTemplate, PLAN).source)
    write(probation_dir, RUBRIC_FILE, RUBRIC_YML.replace("min_total: 6", "min_total: 60"))
    write(probation_dir, "probation/line1-extra.yml", plan_yml(rubric="calm-rubric-2"))
    with pytest.raises(ProblemsError) as caught:
        sync(probation_dir)
    problems = caught.value.problems
    assert len(problems) == 2
    assert problems[0].startswith(f"{RUBRIC_FILE}, line ") and "min_total" in problems[0]
    assert "cannot be reached" in problems[0]
    assert problems[1] == "probation/line1-extra.yml: there is no rubric “calm-rubric-2”."
    assert rows() == {"rubrics": [RUBRIC], "plans": [PLAN]}
    assert (one(Rubric, RUBRIC).source, one(PlanTemplate, PLAN).source) == before
