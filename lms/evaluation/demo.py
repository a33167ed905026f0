"""Demo KPI data: a year of monthly KPIs for the support lines' agents and about a hundred
customer ratings, imported through the same services as HR's files.

The effect of training is real in the data: agents who finished the course on customer
negativity (``COURSE``) about five months ago have fewer dissatisfied customers (DSAT -30%)
and more satisfied ones (CSAT +5 points) from the month after, while a control group of
similar agents (same line and position, not trained) does not change. To make both groups
big enough, eight more first-line agents with a long history are added. A few people are
raise candidates, a few are at risk; some negative ratings are reviewed by the first line's
manager (one is a training example of the course), a few still wait for him.

Deterministic (seeded) and run once: when any KPI value exists, it does nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.auth import services as people
from lms.auth.models import Department, Position, User
from lms.courses import attempts, services
from lms.courses.demo import right_answer
from lms.courses.models import Course
from lms.evaluation.catalogue import targets_by_department
from lms.evaluation.kpi import add_months
from lms.evaluation.kpi_import import import_kpi_values
from lms.evaluation.models import CustomerRating, KpiValue, Metric
from lms.evaluation.ratings import is_negative, record_review
from lms.evaluation.ratings_import import import_ratings

COURSE = "customer-negativity"
MANAGER = "lead@example.com"
GRADER = "hr@example.com"
ESSAY_GRADE = "Хороший разбор: названа причина недовольства и следующий шаг."
# email, name, days since hired, took the course
EXTRA_AGENTS = (
    ("olesya.krylova@example.com", "Олеся Крылова", 720, True),
    ("gleb.solovyov@example.com", "Глеб Соловьёв", 610, True),
    ("vera.komarova@example.com", "Вера Комарова", 880, True),
    ("timur.aliev@example.com", "Тимур Алиев", 540, True),
    ("polina.belova@example.com", "Полина Белова", 700, False),
    ("denis.gusev@example.com", "Денис Гусев", 590, False),
    ("alina.titova@example.com", "Алина Титова", 860, False),
    ("maxim.ershov@example.com", "Максим Ершов", 560, False),
)
TRAINED = {"anna.kozlova@example.com"} | {e for e, _n, _d, took in EXTRA_AGENTS if took}
# How good each agent is against the targets (1.0: on target); others draw 0.84-0.98.
GOODNESS = {
    "anna.kozlova@example.com": 1.04, "olga.egorova@example.com": 1.07,
    "mikhail.fedorov@example.com": 1.06, "denis.gusev@example.com": 0.8,
    "agent@example.com": 1.06,
}  # fmt: skip
ROUNDING = {"%": 1, "min": 1, "h": 1, "points": 0, "requests": 0}
POSITIVE = ("Спасибо, всё решили быстро.", "Очень вежливый оператор.", "Помогли с первого раза.")
NEGATIVE = (
    "Ответ не помог, пришлось писать ещё раз.",
    "Долго ждал ответа.",
    "Оператор не дослушал вопрос.",
    "Перевели в другой отдел, там сказали то же самое.",
)
REVIEWS = (
    (
        "Оператор перепутал правила возврата для заказа с доставкой.",
        "Перезвонили, оформили возврат.",
    ),
    (
        "Обращение ждало ответа в очереди дольше обычного: пик нагрузки.",
        "Извинились, решили вопрос.",
    ),
    (
        "Клиент был раздражён, оператор спорил вместо того, чтобы признать проблему.",
        "Разобрали случай с оператором, клиенту отправили промокод.",
    ),
)


@dataclass
class DemoKpiReport:
    values: int
    ratings: int
    open_reviews: int


def seed_demo_kpis(session: Session, *, today: date, now: datetime) -> DemoKpiReport | None:
    """Seed the demo's KPIs and ratings; None when they are there already or the catalogue
    (``flask lms sync``) or the demo organisation is missing."""
    metrics = list(session.scalars(select(Metric).order_by(Metric.position)))
    manager = people.find_user_by_email(session, MANAGER)
    if not metrics or manager is None or session.scalar(select(KpiValue.id).limit(1)):
        return None
    _add_agents(session, manager, today)
    agents = _agents(session)
    trained = _train(session, agents, now)
    rng = random.Random(2024)
    lines = _kpi_lines(session, agents, metrics, trained, today, rng)
    report = import_kpi_values(
        session, _csv(["email", "period", "metric", "value"], lines),
        filename="demo-kpi.csv", today=today, now=now,
    )  # fmt: skip
    rated = _ratings(session, agents, trained, now, rng)
    open_reviews = _reviews(session, manager, now)
    return DemoKpiReport(report.rows, rated, open_reviews)


def _add_agents(session: Session, manager: User, today: date) -> None:
    line1 = session.scalar(select(Department).where(Department.code == "line1"))
    post = session.scalar(select(Position).where(Position.code == "agent-l1"))
    for email, name, hired, _took in EXTRA_AGENTS:
        if people.find_user_by_email(session, email) is None:
            people.create_user(
                session, email=email, name=name, department=line1, position=post,
                manager=manager, hired_on=today - timedelta(days=hired),
            )  # fmt: skip


def _agents(session: Session) -> list[User]:
    targeted = set(targets_by_department(session))
    found = session.scalars(
        select(User).where(User.email.like("%@example.com"), User.is_active).order_by(User.email)
    )
    return [u for u in found if u.has_role("agent") and u.department_id in targeted]


# The course, taken through the course services as a learner would ------------------------


def _train(session: Session, agents: list[User], now: datetime) -> dict[int, date]:
    """Who finished the course, and when (140-170 days ago)."""
    course = session.scalar(select(Course).where(Course.slug == COURSE))
    if course is None:
        return {}
    rng = random.Random(7)
    grader = people.find_user_by_email(session, GRADER)
    done = {}
    for person in agents:
        if person.email in TRAINED:
            when = now - timedelta(days=rng.randint(140, 170))
            if _complete(session, person, course, when, grader):
                done[person.id] = when.date()
    return done


def _quiz(
    session: Session,
    person: User,
    course: Course,
    kind: str,
    when: datetime,
    grader: User | None,
    right: float = 1.0,
) -> None:
    """Take a quiz, answering about ``right`` of its questions correctly (the rest left
    blank): before the course people know some of it."""
    state = services.course_state(session, person, course)
    if state.may_start(kind) is not None:
        return
    attempt = attempts.start_or_resume(
        session, person, state, kind, now=when, rng=random.Random(person.id)
    )
    questions = attempts.questions_of(attempt)
    knows = random.Random(person.id * 7 + len(kind))
    for index in attempt.question_order:
        if questions[index].max_mark > 0 and knows.random() < right:
            answer = right_answer(questions[index])
            attempts.save_response(session, attempt, index, answer, now=when)
    attempts.submit(session, person, state, attempt, now=when)
    if attempt.state == "pending" and grader is not None:  # essays: HR grades them
        essays = {
            r.question_index: (0.9, ESSAY_GRADE) for r in attempt.responses if r.needs_grading
        }
        attempts.grade_essays(session, grader, attempt, essays, state=state, now=when)


def _complete(
    session: Session, person: User, course: Course, when: datetime, grader: User | None
) -> bool:
    _quiz(session, person, course, "pre", when - timedelta(days=6), grader, right=0.5)
    state = services.course_state(session, person, course)
    for n, lesson in enumerate(state.lessons):
        services.complete_lesson(session, person, state, lesson, now=when - timedelta(days=5 - n))
    _quiz(session, person, course, "post", when - timedelta(days=1), grader)
    _quiz(session, person, course, "final", when, grader)
    return services.course_state(session, person, course).completed


# A year of KPIs ---------------------------------------------------------------------------


def _value(metric: Metric, target: float, goodness: float, effect: float) -> float:
    """An agent's month: ``goodness`` above 1 beats the target; ``effect`` (0-1) is how much
    of the course's effect shows (DSAT -30%, CSAT +5 points)."""
    if metric.code == "dsat":
        value = target / goodness * (1 - 0.3 * effect)
    elif metric.code == "csat":
        value = min(99.0, target * goodness + 5 * effect)
    elif metric.lower_is_better:
        value = target / goodness
    else:
        value = target * goodness
    if metric.unit == "%":
        value = min(value, 100.0)
    return round(max(value, 0.0), ROUNDING.get(metric.unit, 2))


