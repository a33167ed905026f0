"""Answer templates: finding fields, filling them, and showing the result safely."""

from __future__ import annotations

import pytest

from lms.kb.placeholders import (
    Placeholder,
    fill_template,
    find_placeholders,
    render_filled_html,
)

TEMPLATE = (
    "Здравствуйте, {{имя}}!\n"
    "Ваш заказ {{ order_no }} будет доставлен {{дата|в течение трёх дней}}.\n"
    "С уважением, {{оператор-1}}. Спасибо, {{имя}}!"
)


def test_placeholders_in_order_of_first_appearance() -> None:
    assert find_placeholders(TEMPLATE) == [
        Placeholder("имя"),
        Placeholder("order_no"),
        Placeholder("дата", "в течение трёх дней"),
        Placeholder("оператор-1"),
    ]


@pytest.mark.parametrize(
    "body",
    ["{{}}", "{{ }}", "{{a|b|c}}", "{{имя клиента}}", "{{a.b}}", "{{|default}}", "{{a\n}}"],
)
def test_invalid_placeholders_stay_literal_text(body: str) -> None:
    assert find_placeholders(body) == []
    assert fill_template(body, {"a": "X", "имя клиента": "X"}) == body


def test_first_appearance_gives_the_default() -> None:
    assert find_placeholders("{{a|one}} {{a|two}} {{a}}") == [Placeholder("a", "one")]


def test_empty_default_is_a_default() -> None:
    assert find_placeholders("{{a|}}") == [Placeholder("a", "")]
    assert fill_template("[{{a|}}]", {}) == "[]"


def test_fill_uses_value_then_default_then_leaves_the_field() -> None:
    filled = fill_template(TEMPLATE, {"имя": "Анна", "order_no": "A-17", "оператор-1": "  "})
    assert filled == (
        "Здравствуйте, Анна!\n"
        "Ваш заказ A-17 будет доставлен в течение трёх дней.\n"
        "С уважением, {{оператор-1}}. Спасибо, Анна!"
    )


def test_each_occurrence_keeps_its_own_default() -> None:
    assert fill_template("{{a|one}} {{a|two}} {{a}}", {}) == "one two {{a}}"


def test_values_are_not_filled_again() -> None:
    assert fill_template("{{a}} {{b}}", {"a": "{{b}}", "b": "B"}) == "{{b}} B"


def test_fill_returns_plain_text_unchanged() -> None:
    value = "<script>alert('x')</script> & «ёлочки»"
    assert fill_template("Ответ: {{text}}", {"text": value}) == f"Ответ: {value}"


def test_html_rendering_escapes_everything_and_keeps_line_breaks() -> None:
    body = "<b>Привет</b>, {{имя}}!\r\nСтрока 2\n{{x|<script>alert(2)</script>}}"
    html = render_filled_html(body, {"имя": "<script>alert(1)</script>"})
    assert "<script" not in html
    assert "<b>" not in html
    assert str(html) == (
        "&lt;b&gt;Привет&lt;/b&gt;, &lt;script&gt;alert(1)&lt;/script&gt;!<br>\n"
        "Строка 2<br>\n"
        "&lt;script&gt;alert(2)&lt;/script&gt;"
    )
    assert html.__html__() == str(html)
