"""Knowledge-base files: YAML front matter between ``---`` lines, then the Markdown body.

Every error names the file, the line and the field, so an editor fixing a file in git (or
reading the output of ``flask lms sync``) can go straight to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from lms.errors import ServiceError
from lms.i18n import _
from lms.kb.markdown import ARTICLE_SLUG_RE

DELIMITER = "---"
KINDS = ("article", "script", "template", "regulation")
LANGS = ("ru", "en")
STATUSES = ("draft", "published", "archived")
FIELD_ORDER = (
    *("title", "kind", "tags", "departments", "skills", "owner"),
    *("review_every_days", "lang", "status", "translation_of"),
)
MAX_TITLE = 200
MAX_TAG = 50
MAX_REVIEW_DAYS = 3650
# Department and skill codes, as lms.auth.services checks them.
CODE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TOP_LEVEL_KEY_RE = re.compile(r"([A-Za-z_][\w-]*)\s*:")

# A field's check: (document, key, raw value) -> clean value, or raises DocumentError.
Check = Callable[["Document", str, Any], Any]


class DocumentError(ServiceError):
    """A knowledge-base file that cannot be read: where (file, line, field) and what is wrong."""

    def __init__(self, filename: str, line: int, field: str | None, problem: str) -> None:
        where = _("%(filename)s, line %(line)d", filename=filename, line=line)
        if field:
            where = _("%(place)s, field %(field)s", place=where, field=field)
        message = _("%(place)s: %(problem)s", place=where, problem=problem)
        super().__init__(message, field=field)
        self.filename = filename
        self.line = line
        self.problem = problem


@dataclass(frozen=True)
class Document:
    """A parsed file: front matter as loaded, the body and where things are in the file."""

    filename: str
    meta: dict[str, Any]
    body: str
    body_line: int
    field_lines: dict[str, int] = field(default_factory=dict)

    def error(self, key: str, problem: str) -> DocumentError:
        """An error about front-matter field ``key``, pointing at its line."""
        return DocumentError(self.filename, self.field_lines.get(key, 1), key, problem)


@dataclass
class ArticleMeta:
    """The checked front matter of an article, script, template or regulation."""

    title: str
    kind: str = "article"
    tags: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    owner: str | None = None
    review_every_days: int = 90
    lang: str = "ru"
    status: str = "published"
    translation_of: str | None = None

    def as_meta(self) -> dict[str, Any]:
        """The fields as a front-matter mapping (``None`` values left out), for dumping."""
        return {
            name: getattr(self, name) for name in FIELD_ORDER if getattr(self, name) is not None
        }


def parse_document(text: str, *, filename: str) -> Document:
    """Split a file into its YAML front matter and Markdown body.

    A BOM and Windows or old Mac line endings are accepted. Raises ``DocumentError`` when the
    front matter is missing, never closed, not valid YAML or not a ``key: value`` mapping.
    """
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[0].rstrip() != DELIMITER:
        raise DocumentError(
            filename, 1, None, _("the file must start with front matter: a line “---”.")
        )
    end = _closing_line(lines)
    if end is None:
        raise DocumentError(
            filename, 1, None, _("the front matter opened on line 1 is never closed by “---”.")
        )
    meta, field_lines = _load_yaml(lines[1:end], filename)
    return Document(filename, meta, "\n".join(lines[end + 1 :]), end + 2, field_lines)


def _closing_line(lines: list[str]) -> int | None:
    return next((i for i in range(1, len(lines)) if lines[i].rstrip() == DELIMITER), None)


def _load_yaml(lines: list[str], filename: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The mapping and the file line of each top-level key; front matter starts on line 2."""
    loader = yaml.SafeLoader("\n".join(lines))
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        raise _yaml_error(exc, lines, filename) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise DocumentError(filename, 2, None, _("the front matter must be “key: value” lines."))
    return data, _field_lines(node, filename)


def _yaml_error(exc: yaml.MarkedYAMLError, lines: list[str], filename: str) -> DocumentError:
    mark = exc.problem_mark or exc.context_mark
    index = min(mark.line, len(lines) - 1) if mark else 0
    key = next(
        (m[1] for line in reversed(lines[: index + 1]) if (m := TOP_LEVEL_KEY_RE.match(line))),
        None,
    )
    problem = _("this is not valid YAML (%(problem)s).", problem=exc.problem or exc.context)
    return DocumentError(filename, index + 2, key, problem)


