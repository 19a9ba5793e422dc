"""Monitors as YAML files (config as code), validated with the line of every problem.

A file holds one mapping with a ``monitors`` list; each entry is the flat document that
``parse_monitor`` validates. Loading reports every problem at once, each as
``FILE:LINE: monitors[1].interval: message``.
"""

from collections.abc import Iterable, Mapping
from io import StringIO
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from upwatch.domain.monitors import COMMON_FIELDS, MonitorBase, MonitorSpec, parse_monitor
from upwatch.errors import ConfigurationError, FileProblem, MonitorFileError

_Location = tuple[str | int, ...]

_TOP_LEVEL_KEY = "monitors"


def load_monitor_file(path: Path) -> list[MonitorSpec]:
    """The monitors in ``path``; raises ``MonitorFileError`` listing every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"{path}: cannot read monitors file: {exc}") from exc
    return _MonitorFileReader(str(path), text).read()


def dump_monitor_file(specs: Iterable[MonitorSpec]) -> str:
    """The YAML that ``load_monitor_file`` reads back as ``specs``, omitting default values."""
    stream = StringIO()
    _yaml().dump({_TOP_LEVEL_KEY: [_flat_document(spec) for spec in specs]}, stream)
    return stream.getvalue()


class _MonitorFileReader:
    def __init__(self, file: str, text: str) -> None:
        self._file = file
        self._text = text
        self._document: object = None
        self._problems: list[FileProblem] = []

    def read(self) -> list[MonitorSpec]:
        try:
            self._document = _yaml().load(self._text)
        except YAMLError as exc:
            raise MonitorFileError([self._yaml_problem(exc)]) from exc
        specs = self._monitors()
        if self._problems:
            raise MonitorFileError(sorted(self._problems, key=lambda problem: problem.line))
        return specs

    def _monitors(self) -> list[MonitorSpec]:
        document = self._document
        if not isinstance(document, CommentedMap):
            self._report((), "the top level must be a mapping with a monitors list")
            return []
        for key in document:
            if key != _TOP_LEVEL_KEY:
                self._report((key,), "Extra inputs are not permitted")
        if _TOP_LEVEL_KEY not in document:
            self._report((_TOP_LEVEL_KEY,), "Field required")
            return []
        entries = document[_TOP_LEVEL_KEY]
        if not isinstance(entries, CommentedSeq):
            self._report((_TOP_LEVEL_KEY,), "Input should be a valid list")
            return []
        specs = [self._spec(index, entry) for index, entry in enumerate(entries)]
        self._report_duplicate_names(entries)
        return [spec for spec in specs if spec is not None]

    def _spec(self, index: int, entry: object) -> MonitorSpec | None:
        where: _Location = (_TOP_LEVEL_KEY, index)
        if not isinstance(entry, CommentedMap):
            self._report(where, "a monitor must be a mapping of fields")
            return None
        try:
            return parse_monitor(_plain(entry))
        except ValidationError as exc:
            for error in exc.errors():
                field, message = _field_and_message(error)
                self._report((*where, *field), message)
            return None

    def _report_duplicate_names(self, entries: CommentedSeq) -> None:
        first_index_of: dict[str, int] = {}
        for index, entry in enumerate(entries):
            name = entry.get("name") if isinstance(entry, CommentedMap) else None
            if not isinstance(name, str):
                continue
            first_index = first_index_of.setdefault(name.strip(), index)
            if first_index != index:
                first_line = _line_of(self._document, (_TOP_LEVEL_KEY, first_index, "name"))
                self._report(
                    (_TOP_LEVEL_KEY, index, "name"),
                    f"duplicate name {name.strip()!r}, first used on line {first_line}",
                )

    def _report(self, where: _Location, message: str) -> None:
        self._problems.append(
            FileProblem(
                file=self._file,
                line=_line_of(self._document, where),
                field=_field_path(where) or None,
                message=message,
            )
        )

    def _yaml_problem(self, exc: YAMLError) -> FileProblem:
        if isinstance(exc, MarkedYAMLError) and exc.problem_mark is not None:
            line = exc.problem_mark.line + 1
            message = exc.problem or _first_line(str(exc))
            if exc.context and exc.context_mark is not None:
                message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        elif isinstance(exc, ReaderError):
            line = self._text.count("\n", 0, exc.position) + 1
            message = _first_line(str(exc))
        else:
            line, message = 1, _first_line(str(exc))
        return FileProblem(self._file, line, None, f"invalid YAML: {message}")


def _field_and_message(error: Mapping[str, Any]) -> tuple[_Location, str]:
    """Where in the entry a pydantic error lies, without the ``kind`` tag, and what it says."""
    if error["type"] == "union_tag_not_found":
        return ("kind",), "Field required"
    if error["type"] == "union_tag_invalid":
        tag, expected = error["ctx"]["tag"], error["ctx"]["expected_tags"]
        return ("kind",), f"unknown kind {tag!r}, expected one of {expected}"
    _kind_tag, *field = error["loc"]
    # Multi-line messages (a JSONPath syntax error draws a caret under the query) keep the first.
    message = _first_line(str(error["msg"]).removeprefix("Value error, "))
    return tuple(field), message


def _line_of(document: object, where: _Location) -> int:
    """The 1-based line of the deepest node of ``where`` present in the document."""
    node = document
    line = 1
    if isinstance(node, CommentedMap | CommentedSeq) and node.lc.line is not None:
        line = node.lc.line + 1
    for part in where:
        if isinstance(node, CommentedMap) and part in node:
            position = node.lc.key(part)
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            position = node.lc.item(part)
        else:
            break
        # Collections under a YAML tag (``!tag [a, b]``) carry no positions for their items.
        if position is None:
            break
        line = position[0] + 1
        node = node[part]
    return line


def _field_path(where: _Location) -> str:
    path = ""
    for part in where:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _first_line(text: str) -> str:
    return text.strip().partition("\n")[0]


def _plain(node: object) -> object:
    """Round-trip YAML nodes as plain Python values, so models hold no ruamel types."""
    if isinstance(node, Mapping):
        return {key: _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, ScalarBoolean):
        return bool(node)
    for plain_type in (bool, int, float, str):
        if isinstance(node, plain_type):
            return plain_type(node)
    return node


def _flat_document(spec: MonitorSpec) -> dict[str, Any]:
    values = spec.model_dump(mode="json", exclude_defaults=True)
    kind_specific = [field for field in type(spec).model_fields if field not in COMMON_FIELDS]
    common = [field for field in MonitorBase.model_fields if field != "name"]
    order = ["name", "kind", *kind_specific, *common]
    return {field: values[field] for field in order if field in values}


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    # Long strings stay on one line instead of being folded.
    yaml.width = 4096
    return yaml