def _kpi_lines(
    session: Session, agents: list[User], metrics: list[Metric], trained: dict[int, date],
    today: date, rng: random.Random,
) -> list[list[object]]:  # fmt: skip
    targets = targets_by_department(session)
    last = add_months(date(today.year, today.month, 1), -1)
    lines: list[list[object]] = []
    for person in agents:
        base = GOODNESS.get(person.email, rng.uniform(0.84, 0.98))
        hired = person.hired_on or date(2000, 1, 1)
        finished = trained.get(person.id)
        for back in range(11, -1, -1):
            period = add_months(last, -back)
            if period < date(hired.year, hired.month, 1):
                continue
            tenure = (period - hired).days / 30
            ramp = 0.88 + 0.04 * min(tenure, 3)  # new agents start below the target
            effect = _effect(period, finished)
            for metric in metrics:
                target = targets[person.department_id or 0].get(metric.id)
                if target is None:
                    continue
                goodness = base * ramp * rng.uniform(0.97, 1.03)
                value = _value(metric, target, goodness, effect)
                lines.append([person.email, f"{period:%Y-%m}", metric.code, value])
    return lines


def _effect(period: date, finished: date | None) -> float:
    """None before the month after the course; half in that month; full from then on."""
    if finished is None:
        return 0.0
    first = add_months(date(finished.year, finished.month, 1), 1)
    return 0.0 if period < first else 0.5 if period == first else 1.0


