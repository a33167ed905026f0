"""The demo plans and rubric in ``content/``: they read cleanly, and everything they name
(courses, the program, articles, the rubric, skills, positions) exists in the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lms.auth.demo import POSITIONS
from lms.probation.plans import PlanTemplateData, read_plan_template, references
from lms.probation.rubrics import RubricData, evaluate, read_rubric

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"
PLANS = ("line1-agent", "line2-agent")


def read_plan(slug: str) -> PlanTemplateData:
    text = (CONTENT / "probation" / f"{slug}.yml").read_text(encoding="utf-8")
    data, problems = read_plan_template(text, filename=f"probation/{slug}.yml", slug=slug)
    assert problems == []
    assert data is not None
    return data


def read_demo_rubric() -> RubricData:
    text = (CONTENT / "rubrics" / "line1-attestation.yml").read_text(encoding="utf-8")
    data, problems = read_rubric(
        text, filename="rubrics/line1-attestation.yml", slug="line1-attestation"
    )
    assert problems == []
    assert data is not None
    return data


def existing() -> dict[str, set[str]]:
    """What the repository holds, read straight from the files."""
    programs = yaml.safe_load((CONTENT / "programs.yml").read_text(encoding="utf-8"))
    skills = yaml.safe_load((CONTENT / "skills.yml").read_text(encoding="utf-8"))
    return {
        "course": {path.parent.name for path in CONTENT.glob("*/course.yml")},
        "program": {program["slug"] for program in programs["programs"]},
        "article": {path.stem for path in (ROOT / "kb").rglob("*.md")},
        "rubric": {path.stem for path in (CONTENT / "rubrics").glob("*.yml")},
        "position": {code for code, _name in POSITIONS},
        "skill": {skill["code"] for group in skills["groups"] for skill in group["skills"]},
    }


@pytest.mark.parametrize("slug", PLANS)
def test_a_demo_plan_names_only_what_exists(slug: str) -> None:
    found, named = existing(), references(read_plan(slug))
    for kind, slugs in named.items():
        assert slugs <= found[kind], (kind, slugs - found[kind])
    assert all(named[kind] for kind in ("article", "rubric", "position"))
    assert named["course"] or named["program"]


@pytest.mark.parametrize(("slug", "position"), [(PLANS[0], "agent-l1"), (PLANS[1], "agent-l2")])
def test_a_demo_plan_is_three_months_ending_in_the_attestation(slug: str, position: str) -> None:
    plan = read_plan(slug)
    assert (plan.position, plan.duration_days) == (position, 90)
    assert [(s.start_day, s.end_day) for s in plan.stages] == [(1, 30), (31, 60), (61, 90)]
    last = plan.stages[-1].items[-1]
    assert (last.kind, last.target, last.due_day) == ("attestation", "line1-attestation", 88)
    kinds = {item.kind for stage in plan.stages for item in stage.items}
    assert {"article", "task", "meeting", "attestation"} <= kinds
    assert kinds & {"course", "program"}


def test_the_line1_plan_has_chats_under_a_mentor_and_the_line1_courses() -> None:
    plan = read_plan("line1-agent")
    items = [item for stage in plan.stages for item in stage.items]
    courses = {item.target for item in items if item.kind == "course"}
    assert courses == {"product-basics", "customer-negativity", "scripts-and-objections"}
    assert any("20 чатов" in item.title for item in items if item.kind == "task")


def test_the_demo_rubric_covers_the_line1_criteria() -> None:
    rubric = read_demo_rubric()
    assert [c.code for c in rubric.criteria] == [
        *("communication", "product-knowledge", "knowledge-base"),
        *("scripts", "negativity", "accuracy"),
    ]
    assert all([level.level for level in c.levels] == [1, 2, 3, 4] for c in rubric.criteria)
    skills = {c.skill for c in rubric.criteria if c.skill}
    assert skills <= existing()["skill"]
    assert {"active-listening", "knowledge-base-search", "soft-negativity"} <= skills


def test_the_demo_pass_rule_passes_the_standard_and_fails_a_critical_gap() -> None:
    rubric = read_demo_rubric()
    standard = {c.code: 3 for c in rubric.criteria}
    assert evaluate(rubric, standard).passed
    # Excellent everywhere but one critical gap: the agent does not stay.
    gap = evaluate(rubric, {**{c.code: 4 for c in rubric.criteria}, "accuracy": 1})
    assert gap.total >= rubric.min_total
    assert (gap.below_min, gap.passed) == (["accuracy"], False)
    weak = evaluate(rubric, {c.code: 2 for c in rubric.criteria})
    assert (weak.below_min, weak.passed) == ([], False)
