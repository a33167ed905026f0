"""A generated knowledge base for benchmarks: categories.yml and many Russian-like articles.

The files name the demo organisation's departments and editor (``flask lms demo``) and the
skills of the shipped ``content/skills.yml``, so ``flask lms sync --kb DIR`` imports them
into a database with the demo loaded. The same seed gives the same files.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

OWNERS = ("editor@example.com", "admin@example.com")
DEPARTMENTS = ("line1", "line2", "quality")
SKILLS = (
    *("active-listening", "soft-negativity", "paraphrasing", "written-style"),
    *("objection-handling", "orders", "payment", "delivery", "returns", "accounts"),
    *("loyalty", "crm", "ticket-system", "knowledge-base-search", "telephony"),
    *("kpi-rules", "quality-standards", "escalation", "probation", "mentoring"),
)
# slug, Russian name, English name, children (slug, Russian name, English name)
TREE = (
    ("orders", "Заказы", "Orders", ("order-changes", "cancellation", "order-status")),
    ("payment", "Оплата", "Payment", ("refunds", "cards", "installments", "invoices")),
    ("delivery", "Доставка", "Delivery", ("courier", "pickup-points", "post", "express")),
    ("returns", "Возвраты товаров", "Returns", ("defects", "exchange", "warranty")),
    ("accounts", "Личный кабинет", "Accounts", ("login", "loyalty", "personal-data")),
    ("regulations", "Регламенты", "Regulations", ("kpi", "quality", "escalations")),
    ("tools", "Рабочие системы", "Tools", ("crm-guide", "telephony-guide")),
    ("scripts", "Скрипты разговоров", "Call scripts", ("sales-scripts", "support-scripts")),
    ("templates", "Шаблоны ответов", "Answer templates", ("chat-templates", "mail-templates")),
)
CHILD_NAMES = {
    "order-changes": "Изменение заказа",
    "cancellation": "Отмена заказа",
    "order-status": "Статусы заказа",
    "refunds": "Возврат денег",
    "cards": "Банковские карты",
    "installments": "Рассрочка",
    "invoices": "Счета для юрлиц",
    "courier": "Курьерская доставка",
    "pickup-points": "Пункты выдачи",
    "post": "Почта",
    "express": "Экспресс-доставка",
    "defects": "Брак",
    "exchange": "Обмен",
    "warranty": "Гарантия",
    "login": "Вход и доступ",
    "loyalty": "Программа лояльности",
    "personal-data": "Персональные данные",
    "kpi": "KPI и мотивация",
    "quality": "Контроль качества",
    "escalations": "Эскалации",
    "crm-guide": "Работа в CRM",
    "telephony-guide": "Телефония",
    "sales-scripts": "Продажи",
    "support-scripts": "Поддержка",
    "chat-templates": "Чат",
    "mail-templates": "Почта и письма",
}
SUBJECTS = (
    *("заказ", "возврат", "доставка", "оплата", "промокод", "бонусы", "курьер"),
    *("пункт выдачи", "карта", "рассрочка", "обмен", "гарантия", "чек", "счёт"),
)
PROBLEMS = (
    *("не пришёл", "задерживается", "списали дважды", "не начислены", "отменён"),
    *("повреждён", "не тот товар", "не работает", "просрочен", "потерян"),
)
WORDS = (
    *("клиент", "оператор", "заказ", "статус", "система", "заявка", "срок", "деньги"),
    *("карточка", "номер", "телефон", "склад", "курьер", "возврат", "обращение", "тикет"),
    *("проверьте", "уточните", "сообщите", "создайте", "передайте", "откройте", "запишите"),
    *("обычно", "в течение", "рабочих", "дней", "после", "если", "когда", "сразу", "только"),
    *("вторая линия", "руководитель", "компенсация", "промокод", "бонусный", "счёт", "банк"),
)
KINDS = ("article",) * 14 + ("template",) * 3 + ("regulation",) * 2 + ("script",) * 1


def generate_kb(dir: Path, count: int, seed: int = 1) -> None:
    """Write ``dir/categories.yml`` and ``count`` articles as ``dir/<category>/<slug>.md``."""
    rng = random.Random(seed)
    dir.mkdir(parents=True, exist_ok=True)
    (dir / "categories.yml").write_text(_categories_yaml(), encoding="utf-8")
    leaves = [child for *_top, children in TREE for child in children]
    for number in range(count):
        category = leaves[number % len(leaves)]
        kind = "script" if category.endswith("-scripts") else rng.choice(KINDS)
        slug = f"{category}-{kind}-{number:05d}"
        path = dir / category / f"{slug}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(_article(rng, kind, number), encoding="utf-8")


def _categories_yaml() -> str:
    tree = [
        {
            "slug": slug,
            "name": name,
            "name_en": name_en,
            "children": [
                {"slug": child, "name": CHILD_NAMES[child], "name_en": child.replace("-", " ")}
                for child in children
            ],
        }
        for slug, name, name_en, children in TREE
    ]
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


def _article(rng: random.Random, kind: str, number: int) -> str:
    subject, problem = rng.choice(SUBJECTS), rng.choice(PROBLEMS)
    title = f"{subject.capitalize()} {problem}: что делать ({number})"
    tags = rng.sample(SUBJECTS, 3)
    departments = rng.sample(DEPARTMENTS, rng.choice((0, 1, 1, 2)))
    skills = rng.sample(SKILLS, rng.choice((1, 2, 3)))
    front = [
        "---",
        f'title: "{title}"',
        f"kind: {kind}",
        f"tags: [{', '.join(tags)}]",
        f"departments: [{', '.join(departments)}]",
        f"skills: [{', '.join(skills)}]",
        f"owner: {rng.choice(OWNERS)}",
        f"review_every_days: {rng.choice((30, 60, 90, 180))}",
        "lang: ru",
    ]
    if rng.random() < 0.05:
        front.append("status: draft")
    body = _script(rng) if kind == "script" else _prose(rng, kind)
    return "\n".join([*front, "---", body]) + "\n"


def _sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, rng.randint(6, 16)) for _ in range(rng.randint(2, 5)))


def _prose(rng: random.Random, kind: str) -> str:
    parts = [_paragraph(rng)]
    for section in rng.sample(("Когда", "Что проверить", "Что сказать", "Сроки", "Исключения"), 3):
        parts += [f"## {section}", _paragraph(rng)]
        if rng.random() < 0.5:
            parts.append("\n".join(f"{n}. {_sentence(rng, 8)}" for n in range(1, 5)))
    if kind == "template":
        parts.append("Здравствуйте, {{имя_клиента}}! Ваш заказ {{номер_заказа}} " + _sentence(rng))
    if rng.random() < 0.3:
        parts.append("| Способ | Срок |\n|---|---|\n| Карта | до 10 дней |\n| СБП | 1 день |")
    return "\n\n".join(parts)


def _script(rng: random.Random) -> str:
    """A call script: a greeting, a few questions that branch forward, and two endings."""
    steps = rng.randint(3, 6)
    parts = [_sentence(rng)]
    for n in range(steps):
        parts += [f"## Шаг {n + 1} {{#step-{n}}}", _paragraph(rng)]
        targets = [f"step-{t}" for t in range(n + 1, min(n + 3, steps))] or []
        choices = [f"- [{_sentence(rng, 3)}](#{t})" for t in targets]
        choices.append(f"- [Вопрос решён](#{'done' if n % 2 else 'handover'})")
        parts.append("\n".join(choices))
    parts += ["## Вопрос решён {#done}", "Попрощайтесь с клиентом."]
    parts += ["## Передать на вторую линию {#handover}", "Создайте тикет во второй линии."]
    return "\n\n".join(parts)
