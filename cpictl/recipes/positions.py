"""Parse YAML into plain JSON-ready data while remembering where every key and value came from.

The node tree is composed with `yaml.SafeLoader` and built into data by hand, so each data path (a tuple of keys
and list indexes) maps to its span in the file and any later check can point at file:line:column. The builder
also refuses what cannot become a JSON request or a readable recipe: non-string keys, duplicate keys, timestamps,
binary, sets, NaN/infinity, recursive aliases and alias bombs — each as a problem with a position, never an
exception of another kind.

The limits are `cpictl.input_limits`'s, shared with every argument cpictl parses (`cpictl.wordargs` parses its
YAML here): text of at most MAX_INPUT_BYTES, nesting at most MAX_DEPTH deep and at most MAX_NODES values after
alias expansion. Depth and count are checked while the node tree is composed, so a 100,000-deep `[[[…` or a
document of a million values stops early, with a position, instead of in Python's recursion limit or after
building every node.

Values under keys that name a secret (`redaction.secret_key`) are never quoted: their spans are kept, and the line
a problem quotes is masked (`secret_lines`); messages that would quote such a value show `<redacted>`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from cpictl.input_limits import MAX_DEPTH, MAX_NODES, InputLimitError, check_text_size
from cpictl.pause_points import pause_point
from cpictl.protocol.redaction import MASK, secret_key
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.recipes.secret_lines import MaskedLine, mask_line

DataPath = tuple[str | int, ...]

__all__ = ["LIMIT_PROBLEMS", "MAX_DEPTH", "MAX_NODES", "DataPath", "SourceMap", "Span", "parse_yaml", "span_of_mark"]
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
    #: spans of values under a key that names a secret: masked wherever a problem quotes their lines
    secrets: list[Span] = field(default_factory=list)
    _masked: dict[int, tuple[MaskedLine, str]] = field(default_factory=dict, repr=False, compare=False)

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
        masked, shown = self._shown_line(line)
        if shown == masked.original and len(shown) <= _LONG_LINE:
            return RecipeProblem(self.file, line + 1, span.column + 1, message, (shown,), end)
        start = masked.column(span.column)
        stop = masked.column(end - 1) if end is not None else None
        left, right = 0, len(shown)
        if len(shown) > _LONG_LINE:  # a window around the token, not a megabyte of one line per problem
            left = max(0, start - _WINDOW)
            right = min(len(shown), max(stop or 0, start + 1) + _WINDOW)
        before, after = ("…" if left else ""), ("…" if right < len(shown) else "")
        quoted = before + shown[left:right] + after
        moved = len(before) - left + 1  # to 1-based columns of the quoted window
        caret = (start + moved, stop + moved if stop is not None else None)
        return RecipeProblem(self.file, line + 1, span.column + 1, masked.scrub(message) if masked.ranges else message,
                             (quoted,), end, caret_span=caret)

    def _shown_line(self, line: int) -> tuple[MaskedLine, str]:
        """Line `line` with its secrets masked (see `secret_lines`), worked out once per line."""
        if line not in self._masked:
            length = len(self.lines[line])
            exact = [(span.column if span.line == line else 0, span.end_column if span.end_line == line else length)
                     for span in self.secrets if span.line <= line <= span.end_line]
            masked = mask_line(self.lines, line, exact)
            self._masked[line] = (masked, masked.text)
        return self._masked[line]


_LONG_LINE = 1000
_WINDOW = 300


def span_of_mark(mark: Any, length: int = 1) -> Span:
    return Span(mark.line, mark.column, mark.line, mark.column + length)


def _node_span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    return Span(start.line, start.column, end.line, end.column)


def parse_yaml(text: str, file: str, *, secret: bool = False) -> tuple[Any, SourceMap]:
    """The document's data and source map; raises RecipeError for anything unparseable, not JSON-like or beyond
    the limits. `secret`: the whole document is a secret value (a `--context password=…`), so no message quotes
    any of its values."""
    try:
        check_text_size(text)
    except InputLimitError as error:
        raise RecipeError([RecipeProblem(file, None, None, f"the text is {error}")]) from None
    # split("\n"), not splitlines(): an error at the very end of the file points at the (empty) last line.
    source = SourceMap(file, [line.rstrip("\r") for line in text.split("\n")])
    pause_point("parse")  # start-up and parsing tests signal cpictl here (CPICTL_TEST_PAUSE)
    loader: _BoundedLoader | None = None
    builder: _Builder | None = None
    try:
        loader = _BoundedLoader(text)  # the reader checks the characters here already
        node = loader.get_single_node()
        if node is None:
            return None, source
        builder = _Builder(loader, source)
        if secret:
            source.secrets.append(_node_span(node))
        data = builder.build(node, (), 0, secret)
    except yaml.MarkedYAMLError as exc:
        raise RecipeError([_yaml_problem(exc, source)]) from None
    except yaml.reader.ReaderError as exc:
        raise RecipeError([_reader_problem(exc, text, source)]) from None
    except yaml.YAMLError as exc:
        raise RecipeError([RecipeProblem(file, None, None, f"YAML error: {exc}")]) from None
    except _TooBig as exc:
        earlier = builder.problems if builder is not None else []
        raise RecipeError([*earlier, source.problem_at(exc.span, exc.message)]) from None
    except RecursionError:  # not expected within the limits above: a last guard, never an internal error
        raise RecipeError([RecipeProblem(file, None, None, "YAML nested too deeply to read")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if builder.problems:  # builder is set: every other way out of the try returned or raised
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
    def __init__(self, span: Span, message: str) -> None:
        self.span, self.message = span, message


#: How the problems of a document beyond the limits begin (not a mistake in what it says, but in its size).
LIMIT_PROBLEMS = ("the text is larger than", "the document holds more than", "the document expands to more than",
                  "values nested more than")
_TOO_MANY = f"the document holds more than {MAX_NODES} values"
_EXPANDS_TOO_MUCH = f"the document expands to more than {MAX_NODES} values (aliases referring to aliases?)"
_TOO_DEEP = f"values nested more than {MAX_DEPTH} deep"


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader whose composer stops at the limits. Composing recurses once per level of nesting, so without
    the depth check a deep `[[[[…` ends in RecursionError; without the count, a huge document builds every node
    (hundreds of bytes each) before the builder could refuse it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.composing_depth = 0
        self.composed = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        is_key = parent is not None and index is None  # a mapping key: counted with its value, as the builder does
        self.composing_depth += 1
        self.composed += 0 if is_key else 1
        try:
            if self.composing_depth > MAX_DEPTH + 1 or self.composed > MAX_NODES:
                mark = self.peek_event().start_mark
                raise _TooBig(span_of_mark(mark), _TOO_DEEP if self.composing_depth > MAX_DEPTH + 1 else _TOO_MANY)
            alias = self.check_event(AliasEvent)  # a node composed before (or, recursively, still being composed)
            node: Node = super().compose_node(parent, index)
        finally:
            self.composing_depth -= 1
        if not alias:
            node.start_mark = _Mark(node.start_mark.line, node.start_mark.column)
            node.end_mark = _Mark(node.end_mark.line, node.end_mark.column)
        return node


class _Mark:
    """A node's position, all a source map needs. PyYAML's own marks hold six attributes in a dict each: with
    two per node they were the larger part of a 200,000-value document's memory."""

    __slots__ = ("column", "line")
    name = "<text>"

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column

    def get_snippet(self) -> None:
        return None

    def __str__(self) -> str:
        return f"line {self.line + 1}, column {self.column + 1}"


