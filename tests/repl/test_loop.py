"""The loop's pieces that need no terminal: piped input, the history file, the toolbar, Ctrl-C inside a call."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cpictl.repl.live_ids import LiveIdIndex
from cpictl.repl.loop import continuation_prompt, history_path, run_piped
from cpictl.repl.terminal import Terminal
from cpictl.repl.toolbar import make_toolbar, toolbar_fragments
from cpictl.transport import CpiInterrupted, RunResult
from tests.repl.conftest import STEMCELL_IMAGE, Repl, cid_created


def toolbar(repl: Repl) -> str:
    return "".join(text for _, text in toolbar_fragments(repl.ctx.state, LiveIdIndex(repl.ctx.state.store)))


def test_the_toolbar_names_the_target_versions_session_and_live_ids(repl: Repl) -> None:
    assert "bundled reference CPI" in toolbar(repl) and "no live IDs" in toolbar(repl)
    cid_created(repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}"), "stemcell")
    repl.run(":set stemcell_api_version none")
    text = toolbar(repl)
    assert "api_version 2" in text and "stemcell api not sent" in text and "session test" in text
    assert "stemcell 1" in text


def test_the_history_file_is_private(tmp_path: Path) -> None:
    path = history_path()
    assert path.name == "repl_history" and path.parent.name == "cpictl"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    assert stat.S_IMODE(history_path().stat().st_mode) == 0o600  # tightened again


def test_piped_lines_run_in_order_and_continue_open_brackets(repl: Repl) -> None:
    lines = [f"create_stemcell {STEMCELL_IMAGE} {{}}\n", "create_vm agent-1 ${stemcell} {} {default:\n",
             "  {type: dynamic}}\n", "create_disk\n", ":quit\n", "info\n"]
    repl.ctx.term = Terminal(repl.term.console)  # a pipe: nobody to ask
    assert run_piped(repl.ctx, lines) == 2  # `create_disk` alone was refused: an input error, the script went on
    output = repl.term.take_output()
    assert cid_created(output, "vm") == repl.live("vm")[0]
    assert "cannot ask for parameters: not a terminal" in output  # `create_disk` alone needs a terminal
    assert len(repl.ctx.state.history) == 2  # :quit stopped before `info`


def test_a_broken_line_is_reported_at_once_and_a_meta_command_ends_a_continuation(repl: Repl) -> None:
    lines = ["create_disk 1 {a: [1, 2}\n", "info\n", "create_disk 1 {a: [1,\n", ":ids\n", 'has_vm "vm-1\n',
             "info\n"]
    repl.ctx.term = Terminal(repl.term.console)
    assert run_piped(repl.ctx, lines) == 2  # broken lines are input errors; they do not stop the script
    output = repl.term.take_output()
    assert "error: mismatched '}' at column 24: expected ']'" in output
    assert "abandoned the unfinished input ('[' from column 19 was still open); running :ids" in output
    assert "error: unterminated \" quote" in output
    assert [entry.method for entry in repl.ctx.state.history] == ["info", "info"]  # nothing was swallowed


def test_the_continuation_prompt_and_toolbar_say_how_to_get_out(repl: Repl) -> None:
    assert "Ctrl-C cancels" in continuation_prompt(8, 1, 0)
    assert continuation_prompt(8, 2, 0) == "...     "  # once is enough
    ids = LiveIdIndex(repl.ctx.state.store)
    typed = "create_vm a sc {} {default:\n"
    text = "".join(t for _, t in make_toolbar(repl.ctx.state, ids, lambda: typed)())
    assert "'{' from line 1, column 19 is open" in text and "Ctrl-C cancels" in text
    assert "a line starting with : cancels" in text
    text = "".join(t for _, t in make_toolbar(repl.ctx.state, ids, lambda: "info")())
    assert "bundled reference CPI" in text


def _interrupt(command: object, stdin: bytes, on_stderr_line: object = None, outputs: object = None) -> RunResult:
    raise CpiInterrupted(RunResult(stdout=b"", stdout_truncated=False, stderr_tail=b"working on it\n",
                                   stderr_bytes=14, exit_code=None, signal=15, duration_s=0.1, timed_out=False,
                                   lingering_pipes=False, pid=1, stdout_bytes=0))


def test_ctrl_c_in_a_call_is_reported_and_the_partial_stderr_kept(repl: Repl,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cpictl.session.run_cpi", _interrupt)
    assert "interrupted; the CPI's process group was killed" in repl.run("has_vm vm-1")
    assert repl.ctx.state.history == []  # never finished: nothing to save
    assert "working on it" in repl.run(":stderr")
    assert "was interrupted" in repl.run(":last")


def test_ctrl_c_in_a_recipe_runs_its_finally_steps_then_returns(repl: Repl, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = tmp_path / "r.yml"
    recipe.write_text("name: r\nsteps:\n  - call: has_vm\n    args: [vm-1]\nfinally:\n  - call: info\n")
    real = __import__("cpictl.session", fromlist=["run_cpi"]).run_cpi

    def interrupt_has_vm(command: object, stdin: bytes, on_stderr_line: object = None,
                         outputs: object = None) -> RunResult:
        if b'"has_vm"' in stdin:
            return _interrupt(command, stdin)
        return real(command, stdin, on_stderr_line, outputs=outputs)

    monkeypatch.setattr("cpictl.session.run_cpi", interrupt_has_vm)
    output = repl.run(f":run {recipe}")
    assert "interrupted; the CPI's process group was killed" in output
    assert output.index("info") < output.index("interrupted;")  # the finally step ran first
