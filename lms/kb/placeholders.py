"""Answer templates: ``{{name}}`` and ``{{name|default text}}`` fields the agent fills in.

The filled text is plain text (the agent copies it into a chat or an e-mail); anything
shown in a page goes through ``render_filled_html``, which escapes it first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

# Anything between double braces; whether it is a valid placeholder is decided afterwards,
# so that ``{{}}`` or ``{{a|b|c}}`` stay in the text as they are.
CANDIDATE_RE = re.compile(r"\{\{([^{}\n]*)\}\}")
NAME_RE = re.compile(r"[\w-]+")  # letters (Cyrillic too), digits, "_" and "-"


@dataclass(frozen=True)
class Placeholder:
    """A field of a template: its name and the text used when the agent leaves it empty."""

    name: str
    default: str | None = None


def parse_placeholder(inner: str) -> Placeholder | None:
    """The placeholder written as ``{{inner}}``, or ``None`` if it is not a valid one."""
    parts = inner.split("|")
    if len(parts) > 2:
        return None
    name = parts[0].strip()
    if not NAME_RE.fullmatch(name):
        return None
    return Placeholder(name, parts[1].strip() if len(parts) == 2 else None)


def find_placeholders(body: str) -> list[Placeholder]:
    """The template's fields in order of first appearance, each name once.

    When a name appears several times the first appearance gives the default.
    """
    found: dict[str, Placeholder] = {}
    for match in CANDIDATE_RE.finditer(body):
        placeholder = parse_placeholder(match[1])
        if placeholder is not None and placeholder.name not in found:
            found[placeholder.name] = placeholder
    return list(found.values())


def fill_template(body: str, values: Mapping[str, str]) -> str:
    """The template with each field replaced: the value, else its default, else ``{{name}}``.

    A value that is empty or only spaces counts as not given. The result is plain text:
    escape it before putting it in HTML.
    """

    def replace(match: re.Match[str]) -> str:
        placeholder = parse_placeholder(match[1])
        if placeholder is None:
            return match[0]
        value = values.get(placeholder.name)
        if value is not None and value.strip():
            return value
        if placeholder.default is not None:
            return placeholder.default
        return "{{" + placeholder.name + "}}"

    return CANDIDATE_RE.sub(replace, body)


def render_filled_html(body: str, values: Mapping[str, str]) -> Markup:
    """The filled template as safe HTML: everything escaped, line breaks as ``<br>``."""
    text = fill_template(body, values).replace("\r\n", "\n").replace("\r", "\n")
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))
