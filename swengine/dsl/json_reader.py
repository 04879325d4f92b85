"""Read JSON into data plus the line:column of every node, refusing duplicate keys and deep nesting.

``json.loads`` checks the syntax first (its messages are good); this reader then walks the tokens of the
text, which it can trust to be well formed, to build the same data with positions. YAML's parser is not
used for JSON: YAML 1.1 reads ``1e5`` as a string and refuses surrogate-pair escapes and some tabs.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Callable
from typing import Any

from swengine.core.errors import DocumentError, Problem
from swengine.dsl.source_map import JsonPath, problem_at

_TOKEN = re.compile(r'[ \t\r\n]*(?:([{}\[\]:,])|("(?:[^"\\]|\\.)*")|([^ \t\r\n{}\[\]:,]+))', re.DOTALL)


class JsonReader:
    """One pass over the tokens of a valid JSON text; ``keep_text(path)`` keeps a number's text there."""

    def __init__(self, text: str, *, max_depth: int, keep_text: Callable[[JsonPath], bool]) -> None:
        self.text = text
        self.max_depth = max_depth
        self.keep_text = keep_text
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]
        self.positions: dict[JsonPath, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self.stack: list[tuple[Any, JsonPath]] = []
        self.key: str | None = None
        self.key_position = (1, 1)
        self.root: Any = None

    def read(self) -> Any:
        for match in _TOKEN.finditer(self.text):
            punctuation, string, literal = match.groups()
            start = match.start(match.lastindex or 1)
            if punctuation in ("{", "["):
                self._open({} if punctuation == "{" else [], start)
            elif punctuation in ("}", "]"):
                self.stack.pop()
            elif string is not None and self._expects_key():
                self.key, self.key_position = json.loads(string), self._position(start)
            elif string is not None:
                self._attach(json.loads(string), start)
            elif literal is not None:
                keep = literal[0] in "-0123456789" and self.keep_text(self._child_path())
                self._attach(literal if keep else json.loads(literal), start)
        return self.root

    def _position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def _expects_key(self) -> bool:
        return bool(self.stack) and isinstance(self.stack[-1][0], dict) and self.key is None

    def _child_path(self) -> JsonPath:
        if not self.stack:
            return ()
        container, path = self.stack[-1]
        step = len(container) if isinstance(container, list) else self.key
        return path + (step,)  # type: ignore[operator]

    def _open(self, container: Any, start: int) -> None:
        if len(self.stack) >= self.max_depth:
            message = f"document nests deeper than {self.max_depth} levels"
            problem = problem_at("nesting_too_deep", message, *self._position(start), path=self._child_path())
            raise DocumentError([problem])
        self.stack.append((container, self._attach(container, start)))

    def _attach(self, value: Any, start: int) -> JsonPath:
        path = self._child_path()
        if not self.stack:
            self.root = value
            self.positions[path] = self._position(start)
            return path
        container = self.stack[-1][0]
        if isinstance(container, list):
            container.append(value)
            self.positions[path] = self._position(start)
            return path
        if self.key in container:
            message = f"duplicate key '{self.key}' (first defined at line {self.positions[path][0]})"
            self.problems.append(problem_at("duplicate_key", message, *self.key_position, path=path))
        else:
            container[self.key] = value
            self.positions[path] = self.key_position
        self.key = None
        return path
