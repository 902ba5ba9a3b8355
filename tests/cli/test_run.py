"""`cpictl run`: exit codes, reports, dry runs, and the promise that nothing a CPI created is lost."""

from __future__ import annotations

import io
import json
import os
import shlex
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import ROOT, cpictl_bin

RECIPES = ROOT / "recipes"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def live(capsys) -> list[dict]:
    code, out, _ = run(capsys, "ids", "-o", "json")
    return json.loads(out)


def test_walkthrough_runs_green_and_cleans_up(capsys):
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"))
    assert code == 0, out + err
    assert "walkthrough: passed" in out and "bundled reference CPI" in out
    assert live(capsys) == []


def test_reports_are_written_private_and_secrets_masked(capsys, tmp_path):
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--report-junit", str(junit),
                         "--report-json", str(report), "-o", "json", "--context", "secret_key=s3cr3t-value")
    assert code == 0, err
    cases = ET.parse(junit).getroot().iter("testcase")
    assert len(list(cases)) >= 10
    assert json.loads(report.read_text()) == json.loads(out)
    for path in (junit, report):
        assert path.stat().st_mode & 0o077 == 0
        assert "s3cr3t-value" not in path.read_text()


def test_a_failed_expectation_exits_4_and_finally_still_runs(capsys, tmp_path):
    recipe = tmp_path / "fail.yml"
    recipe.write_text(f"""name: failing
vars: {{image: {ROOT / 'recipes' / 'assets' / 'image.tgz'}}}
steps:
  - name: stemcell
    call: create_stemcell
    args: ["${{image}}", {{}}]
  - name: wrong
    call: has_vm
    args: [vm-does-not-exist]
    expect:
      result: [{{equals: true}}]
finally:
  - {{call: delete_stemcell, args: ["${{steps.stemcell.result}}"]}}
""")
    code, out, err = run(capsys, "run", str(recipe), "-o", "table")
    assert code == 4, out + err
    assert "fail.yml:11" in out  # the failing predicate's line is quoted
    assert live(capsys) == []  # the finally step deleted the stemcell


def test_invalid_recipe_exits_2_with_file_line_column(capsys, tmp_path):
    recipe = tmp_path / "bad.yml"
    recipe.write_text("name: bad\nsteps:\n  - call: create_vm\n    argz: []\n")
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 2
    assert f"{recipe}:4:5" in err and "did you mean 'args'" in err and "Traceback" not in err


def test_dry_run_runs_nothing(capsys, isolated_home):
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--dry-run")
    assert code == 0, err
    assert '"method": "create_vm"' in out or "create_vm" in out
    assert live(capsys) == []
    assert not (isolated_home / "refcpi" / "state.json").exists()


def test_recipe_schema_is_json_schema(capsys):
    code, out, _ = run(capsys, "recipe", "schema")
    schema = json.loads(out)
    assert code == 0 and "steps" in schema["properties"]


@pytest.mark.parametrize("recipe", ["walkthrough.yml", "lifecycle.yml", "snapshots.yml", "resize-and-update.yml",
                                    "failures.yml"])
def test_every_bundled_recipe_checks(capsys, recipe):
    assert run(capsys, "recipe", "check", str(RECIPES / recipe))[0] == 0


def _refcpi_pids(state_dir: Path) -> list[int]:
    """Reference CPI processes working on this test's state dir (found through their environment and command line:
    the `cpictl run` that starts them has the same environment)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"CPICTL_REFCPI_DIR={state_dir}".encode() in environ.split(b"\0") and b"cpictl.refcpi" in cmdline:
            pids.append(int(entry.name))
    return pids


def test_sigkill_mid_run_leaves_the_vm_in_ids_and_cleanup_deletes_it(tmp_path, isolated_home):
    recipe = tmp_path / "hang.yml"
    recipe.write_text(f"""name: hang after create_vm
steps:
  - {{call: create_stemcell, args: [{ROOT / 'recipes' / 'assets' / 'image.tgz'}, {{}}]}}
  - {{call: create_vm, args: [agent-1, "${{stemcell}}", {{}}, {{default: {{type: dynamic}}}}]}}
  - {{call: has_vm, args: ["${{vm}}"]}}
