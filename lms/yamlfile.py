"""YAML content files read with the line of every mapping key, so a problem can name it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lms.i18n import _


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers the line it starts on and the line of each key."""

    line: int = 1
    lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """Safe YAML whose mappings come back as ``LineDict``."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.lines[str(key)] = key_node.start_mark.line + 1
    return result


class _NoSuchDate(yaml.constructor.ConstructorError):
    """Valid YAML naming a date that does not exist."""


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    """A date or time; an impossible one (2024-02-30) is a problem on its line, not a
    ``ValueError`` from nowhere."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError as error:
        problem = _("%(value)s is not a date that exists.", value=node.value)
        raise _NoSuchDate(None, None, problem, node.start_mark) from error


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


class YamlProblem(Exception):
    """A file that is not readable YAML: the line and what is wrong."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line = line
        self.problem = problem


def load_yaml(text: str) -> Any:
    """The document's value with ``LineDict`` mappings; raises ``YamlProblem``."""
    try:
        return yaml.load(text.removeprefix("\ufeff"), Loader=_Loader)  # a SafeLoader
    except _NoSuchDate as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise YamlProblem(line, str(error.problem)) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlProblem(
            line,
            _("this is not valid YAML (%(problem)s).", problem=error.problem or error.context),
        ) from error
    except yaml.YAMLError as error:
        raise YamlProblem(1, _("this is not valid YAML (%(problem)s).", problem=error)) from error


def read_yaml(path: Path) -> Any:
    """``load_yaml`` of a UTF-8 file; an unreadable file is a ``YamlProblem`` on line 1."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlProblem(1, _("the file is not UTF-8 text.")) from error
    except OSError as error:
        raise YamlProblem(1, error.strerror or str(error)) from error
    return load_yaml(text)


# Writing ------------------------------------------------------------------------------------


MAP, SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


class FlowMap(dict[str, Any]):
    """A mapping written on one line: ``name: {ru: …, en: …}``."""


class FlowList(list[Any]):
    """A list written on one line: ``days: [1, 30]``."""


class _Dumper(yaml.SafeDumper):
    """Block style with lists indented under their key, as our content files are written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


_Dumper.add_representer(
    FlowMap,
    lambda dumper, value: dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True),
)
_Dumper.add_representer(
    FlowList,
    lambda dumper, value: dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=True
    ),
)


def dump_yaml(document: Any) -> str:
    """YAML as our content files are written: keys in the given order, text as it is."""
    return yaml.dump(document, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
