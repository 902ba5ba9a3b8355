"""Live cloud IDs are never left unmentioned: leaving names every live ID of the session, the banner counts them,
and Ctrl-C after the CPI answered says which IDs its answer kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpictl.repl import make_context
from cpictl.repl.live_summary import NAMED_PER_KIND
from cpictl.repl.loop import banner, run_piped
from cpictl.repl.terminal import Terminal
from cpictl.store import CloudIdStore
from cpictl.transport import CpiInterrupted, RunResult
from tests.repl.conftest import STEMCELL_IMAGE, Repl, cid_created, reference_target

CREATE_VM = "create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}\n"


def piped(repl: Repl, *lines: str) -> str:
    repl.ctx.term = Terminal(repl.term.console)
    run_piped(repl.ctx, list(lines))
    return repl.term.take_output()


def test_leaving_names_every_live_id_by_kind_and_how_to_delete_them(repl: Repl) -> None:
    output = piped(repl, f"create_stemcell {STEMCELL_IMAGE} {{}}\n", CREATE_VM, CREATE_VM)
    stemcell = cid_created(output, "stemcell")
    vms = repl.live("vm")  # newest first
    lines = output.splitlines()
    at = lines.index("left live in session test — `cpictl cleanup --session test` deletes them:")
    assert lines[at + 1:] == [f"  stemcell  {stemcell}", f"  vm        {vms[0]}", f"            {vms[1]}"]


def test_leaving_names_the_ids_an_earlier_repl_or_call_left_too(repl: Repl) -> None:
    stemcell = cid_created(piped(repl, f"create_stemcell {STEMCELL_IMAGE} {{}}\n"), "stemcell")
    output = piped(repl, "info\n", "create_disk 1 {}\n", "delete_disk ${disk}\n", ":quit\n")
    assert f"  stemcell  {stemcell}" in output.splitlines()  # this REPL created nothing that is still live


def test_leaving_says_nothing_when_nothing_is_live(repl: Repl) -> None:
    output = piped(repl, "create_disk 1 {}\n", "delete_disk ${disk}\n")
    assert "left live" not in output


def test_a_kind_with_many_ids_is_named_up_to_a_limit(repl: Repl) -> None:
    output = piped(repl, *["create_disk 1 {}\n"] * (NAMED_PER_KIND + 2))
    lines = output.splitlines()
    at = next(number for number, line in enumerate(lines) if line.startswith("  disk"))
    named = lines[at:at + NAMED_PER_KIND]
    assert [line.split()[-1] for line in named] == repl.live("disk")[:NAMED_PER_KIND]  # the newest, in order
    assert lines[at + NAMED_PER_KIND] == "            … and 2 more (`cpictl ids --session test` lists them)"


def test_a_journal_chosen_by_file_is_cleaned_up_by_file(tmp_path: Path, inprocess_refcpi: None) -> None:
    journal = tmp_path / "my state.jsonl"
    term = Terminal()
    ctx = make_context(reference_target(), CloudIdStore(journal), session_label=str(journal), terminal=term)
    with term.err.capture() as captured:
        run_piped(ctx, ["create_disk 1 {}\n"])
    assert f"`cpictl cleanup --state '{journal}'`" in captured.get()


def test_the_banner_of_a_restart_mentions_the_sessions_live_ids(repl: Repl) -> None:
    assert "live in session" not in banner(repl.ctx).plain
    piped(repl, f"create_stemcell {STEMCELL_IMAGE} {{}}\n", CREATE_VM, "create_disk 1 {}\n")
    lines = banner(repl.ctx).plain.splitlines()
    assert "live in session test: 1 stemcell, 1 vm, 1 disk — :ids lists them, :cleanup deletes them" in lines


def answered_then_interrupted(response: object, stdout: bytes | None = None):
    """A transport that reads the request, gets the CPI's answer, and then Ctrl-C (the CPI had not exited)."""
    body = json.dumps(response).encode() if stdout is None else stdout

    def run(command: object, stdin: bytes, on_stderr_line: object = None, outputs: object = None) -> RunResult:
        raise CpiInterrupted(RunResult(stdout=body, stdout_truncated=False, stderr_tail=b"", stderr_bytes=0,
                                       exit_code=None, signal=15, duration_s=0.1, timed_out=False,
                                       lingering_pipes=False, pid=1, stdout_bytes=len(body)))
    return run


def test_ctrl_c_after_the_cpi_answered_says_which_ids_were_kept(repl: Repl,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cpictl.session.run_cpi", answered_then_interrupted(
        {"result": ["vm-leaked-1", {}], "error": None, "log": ""}))
    output = repl.run("create_vm agent-1 sc-1 {} {default: {type: dynamic}}")
    assert "interrupted after the CPI had answered (it had not exited); its process group was killed" in output
    assert "+ created vm vm-leaked-1 (kept in the journal)" in output
    assert repl.live("vm") == ["vm-leaked-1"]


def test_ctrl_c_after_a_delete_or_attach_was_answered_says_what_the_journal_recorded(
        repl: Repl, monkeypatch: pytest.MonkeyPatch) -> None:
    repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}")
    vm = cid_created(repl.run(CREATE_VM.strip()), "vm")
    disk = cid_created(repl.run("create_disk 1 {}"), "disk")
    monkeypatch.setattr("cpictl.session.run_cpi", answered_then_interrupted(
        {"result": "/dev/sdb", "error": None, "log": ""}))
    assert f"⇄ attached disk {disk} to vm {vm} (recorded in the journal)" in repl.run("attach_disk ${vm} ${disk}")
    monkeypatch.setattr("cpictl.session.run_cpi", answered_then_interrupted(
        {"result": None, "error": None, "log": ""}))
    assert f"- deleted vm {vm} (recorded in the journal)" in repl.run("delete_vm ${vm}")
    assert repl.live("vm") == []


def test_ctrl_c_before_the_cpi_answered_says_only_that(repl: Repl, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("cpictl.session.run_cpi", answered_then_interrupted(None, stdout=b""))
    output = repl.run("create_vm agent-1 sc-1 {} {default: {type: dynamic}}")
    assert "interrupted; the CPI's process group was killed" in output
    assert "created" not in output and repl.live("vm") == []
