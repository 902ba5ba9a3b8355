"""The REPL's `:trace` and `:replay N`, in-process against the reference CPI's code (tests/repl/conftest.py)."""

from __future__ import annotations

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from cpictl.repl.completer import ReplCompleter
from cpictl.repl.terminal import Terminal
from cpictl.traces.trace_file import session_trace


def _entries(repl) -> list[dict]:
    return [line.entry for line in session_trace(repl.ctx.state.store.path)]


def test_trace_lists_the_last_calls_of_the_session(repl) -> None:
    repl.run("create_disk 1024 {}")
    repl.run("delete_vm vm-nope")
    out = repl.run(":trace")
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["n", "time", "target", "method", "outcome"]
    assert any("create_disk" in line and "+disk disk-" in line for line in lines)
    assert any("delete_vm" in line and "✖ VMNotFound" in line for line in lines)
    header, last, hint = repl.run(":trace 1").splitlines()  # the header and the last call, then how to go on
    assert "delete_vm" in last and hint.startswith(":replay N")
    assert "`cpictl trace show N --session test`" in hint


def test_trace_on_a_new_session_and_bad_words(repl) -> None:
    assert "no calls yet in this session's trace" in repl.run(":trace")
    assert "usage: :trace [K]" in repl.run(":trace two")
    assert repl.ctx.line_code == 2


def test_replay_of_an_equal_answer_and_of_one_that_differs(repl, monkeypatch) -> None:
    repl.run("create_disk 1024 {}")
    number = _entries(repl)[-1]["n"]
    out = repl.run(f":replay {number}")
    assert "✔ the same" in out and repl.ctx.line_code == 0
    assert _entries(repl)[-1]["n"] == number + 1  # the replay is in the trace
    assert repl.ctx.state.last is not None and repl.ctx.state.last.method == "create_disk"  # and it is :last
    assert len(repl.live("disk")) == 2
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "create_disk=error:CloudError")
    out = repl.run(f":replay {number}")
    assert "≠ they differ in outcome, result, error" in out
    assert repl.ctx.line_code == 1  # a piped script ends 1, as `cpictl trace replay` exits


def test_replay_asks_for_masked_values_and_sends_them(repl) -> None:
    repl.run("create_disk 1024 {password: pw-4242}")
    number = _entries(repl)[-1]["n"]
    repl.term.answers = ["pw-typed"]
    out = repl.run(f":replay {number}")
    assert repl.term.asked == ["arguments[1].password of create_disk (masked in the trace; Enter alone stops): "]
    assert "✔ the same" in out
    sent = repl.ctx.state.last.outcome.request.arguments[1]
    assert sent == {"password": "pw-typed"}


def test_replay_piped_refuses_masked_calls_and_says_how(repl) -> None:
    repl.run("create_disk 1024 {password: pw-4242}")
    number = _entries(repl)[-1]["n"]
    plain = Terminal(repl.term.console)
    repl.ctx.term = plain
    before = len(_entries(repl))
    out = repl.run(f":replay {number}")
    assert "arguments[1].password" in out and f"cpictl trace replay {number} --var" in out
    assert repl.ctx.line_code == 2 and len(_entries(repl)) == before  # nothing was sent


def test_replay_of_a_missing_number(repl) -> None:
    assert "holds no calls yet" in repl.run(":replay 5")
    assert "usage: :replay N" in repl.run(":replay")


def test_replay_completes_the_traces_last_calls(repl) -> None:
    repl.run("create_disk 1024 {}")
    repl.run("delete_vm vm-nope")
    completer = ReplCompleter(repl.ctx.state, repl.ctx.registry)
    text = ":replay "
    found = list(completer.get_completions(Document(text, len(text)), CompleteEvent(completion_requested=True)))
    numbers = [completion.text for completion in found]
    assert numbers == [str(entry["n"]) for entry in reversed(_entries(repl))]  # newest first
    assert "delete_vm" in found[0].display_meta_text and "VMNotFound" in found[0].display_meta_text


def test_help_explains_both(repl) -> None:
    assert ":replay N" in repl.run(":help") and ":trace [K]" in repl.run(":help")
    assert "never on the line" in repl.run(":help replay")


def test_in_a_terminal_the_masked_value_is_typed_without_echo(tmp_path) -> None:
    from tests.repl.test_pty import PROMPT, call, leave, spawn, styled

    child = spawn(tmp_path)
    call(child, "create_disk 1024 {password: first-pw-77}", styled("created", "disk"))
    from tests.traces.trace_helpers import last_number

    number = last_number(tmp_path / "home")
    child.sendline(f":replay {number}")
    child.expect(r"arguments\[1\]\.password of create_disk")
    child.sendline("typed-secret-55")
    child.expect(styled("the", "same"))
    child.expect(PROMPT)
    assert "typed-secret-55" not in child.before
    leave(child)
    history = (tmp_path / "home" / "state" / "cpictl" / "repl_history").read_text()
    assert f":replay {number}" in history and "typed-secret-55" not in history  # the line, never the secret
