"""Changing the knowledge base: every change is a new revision, and nothing is lost.

Editors publish directly; a mentor (or an editor who wants a second pair of eyes)
submits a revision for review, and the live one stays until an editor approves it.
Services flush and never commit. Saving many revisions at once (``flask lms sync``) passes
``Lookups``, loaded once, so that each save reads no rows of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import Department, User
from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.frontmatter import ArticleMeta
from lms.kb.models import KINDS, Article, ArticleRevision, ArticleTag, Category
from lms.kb.scripts import parse_script, validate_script
from lms.models_base import utcnow
from lms.skills.models import Skill
from lms.skills.services import skills_by_code

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,119}$")
# Addresses under /kb/ that pages of their own use.
RESERVED_SLUGS = frozenset(
    {
        "new",
        "review",
        "categories",
        "preview",
        "images",
        "must-read",
        "c",
        "tag",
        "revisions",
        "runs",
    }
)
META_KEYS = (
    "kind",
    "category",
    "tags",
    "departments",
    "skills",
    "owner",
    "review_every_days",
    "lang",
    "status",
    "translation_of",
)


@dataclass(kw_only=True)
class ArticleData(ArticleMeta):
    """What an editor (or a file) says an article should be; plain values only.

    The front-matter fields come from ``ArticleMeta``, so files and forms share one list.
    """

    slug: str
    body: str
    category: str

    def meta(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in META_KEYS}

    @classmethod
    def from_revision(cls, article: Article, revision: ArticleRevision) -> ArticleData:
        meta = {key: revision.meta.get(key) for key in META_KEYS if key in revision.meta}
        return cls(slug=article.slug, title=revision.title, body=revision.body, **meta)


@dataclass
class Lookups:
    """The rows saves look up, loaded once for a batch of saves (a sync of thousands of
    files): categories by slug, departments and skills by code, users by lower-case e-mail,
    articles by slug, and each article's last revision number by id. A service given lookups
    reads these instead of the database, keeps ``articles`` and ``numbers`` up to date as it
    creates articles and revisions, and leaves flushing to the caller."""

    categories: dict[str, Category]
    departments: dict[str, Department]
    skills: dict[str, Skill]
    users: dict[str, User]
    articles: dict[str, Article]
    numbers: dict[int, int]

    @classmethod
    def load(cls, session: Session) -> Lookups:
        """All of them: one query per table."""
        numbers = select(ArticleRevision.article_id, func.max(ArticleRevision.number))
        return cls(
            categories={c.slug: c for c in session.scalars(select(Category))},
            departments={d.code: d for d in session.scalars(select(Department))},
            skills={s.code: s for s in session.scalars(select(Skill))},
            users={u.email.lower(): u for u in session.scalars(select(User))},
            articles={a.slug: a for a in session.scalars(select(Article))},
            numbers=dict(session.execute(numbers.group_by(ArticleRevision.article_id)).all()),
        )


# Checks ------------------------------------------------------------------------------


def check_data(session: Session, data: ArticleData, lookups: Lookups | None = None) -> None:
    """Refuse data that names things that do not exist; each error names its field."""
    if not SLUG_RE.match(data.slug or ""):
        raise ServiceError(_("Slug must be lowercase Latin letters, digits and “-”."), field="slug")
    if not (data.title or "").strip() or len(data.title) > 200:
        raise ServiceError(_("Title must be 1-200 characters."), field="title")
    if data.kind not in KINDS:
        raise ServiceError(_("Unknown kind “%(kind)s”.", kind=data.kind), field="kind")
    if _category(session, data.category, lookups) is None:
        raise ServiceError(_("Unknown category “%(slug)s”.", slug=data.category), field="category")
    _check_codes(session, data, lookups)
    if data.kind == "script":
        check_script_body(data.body)


def _check_codes(session: Session, data: ArticleData, lookups: Lookups | None) -> None:
    known = {d.code for d in _departments(session, data.departments, lookups)}
    for code in data.departments:
        if code not in known:
            raise ServiceError(_("Unknown department “%(code)s”.", code=code), field="departments")
    found = {s.code for s in _skills(session, data.skills, lookups)}
    for code in data.skills:
        if code not in found:
            raise ServiceError(_("Unknown skill “%(code)s”.", code=code), field="skills")
    if data.owner and _user(session, data.owner, lookups) is None:
        raise ServiceError(_("No user with e-mail %(email)s.", email=data.owner), field="owner")


def check_script_body(body: str) -> list[str]:
    """Raise on script errors (missing target, no end); return the warnings."""
    check = validate_script(parse_script(body))
    if check.errors:
        raise ServiceError("; ".join(_problem_text(p) for p in check.errors), field="body")
    return [_problem_text(p) for p in check.warnings]


def _problem_text(problem: Any) -> str:
    return _(
        "step “%(step)s” (line %(line)s): %(message)s",
        step=problem.step_id or "—",
        line=problem.line or "?",
        message=problem.message,
    )


# Writing revisions ---------------------------------------------------------------------


def save_revision(
    session: Session,
    data: ArticleData,
    *,
    author: User | None,
    action: str,
    comment: str = "",
    source: str = "editor",
    article: Article | None = None,
    now: datetime | None = None,
    lookups: Lookups | None = None,
) -> ArticleRevision:
    """Record ``data`` as a new revision; ``action`` is publish, draft or submit.

    With ``lookups`` (one of many saves in a batch) it reads no rows and does not flush: the
    caller flushes, and the revision has no id until it does.
    """
    check_data(session, data, lookups)
    if article is None:
        article = _new_article(session, data, lookups)
    elif data.slug != article.slug:
        _rename(session, article, data.slug, lookups)
    state = {"publish": "published", "draft": "draft", "submit": "pending"}[action]
    revision = ArticleRevision(
        article=article,
        number=_next_number(session, article, lookups),
        title=data.title.strip(),
        body=data.body,
        meta=data.meta(),
        state=state,
        source=source,
        comment=comment,
        author=author,
        created_at=now or utcnow(),
    )
    session.add(revision)
    if lookups is None:
        session.flush()
    if state == "published":
        go_live(session, article, revision, now=now, lookups=lookups)
    return revision


def _new_article(session: Session, data: ArticleData, lookups: Lookups | None) -> Article:
    _ensure_slug_free(session, data.slug, lookups)
    article = Article(
        slug=data.slug,
        title=data.title.strip(),
        kind=data.kind,
        category=_category(session, data.category, lookups),
        status="draft",
        lang=data.lang,
    )
    session.add(article)
    if lookups is not None:
        lookups.articles[article.slug] = article
    return article


def _rename(session: Session, article: Article, slug: str, lookups: Lookups | None) -> None:
    _ensure_slug_free(session, slug, lookups)
    if lookups is not None:
        lookups.articles.pop(article.slug, None)
        lookups.articles[slug] = article
    article.slug = slug


def _ensure_slug_free(session: Session, slug: str, lookups: Lookups | None) -> None:
    if lookups is not None:
        taken = slug in lookups.articles
    else:
        taken = session.scalar(select(Article.id).where(Article.slug == slug)) is not None
    if taken:
        raise ServiceError(
            _("An article with slug “%(slug)s” already exists.", slug=slug), field="slug"
        )


def _next_number(session: Session, article: Article, lookups: Lookups | None) -> int:
    if article.id is None:
        return 1
    if lookups is None:
        last = session.scalar(
            select(func.max(ArticleRevision.number)).where(ArticleRevision.article_id == article.id)
        )
        return (last or 0) + 1
    lookups.numbers[article.id] = lookups.numbers.get(article.id, 0) + 1
    return lookups.numbers[article.id]


def go_live(
    session: Session,
    article: Article,
    revision: ArticleRevision,
    *,
    now: datetime | None = None,
    lookups: Lookups | None = None,
) -> None:
    """Make ``revision`` what readers see, copying its values onto the article row; with
    ``lookups``, read no rows and leave the flush to the caller."""
    data = ArticleData.from_revision(article, revision)
    article.live_revision = revision
    article.title, article.kind, article.lang = data.title, data.kind, data.lang
    article.category = _category(session, data.category, lookups) or article.category
    article.status = data.status if data.status in ("published", "archived") else "published"
    article.review_every_days = data.review_every_days
    article.owner = _user(session, data.owner, lookups)
    article.translation_of = _article(session, data.translation_of, lookups)
    article.tag_rows = [ArticleTag(tag=t) for t in sorted(set(data.tags))]
    article.departments = _departments(session, data.departments, lookups)
    article.for_everyone = not article.departments
    article.skills = _skills(session, data.skills, lookups)
    article.updated_at = now or utcnow()
    article.schedule_review()
    revision.state = "published"
    if lookups is None:
        session.flush()


# Review workflow -------------------------------------------------------------------------


def approve(
    session: Session, revision: ArticleRevision, *, reviewer: User, comment: str = ""
) -> None:
    """An editor accepts a submitted revision: it goes live."""
    _require_pending(revision)
    revision.reviewed_by, revision.reviewed_at = reviewer, utcnow()
    revision.review_comment = comment
    go_live(session, revision.article, revision)


def send_back(session: Session, revision: ArticleRevision, *, reviewer: User, comment: str) -> None:
    """An editor returns a submitted revision to its author with a comment."""
    _require_pending(revision)
    if not comment.strip():
        raise ServiceError(_("Say what should change: the author will read it."), field="comment")
    revision.state, revision.reviewed_by = "rejected", reviewer
    revision.reviewed_at, revision.review_comment = utcnow(), comment.strip()
    session.flush()


def _require_pending(revision: ArticleRevision) -> None:
    if revision.state != "pending":
        raise ServiceError(_("This revision is not waiting for review."))


def restore(
    session: Session, article: Article, old: ArticleRevision, *, author: User, publish: bool
) -> ArticleRevision:
    """Bring back an old revision as a new one; history keeps both."""
    data = ArticleData.from_revision(article, old)
    data.slug = article.slug
    revision = save_revision(
        session,
        data,
        author=author,
        article=article,
        action="publish" if publish else "submit",
        comment=_("Restored from revision %(number)d", number=old.number),
    )
    revision.restored_from = old.number
    return revision


def verify(article: Article, user: User, *, now: datetime | None = None) -> None:
    """Mark the article reviewed now; it needs review again after its interval."""
    article.verified_at, article.verified_by = now or utcnow(), user
    article.schedule_review()


def set_archived(session: Session, article: Article, archived: bool) -> None:
    if article.live_revision is None and not archived:
        raise ServiceError(_("The article has never been published."))
    article.status = "archived" if archived else "published"
    session.flush()


# Lookups: from ``lookups`` when given, else from the database ----------------------------


def _category(session: Session, slug: str | None, lookups: Lookups | None) -> Category | None:
    if not slug:
        return None
    if lookups is not None:
        return lookups.categories.get(slug)
    return session.scalar(select(Category).where(Category.slug == slug))


def _user(session: Session, email: str | None, lookups: Lookups | None) -> User | None:
    if not email:
        return None
    if lookups is not None:
        return lookups.users.get(email.strip().lower())
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def _article(session: Session, slug: str | None, lookups: Lookups | None) -> Article | None:
    if not slug:
        return None
    if lookups is not None:
        return lookups.articles.get(slug)
    return session.scalar(select(Article).where(Article.slug == slug))


def _departments(session: Session, codes: list[str], lookups: Lookups | None) -> list[Department]:
    if lookups is None:
        return list(session.scalars(select(Department).where(Department.code.in_(codes))))
    return [lookups.departments[c] for c in dict.fromkeys(codes) if c in lookups.departments]


def _skills(session: Session, codes: list[str], lookups: Lookups | None) -> list[Skill]:
    if lookups is None:
        return list(skills_by_code(session, codes).values())
    return [lookups.skills[c] for c in dict.fromkeys(codes) if c in lookups.skills]
