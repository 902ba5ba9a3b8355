"""`cpictl check` against the bundled reference CPI, as a user runs it (a real subprocess): every check passes as
the director and as create-env, at api_version 3 (the director's) and 2 (create-env's, and the director's against
a v2 CPI); the reports carry every check; the summary fits 80 columns; nothing is left behind.

Two runs serve every test here, each made once per test session (`shared_check`): the whole suite as both callers
against a v3 reference CPI, and the director against a v2 one.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cpictl.conformance.groups import GROUP_NAMES
from tests.check.conftest import CheckProcess, live_ids, shared_check

#: The methods the issue's checks exercise (every method of the contract the director or create-env calls).
EXERCISED = {"info", "create_stemcell", "delete_stemcell", "create_vm", "delete_vm", "has_vm", "reboot_vm",
             "set_vm_metadata", "calculate_vm_cloud_properties", "create_disk", "delete_disk", "resize_disk",
             "update_disk", "has_disk", "attach_disk", "detach_disk", "set_disk_metadata", "get_disks",
             "snapshot_disk", "delete_snapshot"}


@pytest.fixture
def v3_both(tmp_path_factory: pytest.TempPathFactory) -> CheckProcess:
    return shared_check(tmp_path_factory, "v3-both", "--report-junit", "{base}/report.xml",
                        CPICTL_REFCPI_API_VERSION="3")


@pytest.fixture
def v2_director(tmp_path_factory: pytest.TempPathFactory) -> CheckProcess:
    return shared_check(tmp_path_factory, "v2-director", "--as", "director", "-o", "json")


def test_every_check_passes_as_both_callers_at_their_versions(v3_both: CheckProcess) -> None:
    report = v3_both.report
    assert v3_both.exit_code == 0, v3_both.proc.stdout + v3_both.proc.stderr
    assert report is not None and report["status"] == "passed"
    assert report["counts"]["failed"] == 0
    versions = {caller["caller"]: caller["api_version"] for caller in report["callers"]}
    assert versions == {"director": 3, "create-env": 2}
    # each caller ran every group, and the director every check (create-env skips only what it never calls)
    for caller in ("director", "create-env"):
        groups = {c["group"] for c in report["checks"] if c["caller"] == caller and c["status"] == "passed"}
        assert groups == set(GROUP_NAMES)
    skipped = [c for c in report["checks"] if c["status"] == "skipped"]
    assert skipped and all(c["caller"] == "create-env" and "create-env never calls" in c["reason"] for c in skipped)
    assert set(report["coverage"]["methods"]) >= EXERCISED
    assert all(3 in report["coverage"]["methods"][m] and 2 in report["coverage"]["methods"][m]
               for m in ("create_vm", "attach_disk", "delete_disk", "set_vm_metadata"))


def test_the_director_passes_a_v2_cpi_too(v2_director: CheckProcess) -> None:
    assert v2_director.exit_code == 0, v2_director.proc.stderr
    report = v2_director.report
    assert report is not None and [c["caller"] for c in report["callers"]] == ["director"]
    assert report["callers"][0]["api_version"] == 2
    assert report["counts"] == {"passed": report["counts"]["passed"], "failed": 0, "skipped": 0,
                                "warnings": report["counts"]["warnings"]}
    # -o json on stdout is the report's document
    import json

    assert json.loads(v2_director.proc.stdout)["checks"] == report["checks"]


def test_nothing_is_left_behind(v3_both: CheckProcess, v2_director: CheckProcess) -> None:
    for run in (v3_both, v2_director):
        assert run.report is not None and run.report["leftovers"] == []
        assert live_ids(run.base) == []
        from cpictl.refcpi import read_state

        state = read_state(run.base / "refcpi")
        assert not any(state.get(kind) for kind in ("vms", "disks", "stemcells", "snapshots"))


def test_the_summary_reads_at_80_columns(v3_both: CheckProcess) -> None:
    out = v3_both.proc.stdout
    assert all(len(line) <= 80 for line in out.splitlines()), out
    table = out[out.index("group "):out.index("coverage:")].splitlines()
    assert [line.rstrip() for line in table] == [
        "group       director      create-env",
        "──────────────────────────────────────────",
        "info        ✔ 2           ✔ 2",
        "stemcells   ✔ 2           ✔ 2",
        "vms         ✔ 8           ✔ 6  ↷ 2",
        "disks       ✔ 13          ✔ 7  ↷ 6",
        "errors      ✔ 15  ⚠ 2     ✔ 14  ⚠ 2  ↷ 1",
        "settings    ✔ 5           ✔ 5",
        "──────────────────────────────────────────",
        "total       ✔ 45  ⚠ 2     ✔ 36  ⚠ 2  ↷ 9",
        "✔ passed  ⚠ passed with warnings  ✖ failed  ↷ skipped",
    ]
    assert "director   api_version 3 (negotiated: the CPI reports 3, the director prefers" in out
    assert "passed: no caller breaks on this CPI" in out


def test_the_reports_carry_every_check(v3_both: CheckProcess) -> None:
    report = v3_both.report
    assert report is not None
    checks = report["checks"]
    assert len(checks) == report["counts"]["passed"] + report["counts"]["skipped"]
    attach = next(c for c in checks if c["caller"] == "director" and c["id"] == "attach")
    assert attach["request"]["method"] == "attach_disk" and attach["request"]["api_version"] == 3
    assert attach["response"]["result"]["path"].startswith("/dev/")
    assert attach["file"].endswith("disks.yml") and attach["line"] > 0
    root = ET.parse(v3_both.base / "report.xml").getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == len(checks)
    suites = {suite.get("name") for suite in root.findall("testsuite")}
    assert suites == {f"{caller}: {group}" for caller in ("director", "create-env") for group in GROUP_NAMES}
    assert len(root.findall(".//skipped")) == report["counts"]["skipped"]
    assert root.get("failures") == "0" and root.get("errors") == "0"


def test_the_journal_has_every_id_the_check_made(v3_both: CheckProcess) -> None:
    from cpictl.store import CloudIdStore

    state = CloudIdStore(v3_both.base / "state" / "cpictl" / "sessions" / "default.jsonl").replay()
    kinds = {str(record.kind) for record in state.records}
    assert {"vm", "disk", "stemcell", "snapshot"} <= kinds
    assert not state.live()
    assert all(record.status == "deleted" for record in state.records)
