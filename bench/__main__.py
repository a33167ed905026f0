"""Foundation benchmark: sign-in, home pages, the people list and the API with many users.

Builds a scratch SQLite database (or ``LMS_BENCH_DATABASE_URL``) with ``--users`` people
and prints the median and 95th percentile of each request.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import date

from flask import Flask
from flask_migrate import upgrade

from bench import evaluation, kb, kpi, learning, search, skills
from bench.common import report, signed_in, timed
from lms import create_app
from lms.auth import services, tokens
from lms.auth.demo import load_demo
from lms.auth.models import Department, User, UserRole
from lms.extensions import db


def populate(count: int) -> str:
    """Demo organisation plus ``count`` agents; returns a token for the API figures."""
    load_demo(db.session, today=date.today())
    departments = services.list_org_units(db.session, Department)
    cheap = services.generate_password_hash("bench", method="scrypt:1024:8:1")
    for n in range(count):
        user = User(
            email=f"bench{n}@example.com",
            name=f"Агент Номер {n}",
            password_hash=cheap,
            department=departments[n % len(departments)],
            locale="ru",
        )
        user.role_rows = [UserRole(role="agent")]
        db.session.add(user)
    admin = services.find_user_by_email(db.session, "admin@example.com")
    _token, secret = tokens.create_api_token(db.session, admin, "bench")
    db.session.commit()
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--sync-files", type=int, default=5_000)
    parser.add_argument(
        "--only",
        choices=["people", "kb", "search", "learning", "skills", "kpi", "evaluation"],
        help="run one part only",
    )
    parser.add_argument("--search-docs", type=int, default=10_000)
    parser.add_argument("--search-50k", action="store_true", help="also 50,000 articles")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="lms-bench-")
    url = os.environ.get("LMS_BENCH_DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "LMS_INDEX_DIR": f"{workdir}/index", "LMS_ENV": "dev"}
    )
    with app.app_context():
        upgrade()
    with app.test_request_context():
        secret = populate(args.users)
    engine = url.split(":")[0]
    if args.only is None or args.only == "people":
        print(f"People and sign-in: {args.users} extra users, {engine}")
        people(app, args, secret)
    if args.only is None or args.only == "kb":
        print(f"Knowledge base: {engine}")
        kb.article_pages(app, args.articles, args.repeat * 5)
        kb.sync_files(app, args.sync_files)
    if args.only is None or args.only == "learning":
        learning.run(app, args.repeat)
    if args.only is None or args.only == "skills":
        skills.run(app, max(5, args.repeat // 4))
    if args.only is None or args.only == "kpi":
        kpi.run(app)
    if args.only is None or args.only == "evaluation":
        evaluation.run(app)
    if args.only is None or args.only == "search":
        search.run(app, args)


def people(app: Flask, args: argparse.Namespace, secret: str) -> None:
    hr, _ = signed_in(app, "hr@example.com")
    agent, _ = signed_in(app, "agent@example.com")
    report("home page, agent", timed(lambda: agent.get("/"), args.repeat))
    report("home page, HR", timed(lambda: hr.get("/"), args.repeat))
    report(f"people list, {args.users + 19} users", timed(lambda: hr.get("/admin/users"), 10))
    report(
        "people list, filtered by name",
        timed(lambda: hr.get("/admin/users?q=номер 1"), args.repeat),
    )
    api = app.test_client()
    report(
        "GET /api/v1/me with a Bearer token",
        timed(
            lambda: api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}),
            args.repeat,
        ),
    )
    report("GET /healthz", timed(lambda: api.get("/healthz"), args.repeat))
    report(
        "sign-in (scrypt, production cost)", timed(lambda: signed_in(app, "agent@example.com"), 10)
    )


if __name__ == "__main__":
    main()
