"""Our YAML reading and writing: lines of keys, problems with lines, one-line mappings."""

from __future__ import annotations

from typing import Any

import pytest
from flask_babel import force_locale

from lms.yamlfile import FlowList, FlowMap, YamlProblem, dump_yaml, load_yaml


def test_keys_know_their_lines() -> None:
    data = load_yaml("\ufefftitle: A\nitems:\n  - code: x\n    level: 2\n")
    assert data.line_of("items") == 2
    assert data["items"][0].line_of("level") == 4


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [("a: 1\nwhen: 2024-02-30\n", 2, "2024-02-30 is not a date that exists."),
     ("a: [1, 2\nb: 3\n", 2, "not valid YAML")],
)  # fmt: skip
def test_problems_name_their_line(app: Any, text: str, line: int, words: str) -> None:
    with app.test_request_context(), force_locale("en"), pytest.raises(YamlProblem) as caught:
        load_yaml(text)
    assert caught.value.line == line
    assert words in caught.value.problem


def test_written_as_our_files_are() -> None:
    text = dump_yaml({"name": FlowMap(ru="Да, нет", en="Fine"), "days": FlowList([1, 30]),
                      "items": [{"code": "x"}]})  # fmt: skip
    assert text == "name: {ru: 'Да, нет', en: Fine}\ndays: [1, 30]\nitems:\n  - code: x\n"
    assert load_yaml(text) == {"name": {"ru": "Да, нет", "en": "Fine"}, "days": [1, 30],
                               "items": [{"code": "x"}]}  # fmt: skip
