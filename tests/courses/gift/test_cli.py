"""``flask lms quiz-check``: questions as they will be imported, or every problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from lms.courses.gift import parse_gift, question_from_dict
from lms.courses.gift.cli import quiz_check_command

FIXTURES = Path("/work/shared/testdata/gift-moodle")
BROKEN = "Good?{T}\n\n// two\nCapital?{\nParis\n}\n\nMatch{=a -> b}\n"


@pytest.fixture
def check(app: Flask, monkeypatch: pytest.MonkeyPatch):
    """Run the command in English (the test app's default language is Russian)."""
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_LOCALE", "en")

    def run(*args: str) -> Result:
        return app.test_cli_runner().invoke(quiz_check_command, [str(a) for a in args])

    return run


def fixture(name: str) -> Path:
    if not (FIXTURES / name).is_file():
        pytest.skip(f"Moodle's fixtures are not at {FIXTURES}")
    return FIXTURES / name


def test_lists_every_question_with_answers_and_feedback(check) -> None:
    result = check(fixture("questions.gift.txt"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "1. line 2 · essay · Q8"
    assert lines[1] == "     How are you?"
    assert "3. line 14 · multichoice (one answer) · Q2" in lines
    assert "        100%  yellow  # right; good!" in lines
    assert "       -100%  red  # wrong" in lines
    assert "         50%  Cat  # What is it with Moodlers and cats?" in lines
    assert "        100%  3 ± 2" in lines
    assert "          0%  any other number  # Completely wrong" in lines
    assert "       (distractor) -> Chat" in lines
    assert "       right answer: FALSE" in lines
    assert "       if answered true: 42 is the Ultimate Answer." in lines
    assert lines[-1] == "9 questions read from questions.gift.txt."
    assert result.stderr == ""


def test_shows_the_category(check) -> None:
    result = check(fixture("questions_in_category.gift.txt"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Category: $course$/Default for New Features"
    assert "4 questions read from questions_in_category.gift.txt." in result.stdout


def test_json_has_the_questions_as_the_app_stores_them(check) -> None:
    path = fixture("questions.gift.txt")
    result = check("--json", path)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["file"] == str(path) and report["errors"] == []
    questions = [question_from_dict(d) for d in report["questions"]]
    assert questions == parse_gift(path.read_text(encoding="utf-8"))
    assert report["questions"][4]["numeric"][0] == {
        "value": 3.0,
        "tolerance": 2.0,
        "fraction": 1.0,
        "feedback": "",
        "feedback_format": "moodle",
    }


def test_a_broken_file_prints_every_problem_and_fails(check, tmp_path: Path) -> None:
    path = tmp_path / "week1.gift"
    path.write_text(BROKEN, encoding="utf-8")
    result = check(path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        'week1.gift, line 5: answer "Paris" needs "=" (right answer) or "~" (wrong answer) '
        "in front.",
        'week1.gift, line 8: a matching question needs at least two pairs "a -> b".',
        "week1.gift: 2 problems found; no questions were read.",
    ]


def test_json_errors_for_a_broken_file(check, tmp_path: Path) -> None:
    path = tmp_path / "week1.gift"
    path.write_text(BROKEN, encoding="utf-8")
    result = check("--json", path)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["questions"] == []
    assert [e["line"] for e in report["errors"]] == [5, 8]
    assert "at least two pairs" in report["errors"][1]["message"]


def test_a_file_that_is_not_utf8_fails(check, tmp_path: Path) -> None:
    path = tmp_path / "win.gift"
    path.write_bytes("Caf\u00e9?{T}".encode("cp1252"))
    result = check(path)
    assert result.exit_code == 1
    assert result.stderr.startswith("win.gift, line 1: the file is not UTF-8 text")


def test_a_missing_file_is_a_usage_error(check, tmp_path: Path) -> None:
    result = check(tmp_path / "nope.gift")
    assert result.exit_code == 2 and "does not exist" in result.stderr
