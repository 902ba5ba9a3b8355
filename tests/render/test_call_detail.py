"""How much `cpictl call` shows: the default fits one 80×24 screen for every method of the bundled CPI, `-q` is one
line, `-v` shows everything, `--print` exactly the parts named — the number of lines is what a user notices."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import write_cpi

IMAGE = str(Path(__file__).resolve().parents[2] / "recipes" / "assets" / "image.tgz")
MANUAL_NETWORK = ("{default: {type: manual, ip: 10.0.0.5, netmask: 255.255.255.0, gateway: 10.0.0.1, "
                  "dns: [8.8.8.8], default: [dns, gateway]}}")
#: Every method of the bundled CPI, in an order that gives each what it needs, with real-looking arguments.
LIFECYCLE = [
    ("info",),
    ("create_stemcell", IMAGE, "{name: bosh-aws-xen-hvm-ubuntu-jammy-go_agent, version: '1.5', infrastructure: aws}"),
    ("create_vm", "agent-1", "${stemcell}", "{instance_type: m5.large, availability_zone: us-east-1a}",
     MANUAL_NETWORK, "[]", "{bosh: {group: my-director-dep-web}}"),
    ("has_vm", "${vm}"),
    ("reboot_vm", "${vm}"),
    ("set_vm_metadata", "${vm}", "{director: d, deployment: dep, name: web/0, job: web, index: '0'}"),
    ("calculate_vm_cloud_properties", "{cpu: 2, ram: 1024, ephemeral_disk_size: 10240}"),
    ("create_disk", "1024", "{type: gp3}", "${vm}"),
    ("has_disk", "${disk}"),
    ("attach_disk", "${vm}", "${disk}"),
    ("get_disks", "${vm}"),
    ("set_disk_metadata", "${disk}", "{director: d, deployment: dep}"),
    ("snapshot_disk", "${disk}", "{director_name: d}"),
    ("delete_snapshot", "${snapshot}"),
    ("detach_disk", "${vm}", "${disk}"),
    ("resize_disk", "${disk}", "2048"),
    ("update_disk", "${disk}", "4096", "{}"),
    ("delete_disk", "${disk}"),
    ("create_network", "{}"),
    ("current_vm_id",),  # the reference CPI answers NotSupported: an error view
    ("ping",),
    ("delete_vm", "${vm}"),
    ("delete_vm", "vm-gone"),  # VMNotFound: an error view with the caller's reaction
    ("delete_stemcell", "${stemcell}"),
]
#: The default view's budget: 24 rows less the command line and the next prompt.
SCREEN_BUDGET = 22


@pytest.fixture
def columns_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def call(capsys, *words: str) -> tuple[int, str]:
    code = main(["call", *words])
    out, err = capsys.readouterr()
    assert code != 70 and "Traceback" not in err, err
    return code, out


def test_every_method_of_the_bundled_cpi_fits_one_80x24_screen(capsys, columns_80):
    sizes = {}
    for method, *arguments in LIFECYCLE:
        code, out = call(capsys, method, *arguments, "-o", "table")
        assert code in (0, 1), out
        assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
        sizes[f"{method} {' '.join(arguments)[:20]}"] = len(out.splitlines())
        assert "✔ ok" in out or "✖ CPI error" in out
    assert {name: lines for name, lines in sizes.items() if lines > SCREEN_BUDGET} == {}, sizes


def test_the_default_view_says_the_log_once_and_each_value_once(capsys, columns_80):
    call(capsys, "create_stemcell", IMAGE, "{}", "-o", "table")
    code, out = call(capsys, "create_vm", "agent-1", "${stemcell}", "{instance_type: m5.large}", MANUAL_NETWORK,
                     "-o", "table")
    assert code == 0
    vm = re.search(r"\+ created vm (vm-\S+)", out)
    assert vm and out.count(vm.group(1)) == 2  # the created line, and the log line that names it
    assert "[0]  the new vm ID (below)" in out
    # the v2 result echoes the networks asked for: only what the CPI added is shown
    assert re.search(r"\[1\]  the networks as asked, and \{default: \{mac: 0a:[0-9a-f:]+\}\}", out)
    assert out.count("Starting create_vm...") == 1 and "INFO -- refcpi" not in out
    assert "stderr has them too" in out
    assert re.search(r"agent settings ✔ as the contract asks \(user-metadata\)\s+--print settings", out)
    assert "mbus" not in out  # the settings panel is one flag away
    assert re.search(r"✔ ok   \d+ ms   cpi-\d+", out)  # the verdict's line carries the facts


def test_a_failed_call_shows_stderr_with_its_stamps_instead_of_the_log(capsys, columns_80):
    code, out = call(capsys, "delete_vm", "vm-gone", "-o", "table")
    assert code == 1
    lines = out.splitlines()
    verdict = next(n for n, line in enumerate(lines) if "✖ CPI error Bosh::Clouds::VMNotFound" in line)
    assert lines[verdict - 1].startswith(" vm_cid")  # right under the request, before the log
    assert "ERROR -- refcpi" in out and "the log's lines are among these" in out
    assert out.count("Rescued") == 1 and out.count("delete_vm...") == 1  # once: no log part beside stderr


def test_quiet_is_one_line_per_call(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    code, out = call(capsys, "create_disk", "1024", "{}", "-q")  # -q without -o: the table view, on a pipe too
    assert code == 0
    disk = re.fullmatch(r"✔ create_disk  \+ disk (disk-\S+)  \d+ ms  0 verdicts\n", out)
    assert disk, out
    code, out = call(capsys, "delete_disk", disk.group(1), "-q")
    assert code == 0 and re.fullmatch(rf"✔ delete_disk  - disk {disk.group(1)}  \d+ ms  0 verdicts\n", out)
    code, out = call(capsys, "has_vm", "vm-x", "--cpi", str(Path(__file__).parents[1] / "cpis" / "garbage.sh"),
                     "--api-version", "2", "-q")
    assert code == 3
    assert re.fullmatch(r"⚠ has_vm  the response breaks the contract  \d+ ms  1 verdict \(1 error\)\n", out), out


def test_verbose_shows_the_request_as_sent_the_process_and_everything_whole(capsys, columns_80):
    call(capsys, "create_stemcell", IMAGE, "{}", "-o", "table")
    code, out = call(capsys, "create_vm", "agent-1", "${stemcell}", "{}", "{default: {type: dynamic}}", "-v",
                     "--env", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "--env", "REGION=eu-west-1")
    assert code == 0
    flat = " ".join(out.split())
    assert 'stdin {"method":"create_vm","arguments":["agent-1",' in out.replace("\n      ", "")
    assert "argv" in out and "-m cpictl.refcpi" in flat and "REGION=eu-west-1" in out
    assert "AWS_SECRET_ACCESS_KEY=<redacted>" in out and "wJalrXUtnFEMI" not in out
    assert "INFO -- refcpi" in out and "Starting create_vm..." in out  # stderr and the log, both
    assert "agent settings of vm-" in out and "mbus" in out  # the settings panel itself
    assert not re.search(r"^ agent_id\s+agent-1", out, re.M)  # the arguments are said once, in the request


def test_print_shows_exactly_the_parts_named(capsys, columns_80):
    call(capsys, "create_disk", "1024", "{}", "-o", "table")
    code, out = call(capsys, "has_disk", "${disk}", "--print", "result")
    assert code == 0 and out == "true\n"
    code, out = call(capsys, "has_disk", "${disk}", "--print", "result,log")
    assert code == 0
    assert out.splitlines()[0] == "result" and "true" in out and "log" in out.splitlines()
    assert "Starting has_disk..." in out and "→ has_disk" not in out and "✔ ok" not in out
    code, out = call(capsys, "has_disk", "nope", "--print", "result")  # the answer, not a result: an error
    assert code == 0 and out == "false\n"
    code, out = call(capsys, "has_disk", "nope", "--print", "ids")  # a part the call has none of: nothing at all
    assert code == 0 and out == ""


def test_a_cpi_error_picked_as_result_shows_the_error(capsys, columns_80):
    code, out = call(capsys, "delete_vm", "vm-gone", "--print", "result")
    assert code == 1 and out.startswith("✖ CPI error Bosh::Clouds::VMNotFound")


@pytest.mark.parametrize(("flags", "message"), [
    (["--print", "results"], "--print: no part 'results'; choose from request, arguments, result, ids, log"),
    (["-q", "-v"], "-q and -v ask for opposite things"),
    (["-q", "--print", "log"], "--print picks the parts itself: drop -q"),
])
def test_detail_flags_that_do_not_go_together_are_usage_errors(capsys, flags, message):
    code = main(["call", "info", *flags])
    _, err = capsys.readouterr()
    assert code == 2 and message in err


def test_a_long_log_is_cut_to_its_end_with_the_flag_that_shows_it(capsys, tmp_path, columns_80):
    cpi = write_cpi(tmp_path / "chatty_log.py", """