""")
    env = {**os.environ, "CPICTL_REFCPI_FAULTS": "has_vm=hang"}
    journal = isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl"
    proc = subprocess.Popen([cpictl_bin(), "run", str(recipe)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and '"kind":"vm"' not in (journal.read_text() if journal.exists() else ""):
            time.sleep(0.05)
        # the VM is journalled; now wait for the hanging has_vm process of the next step
        while time.monotonic() < deadline and not _refcpi_pids(isolated_home / "refcpi"):
            time.sleep(0.05)
        assert proc.poll() is None, "cpictl run finished although has_vm hangs"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        for pid in _refcpi_pids(isolated_home / "refcpi"):
            os.kill(pid, signal.SIGKILL)
    env.pop("CPICTL_REFCPI_FAULTS")
    listed = json.loads(subprocess.run([cpictl_bin(), "ids", "-o", "json"], env=env, capture_output=True,
                                       timeout=60, check=True).stdout)
    assert {r["kind"] for r in listed} == {"vm", "stemcell"}
    cleanup = subprocess.run([cpictl_bin(), "cleanup", "--yes", "-o", "json"], env=env, capture_output=True,
                             timeout=120)
    assert cleanup.returncode == 0, cleanup.stderr
    assert {row["outcome"] for row in json.loads(cleanup.stdout)} == {"deleted"}
    listed = json.loads(subprocess.run([cpictl_bin(), "ids", "-o", "json"], env=env, capture_output=True,
                                       timeout=60, check=True).stdout)
    assert listed == []


def test_twenty_concurrent_calls_into_one_session_lose_nothing(isolated_home):
    def create_disk(_: int) -> int:
        return subprocess.run([cpictl_bin(), "call", "create_disk", "1024", "{}"], capture_output=True,
                              timeout=120).returncode

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(create_disk, range(20)))
    assert codes == [0] * 20
    journal = isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl"
    lines = journal.read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is valid JSON
    assert len({e["cid"] for e in entries if e["event"] == "created" and e["kind"] == "disk"}) == 20
    assert len(json.loads(subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, timeout=60,
                                         check=True).stdout)) == 20


def _attach_recipe(tmp_path: Path, api_version: int) -> Path:
    recipe = tmp_path / "attach.yml"
    recipe.write_text(f"""name: attach
target: {{api_version: {api_version}}}
steps:
  - {{name: stemcell, call: create_stemcell, args: [{ROOT / 'recipes' / 'assets' / 'image.tgz'}, {{}}]}}
  - {{name: vm, call: create_vm, args: [agent-7, "${{stemcell}}", {{}}, {{default: {{type: dynamic}}}}]}}
  - {{name: disk, call: create_disk, args: [1024, {{}}, "${{vm}}"]}}
  - {{name: attach, call: attach_disk, args: ["${{vm}}", "${{disk}}"]}}
""")
    return recipe


def test_run_shows_the_agent_settings_after_create_vm_and_attach(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code, out, err = run(capsys, "run", str(_attach_recipe(tmp_path, 2)))
    assert code == 0, out + err
    assert "agent settings of vm-" in out and "agent-7" in out
    assert "user-metadata" in out


def test_run_with_registry_shows_what_a_v1_cpi_puts_there(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    code, out, err = run(capsys, "run", str(_attach_recipe(tmp_path, 1)), "--registry")
    assert code == 0, out + err
    assert "PUT" in out and "/instances/vm-" in out  # the registry events of create_vm and attach_disk
    assert "registry entry" in out


@pytest.fixture
def inprocess_cpi(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference CPI's code in-process (same request bytes) for the tests that run whole bundled recipes."""
    from tests.recipes.conftest import _inprocess_run_cpi

    monkeypatch.setattr("cpictl.session.run_cpi", _inprocess_run_cpi)
    monkeypatch.chdir(RECIPES)  # an in-process CPI has no cwd of its own: `./assets/image.tgz` is found from here


