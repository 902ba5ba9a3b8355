"""Each reference-CPI fault that breaks a method makes exactly the checks that call that method fail — as the
caller that breaks on it, and only that one — with the explanation a user needs: the verdict and what each caller
does, or the expectation and why it matters. Checks that need a failed step are skipped, not failed.

The suite runs in-process against the reference CPI's own code (`inprocess_refcpi`: same requests and bytes, no
processes), once per fault, with only the groups the fault's method is in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.check.conftest import check_in_process, failing_in

BOTH = ("director", "create-env")
DIRECTOR = ("director",)

#: fault, groups, callers, the failing checks by caller, a word every failure of it must say
FAULTS: list[tuple[str, tuple[str, ...], tuple[str, ...], dict[str, set[str]], str]] = [
    ("info=garbage", ("info",), BOTH,
     {"director": {"info.negotiation", "info.info"}, "create-env": {"info.negotiation", "info.info"}},
     "stdout.not-json"),
    ("info=info-version:1", ("info", "stemcells"), BOTH,
     {"director": {"info.negotiation", "info.info"}, "create-env": set()}, "CPI API version 1 is not supported"),
    # create-env takes a NotImplemented info as api_version 1; the director refuses the CPI
    ("info=error:NotImplemented", ("info", "stemcells"), BOTH,
     {"director": {"info.negotiation"}, "create-env": set()}, "CPI must report api_version via info"),
    ("create_vm=error:CloudError", ("vms",), DIRECTOR, {"director": {"vms.vm"}}, "Bosh::Clouds::CloudError"),
    ("delete_vm=short-error:VMNotFound", ("vms", "errors"), DIRECTOR,
     {"director": {"vms.delete_vm", "errors.delete_unknown_vm", "errors.delete_vm"}}, "error.short-type-name"),
    ("has_vm=crash", ("vms",), BOTH,
     {"director": {"vms.has_vm", "vms.has_vm_after_delete"}, "create-env": {"vms.has_vm", "vms.has_vm_after_delete"}},
     "signal 9"),
    ("attach_disk=numeric-lun", ("disks",), BOTH, {"director": {"disks.attach"}, "create-env": {"disks.attach"}},
     "result.hint-not-string"),
    ("create_disk=empty-id", ("disks",), DIRECTOR, {"director": {"disks.disk"}}, "result.empty-cid"),
    # the reference CPI prints its noise before a normal answer only: its DiskNotFound answers come clean
    ("delete_disk=noise", ("errors",), DIRECTOR, {"director": {"errors.delete_disk"}}, "stdout.noise"),
    ("reboot_vm=error:CloudError", ("vms",), BOTH, {"director": {"vms.reboot_vm"}, "create-env": set()},
     "Bosh::Clouds::CloudError"),
    ("get_disks=fail-first:9", ("disks",), DIRECTOR, {"director": {"disks.get_disks"}}, "Bosh::Clouds::CloudError"),
    ("detach_disk=error:CloudError", ("errors",), DIRECTOR, {"director": {"errors.detach_detached"}},
     "expected error Bosh::Clouds::DiskNotAttached"),
    ("delete_stemcell=crash", ("stemcells",), BOTH,
     {"director": {"stemcells.delete_stemcell"}, "create-env": {"stemcells.delete_stemcell"}}, "signal 9"),
]


def _explained(result: Any) -> str:
    return " ".join([*result.failures, *(f"{v.code} {v.message} {v.director.why} {v.create_env.why}"
                                         for v in result.breaks)])


@pytest.mark.parametrize(("fault", "groups", "callers", "expected", "word"), FAULTS, ids=[f[0] for f in FAULTS])
def test_a_fault_fails_exactly_the_checks_of_its_method(fault: str, groups: tuple[str, ...],
                                                        callers: tuple[str, ...], expected: dict[str, set[str]],
                                                        word: str, tmp_path: Path, inprocess_refcpi: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", fault)
    report = check_in_process(callers=callers, groups=groups, journal=tmp_path / "journal.jsonl")
    assert failing_in(report) == expected
    method = fault.split("=")[0]
    for result in report.failed:
        assert result.outcome is not None and result.outcome.request.method == method  # the call that broke
        assert word in _explained(result), _explained(result)
        if result.misbehaved:  # a verdict says what its own caller does, and that it breaks
            assert result.breaks or result.failures
            assert all((v.director if result.caller == "director" else v.create_env).does != "ignores"
                       for v in result.breaks)
        else:
            assert result.why, f"{result.key} says no caller behaviour it protects"
    assert report.exit_code == (0 if not report.failed else 3 if any(r.misbehaved for r in report.failed) else 4)


def test_a_failed_step_skips_the_checks_that_need_it(tmp_path: Path, inprocess_refcpi: None,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "create_vm=error:CloudError")
    report = check_in_process(callers=DIRECTOR, groups=("vms",), journal=tmp_path / "journal.jsonl")
    skipped = {r.id: r.reason for r in report.results if r.status == "skipped"}
    assert skipped["has_vm"] == "needs step 'create_vm answers the VM's ID', which failed"
    assert set(skipped) == {"has_vm", "reboot_vm", "set_vm_metadata", "delete_vm", "has_vm_after_delete"}
    assert report.count("passed", group="vms") == 2  # the stemcell, and sizing needs no VM


def test_not_implemented_where_the_contract_allows_it_is_a_skip(tmp_path: Path, inprocess_refcpi: None,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS",
                       "set_vm_metadata=error:NotImplemented,resize_disk=error:NotSupported")
    report = check_in_process(callers=DIRECTOR, groups=("vms", "disks"), journal=tmp_path / "journal.jsonl")
    assert not report.failed
    reasons = {r.key: r.reason for r in report.results if r.status == "skipped"}
    assert reasons == {
        "vms.set_vm_metadata": "the CPI answered NotImplemented: it does not do set_vm_metadata (the director and "
                               "create-env ignore it)",
        "disks.resize": "the CPI answered NotSupported: it does not do resize_disk (the director falls back to "
                        "creating a new disk and copying the data)",
    }
