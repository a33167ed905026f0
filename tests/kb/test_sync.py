"""``flask lms sync`` and ``flask lms export``: idempotent imports, conflicts, all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from flask import Flask
from sqlalchemy import event, func, select

from lms.auth.models import Department, User
from lms.extensions import db
from lms.kb import services
from lms.kb.files import read_text
from lms.kb.models import Article, ArticleRevision, Category
from lms.kb.sync import FileRevisions
from lms.skills.services import load_catalogue
from tests.conftest import ROOT

OWNER = "kb-owner@test.example"
CATEGORIES = """\
- slug: returns
  name: Возвраты товаров
  name_en: Returns
  children:
    - slug: refunds
      name: Возврат денег
      name_en: Refunds
- slug: scripts
  name: Скрипты разговоров
  name_en: Call scripts
"""
SKILLS = """\
groups:
  - code: product
    name: {ru: Знание продукта, en: Product knowledge}
    skills:
      - code: returns
        name: {ru: Возвраты товаров, en: Returns}
      - code: payment
        name: {ru: Оплата и возврат денег, en: Payment and refunds}
"""
ARTICLES = {
    "returns/return-online.md": f"""\
---
title: Возврат заказа, оплаченного онлайн
kind: article
tags: [возврат, оплата]
departments: [line1]
skills: [returns, payment]
owner: {OWNER}
review_every_days: 90
lang: ru
---
Деньги возвращаются туда, откуда пришли.

## Сроки

До 10 рабочих дней.
""",
    "returns/return-online-en.md": """\
---
title: 'Refund of an order paid online: the basics'
kind: article
tags: [refund]
departments: []
skills: []
review_every_days: 30
lang: en
translation_of: return-online
---
The money goes back where it came from.
""",
    "refunds/refund-timelines.md": """\
---
title: Сроки возврата денег
kind: regulation
tags: []
departments: []
skills: [payment]
review_every_days: 180
lang: ru
status: draft
---
| Способ | Срок |
|---|---|
| Карта | до 10 дней |
""",
    "scripts/refund-call.md": """\
---
title: Звонок о возврате
kind: script
tags: [возврат]
departments: []
skills: []
review_every_days: 90
lang: ru
---
Скрипт звонка.

## Приветствие {#start}

Представьтесь.