# Each provokes a failure half-way through a bundled recipe, after it created cloud IDs; the finally steps must
# leave nothing behind. (`!steps.remove_vm` once read as `(!steps).remove_vm` and skipped every cleanup.)
MID_RUN_FAILURES = [
    ("walkthrough.yml", ["--api-version", "1"], None, 4),  # create_vm answers a bare CID: `vm` fails
    ("walkthrough.yml", [], "attach_disk=error:CloudError", 4),  # a VM and a disk are live by then
    ("lifecycle.yml", ["--api-version", "1"], None, 4),
    ("lifecycle.yml", [], "detach_disk=error:CloudError", 4),  # VM, attached disk, network, stemcell
    ("lifecycle.yml", [], "delete_snapshot=fail-first:1", 4),  # and a snapshot
    ("resize-and-update.yml", [], "update_disk=error:CloudError", 4),
    ("snapshots.yml", [], "delete_disk=fail-first:1", 4),  # the second snapshot is still live
]


@pytest.mark.parametrize(("recipe", "flags", "faults", "exit_code"), MID_RUN_FAILURES)
def test_a_bundled_recipe_failing_half_way_leaves_no_live_cloud_ids(capsys, monkeypatch, inprocess_cpi, recipe,
                                                                    flags, faults, exit_code):
    if faults:
        monkeypatch.setenv("CPICTL_REFCPI_FAULTS", faults)
    code, out, err = run(capsys, "run", str(RECIPES / recipe), *flags, "-o", "json")
    report = json.loads(out)
    created = [row for row in report["steps"] if row.get("created")]
    assert code == exit_code and created, out + err  # it failed after creating something
    assert live(capsys) == [], out


def test_finally_never_deletes_a_vm_the_run_did_not_create(capsys, tmp_path, inprocess_cpi):
    image = str(ROOT / "recipes" / "assets" / "image.tgz")
    assert run(capsys, "call", "create_stemcell", image, "{}")[0] == 0
    assert run(capsys, "call", "create_vm", "old-agent", "${stemcell}", "{}", "{d: {type: dynamic}}")[0] == 0
    (old_vm,) = [r["cid"] for r in live(capsys) if r["kind"] == "vm"]
    recipe = tmp_path / "fails.yml"
    recipe.write_text("""name: create fails
steps:
  - name: vm
    call: create_vm
    args: [new-agent, "${stemcell}", {refcpi_fault: "error:VMCreationFailed"}, {d: {type: dynamic}}]
finally:
  - {name: cleanup-vm, call: delete_vm, args: ["${vm}"]}
""")
    code, out, err = run(capsys, "run", str(recipe), "-o", "json")
    assert code == 4, out + err
    cleanup = json.loads(out)["steps"][-1]
    assert cleanup["status"] == "skipped" and cleanup["reason"] == "no vm created by this run"
    assert old_vm in [r["cid"] for r in live(capsys)]


@pytest.mark.parametrize(("argv", "shown"), [
    (["run", str(RECIPES / "walkthrough.yml"), "--var", "novalue"], "--var 'novalue': expected NAME=VALUE"),
    # the value of a malformed --var may be a secret: it is never quoted
    (["recipe", "check", str(RECIPES / "walkthrough.yml"), "--var", "=1"], "--var '=<redacted>': expected NAME=VALUE"),
])
def test_a_var_without_name_or_value_is_a_usage_error(capsys, argv, shown):
    code, out, err = run(capsys, *argv)
    assert code == 2 and shown in err, err
    assert "internal error" not in err and live(capsys) == []


def test_a_var_of_the_wrong_type_exits_2_before_anything_runs(capsys, tmp_path, isolated_home):
    recipe = tmp_path / "disk.yml"
    recipe.write_text("""name: disks
vars: {n: 1024}
steps:
  - {name: first, call: create_disk, args: [1024, {}]}
  - name: second
    call: create_disk
    args: {size: "${n}", cloud_properties: {}}
finally:
  - {call: delete_disk, args: ["${disk}"]}
""")
    code, out, err = run(capsys, "run", str(recipe), "--var", "n=abc")
    assert code == 2, out + err
    assert f"{recipe}:7:18: create_disk: parameter 'size': expected integer, got string 'abc'" in err
    assert live(capsys) == [] and not (isolated_home / "refcpi").exists()  # no CPI process ran


