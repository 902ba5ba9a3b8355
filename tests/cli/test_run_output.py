"""What `cpictl run` prints, read at a glance: one line per step, a failure expanded beneath its line, the agent
settings once per VM and then only what changed, the live stderr erased unless the step failed, and the detail
flags (-q, -v, --print) — all against the bundled reference CPI, at 80 columns."""

from __future__ import annotations

import json
import math
import os
import re

import pytest
from rich.cells import cell_len

from tests.cli.test_run import RECIPES, run
from tests.conftest import ROOT, cpictl_bin
from tests.render.test_running_call import screen_after

IMAGE = ROOT / "recipes" / "assets" / "image.tgz"
STEP_MARKS = ("✔", "✖", "⚠", "↷", "■")


def rows_at(text: str, width: int) -> int:
    """How many rows `text` takes on a terminal `width` columns wide (a longer line folds)."""
    return sum(max(1, math.ceil(cell_len(line) / width)) for line in text.splitlines())


def step_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(STEP_MARKS)]


@pytest.fixture
def at_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def test_a_default_lifecycle_run_fits_its_line_budget_at_80_columns(capsys, at_80):
    code, out, err = run(capsys, "run", str(RECIPES / "lifecycle.yml"))
    assert code == 0, out + err
    # The budget, row by row: the heading (2), one line per step (31 main + 5 finally), the "finally" heading (1),
    # the agent-settings panel once, after create_vm (19), the summary line (1) = 59; and at 80 columns the lines
    # that carry a whole cloud ID (10), an attach/detach (2), a long skip reason (4) or the warning about
    # StemcellNotFound (1) fold once = 76. Two rows of slack for durations that grow a digit. (Before this view:
    # 282 rows — every step's live stderr kept, and the 17-line panel after create_vm, attach and detach.)
    assert rows_at(out, 80) <= 78, out
    assert len(step_lines(out)) == 36
    assert out.count("agent settings of") == 1
    assert "INFO -- refcpi" not in out + err  # the CPI's stderr of steps that passed is not kept
    assert "lifecycle: passed — 31 passed · 5 skipped" in out


def test_each_step_is_one_line_named_as_the_recipe_names_it(capsys, at_80):
    code, out, err = run(capsys, "run", str(RECIPES / "lifecycle.yml"))
    lines = step_lines(out)
    assert re.match(r"✔ ask the CPI what it is \(info\)  \d+ ms$", lines[0])  # ✔ says ok
    assert re.match(r"✔ create the VM \(create_vm\)  \+ vm vm-[0-9a-f-]{36}  \d+ ms$", lines[4])
    assert "✔ delete it again (delete_vm)  VMNotFound as expected  " in out
    assert "↷ clean up the VM (delete_vm)  skipped: 'delete the VM' already deleted the VM" in out


def test_an_error_that_ok_any_let_through_is_said_so(capsys, tmp_path, at_80):
    recipe = tmp_path / "accept.yml"
    recipe.write_text("name: accept\nsteps:\n"
                      "  - {name: delete a VM that is not there, call: delete_vm, args: [vm-nope], "
                      "expect: {ok: any}}\n")
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 0, out + err
    (line,) = step_lines(out)
    assert line.startswith("✔ delete a VM that is not there (delete_vm)  error accepted (VMNotFound)  ")
    assert "passed" not in line
    table = run(capsys, "run", str(recipe), "-v")[1].split("outcome", 1)[1]  # the table of steps (-v)
    assert "✔ error accepted" in table and "✔ passed" not in table
    (step,) = json.loads(run(capsys, "run", str(recipe), "-o", "json")[1])["steps"]
    assert step["status"] == "passed" and step["accepted_error"] == "Bosh::Clouds::VMNotFound"


FAILING = f"""name: failing
steps:
  - {{id: stemcell, name: upload a stemcell, call: create_stemcell, args: [{IMAGE}, {{}}]}}
  - name: the VM is there
    call: has_vm
    args: [vm-does-not-exist]
    expect:
      result: [{{equals: true}}]
  - {{name: never sent, call: info}}
finally:
  - {{name: drop the stemcell, call: delete_stemcell, args: ["${{stemcell}}"]}}
"""


def test_a_failed_step_is_expanded_beneath_its_line(capsys, tmp_path):  # wide: the temporary path stays whole
    recipe = tmp_path / "failing.yml"
    recipe.write_text(FAILING)
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 4, out + err
    after = out.split("✖ the VM is there (has_vm)  ok, but 1 expectation failed", 1)[1]
    expansion = after.split("↷ never sent", 1)[0]
    assert f"{recipe}:8:25: result: expected true, got false" in expansion  # what the recipe wanted, at its line
    assert "result: [{equals: true}]" in expansion and "^^^^" in expansion  # the line quoted, the caret under it
    assert "→ has_vm" in expansion and "vm-does-not-exist" in expansion  # then the call, as `cpictl call` shows it
    assert "Starting has_vm" in expansion  # the failed call's stderr is kept
    assert "↷ never sent (info)  not run: step 'the VM is there' failed" in out


def test_quiet_prints_the_failures_and_the_summary_only(capsys, tmp_path, at_80):
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "-q")
    assert code == 0, out + err
    assert out.splitlines() == [out.splitlines()[0]] and out.startswith("walkthrough: passed — 14 passed")
    recipe = tmp_path / "failing.yml"
    recipe.write_text(FAILING)
    code, out, err = run(capsys, "run", str(recipe), "-q")
    assert code == 4
    assert step_lines(out) == [line for line in step_lines(out) if line.startswith("✖ the VM is there")]
    assert len(step_lines(out)) == 1 and "expected true, got false" in out and "→ has_vm" in out
    assert out.rstrip().splitlines()[-1].startswith("failing: failed — 2 passed · 1 failed · 1 skipped")
    assert "recipe failing" not in out  # no heading


