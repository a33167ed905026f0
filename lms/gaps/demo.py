"""Demo knowledge gaps: four weeks of searches, "did not answer" votes, open questions
and abandoned script runs, so the gap report has something to show on first look.

Seeded once: if any search is logged already, nothing is added.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth.demo import STAFF
from lms.auth.models import User
from lms.gaps.models import ArticleFeedback, Question, SearchLog
from lms.gaps.search_log import normalize_query
from lms.kb.models import Article, ScriptRun

DAYS = 28
SEED = 20240601
# Wordings readers type, and the shipped article that answers them.
FOUND = (
    (("возврат денег", "сроки возврата денег", "когда вернут деньги"), "refund-timelines"),
    (("отмена заказа", "отменить заказ", "как отменить заказ"), "cancel-order"),
    (("двойное списание", "списали дважды"), "double-charge"),
    (("не приходит смс", "смс код не приходит"), "sms-code-not-received"),
    (("бонусы не начислены", "сгорели бонусы"), "bonuses-not-credited"),
    (("хранение в пункте выдачи", "продлить хранение"), "pickup-storage"),
    (("изменить адрес доставки", "поменять интервал доставки"), "change-address-or-slot"),
    (("статусы заказа", "статус заказа"), "order-statuses"),
    (("возврат товара", "вернуть товар"), "return-good-quality"),
    (("брак", "товар с браком"), "return-defective"),
    (("холд", "деньги заблокированы"), "payment-hold"),
)
# Things the knowledge base does not cover, in inflections that group together.
NOT_COVERED = (
    ("рассрочка", "рассрочку", "рассрочки", "оплата в рассрочку", "рассрочка оплаты"),
    ("подарочный сертификат", "подарочные сертификаты", "сертификат подарочный"),
    ("доставка за границу", "доставку за границу", "доставки за границу"),
    ("счёт для юрлица", "счет на юрлицо"),
)
# Searches that find something, but nothing a reader thought worth opening.
NOT_OPENED = (
    ("компенсация за опоздание", "компенсацию за опоздание"),
    ("промокод не работает", "промокоды не работают"),
    ("возврат подарка", "вернуть подарок"),
)
# slug, (author e-mail, comment) of "did not answer" votes on the live revision.
NO_VOTES = (
    (
        "payment-methods",
        (
            ("agent@example.com", "Нет ничего про рассрочку, клиенты спрашивают каждый день."),
            ("anna.kozlova@example.com", "Не сказано, можно ли оплатить подарочным сертификатом."),
            ("olga.egorova@example.com", ""),
        ),
    ),
    (
        "delivery-options",
        (
            ("darya.morozova@example.com", "Доставляем ли мы за границу? В статье ни слова."),
            ("dmitry.pavlov@example.com", "Таблица стоимости устарела: курьер уже дороже."),
        ),
    ),
    (
        "promo-code-compensation",
        (("ivan.petrov@example.com", "Непонятно, что делать, если промокод не применяется."),),
    ),
)
YES_VOTES = (
    ("refund-timelines", ("mikhail.fedorov@example.com", "artem.lebedev@example.com")),
    ("delivery-options", ("yulia.semenova@example.com",)),
    ("cancel-order", ("agent@example.com", "ekaterina.novikova@example.com")),
)
# asker, days ago, text, what they searched for first
QUESTIONS = (
    (
        "agent@example.com",
        9,
        "Клиент хочет оплатить заказ в рассрочку. Мы так умеем? Если да, через какой банк?",
        "рассрочка",
    ),
    (
        "nikita.golubev@example.com",
        5,
        "Можно ли вернуть товар, купленный по подарочному сертификату, и куда вернутся деньги?",
        "подарочный сертификат возврат",
    ),
    (
        "darya.morozova@example.com",
        2,
        "Клиент из Казахстана спрашивает, доставим ли мы ему заказ. Что отвечать?",
        "доставка за границу",
    ),
)
# script, path, how it ended, how many runs
RUNS = (
    ("late-delivery-call", ("start", "check-tracking", "short-delay", "close"), "finished", 5),
    ("late-delivery-call", ("start", "check-tracking", "long-delay"), "abandoned", 4),
    ("late-delivery-call", ("start", "check-tracking", "search"), "abandoned", 3),
    (
        "late-delivery-call",
        ("start", "check-tracking", "long-delay", "compensation", "close"),
        "finished",
        3,
    ),
    ("cancel-order-objections", ("start", "after-handover"), "abandoned", 3),
    (
        "cancel-order-objections",
        ("start", "ask-reason", "gifts", "apply-change", "close"),
        "finished",
        4,
    ),
    ("cancel-order-objections", ("start", "ask-reason"), "abandoned", 2),
)


def seed_demo_gaps(session: Session, now: datetime) -> int:
    """Add the demo gaps once; returns how many searches were logged (0: already there)."""
    if session.scalar(select(SearchLog.id).limit(1)) is not None:
        return 0
    agents = demo_agents(session)
    if not agents:
        return 0
    rng = random.Random(SEED)
    searches = [_search(rng, agents, now, day) for day in range(DAYS) for _ in range(_per_day(day))]
    searches += [_rising_gap(rng, agents, now, day) for day in range(0, 14, 2)]
    session.add_all(searches)
    articles = _articles(session)
    _add_votes(session, articles, agents, now)
    _add_questions(session, agents, now)
    _add_runs(session, articles, agents, now)
    session.flush()
    return len(searches)


def demo_agents(session: Session) -> dict[str, User]:
    emails = [email for email, _name, roles, *_rest in STAFF if "agent" in roles]
    return {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}


def _per_day(day: int) -> int:
    """Fewer searches at weekends, as on a real line (day counts back from today)."""
    return 4 if day % 7 in (5, 6) else 9


def _search(rng: random.Random, agents: dict[str, User], now: datetime, day: int) -> SearchLog:
    roll = rng.random()
    if roll < 0.62:
        wordings, slug = rng.choice(FOUND)
        opened = slug if rng.random() < 0.75 else None
        return _row(rng, agents, now, day, rng.choice(wordings), rng.randint(2, 9), opened)
    if roll < 0.85:
        return _row(rng, agents, now, day, rng.choice(rng.choice(NOT_COVERED)), 0, None)
    wordings = rng.choice(NOT_OPENED)
    return _row(rng, agents, now, day, rng.choice(wordings), rng.randint(1, 4), None)


def _rising_gap(rng: random.Random, agents: dict[str, User], now: datetime, day: int) -> SearchLog:
    """Extra instalment searches lately: the trend column shows a gap growing."""
    return _row(rng, agents, now, day, rng.choice(NOT_COVERED[0]), 0, None)


def _row(
    rng: random.Random,
    agents: dict[str, User],
    now: datetime,
    day: int,
    query: str,
    result_count: int,
    opened: str | None,
) -> SearchLog:
    user = agents[rng.choice(sorted(agents))]
    moment = now - timedelta(days=day, hours=rng.randint(0, 9), minutes=rng.randint(0, 59))
    return SearchLog(
        query=query,
        normalized=normalize_query(query),
        user_id=user.id,
        department_id=user.department_id,
        result_count=result_count,
        opened_slug=opened,
        created_at=min(moment, now),
    )


def _articles(session: Session) -> dict[str, Article]:
    slugs = {slug for slug, _votes in NO_VOTES + YES_VOTES} | {run[0] for run in RUNS}
    found = session.scalars(select(Article).where(Article.slug.in_(slugs)))
    return {a.slug: a for a in found if a.live_revision_id is not None}


def _add_votes(
    session: Session, articles: dict[str, Article], agents: dict[str, User], now: datetime
) -> None:
    votes = [(slug, email, False, comment) for slug, rows in NO_VOTES for email, comment in rows]
    votes += [(slug, email, True, "") for slug, emails in YES_VOTES for email in emails]
    for index, (slug, email, helpful, comment) in enumerate(votes):
        article, user = articles.get(slug), agents.get(email)
        if article is None or user is None:
            continue
        when = now - timedelta(days=1 + index % 12, hours=index)
        session.add(
            ArticleFeedback(
                article_id=article.id,
                revision_id=article.live_revision_id,
                user_id=user.id,
                helpful=helpful,
                comment=comment,
                created_at=when,
                updated_at=when,
            )
        )


def _add_questions(session: Session, agents: dict[str, User], now: datetime) -> None:
    for email, days, text, query in QUESTIONS:
        user = agents.get(email)
        if user is None:
            continue
        session.add(
            Question(
                text=text,
                search_query=query,
                asker_id=user.id,
                department_id=user.department_id,
                status="open",
                created_at=now - timedelta(days=days, hours=3),
            )
        )


def _add_runs(
    session: Session, articles: dict[str, Article], agents: dict[str, User], now: datetime
) -> None:
    people = sorted(agents)
    for index, (slug, path, status, count) in enumerate(RUNS):
        article = articles.get(slug)
        if article is None or article.kind != "script":
            continue
        for n in range(count):
            started = now - timedelta(days=(index * 3 + n * 2) % DAYS, hours=n)
            session.add(
                ScriptRun(
                    article_id=article.id,
                    revision_id=article.live_revision_id,
                    user_id=agents[people[(index + n) % len(people)]].id,
                    path=list(path),
                    status=status,
                    started_at=started,
                    updated_at=started + timedelta(minutes=4),
                )
            )
