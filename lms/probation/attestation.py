"""The end-of-probation attestation: the mentor grades every criterion with a comment and
writes the structured feedback; the outcome is computed from the rubric's rule, never
typed; the mentor proposes pass, fail or extend (an outcome the rule does not give needs a
justification); HR confirms, which signs the version and ends or extends the probation.
A signed version is read-only: a correction is a new version, the old one stays visible.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.errors import ServiceError
from lms.i18n import _
from lms.probation import rubrics
from lms.probation.models import Attestation, AttestationVersion, Probation, ProbationEvent
from lms.probation.services import end_probation, extend_probation
from lms.skills.assessments import record
from lms.skills.services import skills_by_code

FEEDBACK = ("observation", "impact", "correction", "consolidation")


def can_see(session: Session, user: User, probation: Probation, *, today: date) -> bool:
    """An agent sees only their own; a mentor only their mentees'; HR and admins all."""
    if user.has_role("hr", "admin") or probation.user_id == user.id:
        return True
    return user.has_role("mentor") and probation.mentor_id == user.id


def can_grade(user: User, probation: Probation) -> bool:
    return probation.mentor_id == user.id or user.has_role("hr", "admin")


def latest(attestation: Attestation) -> AttestationVersion | None:
    return attestation.versions[-1] if attestation.versions else None


def result(attestation: Attestation) -> AttestationVersion | None:
    """The signed version that counts: the newest confirmed one."""
    return next((v for v in reversed(attestation.versions) if v.signed), None)


def grade(
    session: Session,
    attestation: Attestation,
    grader: User,
    grades: dict[str, tuple[int | None, str]],
    *,
    proposal: str,
    override_reason: str = "",
    feedback: dict[str, str],
    correction_reason: str = "",
    now: datetime,
) -> AttestationVersion:
    """Record the mentor's grading. Before HR confirms, grading again replaces the draft;
    after, it is a correction: a new version that needs ``correction_reason``."""
    probation = attestation.probation
    if not can_grade(grader, probation):
        raise ServiceError(_("Only the mentor of this probation grades its attestation."))
    rubric = rubrics.rubric_from_dict(attestation.rubric.definition)
    evaluation = rubrics.evaluate(rubric, {code: level for code, (level, _c) in grades.items()})
    if evaluation.missing:
        raise ServiceError(
            _("Grade every criterion; missing: %(codes)s.", codes=", ".join(evaluation.missing)),
            field=evaluation.missing[0],
        )
    if proposal not in rubrics.PROPOSALS:
        raise ServiceError(_("Propose pass, fail or extend."), field="proposal")
    if rubrics.needs_override(evaluation, proposal) and not override_reason.strip():
        raise ServiceError(
            _("The rubric's rule gives “%(outcome)s”: justify proposing something else.",
              outcome=_outcome_label(evaluation.outcome)),
            field="override_reason",
        )  # fmt: skip
    for name in FEEDBACK:
        if not feedback.get(name, "").strip():
            raise ServiceError(_("Fill in every step of the feedback."), field=name)
    draft = latest(attestation)
    if draft is None or draft.signed:
        # After a signed extension the attestation is held again: no correction then.
        if draft is not None and draft.proposal != "extend" and not correction_reason.strip():
            raise ServiceError(
                _("The attestation is signed: say why it is corrected."), field="correction_reason"
            )
        draft = AttestationVersion(number=(draft.number + 1) if draft else 1)
        attestation.versions.append(draft)
        draft.replaces_reason = correction_reason.strip()
    draft.rubric_definition = attestation.rubric.definition
    draft.grades = {
        code: {"level": level, "comment": comment.strip()}
        for code, (level, comment) in grades.items()
    }
    draft.total, draft.rule_outcome = evaluation.total, evaluation.outcome
    draft.proposal = proposal
    draft.override_reason = (
        override_reason.strip() if rubrics.needs_override(evaluation, proposal) else ""
    )
    for name in FEEDBACK:
        setattr(draft, name, feedback[name].strip())
    draft.graded_by_id, draft.graded_at = grader.id, now
    session.flush()
    return draft


def confirm(
    session: Session,
    attestation: Attestation,
    hr: User,
    *,
    extend_days: int | None = None,
    today: date,
    now: datetime,
) -> AttestationVersion:
    """HR signs the latest version; its proposal takes effect: the probation is passed,
    failed, or extended by ``extend_days`` (required then)."""
    if not hr.has_role("hr", "admin"):
        raise ServiceError(_("Only HR confirms an attestation."))
    version = latest(attestation)
    if version is None or version.signed:
        raise ServiceError(_("There is no grading waiting for confirmation."))
    probation = attestation.probation
    if version.proposal == "extend":
        if not extend_days:
            raise ServiceError(
                _("Say by how many days the probation is extended."), field="extend_days"
            )
        extend_probation(
            session, probation, extend_days, reason=_("Attestation: extension proposed."), actor=hr
        )
    elif probation.state == "active":
        state = "passed" if version.proposal == "pass" else "failed"
        end_probation(session, probation, state=state, reason="", actor=hr, today=today)
    elif version.number > 1:  # a correction of a finished probation changes its outcome
        probation.state = "passed" if version.proposal == "pass" else "failed"
        probation.events.append(
            ProbationEvent(
                actor_id=hr.id,
                action=probation.state,
                reason=version.replaces_reason,
                details={"version": version.number},
            )
        )
    version.confirmed_by_id, version.confirmed_at = hr.id, now
    if version.proposal != "extend":  # the attestation is held again at the new end
        _record_skills(session, probation, version, hr, now=now)
    for item in probation.items:
        if item.kind == "attestation" and version.proposal != "extend":
            item.completed_at = item.completed_at or now
    session.flush()
    return version


def _record_skills(
    session: Session, probation: Probation, version: AttestationVersion, hr: User, *, now: datetime
) -> None:
    """A signed attestation assesses the skills its criteria are linked to (levels 0-4)."""
    rubric = rubrics.rubric_from_dict(version.rubric_definition)
    codes = {c.skill: c.code for c in rubric.criteria if c.skill}
    skills = skills_by_code(session, codes)
    for skill_code, criterion in codes.items():
        level = (version.grades.get(criterion) or {}).get("level")
        if skill_code in skills and skills[skill_code].is_active and level is not None:
            record(
                session, probation.user, skills[skill_code], max(0, min(4, int(level))),
                source="attestation", author=hr, comment=probation.title, now=now,
            )  # fmt: skip


def _outcome_label(outcome: str) -> str:
    return {"pass": _("pass"), "fail": _("fail"), "extend": _("extend")}[outcome]


def criteria_view(
    attestation: Attestation, version: AttestationVersion | None
) -> list[dict[str, Any]]:
    """Each criterion with its levels and, when graded, the level and comment given."""
    definition = version.rubric_definition if version else attestation.rubric.definition
    rubric = rubrics.rubric_from_dict(definition)
    graded = version.grades if version else {}
    return [
        {
            "criterion": criterion,
            "level": (graded.get(criterion.code) or {}).get("level"),
            "comment": (graded.get(criterion.code) or {}).get("comment", ""),
        }
        for criterion in rubric.criteria
    ]
