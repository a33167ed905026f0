"""The category tree, managed by editors and shipped in ``kb/categories.yml``."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.models import Article, Category

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def save_category(
    session: Session,
    *,
    slug: str,
    name: str,
    name_en: str = "",
    parent: Category | None = None,
    category: Category | None = None,
    position: int | None = None,
) -> Category:
    """Create or change a category; a category can't sit below itself."""
    slug, name = (slug or "").strip().lower(), " ".join((name or "").split())
    if not SLUG_RE.match(slug):
        raise ServiceError(_("Slug must be lowercase Latin letters, digits and “-”."), field="slug")
    if not name or len(name) > 200:
        raise ServiceError(_("Name must be 1-200 characters."), field="name")
    clash = session.scalar(select(Category).where(Category.slug == slug))
    if clash is not None and clash is not category:
        raise ServiceError(_("“%(value)s” is already taken.", value=slug), field="slug")
    if category is not None and parent is not None and _is_below(parent, category):
        raise ServiceError(_("A category cannot be placed inside itself."), field="parent")
    if category is None:
        category = Category(slug=slug, name=name)
        session.add(category)
    category.slug, category.name, category.name_en = slug, name, (name_en or "").strip()
    category.parent = parent
    if position is not None:
        category.position = position
    session.flush()
    return category


def _is_below(candidate: Category, ancestor: Category) -> bool:
    node: Category | None = candidate
    while node is not None:
        if node is ancestor:
            return True
        node = node.parent
    return False


def article_counts(session: Session) -> dict[int, int]:
    rows = session.execute(select(Article.category_id, func.count()).group_by(Article.category_id))
    return dict(rows.all())
