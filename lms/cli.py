"""``flask lms ...``: thin commands over the services, each committing once."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from lms.errors import ServiceError
from lms.extensions import db

lms_group = AppGroup("lms", help="Agent LMS commands.")


@lms_group.command("demo")
def demo_command() -> None:
    """Load the demo organization (idempotent) and print the demo logins."""
    from lms.auth.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo

    try:
        report = load_demo(db.session, today=date.today())
    except ServiceError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(
        f"Demo organization: {len(report.created)} users created, "
        f"{len(report.kept)} already there (left as they are)."
    )
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for email in DEMO_LOGINS:
        click.echo(f"  {email}")


users_group = AppGroup("users", help="Manage users.")
lms_group.add_command(users_group)

# Last, once users_group exists; lms.auth.cli never imports this module, so no cycle.
from lms.auth.cli import import_users_command  # noqa: E402

users_group.add_command(import_users_command, "import")

from lms.kb.cli import export_command, sync_command  # noqa: E402

lms_group.add_command(sync_command, "sync")
lms_group.add_command(export_command, "export")
