"""REPL test helpers: a scripted terminal over a plain console, and a REPL context driven in-process.

`repl` runs lines through the real dispatcher (`handle_line`) against the reference CPI's own code called
in-process (the same request and response bytes, no subprocess), so dozens of calls stay fast; the
pseudo-terminal tests in test_pty.py run the real thing end to end.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cpictl.repl import handle_line, make_context
from cpictl.repl.context import ReplContext
from cpictl.repl.editor import Edited
from cpictl.repl.terminal import Terminal
from cpictl.session import REFERENCE_CPI_LABEL, Target, reference_cpi_argv
from cpictl.store import CloudIdStore
from cpictl.transport import CpiCommand, RunResult, run_in_process

ROOT = Path(__file__).resolve().parents[2]
STEMCELL_IMAGE = ROOT / "recipes" / "assets" / "image.tgz"
CTRL_C = object()  # an answer that presses Ctrl-C


class ScriptedTerminal(Terminal):
    """Answers questions from a script; everything printed lands in `output`."""

    can_ask = True

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        console = Console(file=self.buffer, width=140, color_system=None, highlight=False, markup=False,
                          force_terminal=False)
        super().__init__(console, console)
        self.answers: list[Any] = []
        self.asked: list[str] = []
        self.kept: list[str] = []  # the text each question started with (a rejected answer, handed back)
        self.continues: list[Any] = []  # each question's continuation test (None: Enter always answers)
        self.confirm_answer = True
        self.confirmed: list[str] = []
        self.editor: Callable[[str], str | None] | None = None
        self.editor_saves = True  # False: the user quits the editor without saving
        self.edited: list[str] = []

    def ask(self, message: str, *, completer: Any = None, default: str = "", continues: Any = None) -> str:
        self.asked.append(message)
        self.kept.append(default)
        self.continues.append(continues)
        answer = self.answers.pop(0)
        if answer is CTRL_C:
            raise KeyboardInterrupt
        return str(answer)

    def confirm(self, question: str) -> bool:
        self.confirmed.append(question)
        return self.confirm_answer

    def edit(self, text: str) -> Edited | None:
        self.edited.append(text)
        assert self.editor is not None, "the test did not expect an editor"
        left = self.editor(text)
        if left is None:
            return None
        assert self.editor_saves or left == text, "an editor that changed the text saved it"
        return Edited(left, saved=self.editor_saves)

    def take_output(self) -> str:
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def editors(*steps: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """An editor that acts as `steps[0]` the first time it opens, `steps[1]` the second … and fails the test if
    opened more often."""
    left = list(steps)

    def edit(text: str) -> str | None:
        assert left, "the editor was opened more often than the test expected"
        return left.pop(0)(text)

    return edit


@dataclass
class Repl:
    ctx: ReplContext
    term: ScriptedTerminal

    def run(self, line: str) -> str:
        """Run one line; what it printed."""
        handle_line(self.ctx, line)
        return self.term.take_output()

    def live(self, kind: str) -> list[str]:
        return [record.cid for record in self.ctx.state.store.replay().live(kind)]


def reference_target(**changes: Any) -> Target:
    return Target(argv=reference_cpi_argv(), label=REFERENCE_CPI_LABEL, director_uuid="d-repl-test", **changes)


def _inprocess_run_cpi(command: CpiCommand, stdin: bytes, on_stderr_line: Callable[[str], None] | None = None,
                       outputs: object = None) -> RunResult:
    from cpictl.refcpi.service import handle_request

    def handler(raw: bytes) -> tuple[bytes, bytes, int]:
        stderr = io.StringIO()
        reply = handle_request(raw, command.env if command.env is not None else os.environ, None, stderr)
        assert reply.fault is None, "process faults need a real subprocess (see test_pty.py)"
        return reply.stdout_bytes(), stderr.getvalue().encode(), reply.exit_code

    return run_in_process(handler, stdin, on_stderr_line, command)


@pytest.fixture
def inprocess_refcpi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cpictl.session.run_cpi", _inprocess_run_cpi)


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "session.jsonl"


@pytest.fixture
def repl(journal: Path, inprocess_refcpi: None) -> Iterator[Repl]:
    term = ScriptedTerminal()
    ctx = make_context(reference_target(), CloudIdStore(journal), session_label="test", terminal=term)
    yield Repl(ctx, term)


def cid_created(output: str, kind: str) -> str:
    """The cloud ID a call's output says it created."""
    marker = f"+ created {kind} "
    line = next(line for line in output.splitlines() if marker in line)
    return line.split(marker, 1)[1].split()[0]