def test_verbose_shows_every_call_in_full_and_the_table_of_steps(capsys, at_80):
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--verbose")
    assert code == 0, out + err
    assert out.count("→ create_vm") == 1 and out.count("→ get_disks") == 2  # each call's own view
    assert out.count("agent settings of") == 3  # after create_vm, attach_disk and detach_disk, as `call -v`
    assert "step" in out and "method" in out and "outcome" in out  # the table of every step
    assert run(capsys, "run", str(RECIPES / "walkthrough.yml"), "-v")[1].count("→ create_vm") == 1


def test_print_shows_each_step_with_the_parts_asked_for(capsys, tmp_path, at_80):
    recipe = tmp_path / "info.yml"
    recipe.write_text("name: info\nsteps:\n  - {name: ask, call: info}\n")
    assert "stemcell_formats" not in run(capsys, "run", str(recipe))[1]
    code, out, err = run(capsys, "run", str(recipe), "--print", "result")
    assert code == 0, out + err
    assert step_lines(out)[0].startswith("✔ ask (info)  ") and "stemcell_formats" in out
    code, out, err = run(capsys, "run", str(recipe), "--print", "result", "-q")
    assert code == 2 and "--print picks the parts itself" in err


REGISTRY_MODE = f"""name: registry mode
target: {{api_version: 1, stemcell_api_version: 1}}
steps:
  - {{name: upload a stemcell, call: create_stemcell, args: [{IMAGE}, {{}}]}}
  - {{name: create the VM, call: create_vm, args: [agent-1, "${{stemcell}}", {{}}, {{default: {{type: dynamic}}}}]}}
  - {{name: create a disk, call: create_disk, args: [1024, {{}}, "${{vm}}"]}}
  - {{name: attach it, call: attach_disk, args: ["${{vm}}", "${{disk}}"]}}
  - {{name: detach it, call: detach_disk, args: ["${{vm}}", "${{disk}}"]}}
finally:
  - {{name: clean up the disk, call: delete_disk, args: ["${{disk}}"]}}
  - {{name: clean up the VM, call: delete_vm, args: ["${{vm}}"]}}
  - {{name: clean up the stemcell, call: delete_stemcell, args: ["${{stemcell}}"]}}
"""


def test_the_settings_panel_comes_once_per_vm_then_only_what_changed(capsys, tmp_path, at_80):
    recipe = tmp_path / "registry.yml"
    recipe.write_text(REGISTRY_MODE)  # a registry-mode VM: attach and detach change its settings
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 0, out + err
    assert out.count("agent settings of") == 1
    vm = re.search(r"\+ vm (vm-[0-9a-f-]+)", out).group(1)
    disk = re.search(r"\+ disk (disk-[0-9a-f-]+)", out).group(1)
    attach, detach = out.split("✔ attach it", 1)[1], out.split("✔ detach it", 1)[1]
    assert attach.splitlines()[1] == f"settings of {vm}: + disks.persistent.{disk}.path /dev/sdc"
    assert detach.splitlines()[1] == f"settings of {vm}: - disks.persistent.{disk}.path /dev/sdc"
    assert out.index("agent settings of") < out.index("✔ create a disk")  # the panel came after create_vm


def test_live_stderr_is_erased_when_a_step_passes_and_kept_when_it_fails(tmp_path):
    import pexpect

    recipe = tmp_path / "failing.yml"
    recipe.write_text(FAILING)
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "80", "LINES": "50"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(cpictl_bin(), ["run", str(recipe)], env=env, cwd=str(tmp_path), dimensions=(50, 80),
                          encoding="utf-8", timeout=120)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4, child.before
    rows = screen_after(re.sub(r"\x1b\[[0-9;]*m", "", child.before))
    screen = "".join("".join(rows).split())  # what the screen shows, folded lines read whole, blanks left out
    before_failure, failure = screen.split("✖theVMisthere", 1)
    assert "Startingcreate_stemcell" not in before_failure  # the passed step's live lines are gone
    assert "Startinghas_vm" in failure  # the failed one's stderr is kept, in its expansion
    assert "Startingdelete_stemcell" not in failure.split("dropthestemcell", 1)[1]



def test_on_a_terminal_a_long_step_line_folds_between_words_keeping_each_id_whole(tmp_path):
    """A terminal folds a soft-wrapped line wherever the column ends, inside a cloud ID; on a terminal cpictl run
    folds a long step line itself, between words, so every ID stays whole on one row (to read, to double-click)."""
    import re

    from tests.completion.terminal import Tmux, require

    require("tmux")
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8", "TERM": "xterm-256color",
           "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "CPICTL_REFCPI_DIR": str(tmp_path / "refcpi")}
    tmux = Tmux(tmp_path / "tmux.socket", env)
    try:
        tmux.run("new-session", "-d", "-s", "run", "-x", "80", "-y", "100", "-c", str(ROOT), "sh", "-c",
                 f"{cpictl_bin()} run recipes/walkthrough.yml; echo DONE; sleep 60")
        screen = tmux.wait("run", lambda text: "DONE" in text, "the run to end")
        rows = tmux.run("capture-pane", "-p", "-t", "run").splitlines()  # rows as shown, folds not joined
    finally:
        tmux.stop()
    assert "walkthrough: passed" in screen
    ids = set(re.findall(r"\b(?:vm|disk|stemcell)-[0-9a-f]{8}-[0-9a-f-]{27}\b", screen))
    assert len(ids) >= 3
    for cid in ids:  # each time the screen names an ID, one row holds it whole
        assert screen.count(cid) == sum(row.count(cid) for row in rows), cid
