"""REPL input is bounded like every argument: one input (a line and its continuations) holds at most
MAX_LINE_CHARS characters — at the prompt, at a parameter prompt and in a piped script, whose lines are never read
whole beyond that — values obey the parser's limits, and splitting stays linear however long the input."""

from __future__ import annotations

import resource
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cpictl.input_limits import MAX_DEPTH, MAX_LINE_CHARS
from cpictl.repl import lines as lines_module
from cpictl.repl.lines import Gathering, needs_more, split_words
from tests.conftest import cpictl_bin
from tests.repl.conftest import Repl
from tests.repl.test_piped_script import piped

TIMEOUT = 120.0


def gathered_by_rescanning(script: list[str]) -> list[bool]:
    """What the piped loop did before `Gathering`: rescan everything gathered for each new line."""
    more, pending = [], ""
    for line in script:
        pending = pending + line if pending else line
        more.append(needs_more(pending.rstrip("\n")))
        pending = pending if more[-1] else ""
    return more


def gathered(script: list[str]) -> list[bool]:
    more, gathering = [], Gathering()
    for line in script:
        more.append(gathering.add(line))
        gathering = gathering if more[-1] else Gathering()
    return more


LINE = st.one_of(st.text(alphabet="ab :=[]{}'\"\\#,", max_size=8).map(lambda text: text + "\n"),
                 st.sampled_from(["\n", ":help\n", "a \\\n", "x [\n", "]\n", "'\n", "a"]))


@settings(max_examples=3000, deadline=None)
@given(script=st.lists(LINE, max_size=8))
def test_gathering_continues_exactly_where_needs_more_would(script):
    assert gathered(script) == gathered_by_rescanning(script)


def test_piped_continuation_lines_are_scanned_once_each(monkeypatch, repl: Repl):
    """20,000 continuation lines: rescanning all gathered text for each line would scan ~4 billion characters."""
    scanned = 0
    advance = lines_module._Scanner.advance

    def counting(self, **kwargs):
        nonlocal scanned
        scanned += len(self.text)
        return advance(self, **kwargs)

    monkeypatch.setattr(lines_module._Scanner, "advance", counting)
    script = ["create_disk 1 {\n", *[f"  k{i}: v,\n" for i in range(20_000)], "}\n"]
    code, output = piped(repl, *script)
    total = sum(len(line) for line in script)
    assert scanned < 3 * total  # once while gathering, once to split the finished input
    assert code == 0 and len(repl.live("disk")) == 1, output


def test_a_long_plain_word_splits_in_linear_time():
    word = "x" * 300_000  # joining the word on every character took ~45 GB of copying
    started = time.monotonic()
    assert split_words(f"create_disk 1 {word}") == ["create_disk", "1", word]
    assert time.monotonic() - started < 10  # linear: a fraction of a second; quadratic: minutes


def test_an_input_beyond_the_limit_is_refused_at_the_prompt(repl: Repl):
    output = repl.run("create_disk 1 " + "x" * MAX_LINE_CHARS)
    assert "more than the 1,048,576 one input may hold" in output and "@FILE" in output
    assert repl.ctx.line_code == 2 and repl.live("disk") == []


def test_an_answer_beyond_the_limit_is_refused_at_a_parameter_prompt(repl: Repl):
    repl.term.answers = ["1", "{a: " + "x" * MAX_LINE_CHARS + "}", "{}", ""]
    output = repl.run("create_disk")
    assert "one input may hold" in output
    assert repl.ctx.state.last.outcome.request.arguments == [1, {}, None]  # asked again, then it ran


@pytest.mark.parametrize(("value", "message"), [
    ("[" * 5000 + "]" * 5000, f"nested more than {MAX_DEPTH} deep"),
    ("{a: &a [x, x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a], "
     "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b], d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c], "
     "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d], f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]}",
     "expands to more than"),
])
def test_values_typed_in_the_repl_obey_the_parser_limits(repl: Repl, value, message):
    output = repl.run(f"create_disk 1 {value}")
    assert message in output and "internal error" not in output
    assert repl.ctx.line_code == 2 and repl.live("disk") == []
    assert "api_version" in repl.run("info")  # the REPL carries on


def test_a_piped_input_beyond_the_limit_stops_the_script(repl: Repl):
    script = ["info\n", "create_disk 1 {\n", *["  a: " + "x" * 100_000 + "\n"] * 11, "}\n", "create_disk 2 {}\n"]
    code, output = piped(repl, *script)
    assert code == 2
    assert "line 2: the input is longer than 1,048,576 characters, so the rest of the script was not run" in output
    assert repl.live("disk") == []  # neither the huge one nor the one after it


def test_a_piped_line_without_end_is_not_read_whole(tmp_path: Path):
    """A real `cpictl repl` fed 64 MiB without a newline, in 256 MiB of address space: refused at the limit.
    Read whole (and split into a list of characters, as before) the line would need several times that."""
    with (tmp_path / "endless").open("wb") as endless:
        endless.write(b"create_disk 1 " + b"x" * (64 * 1024 * 1024) + b"\ninfo\n")
    limit = 256 * 1024 * 1024

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    with (tmp_path / "endless").open("rb") as stdin:
        proc = subprocess.run([cpictl_bin(), "repl"], stdin=stdin, capture_output=True, cwd=tmp_path,
                              preexec_fn=cap, timeout=TIMEOUT)
    assert proc.returncode == 2, proc.stderr
    assert b"line 1: the input is longer than 1,048,576 characters" in proc.stderr
    assert b"Traceback" not in proc.stderr and b"MemoryError" not in proc.stderr