class _Builder:
    """Builds data from nodes, filling the source map and collecting problems (instead of stopping at the first)."""

    def __init__(self, loader: yaml.SafeLoader, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.problems: list[RecipeProblem] = []
        self.visited = 0
        self.active: set[int] = set()  # nodes on the current path: seeing one again means a recursive alias

    def build(self, node: Node, path: DataPath, depth: int, secret: bool) -> Any:
        """`secret`: the value sits under a key that names a secret (at any depth above)."""
        self.visited += 1
        if self.visited > MAX_NODES:  # the composer counted without aliases: this is their expansion
            raise _TooBig(_node_span(node), _EXPANDS_TOO_MUCH)
        if depth > MAX_DEPTH:
            raise _TooBig(_node_span(node), _TOO_DEEP)
        if id(node) in self.active:
            self._problem(node, "a recursive YAML alias (a value that contains itself) cannot be sent as JSON")
            return None
        self.source.values[path] = _node_span(node)
        if isinstance(node, ScalarNode):
            return self._scalar(node, secret)
        self.active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return self._sequence(node, path, depth, secret)
            if isinstance(node, MappingNode):
                return self._mapping(node, path, depth, secret)
        finally:
            self.active.discard(id(node))
        return None

    def _problem(self, node: Node, message: str) -> None:
        self.problems.append(self.source.problem_at(_node_span(node), message))

    def _scalar(self, node: ScalarNode, secret: bool) -> Any:
        shown = MASK if secret else repr(node.value)
        try:
            value = self.loader.construct_object(node)
        except ValueError as error:  # an integer of more than 4,300 digits (Python's limit), a bad timestamp …
            digits = "Exceeds the limit" in str(error)
            self._problem(node, f"an integer of {len(node.value):,} digits is longer than cpictl reads (4,300)"
                          if digits else f"{shown if len(node.value) < 80 else 'this value'} cannot be read: {error}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self._problem(node, f"{shown} is not a finite number; JSON has no NaN or infinity")
            return None
        if not isinstance(value, _JSON_SCALARS):
            kind = type(value).__name__
            self._problem(node, f"{shown} reads as a YAML {kind}, which JSON cannot carry; quote it "
                                "to make it a string")
            return None
        return value

    def _sequence(self, node: SequenceNode, path: DataPath, depth: int, secret: bool) -> list[Any]:
        if node.tag != _SEQ_TAG:
            self._problem(node, f"unsupported YAML tag {node.tag!r} (only plain lists are allowed)")
        return [self.build(child, (*path, index), depth + 1, secret) for index, child in enumerate(node.value)]

    def _mapping(self, node: MappingNode, path: DataPath, depth: int, secret: bool) -> dict[str, Any]:
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
            names_a_secret = not secret and secret_key(key)
            if names_a_secret:  # the top of a secret value: its span covers everything inside it
                self.source.secrets.append(_node_span(value_node))
            data[key] = self.build(value_node, (*path, key), depth + 1, secret or names_a_secret)
        return data

    def _key(self, key_node: Node) -> str | None:
        if not isinstance(key_node, ScalarNode):
            self._problem(key_node, "a mapping key must be a plain string, not a list or mapping")
            return None
        try:
            key = self.loader.construct_object(key_node)
        except ValueError as error:
            self._problem(key_node, f"this key cannot be read: {error}")
            return None
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
