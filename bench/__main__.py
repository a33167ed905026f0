"""Foundation benchmark: sign-in, home pages, the people list and the API with many users.

Builds a scratch SQLite database (or ``LMS_BENCH_DATABASE_URL``) with ``--users`` people
and prints the median and 95th percentile of each request.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date

from flask_migrate import upgrade

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


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm up templates and caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else max(samples)
    print(f"  {name:<38} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms")


def signed_in(app, email: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": email, "password": "demo", "csrf_token": token})
    return client, token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=40)
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
    print(f"Agent LMS foundation benchmark: {args.users} extra users, {url.split(':')[0]}")
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
