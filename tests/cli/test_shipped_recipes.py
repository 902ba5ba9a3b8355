"""The recipes that ship with cpictl, by name: `cpictl recipe list|show|copy` and `cpictl run NAME` (issue 15).
What a user notices: every shipped recipe is listed with its own description and tags, in 80 columns; `show`
gives the file's bytes on a pipe and colours on a terminal; a copy runs from anywhere and never overwrites a file
of theirs unasked; a name runs the shipped recipe unless a file of that name is there; a mistyped name is told
with the closest one and `cpictl recipe list`."""

from __future__ import annotations

import json
import re
import stat
import subprocess
from pathlib import Path

import pexpect
import pytest
import yaml

from cpictl.cli.main import main
from cpictl.conformance.groups import GROUP_NAMES
from cpictl.recipes.discovery import find_recipes
from tests.conftest import ROOT, cpictl_bin

EXAMPLES = ROOT / "recipes"
GROUPS = ROOT / "cpictl" / "conformance" / "recipes"


def cpictl(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(word) for word in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def listed(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    code, out, err = cpictl(capsys, "recipe", "list", "-o", "json")
    assert code == 0, err
    return json.loads(out)


def test_list_names_every_example_and_check_group_with_their_own_descriptions_and_tags(capsys):
    rows = listed(capsys)
    names = [row["name"] for row in rows]
    assert len(names) == len(set(names))
    # the examples are what `cpictl run recipes/` runs (common/stemcell.yml is a part, not a recipe)
    examples = [row for row in rows if row["kind"] == "example"]
    assert sorted(Path(row["file"]) for row in examples) == sorted(find_recipes([EXAMPLES]).recipes)
    assert [row["name"] for row in rows if row["kind"] == "check"] == [f"check/{g}" for g in GROUP_NAMES]
    for row in rows:
        document = yaml.safe_load(Path(row["file"]).read_text())
        assert row["tags"] == document.get("tags", [])
        assert row["description"] == " ".join(document["description"].split())
    assert yaml.safe_load(cpictl(capsys, "recipe", "list", "-o", "yaml")[1]) == rows


def test_the_list_table_fits_80_columns_and_says_how_each_kind_runs(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = cpictl(capsys, "recipe", "list", "-o", "table")
    assert code == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    lines = out.splitlines()
    examples, checks = out.split("`cpictl check`'s groups")  # each kind under its heading, examples first
    assert lines[0].startswith("examples: `cpictl run NAME`")
    assert "walkthrough" in examples and "check/" not in examples
    assert any(line.startswith("check/vms ") for line in checks.splitlines())
    assert "[smoke, portable]" in " ".join(out.split())  # walkthrough's tags, after its description
    assert "[check]" not in out  # a check group's own tag goes without saying
    assert "cpictl check --only GROUP" in " ".join(out.split())
    assert len(lines) <= 28


def test_show_pipes_the_recipe_bytes_and_says_what_it_includes_and_needs(run_env):
    proc = subprocess.run([cpictl_bin(), "recipe", "show", "walkthrough"], capture_output=True, timeout=120,
                          env=run_env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (EXAMPLES / "walkthrough.yml").read_bytes()
    note = " ".join(proc.stderr.decode().split())
    assert "includes common/stemcell.yml" in note and "needs assets/image.tgz" in note
    assert "cpictl recipe copy walkthrough DIR" in note


def test_show_highlights_the_recipe_on_a_terminal(run_env):
    env = {**run_env, "TERM": "xterm-256color", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(cpictl_bin(), ["recipe", "show", "check/info"], env=env, encoding="utf-8", timeout=120,
                          dimensions=(50, 120))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert re.search(r"\x1b\[[0-9;]*mname\x1b", child.before)  # the key is coloured on its own
    plain = re.sub(r"\x1b\[[0-9;]*m", "", child.before)
    assert "\nname: info\r\n" in plain
    assert "the `info` group of `cpictl check`" in " ".join(plain.split())


def test_an_unknown_name_is_refused_with_the_closest_and_the_list(capsys):
    for argv in (["recipe", "show", "walktrough"], ["recipe", "copy", "walktrough", "somewhere"]):
        code, out, err = cpictl(capsys, *argv)
        assert code == 2 and out == ""
        assert "no shipped recipe 'walktrough' (did you mean 'walkthrough'?)" in err
        assert "check/vms" in err and "cpictl recipe list" in err
    assert not Path("somewhere").exists()


def test_a_copy_runs_from_another_directory_and_is_private(capsys, tmp_path, monkeypatch):
    target = tmp_path / "mine" / "recipes"
    code, out, err = cpictl(capsys, "recipe", "copy", "walkthrough", target)
    assert code == 0, err
    assert {line.split()[-1] for line in out.splitlines() if line.startswith("wrote")} == {
        str(target / "walkthrough.yml"), str(target / "common" / "stemcell.yml"), str(target / "assets" / "image.tgz")}
    assert f"cpictl run {target / 'walkthrough.yml'}" in out
    for path in target.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert stat.S_IMODE((tmp_path / "mine").stat().st_mode) == 0o700  # a parent it made, too
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = cpictl(capsys, "run", target / "walkthrough.yml", "-q")
    assert code == 0, out + err


def test_a_copy_never_overwrites_other_content_unless_forced(capsys, tmp_path):
    target = tmp_path / "recipes"
    (target / "common").mkdir(parents=True)
    mine = target / "common" / "stemcell.yml"
    mine.write_text("# my own stemcell part\n")
    code, out, err = cpictl(capsys, "recipe", "copy", "lifecycle", target)
    assert code == 2 and out == ""
    assert f"{mine} already exists with other content; nothing was copied (--force replaces them)" in err
    assert sorted(p.name for p in target.rglob("*")) == ["common", "stemcell.yml"]  # not half a copy
    code, out, err = cpictl(capsys, "recipe", "copy", "lifecycle", target, "--force")
    assert code == 0, err
    assert mine.read_bytes() == (EXAMPLES / "common" / "stemcell.yml").read_bytes()
    # a second example shares the part and the image: the same bytes are kept, not refused
    code, out, err = cpictl(capsys, "recipe", "copy", "walkthrough", target)
    assert code == 0, err
    assert f"wrote {target / 'walkthrough.yml'}" in out
    assert f"kept  {mine} (the same already)" in out


def test_a_copy_refuses_a_directory_in_the_way_even_forced_and_a_file_as_the_directory(capsys, tmp_path):
    target = tmp_path / "recipes"
    (target / "walkthrough.yml").mkdir(parents=True)
    code, _, err = cpictl(capsys, "recipe", "copy", "walkthrough", target, "--force")
    assert code == 2 and "walkthrough.yml cannot be written: something that is not a file is in the way" in err
    assert not (target / "common").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x")
    code, _, err = cpictl(capsys, "recipe", "copy", "walkthrough", a_file)
    assert code == 2 and f"{a_file} is not a directory" in err


def test_a_copied_check_group_says_how_it_runs_and_runs(capsys, tmp_path):
    code, out, err = cpictl(capsys, "recipe", "copy", "check/vms", tmp_path)
    assert code == 0, err
    assert {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()} == {
        "vms.yml", "parts/inputs.yml", "parts/stemcell.yml", "parts/vm.yml", "assets/image.tgz"}
    said = " ".join(out.split())
    assert f"`cpictl run {tmp_path / 'vms.yml'}` runs your copy as a plain recipe" in said
    assert "`cpictl check --only vms`" in said
    code, out, err = cpictl(capsys, "run", tmp_path / "vms.yml", "-q")
    assert code == 0, out + err


def test_run_by_name_runs_the_shipped_recipe_unless_a_file_of_that_name_is_here(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cpictl(capsys, "run", "walkthrough", "-q")
    assert code == 0, out + err
    assert "walkthrough: passed" in out
    code, out, err = cpictl(capsys, "ids", "-o", "json")
    assert json.loads(out) == []  # its finally steps cleaned up
    Path("walkthrough").write_text("name: my own\nsteps:\n  - {call: info}\n")
    code, out, err = cpictl(capsys, "run", "walkthrough", "-q")
    assert code == 0, out + err
    assert "my own: passed — 1 passed" in out


def test_run_and_check_by_name_take_check_groups_and_several_names(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = cpictl(capsys, "recipe", "check", "check/vms", "snapshots")
    assert code == 0, err
    assert f"{GROUPS / 'vms.yml'}: ok" in out and f"{EXAMPLES / 'snapshots.yml'}: ok" in out
    code, out, err = cpictl(capsys, "run", "check/info", "snapshots", "-q")
    assert code == 0, out + err


@pytest.mark.parametrize("argv", [["run", "walktrough"], ["run", "walktrough", "snapshots"],
                                  ["recipe", "check", "walktrough"]])
def test_a_name_that_is_neither_a_file_nor_shipped_points_at_the_list(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, out, err = cpictl(capsys, *argv)
    assert code == 2
    assert "walktrough" in err and "No such file or directory".lower() in err.lower()
    assert "hint: no shipped recipe is called that either (did you mean 'walkthrough'?): `cpictl recipe list`" in (
        " ".join(err.split()))


def test_new_commands_have_a_summary_and_an_example(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    for command in ("list", "show", "copy"):
        code, out, _ = cpictl(capsys, "recipe", command, "--help")
        assert code == 0
        assert "Examples:" in out and f"cpictl recipe {command}" in out.split("Examples:")[1]
        below_usage = [line.strip() for line in out.split("Usage:")[1].splitlines()[1:] if line.strip()]
        assert below_usage[0].endswith("."), below_usage[0]  # a one-line summary first
