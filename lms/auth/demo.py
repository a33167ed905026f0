"""The demo organization: three support departments, their people and mentors.

Loading is idempotent: what exists (matched by code or e-mail) is left as it is, so a
second ``make run`` keeps every change made in the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from lms.auth import services
from lms.auth.models import Department, Mentorship, Position, User
from lms.errors import ServiceError

DEMO_PASSWORD = "demo"

DEPARTMENTS = (
    ("line1", "Первая линия поддержки"),
    ("line2", "Вторая линия поддержки"),
    ("quality", "Отдел качества"),
)
POSITIONS = (
    ("agent-l1", "Оператор первой линии"),
    ("agent-l2", "Специалист второй линии"),
    ("qa", "Специалист по качеству"),
    ("mentor", "Наставник"),
    ("team-lead", "Руководитель группы"),
    ("hr", "HR-менеджер по обучению"),
    ("kb-editor", "Редактор базы знаний"),
    ("admin", "Администратор системы"),
)
# email, name, roles, department, position, days since hired
STAFF = (
    ("admin@example.com", "Ирина Соколова", ("admin",), None, "admin", 900),
    ("hr@example.com", "Марина Волкова", ("hr",), None, "hr", 700),
    ("editor@example.com", "Павел Орлов", ("editor",), "quality", "kb-editor", 600),
    ("lead@example.com", "Сергей Кузнецов", ("mentor",), "line1", "team-lead", 1200),
    ("mentor@example.com", "Наталья Смирнова", ("mentor", "agent"), "line1", "mentor", 800),
    ("agent@example.com", "Алексей Иванов", ("agent",), "line1", "agent-l1", 88),
    ("darya.morozova@example.com", "Дарья Морозова", ("agent",), "line1", "agent-l1", 45),
    ("ivan.petrov@example.com", "Иван Петров", ("agent",), "line1", "agent-l1", 12),
    ("ekaterina.novikova@example.com", "Екатерина Новикова", ("agent",), "line1", "agent-l1", 150),
    ("roman.zaitsev@example.com", "Роман Зайцев", ("agent",), "line1", "agent-l1", 140),
    ("mikhail.fedorov@example.com", "Михаил Фёдоров", ("agent",), "line1", "agent-l1", 400),
    ("anna.kozlova@example.com", "Анна Козлова", ("agent",), "line1", "agent-l1", 520),
    ("artem.lebedev@example.com", "Артём Лебедев", ("agent",), "line1", "agent-l1", 260),
    ("olga.egorova@example.com", "Ольга Егорова", ("agent",), "line2", "agent-l2", 980),
    ("dmitry.pavlov@example.com", "Дмитрий Павлов", ("agent",), "line2", "agent-l2", 610),
    ("yulia.semenova@example.com", "Юлия Семёнова", ("agent",), "line2", "agent-l2", 330),
    ("nikita.golubev@example.com", "Никита Голубев", ("agent",), "line2", "agent-l2", 75),
    ("svetlana.vinogradova@example.com", "Светлана Виноградова", ("agent",), "quality", "qa", 850),
    ("andrey.bogdanov@example.com", "Андрей Богданов", ("agent",), "quality", "qa", 420),
    ("ksenia.vorobyova@example.com", "Ксения Воробьёва", ("agent",), "quality", "qa", 95),
)
# mentee, mentor, started days ago, ended days ago (None: ongoing)
MENTORSHIPS = (
    ("agent@example.com", "mentor@example.com", 88, None),
    ("darya.morozova@example.com", "mentor@example.com", 45, None),
    ("ivan.petrov@example.com", "mentor@example.com", 12, None),
    ("nikita.golubev@example.com", "lead@example.com", 75, None),
    ("ekaterina.novikova@example.com", "mentor@example.com", 150, 60),
    ("roman.zaitsev@example.com", "mentor@example.com", 140, 50),
)
LEADS = {"line1": "lead@example.com"}
DEMO_LOGINS = (
    "admin@example.com",
    "hr@example.com",
    "editor@example.com",
    "mentor@example.com",
    "agent@example.com",
)


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def load_demo(session: Session, *, today: date) -> DemoReport:
    """Create whatever of the demo organization is missing; refuse in production."""
    if current_app.config["LMS_ENV"] == "production":
        raise ServiceError("Demo accounts are never created when LMS_ENV=production.")
    units = {code: _unit(session, Department, code, name) for code, name in DEPARTMENTS}
    posts = {code: _unit(session, Position, code, name) for code, name in POSITIONS}
    report = DemoReport()
    people: dict[str, User] = {}
    for email, name, roles, dept, post, hired in STAFF:
        user = services.find_user_by_email(session, email)
        if user is None:
            user = services.create_user(
                session,
                email=email,
                name=name,
                roles=roles,
                department=units.get(dept or ""),
                position=posts[post],
                hired_on=today - timedelta(days=hired),
            )
            # The demo password is shorter than the policy allows, on purpose.
            user.password_hash = services.hash_password(DEMO_PASSWORD)
            report.created.append(email)
        else:
            report.kept.append(email)
        people[email] = user
    for email in report.created:
        _link(session, people, email, today)
    session.flush()
    return report


def _unit(session: Session, model: type, code: str, name: str) -> Department | Position:
    existing = session.query(model).filter_by(code=code).one_or_none()
    return existing or services.save_org_unit(session, model, code=code, name=name)


def _link(session: Session, people: dict[str, User], email: str, today: date) -> None:
    user = people[email]
    lead = LEADS.get(user.department.code if user.department else "")
    if lead and lead != email and user.manager is None:
        user.manager = people[lead]
    for mentee, mentor, started, ended in MENTORSHIPS:
        if mentee == email:
            session.add(
                Mentorship(
                    mentee=user,
                    mentor=people[mentor],
                    started_on=today - timedelta(days=started),
                    ended_on=today - timedelta(days=ended) if ended is not None else None,
                )
            )
