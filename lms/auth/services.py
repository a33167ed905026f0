"""Users, roles, departments, positions and mentorships.

Services take plain values, flush but never commit, and raise ``ServiceError`` with the
field at fault; the caller (view, CLI, API) commits once or rolls back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from lms.auth.models import ROLES, Department, Mentorship, Position, User, UserRole
from lms.errors import ServiceError
from lms.extensions import db
from lms.i18n import LOCALES, _

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EMAIL = 254
MAX_NAME = 200
MIN_PASSWORD = 8
MAX_PASSWORD = 200


# Values ----------------------------------------------------------------------


def normalize_email(raw: str) -> str:
    """Validated, lower-cased e-mail; raises ``ServiceError`` on field ``email``."""
    email = (raw or "").strip().lower()
    if not email:
        raise ServiceError(_("E-mail is required."), field="email")
    if len(email) > MAX_EMAIL:
        raise ServiceError(_("E-mail is longer than %(n)d characters.", n=MAX_EMAIL), field="email")
    if not EMAIL_RE.match(email):
        raise ServiceError(_("“%(value)s” is not an e-mail address.", value=email), field="email")
    return email


def clean_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise ServiceError(_("Name is required."), field="name")
    if len(name) > MAX_NAME:
        raise ServiceError(_("Name is longer than %(n)d characters.", n=MAX_NAME), field="name")
    return name


def clean_roles(roles: Iterable[str]) -> set[str]:
    chosen = {r.strip().lower() for r in roles if r and r.strip()}
    unknown = chosen - set(ROLES)
    if unknown:
        raise ServiceError(
            _("Unknown role: %(roles)s.", roles=", ".join(sorted(unknown))), field="roles"
        )
    return chosen


def check_new_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ServiceError(
            _("Password must be at least %(n)d characters.", n=MIN_PASSWORD), field="password"
        )
    if len(password) > MAX_PASSWORD:
        raise ServiceError(
            _("Password is longer than %(n)d characters.", n=MAX_PASSWORD), field="password"
        )
    return password


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_matches(user: User, password: str) -> bool:
    return bool(user.password_hash) and check_password_hash(user.password_hash, password)


# Users -----------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def _ensure_email_free(session: Session, email: str, *, except_id: int | None = None) -> None:
    existing = find_user_by_email(session, email)
    if existing is not None and existing.id != except_id:
        raise ServiceError(
            _("A user with e-mail %(email)s already exists.", email=email), field="email"
        )


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None = None,
    roles: Iterable[str] = ("agent",),
    department: Department | None = None,
    position: Position | None = None,
    manager: User | None = None,
    locale: str | None = None,
    hired_on: date | None = None,
    must_change_password: bool = False,
) -> User:
    """Create an active user; without a password the account cannot sign in yet."""
    email = normalize_email(email)
    _ensure_email_free(session, email)
    user = User(
        email=email,
        name=clean_name(name),
        password_hash=hash_password(check_new_password(password)) if password else None,
        locale=locale if locale in LOCALES else current_app.config["BABEL_DEFAULT_LOCALE"],
        department=department,
        position=position,
        manager=manager,
        hired_on=hired_on,
        must_change_password=must_change_password,
    )
    user.role_rows = [UserRole(role=r) for r in sorted(clean_roles(roles))]
    session.add(user)
    session.flush()
    return user


def update_user(
    session: Session,
    user: User,
    *,
    email: str,
    name: str,
    department: Department | None,
    position: Position | None,
    manager: User | None,
    hired_on: date | None,
) -> User:
    """Change a user's profile and place in the organization."""
    email = normalize_email(email)
    _ensure_email_free(session, email, except_id=user.id)
    if manager is not None and manager.id == user.id:
        raise ServiceError(_("A user cannot be their own manager."), field="manager")
    user.email, user.name = email, clean_name(name)
    user.department, user.position, user.manager = department, position, manager
    user.hired_on = hired_on
    session.flush()
    return user


def set_roles(session: Session, user: User, roles: Iterable[str]) -> None:
    """Replace the user's roles; every user keeps at least one."""
    chosen = clean_roles(roles)
    if not chosen:
        raise ServiceError(_("Give the user at least one role."), field="roles")
    if "admin" in user.roles and "admin" not in chosen and _active_admin_count(session) <= 1:
        raise ServiceError(
            _("This is the last administrator; the role cannot be removed."), field="roles"
        )
    user.role_rows = [UserRole(role=r) for r in sorted(chosen)]
    session.flush()


def _active_admin_count(session: Session) -> int:
    return len(
        session.scalars(
            select(User.id).join(UserRole).where(UserRole.role == "admin", User.is_active)
        ).all()
    )


def set_active(session: Session, user: User, active: bool, *, actor: User) -> None:
    """Deactivate (sign out everywhere, refuse logins) or reactivate a user."""
    if not active and user.id == actor.id:
        raise ServiceError(_("You cannot deactivate your own account."))
    if not active and user.has_role("admin") and _active_admin_count(session) <= 1:
        raise ServiceError(_("This is the last administrator; the account stays active."))
    if user.is_active != active:
        user.is_active = active
        user.session_version += 1
    session.flush()


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """Store a new password hash and end the user's other sessions."""
    user.password_hash = hash_password(check_new_password(password))
    user.must_change_password = temporary
    user.session_version += 1


def change_own_password(user: User, current: str, new: str) -> None:
    if not password_matches(user, current):
        raise ServiceError(_("The current password is wrong."), field="current_password")
    if current == new:
        raise ServiceError(
            _("Choose a password different from the current one."), field="new_password"
        )
    try:
        set_password(user, new)
    except ServiceError as error:
        raise ServiceError(error.message, field="new_password") from error


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise ServiceError(_("Unknown language."), field="locale")
    user.locale = locale


