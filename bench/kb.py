"""Knowledge-base figures: the article page with 10,000 articles, and sync of 5,000 files."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from bench.common import report, signed_in, timed
from lms.auth.models import Department
from lms.extensions import db
from lms.kb.categories import save_category
from lms.kb.models import Article, ArticleRevision, ArticleTag
from lms.models_base import utcnow

WORDS = (
    *("заказ", "возврат", "оплата", "доставка", "курьер", "пункт", "выдачи", "карта"),
    *("баланс", "бонус", "промокод", "клиент", "оператор", "сроки", "статус", "отмена"),
    *("обмен", "гарантия", "претензия", "чек", "счёт"),
)


def body_text(rng: random.Random, n: int) -> str:
    """A plausible article: a few sections of Russian-looking sentences."""
    parts = []
    for section in range(4):
        parts.append(f"## Раздел {section + 1}\n")
        for _ in range(4):
            sentence = " ".join(rng.choice(WORDS) for _ in range(14)).capitalize()
            parts.append(f"{sentence}. Подробности в статье [{n}](kb:bench-{(n + 1) % 9999}).\n")
        parts.append("- пункт один\n- пункт два\n- пункт три\n")
    return "\n".join(parts)


def add_articles(count: int) -> None:
    """Insert ``count`` published articles straight through the ORM, in batches."""
    rng = random.Random(7)
    categories = [
        save_category(db.session, slug=f"bench-cat-{i}", name=f"Раздел {i}") for i in range(20)
    ]
    departments = list(db.session.scalars(db.select(Department)))
    now = utcnow()
    for n in range(count):
        article = Article(
            slug=f"bench-{n}",
            title=f"Статья номер {n}: {rng.choice(WORDS)}",
            kind="article",
            category=categories[n % 20],
            status="published",
            lang="ru",
            updated_at=now,
            verified_at=now,
            review_every_days=90,
        )
        article.schedule_review()
        article.tag_rows = [ArticleTag(tag=t) for t in {rng.choice(WORDS), rng.choice(WORDS)}]
        if n % 3 == 0 and departments:
            article.departments = [departments[n % len(departments)]]
            article.for_everyone = False
        revision = ArticleRevision(
            article=article,
            number=1,
            title=article.title,
            body=body_text(rng, n),
            meta={"category": "x"},
            state="published",
            source="file",
        )
        db.session.add_all([article, revision])
        if n % 1000 == 999:
            db.session.flush()
            _link_live()
            db.session.commit()
    db.session.flush()
    _link_live()
    db.session.commit()


def _link_live() -> None:
    for article in db.session.scalars(db.select(Article).where(Article.live_revision_id.is_(None))):
        article.live_revision_id = db.session.scalar(
            db.select(ArticleRevision.id).where(ArticleRevision.article_id == article.id)
        )


def article_pages(app: Flask, count: int, repeat: int) -> None:
    with app.test_request_context():
        start = time.perf_counter()
        add_articles(count)
        # A database in use has planner statistics (autovacuum, or ANALYZE on SQLite);
        # right after a bulk insert it has none, and plans are wrong by orders of magnitude.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"  (inserted {count} articles in {time.perf_counter() - start:.1f} s, analyzed)")
    agent, _ = signed_in(app, "agent@example.com")
    editor, _ = signed_in(app, "editor@example.com")
    rng = random.Random(3)
    slugs = [f"bench-{rng.randrange(count)}" for _ in range(repeat + 1)]
    visible = iter(slugs * 2)
    report(
        f"article page, {count} articles (editor)",
        timed(lambda: editor.get(f"/kb/{next(visible)}"), repeat),
    )
    readable = [s for s in slugs if int(s.split("-")[1]) % 3 != 0] or slugs
    agent_slugs = iter(readable * (repeat // len(readable) + 2))
    report(
        f"article page, {count} articles (agent)",
        timed(lambda: agent.get(f"/kb/{next(agent_slugs)}"), repeat),
    )
    report("knowledge-base index", timed(lambda: agent.get("/kb"), 20))
    report("category page (500 articles)", timed(lambda: agent.get("/kb/c/bench-cat-3"), 10))


def sync_files(app: Flask, count: int) -> None:
    """Time `flask lms sync` of ``count`` generated files into the same database."""
    from bench.kb_data import generate_kb

    folder = Path(tempfile.mkdtemp(prefix="lms-bench-kb-"))
    generate_kb(folder, count)
    runner = app.test_cli_runner()
    start = time.perf_counter()
    result = runner.invoke(args=["lms", "sync", "--kb", str(folder)])
    elapsed = time.perf_counter() - start
    status = "ok" if result.exit_code == 0 else f"FAILED: {result.output[-300:]}"
    print(f"  {'flask lms sync, ' + str(count) + ' new articles':<38} {elapsed:7.1f} s   {status}")
    start = time.perf_counter()
    result = runner.invoke(args=["lms", "sync", "--kb", str(folder)])
    print(f"  {'flask lms sync again (all unchanged)':<38} {time.perf_counter() - start:7.1f} s")
