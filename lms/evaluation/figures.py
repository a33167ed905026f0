"""An evaluation report as rows of figures: what `flask lms evaluation run` prints, the XLSX
export holds and ``--json`` returns. The page shows the same numbers, with charts."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from lms.evaluation.charts import number
from lms.evaluation.runner import EvaluationReport
from lms.i18n import _

Row = tuple[str, str, Any]  # (section, figure, value: a number, a text or None)


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _level4_rows(report: EvaluationReport) -> list[Row]:
    level = _("4. Impact")
    rows: list[Row] = []
    for m in report.result.level4.metrics:
        name = report.metric_names.get(m.metric, m.metric)
        rows += [
            (level, _("%(metric)s: participants counted", metric=name), m.participants),
            (level, _("%(metric)s: participants without data", metric=name), m.skipped),
            (level, _("%(metric)s: mean before", metric=name), m.before),
            (level, _("%(metric)s: mean after", metric=name), m.after),
            (level, _("%(metric)s: change", metric=name), m.change),
            (level, _("%(metric)s: control group before", metric=name), m.control_before),
            (level, _("%(metric)s: control group after", metric=name), m.control_after),
            (level, _("%(metric)s: control group change", metric=name), m.control_change),
            (level, _("%(metric)s: isolation method", metric=name), m.method_label or "—"),
            (level, _("%(metric)s: effect per participant and month", metric=name), m.effect),
        ]
        if m.note:
            rows.append((level, _("%(metric)s: note", metric=name), m.note))
    return rows


def report_rows(report: EvaluationReport) -> list[Row]:
    """Every figure of the five levels, in the order of the chain."""
    result, definition = report.result, report.definition
    first, second, third, fifth = result.level1, result.level2, result.level3, result.level5
    general = _("Evaluation")
    rows: list[Row] = [
        (general, _("Title"), definition.title),
        (general, _("Course or program"), report.target_title),
        (general, _("Completed from"), definition.completed_from.isoformat()),
        (general, _("Completed to"), definition.completed_to.isoformat()),
        (general, _("Participants"), report.participants),
        (general, _("Months before / after completion"),
         f"{definition.before_months} / {definition.after_months}"),
        (general, _("KPI data from"), _month(report.kpi_first)),
        (general, _("KPI data to"), _month(report.kpi_last)),
        (general, _("Isolation"), ", ".join(result.level4.methods) or "—"),
    ]  # fmt: skip
    level = _("1. Reaction")
    rows += [
        (level, _("Responses"), first.responses),
        (level, _("Response rate, %"), first.response_rate),
        *(
            row
            for q in first.questions
            for row in (
                (level, _("%(question)s: mean (1-5)", question=q.label), q.mean),
                (level, _("%(question)s: favourable (4-5), %%", question=q.label),
                 q.favourable_pct),
            )
        ),
        (level, _("Overall mean (1-5)"), first.overall_mean),
        *((level, _("Planned action"), text) for text in first.planned_actions),
    ]  # fmt: skip
    level = _("2. Learning")
    rows += [
        (level, _("Pre-test mean, %"), second.pre_mean),
        (level, _("Post-test mean, %"), second.post_mean),
        (level, _("Participants with both tests"), second.paired),
        (level, _("Mean gain, points"), second.mean_gain),
        (level, _("Passed, %"), second.passed_pct),
    ]
    level = _("3. Application")
    rows += [
        *((level, _("Answers: %(role)s", role=role_label(role)), count)
          for role, count in third.responses.items()),
        *(
            row
            for b in third.behaviours
            for row in (
                (level, _("%(behaviour)s (%(role)s): mean frequency (1-5)",
                          behaviour=b.behaviour, role=role_label(b.role)), b.mean_frequency),
                (level, _("%(behaviour)s (%(role)s): often or always, %%",
                          behaviour=b.behaviour, role=role_label(b.role)), b.often_pct),
            )
        ),
        (level, _("Participants' estimates with confidence"), third.estimates),
        (level, _("Share of the change due to the training (estimate x confidence), %"),
         None if third.adjustment is None else third.adjustment * 100),
        *((level, _("Barrier"), text) for text in tally(third.barriers)),
        *((level, _("Enabler"), text) for text in tally(third.enablers)),
        *(
            (level, _("Skill %(skill)s: level before -> now (%(people)d people)",
                      skill=s.skill, people=s.people), f"{number(s.before)} -> {number(s.after)}")
            for s in third.skills
        ),
    ]  # fmt: skip
    rows += _level4_rows(report)
    level = _("5. ROI")
    for benefit in fifth.benefits:
        name = report.metric_names.get(benefit.metric, benefit.metric)
        rows += [
            (level, _("%(metric)s: value of one unit per participant and month", metric=name),
             benefit.unit_value),
            (level, _("%(metric)s: annual benefit", metric=name), _money(benefit.annual_benefit)),
        ]  # fmt: skip
    costs = fifth.costs
    rows += [
        (level, _("Annual benefits"), _money(fifth.total_benefit)),
        (level, _("Development"), _money(costs.development)),
        (level, _("Delivery"), _money(costs.delivery)),
        (level, _("Participants' time"), _money(costs.participants_time)),
        (level, _("Other costs"), _money(costs.other)),
        (level, _("Evaluation"), _money(costs.evaluation)),
        (level, _("Fully loaded costs"), _money(costs.total)),
        (level, _("Benefit-cost ratio (BCR)"), fifth.bcr),
        (level, _("ROI, %"), fifth.roi_pct),
        *((level, _("Intangible benefit"), report.metric_names.get(code, code))
          for code in fifth.intangibles),
    ]  # fmt: skip
    if fifth.note:
        rows.append((level, _("Note"), fifth.note))
    return rows


def tally(texts: list[str]) -> list[str]:
    """Each different answer once, most frequent first, with how many gave it."""
    counts: dict[str, int] = {}
    for text in texts:
        counts[text] = counts.get(text, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: -item[1])
    return [text if count == 1 else f"{text} (×{count})" for text, count in ordered]


def role_label(role: str) -> str:
    return _("participant") if role == "participant" else _("mentor")


def _month(day: date | None) -> str:
    return day.strftime("%Y-%m") if day else "—"


def report_json(report: EvaluationReport) -> dict[str, Any]:
    """The report as JSON: the definition's keys and every level's figures, as computed."""
    definition = dataclasses.asdict(report.definition)
    definition["completed_from"] = report.definition.completed_from.isoformat()
    definition["completed_to"] = report.definition.completed_to.isoformat()
    result = report.result
    return {
        "slug": report.definition.slug,
        "target": report.target_title,
        "participants": report.participants,
        "course_hours": report.course_hours,
        "kpi_period": [_month(report.kpi_first), _month(report.kpi_last)],
        "definition": definition,
        "level1": dataclasses.asdict(result.level1),
        "level2": dataclasses.asdict(result.level2),
        "level3": dataclasses.asdict(result.level3),
        "level4": {
            **dataclasses.asdict(result.level4),
            "methods": result.level4.methods,
        },
        "level5": {**dataclasses.asdict(result.level5), "costs_total": result.level5.costs.total},
    }


def shown(value: Any) -> str:
    """A figure as printed: numbers with at most two decimals, None as a dash."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—" if value is None else str(value)
    return number(value)
