"""`cpictl trace list` and `trace show` over calls really made against the reference CPI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.repl.conftest import STEMCELL_IMAGE
from tests.traces.trace_helpers import run, trace_entries


@pytest.fixture
def session_calls(capsys, isolated_home) -> list[dict]:
    """info, a stemcell, a disk, a delete of a VM that does not exist (VMNotFound): the trace's four calls."""
    for argv in (("info",), ("create_stemcell", str(STEMCELL_IMAGE), "{}"), ("create_disk", "1024", "{}"),
                 ("delete_vm", "vm-nope")):
        run(capsys, "call", *argv, "-o", "json")
    return trace_entries(isolated_home)


def test_list_json_has_every_call_with_its_outcome_and_the_ids_it_changed(capsys, session_calls):
    code, out, _ = run(capsys, "trace", "list", "-o", "json")
    rows = json.loads(out)
    assert code == 0
    assert [row["method"] for row in rows] == [entry["request"]["method"] for entry in session_calls]
    assert [row["n"] for row in rows] == list(range(1, len(rows) + 1))
    by_method = {row["method"]: row for row in rows}
    disk = next(entry for entry in session_calls if entry["request"]["method"] == "create_disk")
    assert by_method["create_disk"]["created"] == [{"kind": "disk", "cid": disk["response"]["result"]}]
    assert by_method["create_disk"]["status"] == "ok" and by_method["create_disk"]["target"] == "refcpi"
    assert by_method["delete_vm"]["status"] == "cpi-error"
    assert by_method["delete_vm"]["error_type"] == "Bosh::Clouds::VMNotFound"
    assert by_method["delete_vm"]["deleted"] == []  # a failed delete deleted nothing
    assert all(isinstance(row["duration_s"], float) for row in rows)


def test_filters_method_failed_since_and_last(capsys, session_calls):
    def listed(*options: str) -> list[str]:
        code, out, err = run(capsys, "trace", "list", "-o", "json", *options)
        assert code == 0, err
        return [row["method"] for row in json.loads(out)]

    assert listed("--method", "create_disk") == ["create_disk"]
    assert listed("--method", "create_disk,delete_vm") == ["create_disk", "delete_vm"]
    assert listed("--method", "info", "--method", "delete_vm") == ["info", "delete_vm"]
    assert listed("--failed") == ["delete_vm"]
    assert listed("--since", "1h") == [entry["request"]["method"] for entry in session_calls]
    assert listed("--since", "2999-01-01") == []
    assert listed("--last", "2") == ["create_disk", "delete_vm"]
    assert listed("--last", "1", "--method", "create_stemcell") == ["create_stemcell"]
    code, _, err = run(capsys, "trace", "list", "--since", "yesterday-ish")
    assert code == 2 and "--since" in err and "10m" in err