def _csv(header: list[str], lines: list[list[object]]) -> bytes:
    def cell(value: object) -> str:
        text = str(value)
        return '"' + text.replace('"', '""') + '"' if ("," in text or '"' in text) else text

    rows = [",".join(header)] + [",".join(cell(v) for v in line) for line in lines]
    return ("\n".join(rows) + "\n").encode()


# Ratings and reviews ------------------------------------------------------------------------


def _ratings(
    session: Session, agents: list[User], trained: dict[int, date], now: datetime,
    rng: random.Random,
) -> int:  # fmt: skip
    lines = []
    channels = ("chat", "email", "phone", "messenger", "helpdesk")
    for n in range(100):
        person = agents[n % len(agents)]
        when = now - timedelta(days=rng.randint(0, 89), minutes=rng.randint(0, 600))
        negative_odds = 0.06 if person.id in trained else 0.16
        if rng.random() < negative_odds or n in (3, 17, 29):  # a few certain ones
            quality, speed = rng.choice(((1, 2), (2, 4), (3, 1), (2, 2), (1, 1)))
            comment = rng.choice(NEGATIVE)
        else:
            quality, speed = rng.choice(((5, 5), (5, 4), (4, 5), (4, 4)))
            comment = rng.choice(POSITIVE) if rng.random() < 0.5 else ""
        lines.append([person.email, when.isoformat(timespec="minutes"), channels[n % 5],
                      quality, speed, f"DEMO-{10_000 + n}", comment])  # fmt: skip
    header = ["email", "rated_at", "channel", "quality", "speed", "ticket", "comment"]
    data = _csv(header, lines)
    return import_ratings(session, data, filename="demo-ratings.csv", now=now).rows


def _reviews(session: Session, manager: User, now: datetime) -> int:
    """The manager reviews negatives older than two weeks; the newer ones stay open."""
    course = session.scalar(select(Course).where(Course.slug == COURSE))
    negatives = session.scalars(
        select(CustomerRating)
        .join(User, User.id == CustomerRating.user_id)
        .where(User.manager_id == manager.id, is_negative())
        .order_by(CustomerRating.rated_at)
    ).all()
    left = 0
    for n, rating in enumerate(negatives):
        if rating.rated_at > now - timedelta(days=14) or n % 4 == 3:
            left += 1
            continue
        happened, outcome = REVIEWS[n % len(REVIEWS)]
        record_review(
            session, rating, manager, what_happened=happened, customer_contacted=n % 3 != 1,
            outcome=outcome, course=course if n == 0 else None,
            now=min(now, rating.rated_at + timedelta(days=2)),
        )  # fmt: skip
    return left