- [Клиент ждёт деньги](#waiting)
- [Другой вопрос](#other)

## Ждёт деньги {#waiting}

Назовите срок.

## Другой вопрос {#other}

Переведите на нужную линию.
""",
}
BROKEN = {  # file, text replaced, replacement (its last line is where the error is), field
    "bad-yaml": ("refunds/refund-timelines.md", "title: Сроки", "title: Сроки: возврата", "title"),
    "unknown-kind": ("returns/return-online.md", "kind: article", "kind: faq", "kind"),
    "unknown-skill": (
        "returns/return-online.md",
        "skills: [returns, payment]",
        "skills: [returns, juggling]",
        "skills",
    ),
    "missing-target": (
        "scripts/refund-call.md",
        "- [Другой вопрос](#other)",
        "- [Другой вопрос](#nowhere)",
        "body",
    ),
}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def org(make_org: Callable[..., Any], make_user: Callable[..., User]) -> None:
    make_org(Department, "line1")
    make_user("editor", email=OWNER)


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "kb", {"categories.yml": CATEGORIES, **ARTICLES})


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_tree(tmp_path / "content", {"skills.yml": SKILLS})


@pytest.fixture
def run(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``flask lms …`` in English, whatever the Russian catalogue says."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")
    runner = app.test_cli_runner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(args=["lms", *map(str, args)])

    return invoke


@pytest.fixture
def sync(run: Callable[..., Result], kb: Path, content: Path) -> Callable[..., Result]:
    def invoke(*args: str, kb_dir: Path = kb) -> Result:
        return run("sync", "--kb", kb_dir, "--content", content, *args)

    return invoke


def query(app: Flask, statement: Any) -> Any:
    with app.app_context():
        return db.session.scalar(statement)


def count(app: Flask, model: type) -> int:
    return query(app, select(func.count()).select_from(model))


def summary(result: Result) -> str:
    return next(line for line in result.stdout.splitlines() if line.startswith("Articles:"))


def live_body(app: Flask, slug: str) -> str:
    statement = select(ArticleRevision.body).join(
        Article, Article.live_revision_id == ArticleRevision.id
    )
    return query(app, statement.where(Article.slug == slug))


def edit_in_app(app: Flask, slug: str, body: str) -> None:
    """What the editor page does: a new revision from source "editor", published."""
    with app.test_request_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        data = services.ArticleData.from_revision(article, article.live_revision)
        data.body = body
        editor = db.session.scalar(select(User).where(User.email == OWNER))
        services.save_revision(db.session, data, author=editor, action="publish", article=article)
        db.session.commit()


@pytest.mark.usefixtures("org")
def test_sync_creates_articles_categories_and_skills(app: Flask, sync: Callable[..., Result]):
    result = sync()
    assert result.exit_code == 0, result.output
    assert summary(result) == "Articles: 4 created, 0 updated, 0 unchanged, 0 conflicts."
    assert "Categories: 3 created, 0 updated. Skills: 2 created, 0 updated." in result.stdout
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "return-online"))
        assert (article.status, article.category.slug, article.owner.email) == (
            "published",
            "returns",
            OWNER,
        )
        assert article.tags == ["возврат", "оплата"]
        assert [d.code for d in article.departments] == ["line1"]
        assert [s.code for s in article.skills] == ["payment", "returns"]
        assert article.live_revision.source == "file"
        assert article.live_revision.author is None
        assert article.file_revision_id == article.live_revision_id
        english = db.session.scalar(select(Article).where(Article.slug == "return-online-en"))
        assert english.translation_of is article
        draft = db.session.scalar(select(Article).where(Article.slug == "refund-timelines"))
        assert (draft.status, draft.live_revision) == ("draft", None)
        assert draft.file_revision_id is not None
        refunds = db.session.scalar(select(Category).where(Category.slug == "refunds"))
        assert refunds.parent.slug == "returns"


@pytest.mark.usefixtures("org")
def test_a_second_sync_changes_nothing(app: Flask, sync: Callable[..., Result]):
    assert sync().exit_code == 0
    revisions = count(app, ArticleRevision)
    result = sync()
    assert result.exit_code == 0, result.output
    assert summary(result) == "Articles: 0 created, 0 updated, 4 unchanged, 0 conflicts."
    assert "Categories: 0 created, 0 updated. Skills: 0 created, 0 updated." in result.stdout
    assert count(app, ArticleRevision) == revisions


@pytest.mark.usefixtures("org")
def test_a_changed_file_becomes_a_new_file_revision(
    app: Flask, sync: Callable[..., Result], kb: Path
):
    assert sync().exit_code == 0
    revisions = count(app, ArticleRevision)
    path = kb / "returns/return-online.md"
    path.write_text(path.read_text().replace("До 10", "До 7"), encoding="utf-8")
    result = sync()
    assert summary(result) == "Articles: 0 created, 1 updated, 3 unchanged, 0 conflicts."
    assert count(app, ArticleRevision) == revisions + 1
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "return-online"))
        live = article.live_revision
        assert (live.number, live.source, article.file_revision_id) == (2, "file", live.id)
        assert "До 7" in live.body


@pytest.mark.usefixtures("org")
def test_an_article_edited_in_the_app_is_a_conflict_until_overwritten(
    app: Flask, sync: Callable[..., Result], kb: Path
):
    assert sync().exit_code == 0
    edit_in_app(app, "return-online", "Исправлено в редакторе.\n")
    path = kb / "returns/return-online.md"
    path.write_text(path.read_text().replace("До 10", "До 7"), encoding="utf-8")

    result = sync()
    assert result.exit_code == 0, result.output
    assert summary(result) == "Articles: 0 created, 0 updated, 3 unchanged, 1 conflicts."
    assert "  returns/return-online.md" in result.stdout
    assert live_body(app, "return-online") == "Исправлено в редакторе.\n"

    result = sync("--overwrite")
    assert summary(result) == "Articles: 0 created, 1 updated, 3 unchanged, 0 conflicts."
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == "return-online"))
        assert "До 7" in article.live_revision.body
        assert article.live_revision.source == "file"
    assert summary(sync()) == "Articles: 0 created, 0 updated, 4 unchanged, 0 conflicts."


@pytest.mark.usefixtures("org")
def test_an_unchanged_file_leaves_an_app_edit_alone(app: Flask, sync: Callable[..., Result]):
    assert sync().exit_code == 0
    edit_in_app(app, "return-online", "Исправлено в редакторе.\n")
    assert summary(sync()) == "Articles: 0 created, 0 updated, 4 unchanged, 0 conflicts."
    assert live_body(app, "return-online") == "Исправлено в редакторе.\n"


@pytest.mark.usefixtures("org")
def test_an_article_never_imported_is_a_conflict_when_it_differs(
    app: Flask, sync: Callable[..., Result]
):
    with app.test_request_context():
        db.session.add(Category(slug="returns", name="Возвраты товаров", name_en="Returns"))
        data = services.ArticleData(
            slug="return-online", title="Написано в редакторе", body="Текст.", category="returns"
        )
        services.save_revision(db.session, data, author=None, action="publish")
        db.session.commit()
    result = sync()
    assert summary(result) == "Articles: 3 created, 0 updated, 0 unchanged, 1 conflicts."
    result = sync("--overwrite")
    assert summary(result) == "Articles: 0 created, 1 updated, 3 unchanged, 0 conflicts."


@pytest.mark.usefixtures("org")
def test_dry_run_reports_and_saves_nothing(app: Flask, sync: Callable[..., Result]):
    result = sync("--dry-run")
    assert result.exit_code == 0, result.output
    assert summary(result) == "Articles: 4 created, 0 updated, 0 unchanged, 0 conflicts."
    assert "Dry run: nothing was saved." in result.stdout
    assert count(app, Article) == 0
    assert count(app, Category) == 0


@pytest.mark.usefixtures("org")
@pytest.mark.parametrize("case", sorted(BROKEN))
def test_one_broken_file_imports_nothing(
    app: Flask, sync: Callable[..., Result], kb: Path, case: str
):
    name, old, new, field = BROKEN[case]
    path = kb / name
    text = path.read_text(encoding="utf-8").replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    marker = new.splitlines()[-1]
    line = next(n for n, text_line in enumerate(text.splitlines(), 1) if marker in text_line)

    result = sync()
    assert result.exit_code == 1
    assert f"{name}, line {line}, field {field}:" in result.stderr
    assert "nothing was imported" in result.stderr
    assert count(app, Article) == 0
    assert count(app, Category) == 0


@pytest.mark.usefixtures("org")
def test_unknown_category_department_owner_and_translation_are_all_reported(
    app: Flask, sync: Callable[..., Result], kb: Path
):
    text = ARTICLES["returns/return-online.md"]
    text = text.replace("[line1]", "[line9]").replace(OWNER, "nobody@test.example")
    write_tree(kb, {"faq/stray.md": text.replace("lang: ru", "translation_of: gone")})
    result = sync()
    assert result.exit_code == 1
    assert "faq/stray.md, line 1, field category: unknown category “faq”" in result.stderr
    assert "faq/stray.md, line 5, field departments: unknown department “line9”" in result.stderr
    assert "faq/stray.md, line 7, field owner:" in result.stderr
    assert "faq/stray.md, line 9, field translation_of:" in result.stderr
    assert count(app, Article) == 0


@pytest.mark.usefixtures("org")
def test_script_warnings_name_the_line_in_the_file(sync: Callable[..., Result], kb: Path):
    text = (
        ARTICLES["scripts/refund-call.md"] + "\n## Забытый шаг {#lost}\n\nНикто сюда не придёт.\n"
    )
    write_tree(kb, {"scripts/refund-call.md": text})
    result = sync()
    assert result.exit_code == 0, result.output
    line = text.splitlines().index("## Забытый шаг {#lost}") + 1
    assert f"scripts/refund-call.md, line {line}, field body: no branch leads" in result.stderr


@pytest.mark.usefixtures("org")
def test_two_files_with_one_slug_are_an_error(app: Flask, sync: Callable[..., Result], kb: Path):
    write_tree(kb, {"refunds/return-online.md": ARTICLES["returns/return-online.md"]})
    result = sync()
    assert result.exit_code == 1
    assert "already used by refunds/return-online.md" in result.stderr
    assert count(app, Article) == 0


@pytest.mark.usefixtures("org")
def test_sync_export_sync_round_trip(
    app: Flask, sync: Callable[..., Result], run: Callable[..., Result], kb: Path, tmp_path: Path
):
    assert sync().exit_code == 0
    out = tmp_path / "exported"
    result = run("export", "--kb", out / "kb", "--content", out / "content")
    assert result.exit_code == 0, result.output
    assert "Exported 4 articles, 3 categories and 2 skills" in result.stdout
    for name, text in {"categories.yml": CATEGORIES, **ARTICLES}.items():
        assert (out / "kb" / name).read_text(encoding="utf-8") == text, name
    assert (out / "content/skills.yml").read_text(encoding="utf-8") == SKILLS
    result = sync(kb_dir=out / "kb")
    assert summary(result) == "Articles: 0 created, 0 updated, 4 unchanged, 0 conflicts."


@pytest.mark.usefixtures("org")
def test_an_export_after_an_app_edit_syncs_back_unchanged(
    app: Flask, sync: Callable[..., Result], run: Callable[..., Result], kb: Path
):
    assert sync().exit_code == 0
    edit_in_app(app, "return-online", "Исправлено в редакторе.\n")
    assert run("export", "--kb", kb).exit_code == 0
    assert "Исправлено в редакторе." in (kb / "returns/return-online.md").read_text()
    revisions = count(app, ArticleRevision)
    assert summary(sync()) == "Articles: 0 created, 0 updated, 4 unchanged, 0 conflicts."
    assert count(app, ArticleRevision) == revisions


def columns(row: Any, skip: set[str]) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


ARTICLE_SKIP = {"id", "slug", "created_at", "updated_at", "live_revision_id"}
ARTICLE_SKIP |= {"file_hash", "file_revision_id"}
REVISION_SKIP = {"id", "article_id", "created_at"}
FIRST = ARTICLES["returns/return-online.md"]
SECOND = (
    FIRST.replace("tags: [возврат, оплата]", "tags: [оплата]")
    .replace("departments: [line1]", "departments: []")
    .replace("skills: [returns, payment]", "skills: [payment]")
    .replace("title: Возврат", "title: Возврат денег")
    .replace("До 10", "До 7")
)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("published", "published"),
        ("draft", "published"),
        ("published", "draft"),
        ("published", "archived"),
        ("archived", "published"),
    ],
)
def test_file_revisions_write_the_rows_save_revision_writes(
    app: Flask, org: None, first: str, second: str
):
    with app.test_request_context():
        load_catalogue(db.session, yaml.safe_load(SKILLS), filename="skills.yml")
        db.session.add(Category(slug="returns", name="Возвраты товаров"))
        db.session.add(Category(slug="refunds", name="Возврат денег"))
        steps = ((first, "returns", FIRST), (second, "refunds", SECOND))
        for number, (status, category, text) in enumerate(steps, start=1):
            text = text.replace("lang: ru", f"status: {status}")
            fast, slow = (
                read_text(text, name="x.md", category=category, slug=slug)
                for slug in ("fast", "slow")
            )
            a, b = (
                db.session.scalar(select(Article).where(Article.slug == slug))
                for slug in ("fast", "slow")
            )
            writer = FileRevisions(db.session, services.Lookups.load(db.session))
            writer.add(fast, a)
            writer.flush()
            action = "draft" if status == "draft" else "publish"
            services.save_revision(
                db.session, slow.data, author=None, action=action, source="file", article=b
            )
            db.session.flush()
            a, b = (
                db.session.scalar(select(Article).where(Article.slug == slug))
                for slug in ("fast", "slow")
            )
            db.session.expire_all()
            assert columns(a, ARTICLE_SKIP) == columns(b, ARTICLE_SKIP)
            assert (a.tags, a.category, a.owner) == (b.tags, b.category, b.owner)
            assert {*a.departments, *a.skills} == {*b.departments, *b.skills}
            assert (a.live_revision is None) == (b.live_revision is None)
            revision_a, revision_b = (
                db.session.scalars(
                    select(ArticleRevision)
                    .where(ArticleRevision.article == article)
                    .order_by(ArticleRevision.number.desc())
                    .limit(1)
                ).one()
                for article in (a, b)
            )
            assert revision_a.number == number
            assert columns(revision_a, REVISION_SKIP) == columns(revision_b, REVISION_SKIP)
            assert a.file_revision_id == revision_a.id
        db.session.rollback()


def test_a_save_with_lookups_reads_no_rows(app: Flask, org: None):
    """Sync's speed rests on this: with lookups, a file costs no query and no flush."""
    with app.test_request_context():
        load_catalogue(db.session, yaml.safe_load(SKILLS), filename="skills.yml")
        db.session.add(Category(slug="returns", name="Возвраты товаров"))
        lookups = services.Lookups.load(db.session)
        item = read_text(FIRST, name="returns/x.md", category="returns", slug="x")
        statements: list[str] = []
        connection = db.session.connection()

        def record(*args: Any) -> None:
            statements.append(args[2])

        event.listen(connection, "before_cursor_execute", record)
        try:
            FileRevisions(db.session, lookups).add(item)
        finally:
            event.remove(connection, "before_cursor_execute", record)
        assert statements == []
        assert lookups.articles["x"].owner.email == OWNER
        db.session.rollback()


def test_the_shipped_knowledge_base_syncs(
    app: Flask,
    run: Callable[..., Result],
    make_org: Callable[..., Any],
    make_user: Callable[..., User],
    tmp_path: Path,
):
    kb_dir, content_dir = ROOT / "kb", ROOT / "content"
    departments, owners = set(), set()
    for path in kb_dir.rglob("*.md"):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1]) or {}
        departments |= set(meta.get("departments") or [])
        owners |= {meta["owner"].lower()} if meta.get("owner") else set()
    for code in departments:
        make_org(Department, code)
    for email in owners:
        make_user("editor", email=email)
    result = run("sync", "--kb", kb_dir, "--content", content_dir)
    assert result.exit_code == 0, result.output
    created = int(summary(result).split()[1])
    assert created == len([p for p in kb_dir.rglob("*.md") if p.parent != kb_dir])
    assert "unchanged" in summary(run("sync", "--kb", kb_dir, "--content", content_dir))
    exported = tmp_path / "export"
    assert run("export", "--kb", exported / "kb", "--content", exported / "content").exit_code == 0
    shipped = sorted(p.relative_to(kb_dir) for p in kb_dir.rglob("*") if p.is_file())
    assert (
        sorted(p.relative_to(exported / "kb") for p in (exported / "kb").rglob("*") if p.is_file())
        == shipped
    )
    for relative in shipped:
        assert (exported / "kb" / relative).read_bytes() == (kb_dir / relative).read_bytes()
    skills = (exported / "content" / "skills.yml").read_bytes()
    assert skills == (content_dir / "skills.yml").read_bytes()