def test_the_table_is_one_line_per_call_at_80_columns(capsys, session_calls, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    run(capsys, "call", "calculate_vm_cloud_properties", "{cpu: 2, ram: 1024, ephemeral_disk_size: 1}", "-o", "json")
    code, out, _ = run(capsys, "trace", "list", "-o", "table")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("calls in ")
    header, rows = lines[1], lines[2:]
    assert header.split() == ["n", "time", "target", "method", "outcome", "ms", "IDs"]
    assert len(rows) == len(session_calls) + 1  # one line each: nothing folded onto a second line
    assert all(len(line) <= 80 for line in lines[1:])
    assert "calculate_vm_cloud_properties" in rows[-1]  # a method is never cut while the IDs can give way
    assert next(line for line in rows if "create_disk" in line).endswith("+disk")  # by kind: -o json has them
    assert "✖ VMNotFound" in next(line for line in rows if "delete_vm" in line)


def test_at_80_columns_the_ids_show_at_least_their_start(capsys, session_calls, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "trace", "list", "-o", "table")
    disk = next(entry for entry in session_calls if entry["request"]["method"] == "create_disk")
    disk_row = next(line for line in out.splitlines() if "create_disk" in line)
    assert len(disk_row) <= 80 and "+disk " + disk["response"]["result"][:12] in disk_row


def test_an_empty_trace_says_so(capsys, isolated_home):
    code, out, _ = run(capsys, "trace", "list", "-o", "table")
    assert code == 0 and out.startswith("no calls yet in ")
    code, _, err = run(capsys, "trace", "show", "1")
    assert code == 2 and "holds no calls yet" in err


def test_show_is_the_view_call_printed(capsys, isolated_home):
    code, call_view, _ = run(capsys, "call", "delete_vm", "vm-nope", "-o", "table")
    assert code == 1
    number = trace_entries(isolated_home)[-1]["n"]
    code, shown, _ = run(capsys, "trace", "show", str(number), "-o", "table")
    assert code == 0
    first, rest = shown.split("\n", 1)
    assert first.startswith(f"trace call {number} · ") and first.endswith("· cpictl")
    assert rest == call_view  # request, outcome, log, stderr, footer with request_id, exit and duration


@pytest.mark.parametrize(("script", "extra"), [
    ("crash.sh", ()), ("garbage.sh", ()), ("nonzero_exit.sh", ()), ("noise_before_json.sh", ()),
    ("truncated.sh", ()), ("closes_pipes_and_hangs.sh", ("--timeout", "1")),
])
def test_show_of_a_misbehaving_cpi_is_the_view_call_printed(capsys, isolated_home, script, extra):
    from tests.conftest import CPIS

    code, call_view, _ = run(capsys, "call", "info", "--cpi", str(CPIS / script), *extra, "-o", "table")
    assert code == 3
    code, shown, _ = run(capsys, "trace", "show", "1", "-o", "table")
    assert shown.split("\n", 1)[1] == call_view  # the failure line, verdicts with reactions, exit or signal


def test_show_json_is_the_entry_and_a_missing_number_is_a_usage_error(capsys, session_calls):
    code, out, _ = run(capsys, "trace", "show", "3", "-o", "json")
    assert code == 0 and json.loads(out) == session_calls[2]
    code, _, err = run(capsys, "trace", "show", "99")
    assert code == 2 and "no call 99" in err and "1 to 4" in err


def test_show_keeps_verdicts_with_both_callers_reactions(capsys, isolated_home, tmp_path):
    from tests.conftest import write_cpi

    v1 = write_cpi(tmp_path / "bare_string.py", "import sys, json\nsys.stdin.read()\n"
                   "json.dump({'result': 'vm-1', 'error': None, 'log': ''}, sys.stdout)\n")
    code, call_view, _ = run(capsys, "call", "create_vm", "a", "s", "{}", "{}", "--cpi", str(v1), "--api-version",
                             "2", "-o", "table")
    assert code == 3
    code, shown, _ = run(capsys, "trace", "show", "1", "-o", "table")
    assert shown.split("\n", 1)[1] == call_view
    assert "director" in shown and "create-env" in shown and "✖ result.v1-shape" in shown


def test_file_reads_any_trace_file(capsys, session_calls, isolated_home, tmp_path):
    copy = tmp_path / "elsewhere.jsonl"
    shutil.copy(isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl.trace.jsonl", copy)
    code, out, _ = run(capsys, "trace", "list", "--file", str(copy), "--session", "other", "-o", "json")
    assert code == 0 and len(json.loads(out)) == len(session_calls)
    code, out, _ = run(capsys, "trace", "show", "2", "--file", str(copy), "-o", "json")
    assert json.loads(out)["request"]["method"] == "create_stemcell"
    code, _, err = run(capsys, "trace", "list", "--file", str(tmp_path / "nope.jsonl"))
    assert code == 2 and "no such file" in err


def test_a_torn_line_is_skipped_by_list_and_show(capsys, session_calls, isolated_home):
    path = Path(isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl.trace.jsonl")
    with path.open("a") as trace:
        trace.write('{"v":1,"n":5,"time":"2026-')  # a writer killed mid-line
    code, out, _ = run(capsys, "trace", "list", "-o", "json", "--last", "2")
    assert code == 0 and [row["n"] for row in json.loads(out)] == [3, 4]


@pytest.mark.parametrize(("argv", "word"), [
    (["/var/vcap/jobs/aws_cpi/bin/cpi"], "aws_cpi"),  # the director's layout: the job names the CPI
    (["/home/op/.bosh/installations/5f1e/jobs/vsphere_cpi/bin/cpi"], "vsphere_cpi"),  # create-env's
    (["/opt/cpis/openstack/bin/cpi"], "openstack/bin/cpi"),  # no jobs/ above bin/: the path's tail
    (["/cpi"], "/cpi"),
])
def test_a_target_without_a_name_is_called_by_its_bosh_job(argv, word):
    from cpictl.traces.reading import target_word

    assert target_word({"target": {"argv": argv, "name": ""}}) == word


def test_entries_of_another_shape_are_read_not_crashed_on(capsys, session_calls, isolated_home):
    """Whole JSON lines a foreign or damaged writer left: a target whose argv is a number, a call without a
    request. Listing and showing go on; sending one again is refused as a usage error (exit 2), never exit 70."""
    path = Path(isolated_home / "state" / "cpictl" / "sessions" / "default.jsonl.trace.jsonl")
    with path.open("a") as trace:
        trace.write('{"v":1,"n":5,"time":"2026-12-06T10:00:00Z","target":{"argv":5}}\n')
        trace.write('{"v":1,"n":6,"time":"2026-12-06T10:00:01Z","request":"create_disk"}\n')
    code, out, err = run(capsys, "trace", "list", "-o", "table")
    assert code == 0 and "internal error" not in err
    for number in ("5", "6"):
        code, _, err = run(capsys, "call", "--from-trace", number)
        assert code == 2 and "holds no request cpictl can send again" in err, err
