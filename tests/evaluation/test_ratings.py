"""Customer ratings: the import and its errors, the manager notified of a negative rating
(on the home page and the ratings list, not another manager), the review recorded and
attached to a course, and a re-import that keeps the review."""

from __future__ import annotations

from typing import Any

import pytest

from lms.auth.models import User
from lms.courses.models import Course
from lms.evaluation import ratings
from lms.evaluation.models import CustomerRating
from lms.evaluation.ratings_import import import_ratings
from lms.extensions import db
from lms.tables import ImportProblems
from tests.evaluation.conftest import NOW, csv_bytes

HEADER = "email,rated_at,channel,quality,speed,ticket,comment"
FILE = csv_bytes(
    HEADER,
    "ann@kpi.example,2025-06-01 10:30,chat,5,5,T-1,Thank you",
    "ann@kpi.example,2025-06-02,e-mail,2,4,T-2,The answer did not help",
    "bob@kpi.example,2025-06-03T09:00+03:00,phone,4,1,T-3,",
)


def run(app: Any, data: bytes, *, dry_run: bool = False) -> Any:
    with app.test_request_context():
        report = import_ratings(db.session, data, filename="ratings.csv", now=NOW, dry_run=dry_run)
        db.session.commit()
        return report


def open_for(app: Any, person: User) -> int:
    with app.test_request_context():
        return ratings.open_count(db.session, db.session.get(User, person.id))


def test_ratings_are_imported_and_negatives_wait_for_the_manager(app: Any, team: dict) -> None:
    report = run(app, FILE)
    assert (report.rows, report.created, report.negative, report.without_manager) == (3, 3, 2, 0)
    with app.test_request_context():
        stored = {r.ticket: r for r in db.session.scalars(db.select(CustomerRating))}
        assert stored["T-2"].channel == "email" and stored["T-2"].is_negative
        assert stored["T-3"].rated_at.hour == 6  # 09:00 at +03:00 is 06:00 UTC
        assert not stored["T-1"].is_negative
    assert open_for(app, team["mia"]) == 2
    assert open_for(app, team["max"]) == 0


def test_the_manager_is_notified_in_the_app_and_another_manager_is_not(
    app: Any, team: dict, sign_in: Any
) -> None:
    run(app, FILE)
    mia, max_ = sign_in(team["mia"]), sign_in(team["max"])
    home = mia.get("/").get_data(as_text=True)
    assert "data-ratings-to-review" in home
    assert "2 negative customer ratings of your team wait for your review" in home
    assert "data-ratings-to-review" not in max_.get("/").get_data(as_text=True)
    page = mia.get("/kpi/ratings").get_data(as_text=True)
    assert "T-2" in page and "T-3" in page and "T-1" not in page  # T-1 is not negative
    assert "T-2" not in max_.get("/kpi/ratings").get_data(as_text=True)
    assert sign_in(team["ann"]).get("/kpi/ratings").status_code == 403  # manages nobody
    assert "T-2" in sign_in(team["hal"]).get("/kpi/ratings").get_data(as_text=True)


def test_the_review_is_recorded_and_attached_to_a_course(
    app: Any, team: dict, sign_in: Any
) -> None:
    run(app, FILE)
    with app.test_request_context():
        course = Course(slug="calm-kpi", title="Calm with customers")
        db.session.add(course)
        db.session.commit()
        course_id = course.id
        rating_id = db.session.scalar(
            db.select(CustomerRating.id).where(CustomerRating.ticket == "T-2")
        )
    url = f"/kpi/ratings/{rating_id}"
    assert sign_in(team["max"]).get(url).status_code == 403
    mia = sign_in(team["mia"])
    assert mia.post(url, {"what_happened": "", "outcome": ""}).status_code == 400
    response = mia.post(url, {
        "what_happened": "The refund rule was explained wrongly.",
        "customer_contacted": "y",
        "outcome": "Called back, refund made.",
        "course": str(course_id),
    })  # fmt: skip
    assert response.status_code == 302
    assert open_for(app, team["mia"]) == 1
    with app.test_request_context():
        examples = ratings.training_examples(db.session, db.session.get(Course, course_id))
        assert [e.rating.ticket for e in examples] == ["T-2"]
        review = examples[0]
        assert review.is_customer_contacted and review.reviewer_id == team["mia"].id
        assert review.outcome == "Called back, refund made."
    reviewed = mia.get("/kpi/ratings?state=reviewed").get_data(as_text=True)
    assert "T-2" in reviewed and "Calm with customers" in reviewed
    # Those who teach the course read the case on its page, without the agent's name.
    taught = sign_in(team["hal"]).get("/courses/calm-kpi").get_data(as_text=True)
    assert "Cases from customer ratings" in taught
    assert "The refund rule was explained wrongly." in taught and "Ann Agent" not in taught
    learner = sign_in(team["bob"]).get("/courses/calm-kpi").get_data(as_text=True)
    assert "Calm with customers" in learner
    assert "The refund rule was explained wrongly." not in learner
    # The same ticket imported again updates the rating and keeps the review.
    report = run(app, csv_bytes(HEADER, "ann@kpi.example,2025-06-02,email,1,1,T-2,Still bad"))
    assert (report.created, report.updated, report.negative) == (0, 1, 0)
    with app.test_request_context():
        rating = db.session.get(CustomerRating, rating_id)
        assert (rating.quality, rating.comment) == (1, "Still bad")
        assert rating.review is not None