def _field_lines(node: yaml.Node | None, filename: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, _value in node.value:
        key, line = str(key_node.value), key_node.start_mark.line + 2
        if key_node.tag != "tag:yaml.org,2002:str":
            raise DocumentError(filename, line, key, _("field names must be words, like “title”."))
        if key in lines:
            raise DocumentError(
                filename,
                line,
                key,
                _("the field is given twice (first on line %(line)d).", line=lines[key]),
            )
        lines[key] = line
    return lines


def validate_article_meta(doc: Document) -> ArticleMeta:
    """Check the front matter of an article file and fill in the defaults.

    Fields are checked in the order they appear in the file, so the error reported is the
    first one an editor meets. Raises ``DocumentError``.
    """
    values: dict[str, Any] = {}
    for key in sorted(doc.meta, key=lambda k: doc.field_lines.get(k, 0)):
        if key not in CHECKS:
            raise doc.error(
                key,
                _(
                    "unknown field “%(key)s”; expected one of %(expected)s.",
                    key=key,
                    expected=", ".join(FIELD_ORDER),
                ),
            )
        values[key] = CHECKS[key](doc, key, doc.meta[key])
    if "title" not in doc.meta:
        raise DocumentError(doc.filename, 1, "title", _("the title is missing."))
    return ArticleMeta(**{key: value for key, value in values.items() if value is not None})


def _check_title(doc: Document, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise doc.error(key, _("the title must be text and must not be empty."))
    if len(value.strip()) > MAX_TITLE:
        raise doc.error(key, _("the title is longer than %(max)d characters.", max=MAX_TITLE))
    return value.strip()


def _choice(allowed: tuple[str, ...]) -> Check:
    def check(doc: Document, key: str, value: Any) -> str | None:
        if value is None:
            return None
        if value not in allowed:
            raise doc.error(
                key,
                _(
                    "unknown %(field)s “%(value)s”; expected one of %(expected)s.",
                    field=key,
                    value=value,
                    expected=", ".join(allowed),
                ),
            )
        return value

    return check


def _check_list(doc: Document, key: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise doc.error(key, _("%(field)s must be a list, like [a, b].", field=key))
    if not all(isinstance(item, str) and item.strip() for item in value):
        raise doc.error(key, _("each item of %(field)s must be non-empty text.", field=key))
    return list(dict.fromkeys(item.strip().lower() for item in value))


def _check_tags(doc: Document, key: str, value: Any) -> list[str]:
    tags = _check_list(doc, key, value)
    for tag in tags:
        if len(tag) > MAX_TAG:
            raise doc.error(
                key, _("the tag “%(tag)s” is longer than %(max)d characters.", tag=tag, max=MAX_TAG)
            )
    return tags


def _check_codes(doc: Document, key: str, value: Any) -> list[str]:
    codes = _check_list(doc, key, value)
    for code in codes:
        if not CODE_RE.fullmatch(code):
            raise doc.error(
                key,
                _(
                    "“%(code)s” is not a code: use Latin letters, digits, “-” and “_”.",
                    code=code,
                ),
            )
    return codes


def _check_owner(doc: Document, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not EMAIL_RE.fullmatch(value.strip()):
        raise doc.error(key, _("the owner must be an e-mail address."))
    return value.strip()


def _check_review_days(doc: Document, key: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REVIEW_DAYS:
        raise doc.error(
            key, _("must be a whole number of days from 1 to %(max)d.", max=MAX_REVIEW_DAYS)
        )
    return value


def _check_slug(doc: Document, key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not ARTICLE_SLUG_RE.fullmatch(value.strip()):
        raise doc.error(key, _("must be the slug of an article, like “refund-online”."))
    return value.strip()


CHECKS: dict[str, Check] = {
    "title": _check_title,
    "kind": _choice(KINDS),
    "tags": _check_tags,
    "departments": _check_codes,
    "skills": _check_codes,
    "owner": _check_owner,
    "review_every_days": _check_review_days,
    "lang": _choice(LANGS),
    "status": _choice(STATUSES),
    "translation_of": _check_slug,
}


class _FrontMatterDumper(yaml.SafeDumper):
    """Block-style mapping, flow-style lists: ``tags: [возврат, оплата]``."""


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_FrontMatterDumper.add_representer(list, _represent_list)


def dump_document(meta: Mapping[str, Any], body: str) -> str:
    """The file text: front matter in the usual key order, lists in ``[a, b]`` style.

    Every key with a value other than ``None`` is written (other keys after the known ones,
    in their given order), Cyrillic as it is, so that parsing the result gives back the
    same front matter and body.
    """
    keys = [key for key in FIELD_ORDER if key in meta]
    keys += [key for key in meta if key not in FIELD_ORDER]
    ordered = {key: meta[key] for key in keys if meta[key] is not None}
    front = yaml.dump(
        ordered,
        Dumper=_FrontMatterDumper,
        allow_unicode=True,
        default_flow_style=False,
        sort_keys=False,
        width=10_000,
    )
    return f"{DELIMITER}\n{front if ordered else ''}{DELIMITER}\n{body}"
