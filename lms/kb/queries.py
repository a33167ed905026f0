"""Reading the knowledge base, with department visibility applied everywhere.

An agent sees published content meant for everyone or for their own department;
editors, HR and administrators see everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from lms.auth.models import Department, User
from lms.cache import TTLCache
from lms.kb.models import Article, ArticleRevision, ArticleTag, Category

SEES_EVERYTHING = ("editor", "hr", "admin")
RELATED_CACHE = TTLCache(seconds=300, max_items=5000)
INDEX_CACHE = TTLCache(seconds=60, max_items=200)


def sees_everything(user: Any) -> bool:
    return user.has_role(*SEES_EVERYTHING)


def visible_to(user: Any) -> Any:
    """A WHERE clause: articles ``user`` may read (published, and meant for them)."""
    published = Article.status == "published"
    if sees_everything(user):
        return published
    for_everyone = Article.for_everyone
    department_id = getattr(user, "department_id", None)
    if department_id is None:
        return and_(published, for_everyone)
    return and_(
        published, or_(for_everyone, Article.departments.any(Department.id == department_id))
    )


def can_read(user: Any, article: Article) -> bool:
    """The same rule as ``visible_to``, for one loaded article."""
    if article.status != "published":
        return sees_everything(user)
    if sees_everything(user) or not article.departments:
        return True
    return any(d.id == getattr(user, "department_id", None) for d in article.departments)


def list_options() -> list[Any]:
    return [
        selectinload(Article.category),
        selectinload(Article.tag_rows),
        selectinload(Article.departments),
        selectinload(Article.verified_by),
    ]


def in_reader_language(user: Any) -> Any:
    """For lists: one version of each translated article, in the reader's language if any.

    A translation shows only to readers of its language, and then replaces its original.
    """
    locale = getattr(user, "locale", None) or "ru"
    translated = aliased(Article)
    has_own_translation = (
        select(translated.id)
        .where(
            translated.translation_of_id == Article.id,
            translated.lang == locale,
            translated.status == "published",
        )
        .exists()
    )
    return and_(
        or_(Article.translation_of_id.is_(None), Article.lang == locale),
        or_(Article.lang == locale, ~has_own_translation),
    )


def visible_articles(user: Any) -> Select[tuple[Article]]:
    """Articles for a list this reader sees: visible, one language version each."""
    return (
        select(Article).where(visible_to(user), in_reader_language(user)).options(*list_options())
    )


def translations(session: Session, user: Any, article: Article) -> list[Article]:
    """Other language versions of the article (its original and the original's translations)."""
    original_id = article.translation_of_id or article.id
    return list(
        session.scalars(
            select(Article)
            .where(
                or_(Article.id == original_id, Article.translation_of_id == original_id),
                Article.id != article.id,
                visible_to(user),
            )
            .order_by(Article.lang)
        )
    )


def article_by_slug(session: Session, slug: str) -> Article | None:
    return session.scalar(
        select(Article)
        .where(Article.slug == slug)
        .options(
            joinedload(Article.live_revision),
            joinedload(Article.category),
            joinedload(Article.owner),
            joinedload(Article.verified_by),
            selectinload(Article.tag_rows),
            selectinload(Article.departments),
            selectinload(Article.skills),
        )
    )


def articles_by_slug(session: Session, slugs: list[str]) -> dict[str, Article]:
    """The articles behind search hits, with who verified them, in one query."""
    if not slugs:
        return {}
    found = session.scalars(
        select(Article).where(Article.slug.in_(slugs)).options(joinedload(Article.verified_by))
    )
    return {a.slug: a for a in found}


def recently_updated(session: Session, user: Any, *, limit: int = 10) -> list[Article]:
    query = visible_articles(user).order_by(Article.updated_at.desc(), Article.id.desc())
    return list(session.scalars(query.limit(limit)))


def for_my_department(session: Session, user: Any, *, limit: int = 20) -> list[Article]:
    """Content meant specifically for the user's department."""
    if user.department_id is None:
        return []
    query = visible_articles(user).where(
        Article.departments.any(Department.id == user.department_id)
    )
    return list(session.scalars(query.order_by(Article.title).limit(limit)))


def in_category(session: Session, user: Any, category: Category) -> list[Article]:
    ids = [c.id for c in descendants(session, category)]
    query = visible_articles(user).where(Article.category_id.in_(ids))
    return list(session.scalars(query.order_by(Article.title)))


def with_tag(session: Session, user: Any, tag: str) -> list[Article]:
    query = visible_articles(user).where(Article.tag_rows.any(ArticleTag.tag == tag))
    return list(session.scalars(query.order_by(Article.title)))


@dataclass
class CategoryNode:
    category: Category
    children: list[CategoryNode]


def category_tree(session: Session) -> list[CategoryNode]:
    """The whole category tree from one query (it is small)."""
    categories = list(session.scalars(select(Category).order_by(Category.position, Category.name)))
    nodes = {c.id: CategoryNode(c, []) for c in categories}
    roots = []
    for category in categories:
        parent = nodes.get(category.parent_id) if category.parent_id else None
        (parent.children if parent else roots).append(nodes[category.id])
    return roots


def rolled_up(tree: list[CategoryNode], counts: dict[int, int]) -> dict[int, int]:
    """Counts per category including everything in its subcategories."""
    totals: dict[int, int] = {}

    def total(node: CategoryNode) -> int:
        value = counts.get(node.category.id, 0) + sum(total(c) for c in node.children)
        totals[node.category.id] = value
        return value

    for node in tree:
        total(node)
    return totals


def descendants(session: Session, category: Category) -> list[Category]:
    everything = list(session.scalars(select(Category)))
    found, frontier = [category], [category.id]
    while frontier:
        level = [c for c in everything if c.parent_id in frontier]
        found += level
        frontier = [c.id for c in level]
    return found


def breadcrumbs(category: Category) -> list[Category]:
    trail = [category]
    while trail[0].parent is not None and len(trail) < 20:
        trail.insert(0, trail[0].parent)
    return trail


def category_by_slug(session: Session, slug: str) -> Category | None:
    return session.scalar(select(Category).where(Category.slug == slug))


def visible_counts_by_category(session: Session, user: Any) -> dict[int, int]:
    """Articles per category for this reader (cached a minute per audience)."""
    key = ("counts", audience_key(user))
    counts = INDEX_CACHE.get(key)
    if counts is None:
        rows = session.execute(
            select(Article.category_id, func.count(Article.id))
            .where(visible_to(user), in_reader_language(user))
            .group_by(Article.category_id)
        )
        counts = dict(rows.all())
        INDEX_CACHE.set(key, counts)
    return counts


def tag_cloud(session: Session, user: Any, *, limit: int = 40) -> list[tuple[str, int]]:
    """The most used tags this reader can see (cached a minute per audience)."""
    key = ("tags", audience_key(user), limit)
    cloud = INDEX_CACHE.get(key)
    if cloud is None:
        rows = session.execute(
            select(ArticleTag.tag, func.count())
            .join(Article, Article.id == ArticleTag.article_id)
            .where(visible_to(user), in_reader_language(user))
            .group_by(ArticleTag.tag)
            .order_by(func.count().desc(), ArticleTag.tag)
            .limit(limit)
        )
        cloud = [(tag, count) for tag, count in rows]
        INDEX_CACHE.set(key, cloud)
    return cloud


def related(session: Session, user: Any, article: Article, *, limit: int = 5) -> list[Article]:
    """Visible articles sharing the most tags, then the newest of the same category.

    The ids are cached for a few minutes per article and audience: on a large knowledge
    base the tag count is the slowest query of an article page.
    """
    key = (article.id, audience_key(user), limit)
    ids = RELATED_CACHE.get(key)
    if ids is None:
        ids = [a.id for a in _related(session, user, article, limit)]
        RELATED_CACHE.set(key, ids)
    if not ids:
        return []
    found = {
        a.id: a
        for a in session.scalars(select(Article).where(Article.id.in_(ids), visible_to(user)))
    }
    return [found[i] for i in ids if i in found]


def audience_key(user: Any) -> str:
    """Users who see the same articles share this key."""
    locale = getattr(user, "locale", None) or "ru"
    if sees_everything(user):
        return f"all:{locale}"
    return f"dept:{getattr(user, 'department_id', None)}:{locale}"


def _related(session: Session, user: Any, article: Article, limit: int) -> list[Article]:
    found: list[Article] = []
    if article.tags:
        found += session.scalars(_sharing_tags(user, article).limit(limit))
    if len(found) < limit:
        seen = [a.id for a in found] + [article.id]
        found += session.scalars(
            select(Article)
            .where(Article.category_id == article.category_id, Article.id.not_in(seen))
            .where(visible_to(user), in_reader_language(user))
            .order_by(Article.updated_at.desc())
            .limit(limit - len(found))
        )
    return found


RELATED_CANDIDATES = 400


def _sharing_tags(user: Any, article: Article) -> Select[tuple[Article]]:
    """Articles sharing most tags, among the newest few hundred carrying any of them.

    Bounding the candidates keeps a common tag (on thousands of articles) cheap.
    """
    candidates = (
        select(ArticleTag.article_id, ArticleTag.tag)
        .where(ArticleTag.tag.in_(article.tags), ArticleTag.article_id != article.id)
        .order_by(ArticleTag.article_id.desc())
        .limit(RELATED_CANDIDATES)
        .subquery()
    )
    shared = func.count(candidates.c.tag)
    return (
        select(Article)
        .join(candidates, candidates.c.article_id == Article.id)
        .where(visible_to(user), in_reader_language(user))
        .group_by(Article.id)
        .order_by(shared.desc(), Article.id.desc())
    )


def review_queue(session: Session, user: User, *, now: datetime) -> list[Article]:
    """Published content whose review is due: the owner's own, or all for editors."""
    query = (
        select(Article)
        .options(selectinload(Article.owner), selectinload(Article.category))
        .where(Article.status == "published")
        .where(or_(Article.review_due_at.is_(None), Article.review_due_at <= now))
    )
    if not user.has_role("editor", "admin"):
        query = query.where(Article.owner_id == user.id, visible_to(user))
    return list(
        session.scalars(
            query.order_by(Article.review_due_at.is_not(None), Article.review_due_at, Article.title)
        )
    )


def pending_reviews(session: Session) -> list[ArticleRevision]:
    """Revisions submitted for review, oldest first."""
    return list(
        session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.state == "pending")
            .options(selectinload(ArticleRevision.article), selectinload(ArticleRevision.author))
            .order_by(ArticleRevision.created_at)
        )
    )


def revisions(session: Session, article: Article) -> list[ArticleRevision]:
    return list(
        session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.article_id == article.id)
            .options(
                selectinload(ArticleRevision.author), selectinload(ArticleRevision.reviewed_by)
            )
            .order_by(ArticleRevision.number.desc())
        )
    )


def revision(session: Session, article: Article, number: int) -> ArticleRevision | None:
    return session.scalar(
        select(ArticleRevision).where(
            ArticleRevision.article_id == article.id, ArticleRevision.number == number
        )
    )


def my_drafts(session: Session, user: User) -> list[ArticleRevision]:
    """The user's drafts and revisions sent back to them, newest first."""
    return list(
        session.scalars(
            select(ArticleRevision)
            .where(
                ArticleRevision.author_id == user.id,
                ArticleRevision.state.in_(("draft", "rejected", "pending")),
            )
            .options(selectinload(ArticleRevision.article))
            .order_by(ArticleRevision.created_at.desc())
            .limit(50)
        )
    )