KEEP_A_DISK = """name: keeps a disk
steps:
  - {name: disk, call: create_disk, args: [1024, {}]}
"""


@pytest.mark.parametrize("where", ["/proc/r.xml", "in-a-file"])
def test_an_unwritable_report_path_fails_before_any_step_runs(capsys, tmp_path, isolated_home, where):
    recipe = tmp_path / "disk.yml"
    recipe.write_text(KEEP_A_DISK)
    if where == "in-a-file":
        (tmp_path / "plain").write_text("")
        where = str(tmp_path / "plain" / "r.xml")  # its "directory" is a file
    for option in ("--report-junit", "--report-json"):
        code, out, err = run(capsys, "run", str(recipe), option, where)
        assert code == 2, out + err
        assert f"cannot write report {where}" in err
        assert live(capsys) == [] and not (isolated_home / "refcpi").exists()  # no CPI process ran


def test_a_report_path_that_is_writable_leaves_no_probe_behind(capsys, tmp_path):
    recipe = tmp_path / "info.yml"
    recipe.write_text("name: info\nsteps:\n  - {call: info}\n")
    code, out, err = run(capsys, "run", str(recipe), "--report-json", str(tmp_path / "out" / "r.json"))
    assert code == 0, out + err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["r.json"]


def _leftovers_line(out: str) -> str:
    (line,) = [line for line in out.splitlines() if line.startswith("left behind: ")]
    return line


def test_the_leftovers_line_gives_commands_for_the_session_in_use(capsys, tmp_path):
    recipe = tmp_path / "disk.yml"
    recipe.write_text(KEEP_A_DISK)
    code, out, err = run(capsys, "run", str(recipe), "--session", "replay")
    assert code == 0, out + err
    line = _leftovers_line(out)  # one line, never folded: the commands in it can be pasted
    assert line.endswith(" — `cpictl ids --session replay` lists them, `cpictl cleanup --session replay` deletes "
                         "them")
    assert "cleanup for this session" not in out + err  # no separate extra line
    journal = tmp_path / "a journal.jsonl"
    code, out, err = run(capsys, "run", str(recipe), "--state", str(journal))
    quoted = shlex.quote(str(journal))
    assert _leftovers_line(out).endswith(f"`cpictl ids --state {quoted}` lists them, `cpictl cleanup --state "
                                         f"{quoted}` deletes them")
    code, out, err = run(capsys, "run", str(recipe))  # the default session: the bare commands are right
    assert _leftovers_line(out).endswith(" — `cpictl ids` lists them, `cpictl cleanup` deletes them")
    code, out, err = run(capsys, "run", str(recipe), "--session", "replay", "-o", "json")
    assert json.loads(out)["leftovers"] and "`cpictl cleanup --session replay` deletes them" in err


def test_the_leftovers_line_names_the_default_session_when_the_shell_points_elsewhere(capsys, tmp_path,
                                                                                       monkeypatch):
    # in a shell with CPICTL_SESSION=foo, a bare `cpictl cleanup` would look in foo, not where the IDs are
    monkeypatch.setenv("CPICTL_SESSION", "foo")
    recipe = tmp_path / "disk.yml"
    recipe.write_text(KEEP_A_DISK)
    code, out, err = run(capsys, "run", str(recipe), "--session", "default")
    assert code == 0, out + err
    assert _leftovers_line(out).endswith("`cpictl ids --session default` lists them, `cpictl cleanup --session "
                                         "default` deletes them")


class _Terminal(io.StringIO):
    """A terminal whose user types `keys`, one line each: a string is a line, an exception is raised where the
    line would be read (KeyboardInterrupt for Ctrl-C), and after the last one input ends (Ctrl-D)."""

    def __init__(self, *keys: str | BaseException) -> None:
        super().__init__()
        self.keys = list(keys)

    def isatty(self) -> bool:
        return True

    def readline(self, *args) -> str:
        if not self.keys:
            return ""
        key = self.keys.pop(0)
        if isinstance(key, BaseException):
            raise key
        return key + "\n"