@dataclass
class UserPage:
    """One page of the people list."""

    items: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_users(
    session: Session,
    *,
    text: str = "",
    department_id: int | None = None,
    role: str | None = None,
    include_inactive: bool = False,
    page: int = 1,
    per_page: int | None = None,
) -> UserPage:
    """People for the admin list, with department, position and manager loaded."""
    query = select(User)
    if text.strip():
        pattern = like_pattern(text)
        query = query.where(
            or_(
                User.email.like(pattern, escape="\\"),
                func.lower(User.name).like(pattern, escape="\\"),
            )
        )
    if department_id:
        query = query.where(User.department_id == department_id)
    if role:
        query = query.where(User.role_rows.any(UserRole.role == role))
    if not include_inactive:
        query = query.where(User.is_active)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.options(
        selectinload(User.department), selectinload(User.position), selectinload(User.manager)
    ).order_by(User.name, User.id)
    if per_page:
        page = min(max(page, 1), max(1, -(-total // per_page)))
        query = query.limit(per_page).offset((page - 1) * per_page)
    return UserPage(list(session.scalars(query)), total, page, per_page or max(total, 1))


# Departments and positions -----------------------------------------------------

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def _clean_code(raw: str) -> str:
    code = (raw or "").strip().lower()
    if not CODE_RE.match(code):
        raise ServiceError(
            _(
                "Code must be 1-40 lowercase Latin letters, digits, “-” or “_”, "
                "starting with a letter or digit."
            ),
            field="code",
        )
    return code


def save_org_unit(
    session: Session,
    model: type[Department] | type[Position],
    *,
    code: str,
    name: str,
    unit: Department | Position | None = None,
    is_active: bool = True,
) -> Department | Position:
    """Create, rename or retire a department or position; codes and names stay unique."""
    code, name = _clean_code(code), clean_name(name)
    for column, value, field in ((model.code, code, "code"), (model.name, name, "name")):
        clash = session.scalar(select(model).where(column == value))
        if clash is not None and clash is not unit:
            raise ServiceError(_("“%(value)s” is already taken.", value=value), field=field)
    if unit is None:
        unit = model(code=code, name=name)
        session.add(unit)
    unit.code, unit.name, unit.is_active = code, name, is_active
    session.flush()
    return unit


def list_org_units(
    session: Session, model: type[Department] | type[Position], *, active_only: bool = False
) -> list:
    query = select(model).order_by(model.name)
    if active_only:
        query = query.where(model.is_active)
    return list(session.scalars(query))


def find_org_unit(
    session: Session, model: type[Department] | type[Position], value: str
) -> Department | Position | None:
    """By code or by name, case-insensitively."""
    value = value.strip()
    return session.scalar(
        select(model).where(
            or_(model.code == value.lower(), db.func.lower(model.name) == value.lower())
        )
    )


# Mentorships -------------------------------------------------------------------


def current_mentorship(session: Session, mentee: User, *, today: date) -> Mentorship | None:
    return session.scalar(
        select(Mentorship)
        .where(Mentorship.mentee_id == mentee.id, Mentorship.started_on <= today)
        .where(or_(Mentorship.ended_on.is_(None), Mentorship.ended_on > today))
        .order_by(Mentorship.started_on.desc())
    )


def mentorship_history(session: Session, mentee: User) -> list[Mentorship]:
    return list(
        session.scalars(
            select(Mentorship)
            .options(selectinload(Mentorship.mentor))
            .where(Mentorship.mentee_id == mentee.id)
            .order_by(Mentorship.started_on.desc())
        )
    )


def current_mentees(session: Session, mentor: User, *, today: date) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Mentorship, Mentorship.mentee_id == User.id)
            .options(selectinload(User.department), selectinload(User.position))
            .where(Mentorship.mentor_id == mentor.id, Mentorship.started_on <= today)
            .where(or_(Mentorship.ended_on.is_(None), Mentorship.ended_on > today))
            .order_by(User.name)
        )
    )


def is_current_mentor(session: Session, mentor: User, mentee: User, *, today: date) -> bool:
    mentorship = current_mentorship(session, mentee, today=today)
    return mentorship is not None and mentorship.mentor_id == mentor.id


def assign_mentor(
    session: Session, mentee: User, mentor: User | None, *, started_on: date, actor: User
) -> Mentorship | None:
    """End the current mentorship on ``started_on`` and begin one with ``mentor``, if any.

    Old mentorships are kept, so the history of who mentored whom survives.
    """
    if mentor is not None:
        if mentor.id == mentee.id:
            raise ServiceError(_("A user cannot mentor themselves."), field="mentor")
        if not mentor.is_active or not mentor.has_role("mentor"):
            raise ServiceError(
                _("%(name)s does not hold the mentor role.", name=mentor.name), field="mentor"
            )
    current = current_mentorship(session, mentee, today=started_on)
    if current is not None and mentor is not None and current.mentor_id == mentor.id:
        return current
    if current is not None:
        current.ended_on = max(started_on, current.started_on)
    if mentor is None:
        session.flush()
        return None
    mentorship = Mentorship(
        mentor=mentor, mentee=mentee, started_on=started_on, created_by_id=actor.id
    )
    session.add(mentorship)
    session.flush()
    return mentorship


def people_per_unit(session: Session, model: type[Department] | type[Position]) -> dict[int, int]:
    """Active users per department or position id."""
    column = User.department_id if model is Department else User.position_id
    rows = session.execute(
        select(column, db.func.count(User.id)).where(User.is_active).group_by(column)
    )
    return {unit_id: count for unit_id, count in rows if unit_id is not None}
