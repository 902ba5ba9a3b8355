"""A script piped into the REPL: a failed `:cpi`, `:set` or `:context` stops it; other problems carry on but end in
the exit code `cpictl call` would give the worst of them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cpictl.repl import make_context
from cpictl.repl.loop import run_piped
from cpictl.repl.terminal import Terminal
from cpictl.session import Target
from cpictl.store import CloudIdStore
from tests.conftest import CPIS, cpictl_bin
from tests.repl.conftest import Repl

NOT_EXECUTABLE = CPIS / "not_executable.sh"
CREATE_VM = "create_vm a sc {} {default: {type: dynamic}}\n"


def piped(repl: Repl, *lines: str) -> tuple[int, str]:
    """Run the lines as a pipe would feed them: the exit code and everything printed."""
    repl.ctx.term = Terminal(repl.term.console)  # a pipe: nobody to ask, nothing confirmed
    code = run_piped(repl.ctx, list(lines))
    return code, repl.term.take_output()


def test_the_qa_repro_stops_at_the_failed_cpi_switch_and_exits_2(tmp_path: Path) -> None:
    script = f":cpi {NOT_EXECUTABLE}\n{CREATE_VM}"
    proc = subprocess.run([cpictl_bin(), "repl", "--session", "bad"], input=script, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    assert "stopped at line 1: :cpi failed" in proc.stderr
    assert "create_vm" not in proc.stdout  # nothing went to the reference CPI behind the script's back


@pytest.mark.parametrize("line", [
    f":cpi {NOT_EXECUTABLE}",
    ":set api_version two",
    ":set timeout 0",
    ":context -no_such_key",
    ":cpii ./my-cpi",  # an unknown command may have been meant to switch the CPI
])
def test_a_failed_command_that_steers_the_calls_stops_the_script(repl: Repl, line: str) -> None:
    code, output = piped(repl, "info\n", f"{line}\n", "info\n", CREATE_VM)
    assert code == 2
    assert f"stopped at line 2: {line.split()[0]} failed" in output
    assert [entry.method for entry in repl.ctx.state.history] == ["info"]  # nothing after it ran


def test_the_line_named_is_where_the_failed_command_starts(repl: Repl) -> None:
    code, output = piped(repl, "info\n", ":context tags={team:\n", "  bosh} -nope\n", "info\n")
    assert code == 2 and "stopped at line 2: :context failed" in output
    code, output = piped(repl, "info\n", "create_disk 1 {a: [1,\n", f":cpi {NOT_EXECUTABLE}\n", "info\n")
    assert code == 2 and "stopped at line 3: :cpi failed" in output  # the :cpi line ended the continuation


def test_a_steering_command_that_works_does_not_stop_the_script(repl: Repl, echo_cpi: Path) -> None:
    code, output = piped(repl, ":set api_version 1\n", ":context region=eu\n", f":cpi {echo_cpi}\n", ":cpi\n",
                         "info\n")
    assert code == 0 and "stopped" not in output
    assert [entry.method for entry in repl.ctx.state.history] == ["info"]


def test_other_problems_carry_on_and_the_worst_exit_code_wins(repl: Repl) -> None:
    code, output = piped(repl, "has_vm vm-1\n", CREATE_VM, "info\n")  # the CPI answers create_vm with an error
    assert code == 1 and "Stemcell 'sc' not found" in output
    assert [entry.method for entry in repl.ctx.state.history] == ["has_vm", "create_vm", "info"]
    code, _ = piped(repl, CREATE_VM, "create_disk size=big\n", CREATE_VM, "info\n")  # an input error beats it
    assert code == 2 and repl.ctx.state.history[-1].method == "info"
    assert piped(repl, "info\n", ":ids\n")[0] == 0  # a script that went well


def test_a_misbehaving_cpi_beats_everything(tmp_path: Path) -> None:
    store = CloudIdStore(tmp_path / "s.jsonl")
    target = Target(argv=[str(CPIS / "garbage.sh")], director_uuid="d-test")
    term = Terminal()
    ctx = make_context(target, store, terminal=term)
    assert run_piped(ctx, ["info\n", "has_vm ${vm}\n"]) == 3  # garbage, then an undefined reference (2)
    assert run_piped(ctx, ["info\n", ":set timeout 0\n", "info\n"]) == 3  # a stop is 2 at least; the worst wins


def test_quit_ends_a_script_with_the_code_so_far(repl: Repl) -> None:
    code, _ = piped(repl, CREATE_VM, ":quit\n", "create_disk size=big\n")
    assert code == 1  # the CPI error before :quit; the bad line after it never ran


def test_a_recipe_run_counts_by_its_outcome_not_its_steps(repl: Repl, tmp_path: Path) -> None:
    expects_error = tmp_path / "expects_error.yml"
    expects_error.write_text("name: e\nsteps:\n  - call: delete_vm\n    args: [vm-nope]\n"
                             "    expect: {error: VMNotFound}\n")
    assert piped(repl, f":run {expects_error}\n")[0] == 0  # the error it expected is no problem
    fails = tmp_path / "fails.yml"
    fails.write_text("name: f\nsteps:\n  - call: has_vm\n    args: [vm-nope]\n    expect: {result: [{equals: true}]}\n")
    assert piped(repl, f":run {fails}\n")[0] == 1
    assert piped(repl, f":run {tmp_path / 'missing.yml'}\n")[0] == 2


def test_the_help_says_how_a_piped_script_ends(repl: Repl) -> None:
    text = repl.run(":help")
    assert "stops the script" in text and ":cpi" in text and "3 the CPI misbehaved" in text


def test_a_cleanup_the_cpi_refuses_makes_the_script_fail(repl: Repl, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _ = piped(repl, "create_disk 1 {}\n")
    assert code == 0
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "delete_disk=error:CloudError")
    repl.ctx.term, repl.term.confirm_answer = repl.term, True
    assert run_piped(repl.ctx, [":cleanup\n"]) == 1  # a terminal that confirms; the CPI answered with an error
    assert "failed" in repl.term.take_output() and repl.live("disk")


def test_a_piped_script_echoes_each_input_before_what_it_produced(tmp_path: Path) -> None:
    script = "info\n\ncreate_disk 1 {a:\n  1}\ncreate_disk 2 {password: hunter2}\n:ids\n"
    proc = subprocess.run([cpictl_bin(), "repl"], input=script, capture_output=True, text=True, timeout=120,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    echoed = [number for number, line in enumerate(lines) if line.startswith("cpictl> ")]
    assert [lines[number] for number in echoed] == [
        "cpictl> info", "cpictl> create_disk 1 {a:", "cpictl> create_disk 2 {password: <redacted>}",
        "cpictl> :ids"]  # a blank line is no input; a secret is masked as in the history file
    assert lines[echoed[1] + 1] == "...       1}"  # a continuation line, as the prompt showed it
    first, second, third, ids = echoed
    assert "info" in lines[first + 1] and any("✔ ok" in line for line in lines[first:second])
    assert any("+ created disk" in line for line in lines[second:third])  # each call's output after its echo
    assert any("+ created disk" in line for line in lines[third:ids])
    assert "live cloud IDs" in "\n".join(lines[ids:]) and "hunter2" not in proc.stdout + proc.stderr
