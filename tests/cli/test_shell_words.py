"""What the shell does to a command line before cpictl sees it: a `${ref}` in double quotes expanded to nothing,
and a value that starts with '-' read as an option. The errors name the problem; the hints say what happened and
what to type instead — and only where that is what probably happened."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from cpictl.cli.main import main
from tests.conftest import cpictl_bin

SINGLE_QUOTES = "write it in single quotes, '${stemcell}'"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_a_reference_in_double_quotes_is_explained_as_the_shell_expanding_it(run_env):
    # the user's own line, through a real shell: "${stemcell}" is the shell's variable, unset, so an empty word
    line = f"""{cpictl_bin()} call create_vm agent-1 "${{stemcell}}" '{{}}' '{{default: {{type: dynamic}}}}'"""
    done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=run_env, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == "error: create_vm: parameter 'stemcell_cid': empty stemcell cloud ID"
    assert lines[1].startswith("hint: an empty word on the command line: if it was \"${stemcell}\" in double quotes")
    assert SINGLE_QUOTES in lines[1]


@pytest.mark.parametrize(("argv", "reference"), [
    (["delete_vm", ""], "${vm}"),
    (["delete_vm", "vm_cid="], "${vm}"),  # vm_cid="${vm}" by name
    (["attach_disk", "vm-1", ""], "${disk}"),
])
def test_every_empty_cloud_id_word_names_its_own_kind(capsys, argv, reference):
    code, err = run(capsys, "call", *argv)
    assert code == 2
    assert f"hint: an empty word on the command line: if it was \"{reference}\"" in err
    assert f"single quotes, '{reference}'" in err


@pytest.mark.parametrize("argv", [
    ["call", "create_disk", "", "{}"],  # an empty size is not a cloud ID: no reference could have been lost
    ["call", "delete_vm", "vm_cid=''"],  # an empty YAML string typed on purpose, not an empty word
    ["call", "create_vm", "agent-1", "sc-1", "{}"],  # a missing parameter
])
def test_no_shell_hint_where_no_reference_was_lost(capsys, argv):
    code, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith("error: ")
    assert "hint:" not in err


def test_the_hint_is_also_given_for_metadata_expected(capsys):
    code, err = run(capsys, "metadata", "expected", "agent-1", "", "{}", "{default: {type: dynamic}}")
    assert code == 2
    assert "parameter 'stemcell_cid': empty stemcell cloud ID" in err
    assert SINGLE_QUOTES in err


@pytest.mark.parametrize(("argv", "word", "fixed"), [
    (["call", "create_disk", "-1", "{}"], "-1", "cpictl call create_disk -- -1 '{}'"),
    # click names only "-1" of "-10"; the hint quotes the word the user typed
    (["call", "create_disk", "-10", "{}"], "-10", "cpictl call create_disk -- -10 '{}'"),
    # options after the value would be values after --: they move in front of it
    (["call", "create_disk", "-1", "{}", "-o", "json", "--timeout=5"], "-1",
     "cpictl call create_disk -o json --timeout=5 -- -1 '{}'"),
    (["call", "--timeout", "5", "resize_disk", "disk-1", "-2048"], "-2048",
     "cpictl call --timeout 5 resize_disk disk-1 -- -2048"),
    (["call", "delete_vm", "-vm-1"], "-vm-1", "cpictl call delete_vm -- -vm-1"),
    (["metadata", "expected", "agent-1", "-5", "{}"], "-5", "cpictl metadata expected agent-1 -- -5 '{}'"),
])
def test_a_value_that_starts_with_a_dash_is_told_to_go_after_double_dash(capsys, argv, word, fixed):
    code, err = run(capsys, *argv)
    assert code == 2
    assert "No such option" in err
    assert err.splitlines()[-1] == (f"hint: '{word}' reads as an option; a value that starts with '-' goes after "
                                    f"--: {fixed}")


def test_the_suggested_line_works(capsys):
    code, err = run(capsys, "call", "create_disk", "-1", "{}", "-o", "json")
    suggested = err.splitlines()[-1].split(": cpictl ", 1)[1]
    assert suggested == "call create_disk -o json -- -1 '{}'"
    assert main(shlex.split(suggested)) == 1  # sent: the reference CPI answers with its own error about the size
    sent = json.loads(capsys.readouterr().out)
    assert sent["request"]["arguments"][:2] == [-1, {}]


@pytest.mark.parametrize("argv", [
    ["call", "info", "-x"],  # a mistyped flag, not a value
    ["call", "info", "--timout", "4"],  # click's own "Possible options" says it
    ["methods", "-1"],  # a command that takes no values
])
def test_no_double_dash_hint_for_a_mistyped_option(capsys, argv):
    code, err = run(capsys, *argv)
    assert code == 2
    assert "No such option" in err
    assert "hint:" not in err