def _answer(monkeypatch: pytest.MonkeyPatch, *answers: str | BaseException) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal(*answers))


def test_step_mode_quit_at_the_first_prompt_says_stopped(capsys, monkeypatch, inprocess_cpi):
    _answer(monkeypatch, "q", "s", "s", "s", "s")  # quit, then skip each finally step
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--step")
    assert code == 0, out + err
    assert "walkthrough: stopped by the user after 0 of 13 steps" in out
    assert "walkthrough: passed" not in out
    assert live(capsys) == []


def test_step_mode_shows_the_whole_masked_request(capsys, monkeypatch, inprocess_cpi):
    _answer(monkeypatch, "r", "r", "q", "r", "r", "r")  # info, stemcell, quit at vm; then the cleanups
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--step")
    assert code == 0, out + err
    shown = err.split("next: boot a VM (create_vm)\n", 1)[1].split("\nrun, skip, quit or continue", 1)[0]
    request = json.loads(shown)  # all of it, as pretty JSON: a preview cut at 300 characters would not parse
    assert len(shown) > 300 and shown.startswith("{\n  ")
    assert request["arguments"][2] == {"instance_type": "ref.small"}  # no secret: readable
    assert request["arguments"][5] == {"bosh": {"group": "walkthrough-web", "groups": ["walkthrough", "web"]}}
    assert "walkthrough: stopped by the user after 2 of 13 steps" in out
    assert live(capsys) == []


def test_step_mode_skipping_the_stemcell_skips_what_needs_it_instead_of_invalid(capsys, monkeypatch,
                                                                                 inprocess_cpi):
    _answer(monkeypatch, "r", "s")  # run info, skip the stemcell; nothing else can be sent, so nothing else is asked
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--step")
    assert code == 0, out + err
    assert "needs step 'upload the stemcell', which was skipped" in out
    assert "invalid" not in out and "next: boot a VM" not in err
    assert live(capsys) == []


INTERRUPTED = """name: interrupted
steps:
  - {name: disk, call: create_disk, args: [1024, {}]}
  - {name: probe, call: has_disk, args: ["${disk}"]}
finally:
  - {name: cleanup, call: delete_disk, args: ["${disk}"]}
"""


def _interrupt_on(method: str):
    from tests.recipes.conftest import _inprocess_run_cpi

    def run_cpi(command, stdin, on_stderr_line=None, outputs=None):
        if json.loads(stdin)["method"] == method:
            raise KeyboardInterrupt
        return _inprocess_run_cpi(command, stdin, on_stderr_line)

    return run_cpi


