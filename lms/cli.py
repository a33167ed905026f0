"""``flask lms ...``: thin commands over the services, each committing once."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import _

lms_group = AppGroup("lms", help="Agent LMS commands.")


@lms_group.command("demo")
@click.option("--no-content", is_flag=True, help="Only the organisation, not kb/ and content/.")
def demo_command(no_content: bool) -> None:
    """Load the demo organization and content (idempotent) and print the demo logins."""
    from lms.auth.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo

    try:
        report = load_demo(db.session, today=date.today())
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(
        _(
            "Demo organization: %(created)d users created, %(kept)d already there "
            "(left as they are).",
            created=len(report.created),
            kept=len(report.kept),
        )
    )
    if not no_content:
        _demo_content()
    click.echo(_("Demo logins (password: %(password)s):", password=DEMO_PASSWORD))
    for email in DEMO_LOGINS:
        click.echo(f"  {email}")


def _demo_content() -> None:
    """Sync the shipped kb/ and content/, then add the demo's verifications and reviews."""
    from lms.courses.demo import seed_demo_learning
    from lms.evaluation.demo import seed_demo_kpis
    from lms.evaluation.demo_phillips import seed_demo_evaluation
    from lms.gaps.demo import seed_demo_gaps
    from lms.kb import demo
    from lms.models_base import utcnow
    from lms.probation.demo import seed_demo_probations
    from lms.skills.demo import seed_demo_skills
    from lms.sync_cli import sync_command

    click.get_current_context().invoke(sync_command)
    verified = demo.verify_demo_articles(db.session, now=utcnow())
    demo.demo_must_read(db.session)
    demo.demo_pending_review(db.session)
    seed_demo_gaps(db.session, utcnow())
    db.session.commit()
    learners = seed_demo_learning(db.session, today=date.today(), now=utcnow())
    db.session.commit()
    if learners:
        click.echo(_("Demo learning: %(n)d people at various stages of the courses.", n=learners))
    probations = seed_demo_probations(db.session, today=date.today(), now=utcnow())
    db.session.commit()
    if seed_demo_skills(db.session, now=utcnow()):
        db.session.commit()
        click.echo(_("Demo skills: requirements for the support lines and assessments."))
    kpis = seed_demo_kpis(db.session, today=date.today(), now=utcnow())
    if kpis is not None:
        db.session.commit()
        click.echo(
            _(
                "Demo KPIs: %(values)d monthly values, %(ratings)d customer ratings; "
                "%(open)d negative ones wait for lead@example.com.",
                values=kpis.values,
                ratings=kpis.ratings,
                open=kpis.open_reviews,
            )
        )
    answered = seed_demo_evaluation(db.session, today=date.today())
    if answered is not None:
        db.session.commit()
        click.echo(
            _(
                "Demo evaluation: negativity-course filled at all five levels (%(n)d follow-up "
                "surveys answered).",
                n=answered,
            )
        )
    if probations:
        click.echo(_("Demo probations: %(n)d (three in progress, two finished).", n=probations))
    if verified:
        click.echo(
            _("Demo knowledge base: %(n)d articles marked as verified by their owners.", n=verified)
        )


users_group = AppGroup("users", help="Manage users.")
lms_group.add_command(users_group)

# Last, once users_group exists; lms.auth.cli never imports this module, so no cycle.
from lms.auth.cli import import_users_command  # noqa: E402

users_group.add_command(import_users_command, "import")

from lms.kb.cli import export_command  # noqa: E402
from lms.sync_cli import sync_command  # noqa: E402

lms_group.add_command(sync_command, "sync")
lms_group.add_command(export_command, "export")

from lms.courses.gift.cli import quiz_check_command  # noqa: E402
from lms.search.cli import reindex_command, search_command  # noqa: E402

lms_group.add_command(reindex_command, "reindex")
lms_group.add_command(search_command, "search")
lms_group.add_command(quiz_check_command, "quiz-check")

from lms.skills.cli import skills_group  # noqa: E402

lms_group.add_command(skills_group)

from lms.evaluation.cli import kpi_group  # noqa: E402

lms_group.add_command(kpi_group)

from lms.evaluation.run_cli import evaluation_group  # noqa: E402

lms_group.add_command(evaluation_group)
