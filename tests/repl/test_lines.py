"""The line splitter: shell words, bracketed YAML values as one word, and when a line continues."""

from __future__ import annotations

import re
import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpictl.repl.lines import is_incomplete, meta_escape, needs_more, open_description, scan, split_words
from cpictl.wordargs import InputError


@pytest.mark.parametrize("line, words", [
    ("create_vm a sc {} {default: {type: dynamic}}", ["create_vm", "a", "sc", "{}", "{default: {type: dynamic}}"]),
    ("x [a, b] {a: [1, {b: 2}]}", ["x", "[a, b]", "{a: [1, {b: 2}]}"]),
    ("x networks={default: {type: dynamic}} y", ["x", "networks={default: {type: dynamic}}", "y"]),
    ("x '{\"a\": 1}' \"b c\" d\\ e", ["x", '{"a": 1}', "b c", "d e"]),
    ('x {a: "} ]"} z', ["x", '{a: "} ]"}', "z"]),  # brackets inside YAML strings do not count
    ("x {msg: it's fine}", ["x", "{msg: it's fine}"]),  # an apostrophe inside a word is not a quote
    ("x ${steps.vm.result[0]} vm-[1]", ["x", "${steps.vm.result[0]}", "vm-[1]"]),  # only a leading bracket opens
    ("  spaced   out  ", ["spaced", "out"]),
    ("x ''", ["x", ""]),
])
def test_words(line: str, words: list[str]) -> None:
    assert split_words(line) == words


@pytest.mark.parametrize("line", ["x {a: 1", "x [a, {b: 1}", "x \\", "x {a: '}'", "x {a: 'open"])
def test_an_open_bracket_or_a_trailing_backslash_continues_on_the_next_line(line: str) -> None:
    assert is_incomplete(line) and needs_more(line)
    with pytest.raises(InputError):
        split_words(line)


@pytest.mark.parametrize("line, message", [
    ("create_disk 1 {a: [1, 2}", "mismatched '}' at column 24: expected ']' to close the '[' at column 19"),
    ("x [a}", "mismatched '}' at column 5: expected ']' to close the '[' at column 3"),
    ("x {a:\n  [1}", "mismatched '}' at line 2, column 5: expected ']' to close the '[' at line 2, column 3"),
    ("x {a: [1, 2} more}", "mismatched '}' at column 12"),  # the first wrong closer is the one named
    ("x 'open", "unterminated ' quote (opened at column 3)"),
    ('x "open', 'unterminated " quote (opened at column 3)'),
    ("x \"a {b: 1}", 'unterminated " quote (opened at column 3)'),
])
def test_a_wrong_closer_or_an_open_quote_is_an_error_at_once_not_a_continuation(line: str, message: str) -> None:
    assert not is_incomplete(line) and not needs_more(line)
    with pytest.raises(InputError, match=re.escape(message)):
        split_words(line)


def test_a_meta_command_line_ends_a_continuation() -> None:
    text = "create_disk 1 {a: [1,\n:help"
    assert is_incomplete(text) and not needs_more(text)
    assert meta_escape(text) == ("create_disk 1 {a: [1,", ":help")
    assert open_description("create_disk 1 {a: [1,") == "'[' from column 19"
    assert meta_escape("x {a: 1}\n:help") is None  # nothing was open: not an escape
    assert meta_escape(":help") is None


def test_continued_lines_join_into_one_word() -> None:
    first = "create_vm a sc {} {default:"
    assert is_incomplete(first)
    joined = first + "\n  {type: dynamic}}"
    assert not is_incomplete(joined)
    assert split_words(joined)[-1] == "{default:\n  {type: dynamic}}"


def test_unbalanced_message_names_what_is_missing() -> None:
    with pytest.raises(InputError, match=r"missing '\}\]'"):
        split_words("x [{a: 1")


def test_scan_reports_the_word_under_the_cursor() -> None:
    assert scan("delete_vm ").partial is None
    half = scan("delete_vm vm-1")
    assert half.words == ["delete_vm"] and half.partial == "vm-1" and half.partial_raw_length == 4
    assert scan("create_vm a b {} {x: ").in_flow


@settings(deadline=None)  # wall-clock deadlines fail on a loaded machine, not on a bug
@given(st.lists(st.text(max_size=12), max_size=6))
def test_anything_a_shell_would_quote_comes_back_unchanged(words: list[str]) -> None:
    assert split_words(shlex.join(words)) == words
