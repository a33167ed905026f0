"""What the commands that write share: one transaction taken for writing, and a refused
input printed problem by problem with a non-zero exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from lms.database import expect_writes
from lms.errors import ServiceError
from lms.extensions import db


@contextmanager
def writing() -> Iterator[None]:
    """Run the block as a write transaction (SQLite takes its lock at BEGIN, not halfway
    through). A ``ServiceError`` rolls everything back, prints each of its problems on
    stderr and ends the command with its message; the caller commits or rolls back."""
    expect_writes()
    try:
        yield
    except ServiceError as error:
        db.session.rollback()
        for problem in problem_lines(error):
            click.echo(problem, err=True)
        raise click.ClickException(error.message) from error
    finally:
        expect_writes(False)


def problem_lines(error: ServiceError) -> list[str]:
    """Every problem an error carries, as text (none for a plain ``ServiceError``)."""
    messages = getattr(error, "messages", None)
    if callable(messages):
        return list(messages())
    return [str(problem) for problem in getattr(error, "problems", ())]