def test_bad_rows_are_named_and_nothing_is_written(app: Any, team: dict) -> None:
    data = csv_bytes(
        HEADER,
        "ann@kpi.example,2025-06-01,chat,6,5,T-1,",  # quality out of range
        "ann@kpi.example,yesterday,fax,5,0,,",  # date, channel, speed, ticket
        "zed@kpi.example,2025-06-01,chat,5,5,T-9,",  # unknown person
        "ann@kpi.example,2025-06-01,chat,5,5,T-4,",
        "ann@kpi.example,2025-06-02,chat,4,4,T-4,",  # same ticket and person
        "ann@kpi.example,2025-07-30,chat,4,4,T-5,",  # in the future (now is 2025-06-15)
    )
    with pytest.raises(ImportProblems) as caught:
        run(app, data)
    text = "\n".join(caught.value.problems)
    assert "row 2, column quality: expected a whole number from 1 to 5, not “6”." in text
    assert "row 3, column rated_at: “yesterday” is not a date" in text
    assert "row 3, column channel: unknown channel “fax”" in text
    assert "row 3, column speed: expected a whole number from 1 to 5, not “0”." in text
    assert "row 3, column ticket: this value is required." in text
    assert "row 4, column email: nobody has the e-mail zed@kpi.example." in text
    assert "row 6: the same ticket and person as row 5." in text
    assert "row 7, column rated_at: the date is in the future." in text
    with app.test_request_context():
        assert db.session.scalar(db.select(db.func.count(CustomerRating.id))) == 0


def test_ratings_from_the_command_line(app: Any, team: dict, tmp_path: Any) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes(FILE)
    result = app.test_cli_runner().invoke(args=["lms", "kpi", "ratings", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 ratings imported (3 new, 0 updated); 2 negative" in result.output
    assert open_for(app, team["mia"]) == 2


def _review_every_other(app: Any, reviewer: User) -> None:
    with app.test_request_context():
        course = db.session.scalar(db.select(Course).where(Course.slug == "calm-kpi"))
        if course is None:
            course = Course(slug="calm-kpi", title="Calm")
            db.session.add(course)
        for n, rating in enumerate(db.session.scalars(db.select(CustomerRating))):
            if n % 2 and rating.review is None:
                ratings.record_review(db.session, rating, db.session.get(User, reviewer.id),
                                      what_happened="x", customer_contacted=False, outcome="y",
                                      course=course, now=NOW)  # fmt: skip
        db.session.commit()


def test_the_ratings_list_does_not_query_per_row(
    app: Any, team: dict, sign_in: Any, count_queries: Any
) -> None:
    hr = sign_in(team["hal"])
    run(app, FILE)
    _review_every_other(app, team["mia"])
    few = count_queries(lambda: hr.get("/kpi/ratings?state=all"))
    lines = [f"{who}@kpi.example,2025-06-0{n % 9 + 1},chat,1,1,X-{n},"
             for n in range(30) for who in ("ann", "bob")]  # fmt: skip
    run(app, csv_bytes(HEADER, *lines))
    _review_every_other(app, team["mia"])
    many = count_queries(lambda: hr.get("/kpi/ratings?state=all"))
    assert many == few
