"""Parse YAML into plain JSON-ready data while remembering where every key and value came from.

The node tree is composed with `yaml.SafeLoader` and built into data by hand, so each data path (a tuple of keys
and list indexes) maps to its span in the file and any later check can point at file:line:column. The builder
also refuses what cannot become a JSON request or a readable recipe: non-string keys, duplicate keys, timestamps,
binary, sets, NaN/infinity, recursive aliases and alias bombs — each as a problem with a position, never an
exception of another kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cpictl.recipes.problems import RecipeError, RecipeProblem

DataPath = tuple[str | int, ...]

MAX_NODES = 200_000  # after alias expansion: a "billion laughs" document stops here
MAX_DEPTH = 64
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_JSON_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Span:
    """A region of the file, 0-based like yaml's marks."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class SourceMap:
    """Where each data path of one file came from: the value's span and, for mapping entries, the key's."""

    file: str
    lines: list[str]
    values: dict[DataPath, Span] = field(default_factory=dict)
    keys: dict[DataPath, Span] = field(default_factory=dict)

    def span(self, path: DataPath, *, key: bool = False) -> Span | None:
        """The span of `path` (its key with `key=True`), else of its nearest ancestor that has one."""
        for cut in range(len(path), -1, -1):
            prefix = path[:cut]
            if key and cut == len(path) and prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return None

    def problem(self, path: DataPath, message: str, *, key: bool = False) -> RecipeProblem:
        return self.problem_at(self.span(path, key=key), message)

    def problem_at(self, span: Span | None, message: str) -> RecipeProblem:
        if span is None or not self.lines:
            return RecipeProblem(self.file, None, None, message)
        line = min(span.line, len(self.lines) - 1)
        end = span.end_column + 1 if span.end_line == span.line else None
        return RecipeProblem(self.file, line + 1, span.column + 1, message, (self.lines[line],), end)


def span_of_mark(mark: Any, length: int = 1) -> Span:
    return Span(mark.line, mark.column, mark.line, mark.column + length)


def _node_span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line, start.column, end.line, end.column)


def parse_yaml(text: str, file: str) -> tuple[Any, SourceMap]:
    """The document's data and source map; raises RecipeError for anything unparseable or not JSON-like."""
    # split("\n"), not splitlines(): an error at the very end of the file points at the (empty) last line.
    source = SourceMap(file, [line.rstrip("\r") for line in text.split("\n")])
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, source
        builder = _Builder(loader, source)
        data = builder.build(node, (), 0)
    except yaml.MarkedYAMLError as exc:
        raise RecipeError([_yaml_problem(exc, source)]) from None
    except yaml.reader.ReaderError as exc:
        raise RecipeError([_reader_problem(exc, text, source)]) from None
    except yaml.YAMLError as exc:
        raise RecipeError([RecipeProblem(file, None, None, f"YAML error: {exc}")]) from None
    except RecursionError:
        raise RecipeError([RecipeProblem(file, None, None, "YAML nested too deeply to read")]) from None
    except _TooBig as exc:
        raise RecipeError([*builder.problems, exc.problem]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if builder.problems:
        raise RecipeError(builder.problems)
    return data, source


def _yaml_problem(exc: yaml.MarkedYAMLError, source: SourceMap) -> RecipeProblem:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
    message = f"YAML syntax error: {what}"
    if exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line != mark.line:
        message += f" (the construct began at line {exc.context_mark.line + 1})"
    if mark is None:
        return RecipeProblem(source.file, None, None, message)
    return source.problem_at(span_of_mark(mark), message)


def _reader_problem(exc: yaml.reader.ReaderError, text: str, source: SourceMap) -> RecipeProblem:
    # ReaderError has a character offset, not a mark: find its line and column ourselves.
    position = max(0, min(exc.position, len(text)))
    line = text.count("\n", 0, position)
    column = position - (text.rfind("\n", 0, position) + 1)
    message = f"the file contains a character YAML does not allow: {exc.character!r} ({exc.reason})"
    return source.problem_at(Span(line, column, line, column + 1), message)


class _TooBig(Exception):
    def __init__(self, problem: RecipeProblem) -> None:
        self.problem = problem


class _Builder:
    """Builds data from nodes, filling the source map and collecting problems (instead of stopping at the first)."""

    def __init__(self, loader: yaml.SafeLoader, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.problems: list[RecipeProblem] = []
        self.visited = 0
        self.active: set[int] = set()  # nodes on the current path: seeing one again means a recursive alias

    def build(self, node: Node, path: DataPath, depth: int) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            raise _TooBig(self.source.problem_at(_node_span(node), f"the document expands to more than {MAX_NODES} "
                                                 "values (aliases referring to aliases?)"))
        if depth > MAX_DEPTH:
            raise _TooBig(self.source.problem_at(_node_span(node), f"values nested more than {MAX_DEPTH} deep"))
        if id(node) in self.active:
            self._problem(node, "a recursive YAML alias (a value that contains itself) cannot be sent as JSON")
            return None
        self.source.values[path] = _node_span(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path, depth)
            if isinstance(node, MappingNode):
                return self._mapping(node, path, depth)
        finally:
            self.active.discard(id(node))
        return None

    def _problem(self, node: Node, message: str) -> None:
        self.problems.append(self.source.problem_at(_node_span(node), message))

    def _scalar(self, node: ScalarNode) -> Any:
        value = self.loader.construct_object(node)
        if isinstance(value, float) and not math.isfinite(value):
            self._problem(node, f"{node.value!r} is not a finite number; JSON has no NaN or infinity")
            return None
        if not isinstance(value, _JSON_SCALARS):
            kind = type(value).__name__
            self._problem(node, f"{node.value!r} reads as a YAML {kind}, which JSON cannot carry; quote it "
                                "to make it a string")
            return None
        return value

    def _sequence(self, node: SequenceNode, path: DataPath, depth: int) -> list[Any]:
        if node.tag != _SEQ_TAG:
            self._problem(node, f"unsupported YAML tag {node.tag!r} (only plain lists are allowed)")
        return [self.build(child, (*path, index), depth + 1) for index, child in enumerate(node.value)]

    def _mapping(self, node: MappingNode, path: DataPath, depth: int) -> dict[str, Any]:
        if node.tag != _MAP_TAG:
            self._problem(node, f"unsupported YAML tag {node.tag!r} (only plain mappings are allowed)")
        self._check_duplicates(node)
        self.loader.flatten_mapping(node)  # applies `<<` merge keys; merged pairs come first, so explicit ones win
        data: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            if key is None:
                continue
            self.source.keys[(*path, key)] = _node_span(key_node)
            data[key] = self.build(value_node, (*path, key), depth + 1)
        return data

    def _key(self, key_node: Node) -> str | None:
        if not isinstance(key_node, ScalarNode):
            self._problem(key_node, "a mapping key must be a plain string, not a list or mapping")
            return None
        key = self.loader.construct_object(key_node)
        if not isinstance(key, str):
            self._problem(key_node, f"the key {key_node.value!r} reads as a YAML {type(key).__name__}; keys must "
                                    f"be strings (quote it: '{key_node.value}')")
            return None
        return key

    def _check_duplicates(self, node: MappingNode) -> None:
        seen: dict[Any, Node] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            first = seen.setdefault((key_node.tag, key_node.value), key_node)
            if first is not key_node:
                self._problem(key_node, f"duplicate key {key_node.value!r} (first at line "
                                        f"{first.start_mark.line + 1}); YAML would silently keep only the last")