def test_ctrl_c_in_a_call_is_announced_before_the_finally_steps(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("cpictl.session.run_cpi", _interrupt_on("has_disk"))
    recipe = tmp_path / "r.yml"
    recipe.write_text(INTERRUPTED)
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 130, out + err
    notice = out.index("interrupted: running the finally steps (Ctrl-C again stops them)")
    assert out.index("■ probe") < notice < out.index("✔ cleanup")
    assert out.count("interrupted: running the finally steps") == 1 and live(capsys) == []


def test_ctrl_c_while_rendering_is_announced_before_the_finally_steps(capsys, monkeypatch, tmp_path):
    from cpictl.cli import run_output
    from tests.recipes.conftest import _inprocess_run_cpi

    monkeypatch.setattr("cpictl.session.run_cpi", _inprocess_run_cpi)
    render = run_output.render_event

    def render_then_interrupt(event, *args):
        render(event, *args)
        if type(event).__name__ == "StepFinished" and event.step.name == "disk":
            raise KeyboardInterrupt

    monkeypatch.setattr(run_output, "render_event", render_then_interrupt)
    recipe = tmp_path / "r.yml"
    recipe.write_text(INTERRUPTED)
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 130, out + err
    notice = out.index("interrupted: running the finally steps")
    assert out.index("✔ disk") < notice < out.index("✔ cleanup") and live(capsys) == []


def test_ctrl_c_during_cleanup_is_not_announced_as_running_it(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("cpictl.session.run_cpi", _interrupt_on("delete_disk"))
    recipe = tmp_path / "r.yml"
    recipe.write_text(INTERRUPTED)
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 130, out + err
    assert "running the finally steps" not in out
    assert out.index("■ cleanup") < out.index("interrupted during the finally steps: the rest are not run")


def test_ctrl_c_at_a_step_prompt_still_runs_the_finally_steps(capsys, monkeypatch, tmp_path, inprocess_cpi):
    _answer(monkeypatch, "r", KeyboardInterrupt())  # run disk; Ctrl-C at probe; the cleanup is not asked about
    recipe = tmp_path / "r.yml"
    recipe.write_text(INTERRUPTED)
    report = tmp_path / "report.json"
    code, out, err = run(capsys, "run", str(recipe), "--step", "--report-json", str(report))
    assert code == 130, out + err
    assert out.index("interrupted: running the finally steps") < out.index("✔ cleanup")
    assert "interrupted" in out.split("✔ cleanup", 1)[1]  # the summary
    assert err.count("next: ") == 2  # disk and probe: after Ctrl-C the cleanup runs unasked
    steps = {row["name"]: row["status"] for row in json.loads(report.read_text())["steps"]}
    assert steps == {"disk": "passed", "probe": "skipped", "cleanup": "passed"}
    assert live(capsys) == []


def test_end_of_input_at_a_step_prompt_quits_and_still_runs_the_finally_steps(capsys, monkeypatch, tmp_path,
                                                                               inprocess_cpi):
    _answer(monkeypatch, "r")  # run disk; then Ctrl-D at probe, and nothing more can be read for the cleanup
    recipe = tmp_path / "r.yml"
    recipe.write_text(INTERRUPTED)
    code, out, err = run(capsys, "run", str(recipe), "--step")
    assert code == 0, out + err
    assert "end of input: quitting; the finally steps run without asking" in err
    assert "✔ cleanup" in out and "stopped by the user after 1 of 2 steps" in out
    assert live(capsys) == []


FIN = f"""name: fin
steps:
  - {{name: stemcell, call: create_stemcell, args: [{ROOT / 'recipes' / 'assets' / 'image.tgz'}, {{}}]}}
  - {{name: probe, call: info}}
finally:
  - {{name: cleanup, call: delete_stemcell, args: ["${{stemcell}}"], expect: {{ok: any}}}}
"""


def test_ctrl_c_at_a_real_step_prompt_runs_the_finally_steps_and_writes_the_report(tmp_path):
    import pexpect

    recipe, report = tmp_path / "fin.yml", tmp_path / "stp.json"
    recipe.write_text(FIN)
    child = pexpect.spawn(cpictl_bin(), ["run", str(recipe), "--step", "--report-json", str(report)],
                          env={**os.environ, "TERM": "dumb"}, cwd=str(tmp_path), dimensions=(40, 160),
                          encoding="utf-8", timeout=60)
    child.expect("next: stemcell")
    child.expect(r"run, skip, quit or continue without asking\? .*\(Enter: run\) ")
    child.send("r")  # one key, no Enter
    child.expect("next: probe")
    child.expect(r"run, skip, quit or continue without asking\? .*\(Enter: run\) ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, child.before
    assert "aborted" not in child.before and "fin: interrupted" in child.before
    document = json.loads(report.read_text())
    assert document["status"] == "interrupted" and document["exit_code"] == 130
    assert [(s["name"], s["status"]) for s in document["steps"]] == [
        ("stemcell", "passed"), ("probe", "skipped"), ("cleanup", "passed")]
    listed = subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, timeout=60, check=True)
    assert json.loads(listed.stdout) == []


class _ClosingStdout(io.StringIO):
    """A pipe whose reader goes away once it has read `after` (like `| head`): writes then fail with EPIPE."""

    def __init__(self, after: str) -> None:
        super().__init__()
        self.after = after

    def write(self, text: str) -> int:
        if self.after in self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_a_closed_stdout_stops_the_run_runs_the_finally_steps_and_exits_141(capsys, monkeypatch, tmp_path,
                                                                              inprocess_cpi):
    report = tmp_path / "r.json"
    with monkeypatch.context() as patched:
        patched.setattr("sys.stdout", _ClosingStdout(after="✔ boot a VM"))
        code = main(["run", str(RECIPES / "walkthrough.yml"), "-o", "table", "--report-json", str(report)])
    err = capsys.readouterr().err
    assert code == 141, err
    assert "stdout was closed; stopped and ran the finally steps" in err
    document = json.loads(report.read_text())
    assert document["status"] == "interrupted" and document["exit_code"] == 141
    steps = {s["name"]: (s["status"], s["reason"]) for s in document["steps"]}
    assert steps["boot a VM"][0] == "passed"
    assert steps["create a disk next to it"] == ("skipped", "not run: stdout was closed")
    assert steps["clean up the VM"][0] == steps["clean up the stemcell"][0] == "passed"
    assert live(capsys) == []  # nothing left behind


def test_stdout_closed_half_way_through_a_real_run(tmp_path):
    report = tmp_path / "r.json"
    proc = subprocess.Popen([cpictl_bin(), "run", str(RECIPES / "walkthrough.yml"), "--report-json", str(report)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:  # read like `head` until the VM exists, then go away
            if line.startswith("✔ boot a VM"):
                break
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 141, err
    assert err == "error: stdout was closed; stopped and ran the finally steps\n"  # and no "Exception ignored"
    assert json.loads(report.read_text())["exit_code"] == 141
    listed = subprocess.run([cpictl_bin(), "ids", "-o", "json"], capture_output=True, timeout=60, check=True)
    assert json.loads(listed.stdout) == []


def test_a_dry_run_into_a_closed_pipe_says_so_and_exits_141(tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        proc = subprocess.run([cpictl_bin(), "run", str(RECIPES / "walkthrough.yml"), "--dry-run"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == "error: stdout was closed; stopped the dry run\n"


def test_keep_going_after_a_failed_create_vm_leaves_an_older_vm_alone(capsys, monkeypatch, inprocess_cpi):
    assert run(capsys, "call", "create_stemcell", "./assets/image.tgz", "{}")[0] == 0
    assert run(capsys, "call", "create_vm", "precious-agent", "${stemcell}", "{}",
               "{default: {type: dynamic}}")[0] == 0
    precious = [r["cid"] for r in live(capsys) if r["kind"] == "vm"]
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "create_vm=error:VMCreationFailed")
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--keep-going", "-o", "json")
    steps = {s["name"]: s for s in json.loads(out)["steps"]}
    assert code == 4, err
    assert steps["delete the VM"]["status"] == "invalid" and steps["delete the VM"]["request"] is None
    assert steps["delete the VM"]["reason"] == ("this run's create_vm did not produce a vm; not falling back to older "
                                            "VMs in the session")
    assert [r["cid"] for r in live(capsys) if r["kind"] == "vm"] == precious


def test_reports_go_into_a_fifo_and_through_a_symlink(capsys, tmp_path):
    import threading

    recipe = tmp_path / "info.yml"
    recipe.write_text("name: info\nsteps:\n  - {call: info}\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    (tmp_path / "target.xml").write_text("old")
    (tmp_path / "link.xml").symlink_to("target.xml")
    code, out, err = run(capsys, "run", str(recipe), "--report-json", str(fifo), "--report-junit",
                         str(tmp_path / "link.xml"))
    reader.join(timeout=60)
    assert code == 0, out + err
    assert json.loads(received[0])["status"] == "passed"
    assert (tmp_path / "link.xml").is_symlink() and "<testsuites" in (tmp_path / "target.xml").read_text()


def test_an_unknown_var_is_refused_with_did_you_mean(capsys, isolated_home):
    code, out, err = run(capsys, "run", str(RECIPES / "walkthrough.yml"), "--var", "disk_sise=1")
    assert code == 2
    assert "--var disk_sise: the recipe has no variable 'disk_sise' (did you mean 'disk_size'?)" in err
    assert not (isolated_home / "refcpi").exists()


def test_an_invalid_recipe_still_writes_the_reports_asked_for(capsys, tmp_path):
    recipe = tmp_path / "bad.yml"
    recipe.write_text("name: bad\nsteps:\n  - call: create_vm\n    argz: []\n")
    junit, report = tmp_path / "j.xml", tmp_path / "r.json"
    code, out, err = run(capsys, "run", str(recipe), "--report-junit", str(junit), "--report-json", str(report))
    assert code == 2 and f"{recipe}:4:5" in err
    document = json.loads(report.read_text())
    assert document["status"] == "invalid" and document["exit_code"] == 2
    assert document["problems"][0]["location"] == f"{recipe}:4:5"
    suites = ET.parse(junit).getroot()
    (case,) = suites.iter("testcase")
    (failure,) = case.iter("failure")
    assert suites.get("failures") == "1" and failure.get("message", "").startswith(f"invalid recipe: {recipe}:4:5")


def test_run_help_lists_the_exit_codes_run_uses(capsys):
    code, out, _ = run(capsys, "run", "--help")
    text = " ".join(out.replace("│", " ").split())
    assert code == 0
    for said in ("0 every step passed", "2 usage error or invalid recipe", "3 the CPI misbehaved",
                 "4 an expectation failed", "so run never exits 1", "130 interrupted", "141 stdout was closed",
                 "143 terminated"):
        assert said in text, said
    assert "1 the CPI answered with an error" not in text


def test_verbose_names_the_target_once_at_the_start(capsys, tmp_path, inprocess_cpi):
    recipe = tmp_path / "info.yml"
    recipe.write_text("name: info\nsteps:\n  - {call: info}\n")
    code, out, err = run(capsys, "run", str(recipe), "--verbose", "-o", "table")
    assert code == 0, err
    head = out.split("→ info", 1)[0]
    assert head.count("target bundled reference CPI") == 1
    assert out.count("target bundled reference CPI") == 1  # not again in the call's own view


def test_a_secret_of_the_run_never_shows_in_a_failure(capsys, tmp_path, inprocess_cpi):
    recipe = tmp_path / "secret.yml"
    recipe.write_text("""name: secret
vars: {pw: hunter2pass}
steps:
  - {name: disk, call: create_disk, args: [1024, {password: "${pw}"}]}
  - {name: probe, call: has_disk, args: ["${disk}"], expect: {result: [{equals: "${pw}"}]}}
finally:
  - {name: cleanup, call: delete_disk, args: ["${disk}"]}
""")
    junit, report = tmp_path / "j.xml", tmp_path / "r.json"
    code, out, err = run(capsys, "run", str(recipe), "-o", "table", "--report-junit", str(junit),
                         "--report-json", str(report))
    assert code == 4, out + err
    assert 'expected "<redacted>"' in out
    for text in (out, err, junit.read_text(), report.read_text()):
        assert "hunter2pass" not in text


def test_a_terminal_control_in_a_quoted_recipe_line_is_shown_as_text(capsys, tmp_path):
    recipe = tmp_path / "esc.yml"
    recipe.write_text('name: x\nsteps:\n  - {call: info, args: ["\x1b]0;pwned\x07"]}\n')
    code, out, err = run(capsys, "run", str(recipe))
    assert code == 2
    assert "\x1b" not in err and "\x07" not in err
    quoted, caret = next((a, b) for a, b in pairwise(err.splitlines()) if "^" in b)
    assert "\\x1b]0;pwned\\x07" in quoted and quoted.index("\\x1b") == caret.index("^")


def test_ctrl_c_during_a_retry_delay_does_not_claim_a_cpi_was_killed(tmp_path):
    """No CPI runs while a step waits to retry: the last line must not say one was stopped."""
    recipe = tmp_path / "retry.yml"
    recipe.write_text("name: retry\nsteps:\n  - {name: r, call: has_vm, args: [vm-nope], "
                      "expect: {result: [{equals: true}]}, retry: {attempts: 3, delay: 60}}\n")
    proc = subprocess.Popen([cpictl_bin(), "run", str(recipe)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    for line in proc.stdout:  # the first attempt has failed and the run now waits
        if "retrying in 60 s" in line:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "error: interrupted"