import json, sys
sys.stdin.read()
log = "".join(f"step {n}\\n" for n in range(1, 31))
json.dump({"result": True, "error": None, "log": log}, sys.stdout)
""")
    code, out = call(capsys, "has_vm", "vm-1", "--cpi", str(cpi), "--api-version", "2", "-o", "table")
    assert code == 0
    assert "log · 30 lines" in out and "… 22 more lines: --print log" in out
    assert re.findall(r"step (\d+)", out) == [str(n) for n in range(23, 31)]
    code, out = call(capsys, "has_vm", "vm-1", "--cpi", str(cpi), "--api-version", "2", "--print", "log")
    assert re.findall(r"step (\d+)", out) == [str(n) for n in range(1, 31)]


def test_trace_show_and_cleanup_speak_the_same_vocabulary(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    call(capsys, "create_disk", "1024", "{}", "-q")
    assert main(["trace", "show", "2", "-q"]) == 0  # 1 is the info that negotiated the version
    shown = capsys.readouterr().out
    assert re.fullmatch(r"✔ create_disk  \+ disk disk-\S+  \d+ ms  0 verdicts\n", shown), shown
    assert main(["trace", "show", "2", "--print", "ids"]) == 0
    assert re.fullmatch(r"\+ created disk disk-\S+\n", capsys.readouterr().out)
    assert main(["cleanup", "--yes", "-q"]) == 0
    assert re.fullmatch(r"✔ delete_disk  - disk disk-\S+  \d+ ms  0 verdicts\n", capsys.readouterr().out)


def test_the_quiet_line_masks_a_secret_the_cpi_echoes(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    cpi = write_cpi(tmp_path / "echoes_error.py", """
import json, sys
request = json.load(sys.stdin)
password = request["arguments"][1]["password"]
json.dump({"result": None, "log": "", "error": {"type": "Bosh::Clouds::CloudError",
           "message": f"login failed with {password}", "ok_to_retry": False}}, sys.stdout)
