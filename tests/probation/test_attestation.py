"""Attestations: the rubric's rule gives the outcome, a proposal against it needs a reason,
every criterion and feedback step is required; HR's confirmation signs a version, which is
then read-only (a correction is a new version) and ends or extends the probation; who may
see and grade."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from lms.auth.models import User
from lms.errors import ServiceError
from lms.extensions import db
from lms.models_base import utcnow
from lms.probation import attestation as attestations
from lms.probation import services
from lms.probation.models import Attestation, AttestationVersion, Probation
from tests.courses.conftest import me
from tests.probation.fixtures import START_OFFSET, item_of

FEEDBACK = {
    "observation": "Interrupted the customer twice on Tuesday's call.",
    "impact": "The customer repeated the question and got angry.",
    "correction": "Let the customer finish, then sum up.",
    "consolidation": "Three calls reviewed together next week.",
}


def grade(
    attestation: Attestation,
    grader: User,
    listening: int | None,
    accuracy: int | None,
    proposal: str,
    **kwargs: Any,
) -> AttestationVersion:
    grades = {}
    if listening is not None:
        grades["listening"] = (listening, " Listens well ")
    if accuracy is not None:
        grades["accuracy"] = (accuracy, "Checks the base")
    kwargs.setdefault("feedback", FEEDBACK)
    return attestations.grade(
        db.session, attestation, me(grader), grades, proposal=proposal, now=utcnow(), **kwargs
    )


def confirm(attestation: Attestation, hr: User, today: date, **kwargs: Any) -> AttestationVersion:
    return attestations.confirm(
        db.session, attestation, me(hr), today=today, now=utcnow(), **kwargs
    )


def reloaded(attestation: Attestation) -> Attestation:
    db.session.expire_all()
    found = services.attestation_of(db.session, attestation.probation)
    assert found is not None
    return found


def snapshot(version: AttestationVersion) -> tuple:
    return (
        version.number, version.grades, version.total, version.rule_outcome, version.proposal,
        version.override_reason, version.observation, version.confirmed_by_id,
        version.confirmed_at, version.replaces_reason,
    )  # fmt: skip


# The rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listening", "accuracy", "total", "outcome"),
    [
        (3, 3, 6.0, "pass"),  # exactly the minimum total, nothing below level 2
        (4, 4, 9.0, "pass"),
        (2, 2, 3.0, "fail"),  # every criterion at level 2, but too few points
        (4, 1, 6.0, "fail"),  # enough points, but accuracy below level 2
        (1, 4, 3.0, "fail"),
    ],
)
def test_the_rubric_rule_gives_the_outcome(
    attestation: Attestation,
    people: dict[str, User],
    listening: int,
    accuracy: int,
    total: float,
    outcome: str,
):
    proposal = "extend"  # allowed whatever the rule gives: the outcome alone is checked
    version = grade(attestation, people["mentor"], listening, accuracy, proposal)
    assert (version.number, version.total, version.rule_outcome) == (1, total, outcome)
    assert version.grades == {
        "listening": {"level": listening, "comment": "Listens well"},
        "accuracy": {"level": accuracy, "comment": "Checks the base"},
    }
    assert (version.proposal, version.override_reason, version.signed) == ("extend", "", False)
    assert version.graded_by_id == people["mentor"].id
    assert version.rubric_definition["min_total"] == 6


def test_a_high_total_with_one_low_criterion_fails_and_a_pass_needs_a_reason(
    attestation: Attestation, people: dict[str, User]
):
    with pytest.raises(ServiceError, match="gives “fail”: justify") as caught:
        grade(attestation, people["mentor"], 4, 1, "pass")
    assert caught.value.field == "override_reason"
    assert reloaded(attestation).versions == []
    version = grade(
        attestation, people["mentor"], 4, 1, "pass", override_reason=" Accuracy fixed since "
    )
    assert (version.rule_outcome, version.proposal) == ("fail", "pass")
    assert version.override_reason == "Accuracy fixed since"


def test_failing_a_passing_grade_needs_a_reason_too(
    attestation: Attestation, people: dict[str, User]
):
    with pytest.raises(ServiceError, match="gives “pass”: justify"):
        grade(attestation, people["mentor"], 3, 3, "fail", override_reason="  ")
    version = grade(attestation, people["mentor"], 3, 3, "fail", override_reason="Rude in chats")
    assert (version.rule_outcome, version.proposal, version.override_reason) == (
        "pass", "fail", "Rude in chats",
    )  # fmt: skip


def test_an_override_reason_is_not_kept_when_the_proposal_follows_the_rule(
    attestation: Attestation, people: dict[str, User]
):
    version = grade(attestation, people["mentor"], 3, 3, "pass", override_reason="Not needed")
    assert version.override_reason == ""


def test_every_criterion_must_be_graded(attestation: Attestation, people: dict[str, User]):
    with pytest.raises(ServiceError, match="missing: accuracy") as caught:
        grade(attestation, people["mentor"], 4, None, "pass")
    assert caught.value.field == "accuracy"
    with pytest.raises(ServiceError, match="missing: listening, accuracy"):
        grade(attestation, people["mentor"], None, None, "fail")
    with pytest.raises(ServiceError, match="no criterion “empathy”"):
        attestations.grade(
            db.session, attestation, me(people["mentor"]),
            {"listening": (3, ""), "accuracy": (3, ""), "empathy": (3, "")},
            proposal="pass", feedback=FEEDBACK, now=utcnow(),
        )  # fmt: skip
    with pytest.raises(ServiceError, match="has no level 7"):
        grade(attestation, people["mentor"], 7, 3, "pass")
    assert reloaded(attestation).versions == []


@pytest.mark.parametrize("missing", ["observation", "impact", "correction", "consolidation"])
def test_every_feedback_step_is_required(
    attestation: Attestation, people: dict[str, User], missing: str
):
    feedback = {**FEEDBACK, missing: "   "}
    with pytest.raises(ServiceError, match="every step of the feedback") as caught:
        grade(attestation, people["mentor"], 3, 3, "pass", feedback=feedback)
    assert caught.value.field == missing
    assert reloaded(attestation).versions == []


def test_an_unknown_proposal_is_refused(attestation: Attestation, people: dict[str, User]):
    with pytest.raises(ServiceError) as caught:
        grade(attestation, people["mentor"], 3, 3, "promote")
    assert caught.value.field == "proposal"


def test_grading_again_before_confirmation_replaces_the_draft(
    attestation: Attestation, people: dict[str, User]
):
    grade(attestation, people["mentor"], 2, 2, "fail")
    version = grade(attestation, people["mentor"], 3, 3, "pass")
    versions = reloaded(attestation).versions
    assert [(v.number, v.total, v.proposal) for v in versions] == [(1, 6.0, "pass")]
    assert version.id == versions[0].id


# Confirmation and corrections ---------------------------------------------------------------


def test_confirming_a_pass_ends_the_probation_and_completes_the_attestation_item(
    attestation: Attestation, probation: Probation, people: dict[str, User], today: date
):
    grade(attestation, people["mentor"], 3, 3, "pass")
    version = confirm(attestation, people["hr"], today)
    assert version.signed and version.confirmed_by_id == people["hr"].id
    assert (probation.state, probation.ended_on) == ("passed", today)
    assert item_of(probation, "attestation").completed_at is not None
    assert attestations.result(reloaded(attestation)).id == version.id
    assert probation.events[-1].action == "passed"


def test_only_hr_confirms_and_only_a_waiting_grading(
    attestation: Attestation, people: dict[str, User], today: date
):
    with pytest.raises(ServiceError, match="no grading waiting"):
        confirm(attestation, people["hr"], today)
    grade(attestation, people["mentor"], 3, 3, "pass")
    with pytest.raises(ServiceError, match="Only HR confirms"):
        confirm(attestation, people["mentor"], today)
    assert not reloaded(attestation).versions[0].signed
    confirm(attestation, people["hr"], today)
    with pytest.raises(ServiceError, match="no grading waiting"):
        confirm(attestation, people["hr"], today)


def test_a_signed_version_is_read_only_and_a_correction_is_a_new_version(
    attestation: Attestation, probation: Probation, people: dict[str, User], today: date
):
    mentor, hr = people["mentor"], people["hr"]
    grade(attestation, mentor, 2, 2, "fail")
    first = confirm(attestation, hr, today)
    assert probation.state == "failed"
    signed = snapshot(first)
    assert signed[:5] == (
        1,
        {
            "listening": {"level": 2, "comment": "Listens well"},
            "accuracy": {"level": 2, "comment": "Checks the base"},
        },
        3.0, "fail", "fail",
    )  # fmt: skip

    with pytest.raises(ServiceError, match="signed: say why") as caught:
        grade(attestation, mentor, 3, 3, "pass")
    assert caught.value.field == "correction_reason"
    assert [snapshot(v) for v in reloaded(attestation).versions] == [signed]

    second = grade(attestation, mentor, 3, 3, "pass", correction_reason=" Wrong call sample ")
    attestation = reloaded(attestation)
    assert [v.number for v in attestation.versions] == [1, 2]
    assert snapshot(attestation.versions[0]) == signed
    assert (second.number, second.total, second.rule_outcome, second.replaces_reason) == (
        2, 6.0, "pass", "Wrong call sample",
    )  # fmt: skip
    assert attestations.latest(attestation).id == second.id
    assert attestations.result(attestation).id == first.id  # the draft does not count yet

    confirm(attestation, hr, today)
    attestation = reloaded(attestation)
    assert attestation.probation.state == "passed"
    assert attestations.result(attestation).number == 2
    assert snapshot(attestation.versions[0]) == signed
    event = attestation.probation.events[-1]
    assert (event.action, event.actor_id, event.reason, event.details) == (
        "passed", hr.id, "Wrong call sample", {"version": 2},
    )  # fmt: skip


def test_a_correction_of_a_passed_probation_can_fail_it(
    attestation: Attestation, probation: Probation, people: dict[str, User], today: date
):
    grade(attestation, people["mentor"], 3, 3, "pass")
    confirm(attestation, people["hr"], today)
    grade(attestation, people["mentor"], 2, 2, "fail", correction_reason="Quality audit")
    confirm(attestation, people["hr"], today)
    assert probation.state == "failed"
    assert [v.proposal for v in reloaded(attestation).versions] == ["pass", "fail"]


def test_confirming_an_extension_needs_days_and_extends_the_probation(
    attestation: Attestation, probation: Probation, people: dict[str, User], today: date
):
    start = today + START_OFFSET
    grade(attestation, people["mentor"], 2, 2, "extend")
    with pytest.raises(ServiceError, match="by how many days") as caught:
        confirm(attestation, people["hr"], today)
    assert caught.value.field == "extend_days"
    assert not reloaded(attestation).versions[0].signed
    assert probation.ends_on == start + timedelta(days=29)

    version = confirm(attestation, people["hr"], today, extend_days=30)
    attestation = reloaded(attestation)
    probation = attestation.probation
    assert version.signed
    assert (probation.state, probation.ends_on) == ("active", start + timedelta(days=59))
    assert attestation.scheduled_on == start + timedelta(days=57)
    assert item_of(probation, "attestation").due_on == start + timedelta(days=57)
    assert item_of(probation, "attestation").completed_at is None
    event = probation.events[-1]
    assert (event.action, event.actor_id, event.details["days"]) == (
        "extended", people["hr"].id, 30,
    )  # fmt: skip
    assert event.reason


# Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "sees"),
    [("agent", True), ("other_agent", False), ("mentor", True), ("other_mentor", False),
     ("hr", True)],
)  # fmt: skip
def test_who_sees_a_probation(
    probation: Probation, people: dict[str, User], today: date, who: str, sees: bool
):
    assert attestations.can_see(db.session, me(people[who]), probation, today=today) is sees


def test_a_mentor_sees_own_mentees_only(probation: Probation, people: dict[str, User], today: date):
    """Maria mentors Anna, not Oleg: Oleg's own probation is Pavel's to see."""
    other = services.start_probation(
        db.session, me(people["other_agent"]), probation.template,
        mentor=me(people["other_mentor"]), started_on=today, actor=me(people["hr"]),
        today=today, now=utcnow(),
    )  # fmt: skip
    maria, pavel = me(people["mentor"]), me(people["other_mentor"])
    assert attestations.can_see(db.session, maria, other, today=today) is False
    assert attestations.can_see(db.session, pavel, other, today=today) is True
    assert attestations.can_see(db.session, me(people["agent"]), other, today=today) is False


@pytest.mark.parametrize(
    ("who", "grades"),
    [("mentor", True), ("other_mentor", False), ("agent", False), ("hr", True)],
)
def test_who_grades(
    attestation: Attestation, probation: Probation, people: dict[str, User], who: str, grades: bool
):
    assert attestations.can_grade(me(people[who]), probation) is grades
    if grades:
        assert grade(attestation, people[who], 3, 3, "pass").number == 1
    else:
        with pytest.raises(ServiceError, match="Only the mentor of this probation grades"):
            grade(attestation, people[who], 3, 3, "pass")
        assert reloaded(attestation).versions == []


def test_the_criteria_view_shows_the_levels_given(
    attestation: Attestation, people: dict[str, User]
):
    blank = attestations.criteria_view(attestation, None)
    assert [(row["criterion"].code, row["level"], row["comment"]) for row in blank] == [
        ("listening", None, ""), ("accuracy", None, ""),
    ]  # fmt: skip
    version = grade(attestation, people["mentor"], 4, 2, "extend")
    rows = attestations.criteria_view(attestation, version)
    assert [(row["criterion"].title, row["level"], row["comment"]) for row in rows] == [
        ("Listening", 4, "Listens well"), ("Accuracy", 2, "Checks the base"),
    ]  # fmt: skip
