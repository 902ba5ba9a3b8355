"""What the prompt shows around the input: continuation prefixes, and the sentence above a method's questions."""

from __future__ import annotations

import pytest

from cpictl.protocol.catalogue import METHODS
from cpictl.repl.loop import PROMPT, continuation_prompt
from tests.repl.conftest import CTRL_C, Repl


def test_a_soft_wrapped_row_gets_no_continuation_prefix() -> None:
    width = len(PROMPT)
    assert continuation_prompt(width, 0, 1) == ""  # the first line, wrapped by the terminal: still that line
    assert continuation_prompt(width, 1, 2) == ""
    assert continuation_prompt(width, 1, 0).startswith("... (Ctrl-C cancels)")  # a real new line says so
    assert continuation_prompt(width, 3, 0) == "...".ljust(width)


@pytest.mark.parametrize("method", ["has_vm", "has_disk", "create_disk"])
def test_the_sentence_above_the_questions_ends_once(repl: Repl, method: str) -> None:
    repl.term.answers = [CTRL_C]
    output = repl.run(method)
    summary = METHODS[method].summary
    ending = "" if summary.endswith(("?", ".", "!")) else "."
    assert f"{method}: {summary}{ending} Ctrl-C abandons the call." in output
    assert "?." not in output and ".." not in output
