"""Parse YAML or JSON text into plain data plus a source map of every node's line:column.

Parsing follows ``yaml.safe_load`` with these deliberate differences, all so the result is JSON-native and
safe to load from strangers: mapping keys are always strings (their text), timestamps stay strings, only the
core scalar tags are accepted, duplicate keys are refused, and size, nesting depth and alias expansion are
bounded (a "billion laughs" document is refused while parsing, never expanded).
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from swengine.core.errors import DocumentError, Problem
from swengine.core.json_values import unrepresentable
from swengine.dsl.json_reader import JsonReader
from swengine.dsl.source_map import JsonPath, SourceMap, problem_at

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_DEPTH = 200
DEFAULT_MAX_ALIAS_NODES = 100_000
"""Nodes that aliases may add on expansion; a handful of shared anchors never come close."""

_VERSION_PATHS = {("specVersion",), ("version",)}
_VERSION_PARENTS = {"subFlowRef", "continueAs"}
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}
_STRING_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
_PARSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, kw_only=True, slots=True)
class Limits:
    """Bounds on what a document may cost to load."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_alias_nodes: int = DEFAULT_MAX_ALIAS_NODES


DEFAULT_LIMITS = Limits()


class _Refused(Exception):
    """Stops parsing at once with one problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _mark(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


@dataclass(slots=True)
class _Frame:
    value: Any
    path: JsonPath
    anchor: str | None
    position: tuple[int, int]
    size: int = 1
    key: str | None = None
    key_position: tuple[int, int] = (1, 1)
    skip: bool = False
    merging: bool = False
    merges: list[dict[str, Any]] = field(default_factory=list)


class _Builder:
    """Turns a stream of YAML parse events into JSON-native data and a source map, enforcing the limits."""

    def __init__(self, *, limits: Limits) -> None:
        self.limits = limits
        self.positions: dict[JsonPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.alias_nodes = 0
        self.documents = 0
        self.root: Any = None

    def feed(self, event: Any) -> None:
        handler = self._HANDLERS.get(type(event))
        if handler is not None:
            handler(self, event)

    def _document_start(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            line, column = _mark(event.start_mark)
            raise _Refused(
                problem_at("parse_error", "expected a single document, found another", line, column)
            )

    def _collection_start(self, event: Any) -> None:
        position = _mark(event.start_mark)
        is_map = isinstance(event, yaml.MappingStartEvent)
        self._check_tag(event.tag, _MAP_TAG if is_map else _SEQ_TAG, position)
        path = self._child_path(position)
        if len(self.stack) >= self.limits.max_depth:
            message = f"document nests deeper than {self.limits.max_depth} levels"
            raise _Refused(problem_at("nesting_too_deep", message, *position, path=path))
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        frame = _Frame({} if is_map else [], path, event.anchor, position)
        self.stack.append(frame)

    def _collection_end(self, event: Any) -> None:
        frame = self.stack.pop()
        if isinstance(frame.value, dict):
            self._apply_merges(frame)
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.value, frame.size)
        self._attach(frame.value, frame.size, frame.position, frame.path)

    def _scalar(self, event: Any) -> None:
        position = _mark(event.start_mark)
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.value, dict) and top.key is None:
            self._take_key(top, event.value, position, merge=not event.style and event.value == "<<")
            return
        path = self._child_path(position)
        value = self._construct_scalar(event, position, path)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        self._attach(value, 1, position, path)

    def _alias(self, event: Any) -> None:
        position = _mark(event.start_mark)
        name = event.anchor
        if name in self.open_anchors:
            raise _Refused(problem_at("alias_limit_exceeded", f"alias *{name} refers to itself", *position))
        if name not in self.anchors:
            raise _Refused(problem_at("parse_error", f"found undefined alias *{name}", *position))
        value, size = self.anchors[name]
        self.alias_nodes += size
        if self.alias_nodes > self.limits.max_alias_nodes:
            message = f"aliases expand to more than {self.limits.max_alias_nodes} nodes (refused unexpanded)"
            raise _Refused(problem_at("alias_limit_exceeded", message, *position))
        top = self.stack[-1] if self.stack else None
        if top is not None and isinstance(top.value, dict) and top.key is None:
            if not isinstance(value, str):
                raise _Refused(problem_at("parse_error", "mapping keys must be strings", *position))
            self._take_key(top, value, position, merge=False)
            return
        path = self._child_path(position)
        self._attach(copy.deepcopy(value), size, position, path)

    def _take_key(self, frame: _Frame, key: str, position: tuple[int, int], *, merge: bool) -> None:
        frame.key, frame.key_position, frame.merging = key, position, merge
        frame.skip = False
        if not frame.merging and key in frame.value:
            message = (
                f"duplicate key '{key}' (first defined at line {self.positions[frame.path + (key,)][0]})"
            )
            self.problems.append(problem_at("duplicate_key", message, *position, path=frame.path + (key,)))
            frame.skip = True

    def _child_path(self, position: tuple[int, int]) -> JsonPath:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.value, list):
            return top.path + (len(top.value),)
        if top.key is None:
            raise _Refused(
                problem_at("parse_error", "mapping keys must be strings, not collections", *position)
            )
        return top.path + (top.key,)

    def _attach(self, value: Any, size: int, position: tuple[int, int], path: JsonPath) -> None:
        if not self.stack:
            self.root = value
            self.positions[()] = position
            return
        top = self.stack[-1]
        top.size += size
        if isinstance(top.value, list):
            self.positions[path] = position
            top.value.append(value)
            return
        key, top.key = top.key, None
        if top.skip:
            return
        if top.merging:
            self._queue_merge(top, value, position)
            return
        self.positions[path] = top.key_position
        top.value[key] = value  # type: ignore[index]

    def _queue_merge(self, frame: _Frame, value: Any, position: tuple[int, int]) -> None:
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, dict) for source in sources):
            raise _Refused(problem_at("parse_error", "'<<' merges only mappings", *position, path=frame.path))
        frame.merges.extend(sources)
        self.positions.setdefault(frame.path + ("<<",), position)

    def _apply_merges(self, frame: _Frame) -> None:
        position = self.positions.pop(frame.path + ("<<",), frame.position)
        for source in frame.merges:
            for key, value in source.items():
                if key not in frame.value:
                    frame.value[key] = copy.deepcopy(value)
                    self.positions[frame.path + (key,)] = position

    def _check_tag(self, tag: str | None, expected: str, position: tuple[int, int]) -> None:
        if tag not in (None, "!", expected):
            raise _Refused(problem_at("parse_error", f"unsupported tag {tag}", *position))

    def _construct_scalar(self, event: Any, position: tuple[int, int], path: JsonPath) -> Any:
        text = event.value
        tag = event.tag
        if tag in (None, "!"):
            tag = _RESOLVER.resolve(yaml.ScalarNode, text, event.implicit)
        if tag in _STRING_TAGS:
            return text
        if tag not in _SCALAR_TAGS:
            raise _Refused(problem_at("parse_error", f"unsupported tag {tag}", *position, path=path))
        if keeps_text(path) and tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
            return text  # `version: 1.10` must stay "1.10", not become the float 1.1
        try:
            return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
        except (ConstructorError, ValueError) as error:
            raise _Refused(
                problem_at("parse_error", f"invalid {tag.rsplit(':', 1)[-1]} {text!r}: {error}", *position)
            ) from None

    _HANDLERS = {
        yaml.DocumentStartEvent: _document_start,
        yaml.MappingStartEvent: _collection_start,
        yaml.SequenceStartEvent: _collection_start,
        yaml.MappingEndEvent: _collection_end,
        yaml.SequenceEndEvent: _collection_end,
        yaml.ScalarEvent: _scalar,
        yaml.AliasEvent: _alias,
    }


def keeps_text(path: JsonPath) -> bool:
    """Where a number keeps the text it was written as: ``version: 1.10`` means "1.10", not 1.1."""
    return path in _VERSION_PATHS or (
        len(path) >= 2 and path[-1] == "version" and path[-2] in _VERSION_PARENTS
    )


def _yaml_error_problem(error: yaml.YAMLError, text: str) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        line, column = _mark(error.problem_mark)
        message = error.problem or "invalid YAML"
        if error.context:
            context_line = f" (line {error.context_mark.line + 1})" if error.context_mark else ""
            message = f"{message}, {error.context}{context_line}"
        return problem_at("parse_error", message, line, column)
    position = getattr(error, "position", None)
    line, column = _offset_position(text, position) if isinstance(position, int) else (1, 1)
    reason = getattr(error, "reason", None) or str(error).splitlines()[0]
    return problem_at("parse_error", reason, line, column)


_FLOW_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"?|\'(?:[^\']|\'\')*\'?|(?:^|(?<=[ \t]))#[^\n]*|[\[{]|[\]}]', re.MULTILINE
)
"""Flow brackets outside quoted strings and comments: enough to measure how deep a flow collection nests."""


def _flow_too_deep(text: str, limits: Limits) -> Problem | None:
    """``nesting_too_deep`` at the bracket that passes our bound, when the text's flow collections do.

    Parsers refuse deep flow nesting themselves, each with its own limit and wording (libyaml at about a
    thousand levels, while scanning ahead of the events our builder counts); when one refuses a document, this
    measure of our own decides what the problem is, so the code never depends on a parser's message.
    """
    depth = 0
    for match in _FLOW_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limits.max_depth:
                message = f"document nests deeper than {limits.max_depth} levels"
                return problem_at("nesting_too_deep", message, *_offset_position(text, match.start()))
        elif token in ("]", "}"):
            depth = max(depth - 1, 0)
    return None


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _parse_json(text: str, limits: Limits) -> tuple[Any, SourceMap, list[Problem]]:
    try:
        json.loads(text)  # the syntax check, with JSON's own messages; the reader trusts the text after it
    except json.JSONDecodeError as error:
        problem = problem_at("parse_error", f"invalid JSON: {error.msg}", error.lineno, error.colno)
        raise DocumentError([problem]) from None
    except RecursionError:
        pass  # nested past Python's limit; the reader reports where it passes ours
    reader = JsonReader(text, max_depth=limits.max_depth, keep_text=keeps_text)
    data = reader.read()
    return data, SourceMap(reader.positions), reader.problems


def _parse_yaml(text: str, limits: Limits) -> tuple[Any, SourceMap, list[Problem]]:
    builder = _Builder(limits=limits)
    try:
        for event in yaml.parse(text, Loader=_PARSER):
            builder.feed(event)
    except _Refused as refused:
        raise DocumentError([refused.problem]) from None
    except RecursionError:
        too_deep = problem_at("nesting_too_deep", "document nests deeper than the parser can follow")
        raise DocumentError([_flow_too_deep(text, limits) or too_deep]) from None
    except yaml.YAMLError as error:
        raise DocumentError([_flow_too_deep(text, limits) or _yaml_error_problem(error, text)]) from None
    return builder.root, SourceMap(builder.positions), builder.problems


def _decode(raw: str | bytes, limits: Limits) -> str:
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        message = f"document is {size} bytes, more than the limit of {limits.max_bytes}"
        raise DocumentError([problem_at("document_too_large", message)])
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        head = raw[: error.start]
        line = head.count(b"\n") + 1
        column = len(head[head.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise DocumentError([problem_at("parse_error", f"not UTF-8: {error.reason}", line, column)]) from None


def parse(
    raw: str | bytes, *, syntax: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[str, Any, SourceMap]:
    """Parse ``syntax`` ("json", "yaml", None: sniff) into (text, data, source map); data: any JSON value."""
    text = _decode(raw, limits)
    if syntax is None:
        syntax = "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
    data, source_map, problems = (_parse_json if syntax == "json" else _parse_yaml)(text, limits)
    if not problems and (found := unrepresentable(data)) is not None:
        path, reason = found
        line, column = source_map.locate(path) or (1, 1)
        problems = [problem_at("invalid_value", reason, line, column, path=path)]
    if problems:
        raise DocumentError(problems)
    return text, data, source_map


def syntax_of(name: str) -> str | None:
    """The syntax a file name announces ("json" or "yaml"), or None when it says nothing."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return {"json": "json", "yaml": "yaml", "yml": "yaml"}.get(suffix)
