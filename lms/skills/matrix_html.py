"""The rows of the skill matrix as HTML, written here rather than in the template.

A page holds thousands of cells; Jinja spends tens of microseconds on each (attribute
lookups, escaping, the loop), Python a few. Every text that comes from people or files
(names, positions, skill codes) is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import url_for
from markupsafe import Markup, escape

from lms.auth.models import User
from lms.courses.models import Course
from lms.i18n import _
from lms.skills.matrix import Matrix

REQUIRED = '<span class="muted">/{}</span>'


def matrix_rows(
    matrix: Matrix,
    people: Iterable[User],
    *,
    can_assign: bool,
    recommended: dict[tuple[int, int], list[Course]],
) -> Markup:
    """The ``<tr>`` of each person: name and position, then one cell per skill with the
    current level, the required one and (for HR) a box to choose a gap."""
    gap_label = escape(_("Gap"))
    codes = [(skill, escape(skill.code)) for skill in matrix.skills]
    rows: list[str] = []
    for person in people:
        name = escape(person.name)
        position = escape(person.position.name) if person.position else ""
        href = escape(url_for("skills.profile", user_id=person.id))
        parts = [
            f'<tr><th scope="row" class="sticky-col"><a href="{href}">{name}</a><br>'
            f'<span class="muted small">{position}</span></th>'
        ]
        for skill, code in codes:
            cell = matrix.cell(person, skill)
            shown = "·" if cell.level is None else cell.level
            required = "" if cell.required is None else REQUIRED.format(cell.required)
            box = ""
            if can_assign and cell.is_gap:
                disabled = "" if recommended.get((person.id, skill.id)) else " disabled"
                box = (
                    f'<input type="checkbox" name="gap" value="{person.id}:{skill.id}" '
                    f'aria-label="{gap_label}: {name}, {code}"{disabled}>'
                )
            parts.append(f'<td class="cell-{cell.status}">{shown}{required}{box}</td>')
        parts.append("</tr>")
        rows.append("".join(parts))
    return Markup("\n".join(rows))