""")
    code, out = call(capsys, "create_disk", "1", "{password: hunter2-secret}", "--cpi", str(cpi), "--api-version",
                     "2", "-q")
    assert code == 1 and "hunter2-secret" not in out
    assert "✖ create_disk  Bosh::Clouds::CloudError: login failed with <redacted> (not retriable)" in out


def test_a_long_log_that_stderr_also_holds_is_said_once(capsys, tmp_path, columns_80):
    # 20 lines, each on stderr too with a logger's stamp: more than the view shows of either, still said once
    cpi = write_cpi(tmp_path / "ruby_logger.py", """
import json, sys
sys.stdin.read()
lines = [f"step {n}" for n in range(1, 21)]
for line in lines:
    sys.stderr.write(f"I, [2026-12-06T10:00:00 #1]  INFO -- cpi: {line}\\n")
json.dump({"result": True, "error": None, "log": "\\n".join(lines) + "\\n"}, sys.stdout)
""")
    code, out = call(capsys, "has_vm", "vm-1", "--cpi", str(cpi), "--api-version", "2", "-o", "table")
    assert code == 0
    assert "stderr has them too, time-stamped" in out and "INFO -- cpi" not in out
    assert re.findall(r"step (\d+)", out) == [str(n) for n in range(13, 21)]  # the log's last 8 lines, once
