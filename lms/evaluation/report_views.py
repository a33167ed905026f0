"""The Phillips report of an evaluation (HR): the five levels as a chain with their figures
and charts, printable, and the underlying numbers as XLSX."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template
from flask_babel import get_locale
from sqlalchemy import select

from lms.auth.access import TRAINING_ADMIN, access
from lms.auth.models import User
from lms.errors import ServiceError
from lms.evaluation import runner
from lms.evaluation.charts import bar_chart, before_after_chart
from lms.evaluation.figures import report_rows, role_label, tally
from lms.evaluation.library import definition_of
from lms.evaluation.survey_views import bp
from lms.extensions import db
from lms.i18n import _
from lms.xlsx import add_sheet, append, new_book, xlsx_response


def _report(slug: str) -> runner.EvaluationReport:
    evaluation = runner.evaluation_with_target(db.session, slug)
    if evaluation is None:
        abort(404)
    try:
        return runner.run(
            db.session, evaluation, definition_of(evaluation), locale=get_locale().language
        )
    except ServiceError as error:
        abort(409, error.message)


def _charts(report: runner.EvaluationReport) -> dict[str, Any]:
    result = report.result
    first, second, third = result.level1, result.level2, result.level3
    mentioned = [b for b in third.behaviours if b.role == "participant"]
    fifth = result.level5
    return {
        "level1": bar_chart([q.label for q in first.questions], [q.mean for q in first.questions],
                            title=_("Mean answer, 1 to 5"), max_value=5),
        "level2": bar_chart([_("Pre-test"), _("Post-test")], [second.pre_mean, second.post_mean],
                            title=_("Mean score, %"), max_value=100, unit="%"),
        "level3": bar_chart([b.behaviour for b in mentioned],
                            [b.mean_frequency for b in mentioned],
                            title=_("How often participants do it, 1 never to 5 always"),
                            max_value=5),
        "level4": [
            before_after_chart(
                report.metric_names.get(m.metric, m.metric),
                (m.before, m.after),
                (m.control_before, m.control_after) if m.control_before is not None else None,
                unit=report.metric_units.get(m.metric, ""),
            )
            for m in result.level4.metrics
        ],
        "level5": bar_chart([_("Annual benefits"), _("Fully loaded costs")],
                            [fifth.total_benefit, fifth.costs.total],
                            title=_("First-year benefits against costs")),
    }  # fmt: skip


@bp.get("/evaluations/<slug>")
@access(TRAINING_ADMIN)
def evaluation_report(slug: str) -> str:
    report = _report(slug)
    third = report.result.level3
    return render_template(
        "evaluation/report.html",
        slug=slug,
        report=report,
        result=report.result,
        charts=_charts(report),
        barriers=tally(third.barriers),
        enablers=tally(third.enablers),
        role_label=role_label,
    )


@bp.get("/evaluations/<slug>.xlsx")
@access(TRAINING_ADMIN)
def evaluation_xlsx(slug: str) -> Response:
    """Sheets: every figure of the report; each participant's KPI means before and after."""
    report = _report(slug)
    book = new_book()
    figures = add_sheet(book, _("Figures"), [_("Section"), _("Figure"), _("Value")], freeze="A2")
    for section, figure, value in report_rows(report):
        append(figures, [section, figure, value])
    codes = list(report.definition.metrics)
    means = [
        text
        for code in codes
        for text in (_("%(metric)s before", metric=code), _("%(metric)s after", metric=code))
    ]
    header = [_("Email"), _("Name"), _("Completed"), *means]
    people_sheet = add_sheet(book, _("Participants"), header, freeze="D2")
    windows = runner.participant_windows(report)
    ids = [person.user_id for person, _means in windows]
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    for person, means in windows:
        user = users.get(person.user_id)
        append(
            people_sheet,
            [user.email if user else "", user.name if user else "", person.completed_on,
             *(value for code in codes for value in means[code])]
        )  # fmt: skip
    return xlsx_response(book, f"evaluation-{slug}.xlsx")
