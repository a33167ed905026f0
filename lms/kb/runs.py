"""Call-script runs: each step an agent takes is recorded, so editors see where runs end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.models import Article, ScriptRun
from lms.kb.scripts import Script, parse_script
from lms.models_base import utcnow


def live_script(article: Article) -> Script:
    if article.kind != "script" or article.live_revision is None:
        raise ServiceError(_("This article is not a published call script."))
    return parse_script(article.live_revision.body)


def start_run(session: Session, article: Article, user: User) -> ScriptRun:
    """Begin a run at the script's first step."""
    script = live_script(article)
    run = ScriptRun(
        article_id=article.id,
        revision_id=article.live_revision_id,
        user_id=user.id,
        path=[script.start],
    )
    session.add(run)
    session.flush()
    return run


def record_path(
    session: Session, run: ScriptRun, article: Article, path: list[str], *, finished: bool
) -> ScriptRun:
    """Store the path the player reports; every move must follow a choice of the script."""
    script = live_script(article)
    if not path or path[0] != script.start:
        raise ServiceError(_("A run starts at the first step."))
    for here, there in pairwise(path):
        step = script.steps.get(here)
        if step is None or there not in {c.target for c in step.choices}:
            raise ServiceError(
                _("“%(step)s” is not a choice of “%(here)s”.", step=there, here=here)
            )
    if finished and not script.steps[path[-1]].is_end:
        raise ServiceError(_("A run can only finish at an end step."))
    run.path, run.updated_at = list(path), utcnow()
    run.status = "finished" if finished else "running"
    session.flush()
    return run


def abandon_stale(session: Session, article: Article, user: User) -> None:
    """Runs the user left unfinished count as abandoned once they start another."""
    for run in session.scalars(
        select(ScriptRun).where(
            ScriptRun.article_id == article.id,
            ScriptRun.user_id == user.id,
            ScriptRun.status == "running",
        )
    ):
        run.status = "abandoned"


@dataclass
class StepStats:
    step_id: str
    title: str
    reached: int
    ended_here: int
    abandoned_here: int


def step_stats(session: Session, article: Article) -> tuple[int, list[StepStats]]:
    """Per step of the live script: runs that reached it, finished there, dropped there."""
    script = live_script(article)
    runs = list(session.scalars(select(ScriptRun).where(ScriptRun.article_id == article.id)))
    reached = Counter(step for run in runs for step in set(run.path))
    finished = Counter(run.last_step for run in runs if run.status == "finished")
    dropped = Counter(run.last_step for run in runs if run.status != "finished")
    return len(runs), [
        StepStats(sid, step.title, reached[sid], finished[sid], dropped[sid])
        for sid, step in script.steps.items()
    ]
