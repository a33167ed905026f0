"""Call scripts: steps and branches from Markdown, and the checks before publishing."""

from __future__ import annotations

from lms.kb.scripts import Choice, ScriptProblem, parse_script, validate_script

REFUND = """\
# Возврат заказа

Скрипт для первой линии.

## Приветствие {#start}

Здравствуйте! Чем могу помочь?

- [Клиент хочет вернуть товар](#check)
- [Другой вопрос](#transfer)

## Проверка заказа {#check}

Уточните номер заказа. Условия: [статья о возврате](kb:refund-online).

1. [Заказу меньше 14 дней](#refund)
2. Заказу больше 14 дней: [отказать](#refuse) или [перевести](#transfer)

## Оформить возврат {#refund}

Оформите возврат в CRM.

## Вежливый отказ {#refuse}

Извините, срок возврата истёк.

## Перевод на вторую линию {#transfer}

Переведите звонок.
"""


def test_a_branching_script_with_two_endings() -> None:
    script = parse_script(REFUND)
    assert list(script.steps) == ["start", "check", "refund", "refuse", "transfer"]
    assert script.start == "start"
    assert script.intro_markdown == "# Возврат заказа\n\nСкрипт для первой линии."
    start = script.steps["start"]
    assert (start.title, start.line) == ("Приветствие", 5)
    assert start.text_markdown == "Здравствуйте! Чем могу помочь?"
    assert start.choices == [
        Choice("Клиент хочет вернуть товар", "check", 9),
        Choice("Другой вопрос", "transfer", 10),
    ]
    check = script.steps["check"]
    assert [(c.label, c.target) for c in check.choices] == [
        ("Заказу меньше 14 дней", "refund"),
        ("отказать", "refuse"),
        ("перевести", "transfer"),
    ]
    assert "kb:refund-online" in check.text_markdown  # other links are just text
    assert "#refund" not in check.text_markdown
    assert [step.id for step in script.steps.values() if step.is_end] == [
        "refund",
        "refuse",
        "transfer",
    ]
    result = validate_script(script)
    assert result.errors == []
    assert result.warnings == []
    assert result.ok


def test_russian_headings_without_ids_get_slugs() -> None:
    script = parse_script(
        "## Приветствие клиента\n- [Дальше](#уточнение-заказа)\n\n## Уточнение заказа\nКонец."
    )
    assert list(script.steps) == ["приветствие-клиента", "уточнение-заказа"]
    assert script.steps["уточнение-заказа"].title == "Уточнение заказа"
    assert validate_script(script).errors == []


def test_a_missing_target_is_an_error_on_the_line_of_the_branch() -> None:
    script = parse_script(
        "## Start {#start}\n\n- [Done](#done)\n- [Oops](#nowhere)\n\n## Done {#done}\n"
    )
    result = validate_script(script)
    assert len(result.errors) == 1
    problem = result.errors[0]
    assert (problem.step_id, problem.line) == ("start", 4)
    assert "missing target" in problem.message
    assert "#nowhere" in problem.message


def test_an_unreachable_step_is_a_warning() -> None:
    script = parse_script("## Start {#start}\n- [End](#end)\n## End {#end}\n## Forgotten {#old}\n")
    result = validate_script(script)
    assert result.errors == []
    assert [(w.step_id, w.line) for w in result.warnings] == [("old", 4)]


def test_a_loop_with_no_exit_is_an_error() -> None:
    script = parse_script(
        "## Ask {#ask}\n- [Again](#clarify)\n\n## Clarify {#clarify}\n- [Back](#ask)\n"
    )
    result = validate_script(script)
    assert [(e.step_id, e.line) for e in result.errors] == [("ask", 1)]
    assert "no ending" in result.errors[0].message


def test_a_loop_beside_an_ending_is_a_warning() -> None:
    script = parse_script(
        "## Start {#start}\n- [End](#end)\n- [Trap](#trap)\n"
        "## End {#end}\n## Trap {#trap}\n- [Stay](#trap)\n"
    )
    result = validate_script(script)
    assert result.errors == []
    assert [(w.step_id, w.line) for w in result.warnings] == [("trap", 5)]


def test_duplicate_step_ids_are_errors() -> None:
    script = parse_script("## One {#a}\n- [Next](#b)\n## Two {#b}\n## Three {#a}\ntext\n")
    assert list(script.steps) == ["a", "b"]
    assert [step.line for step in script.duplicates] == [4]
    result = validate_script(script)
    assert result.errors == [
        ScriptProblem("a", 4, "the step id “a” is already used by the step on line 1.")
    ]


def test_no_steps_is_an_error() -> None:
    result = validate_script(parse_script("# Only a title\n\nSome text, no ## headings."))
    assert len(result.errors) == 1
    assert result.errors[0].step_id is None


def test_headings_inside_code_blocks_are_not_steps() -> None:
    script = parse_script("## Only {#only}\n```\n## not a step\n- [x](#nowhere)\n```\n")
    assert list(script.steps) == ["only"]
    assert script.steps["only"].choices == []
    assert "## not a step" in script.steps["only"].text_markdown
    assert validate_script(script).ok


def test_level_three_headings_stay_in_the_step_text() -> None:
    script = parse_script("## Step {#s}\n### Note\nDetails\n")
    assert script.steps["s"].text_markdown == "### Note\nDetails"
