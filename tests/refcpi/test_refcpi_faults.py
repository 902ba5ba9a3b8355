"""Fault injection, in-process (fast) for every kind and spec problem; the process-level kinds are also run as real
processes in test_refcpi_process.py."""

from __future__ import annotations

import json
import time

import pytest

from cpictl.refcpi.faults import GARBAGE


def faults(spec: str) -> dict[str, str]:
    return {"CPICTL_REFCPI_FAULTS": spec}


def test_error_fault_with_retry(cpi, stemcell) -> None:
    env = faults("create_vm=error:VMCreationFailed:retry")
    error = cpi.error("create_vm", "a", stemcell, {}, cpi.NETWORKS, [], {}, env=env)
    assert error == {"type": "Bosh::Clouds::VMCreationFailed", "ok_to_retry": True,
                     "message": "injected fault 'error:VMCreationFailed:retry' in create_vm"}
    assert cpi.state()["vms"] == {}, "a failed call changes nothing"
    assert cpi.ok("has_vm", "vm-x", env=env) is False, "other methods are unaffected"


def test_error_fault_without_retry_and_with_a_full_type_name(cpi) -> None:
    error = cpi.error("create_disk", 1, {}, None, env=faults("create_disk=error:Bosh::Clouds::NoDiskSpace"))
    assert (error["type"], error["ok_to_retry"]) == ("Bosh::Clouds::NoDiskSpace", False)
    error = cpi.error("create_disk", 1, {}, None, env=faults("create_disk=error:Bosh::Clouds::DiskNotFound:retry"))
    assert (error["type"], error["ok_to_retry"]) == ("Bosh::Clouds::DiskNotFound", True)
    error = cpi.error("has_vm", "v", env=faults("has_vm=error:Bosh::Custom::Thing"))
    assert error["type"] == "Bosh::Custom::Thing", "types the director does not know are sent as given"


def test_wildcard_applies_to_every_method(cpi) -> None:
    env = faults("*=error:CloudError")
    assert cpi.error("info", env=env)["type"] == "Bosh::Clouds::CloudError"
    env = faults("*=error:CloudError,info=delay:0")
    assert cpi.ok("info", env=env)["api_version"] == 2, "a method's own entry beats the wildcard"


def test_delay_then_normal_answer(cpi) -> None:
    started = time.monotonic()
    assert cpi.ok("has_vm", "v", env=faults("has_vm=delay:0.2")) is False
    assert time.monotonic() - started >= 0.2


@pytest.mark.parametrize("kind", ["hang", "crash", "garbage"])
def test_process_faults_are_handed_to_the_entry_point(cpi, kind: str) -> None:
    reply = cpi.reply("delete_disk", "disk-1", env=faults(f"delete_disk={kind}"))
    assert reply.fault == kind
    assert reply.response is None
    assert reply.stdout_bytes() == (GARBAGE if kind == "garbage" else b"")


def test_garbage_is_not_json_for_the_codec(cpi) -> None:
    from cpictl.protocol.codec import decode_response

    reply = cpi.reply("info", env=faults("info=garbage"))
    decoded = decode_response(reply.stdout_bytes(), method="info", api_version=2)
    assert decoded.document is None
    assert "stdout.not-json" in {v.code for v in decoded.violations}


def test_fail_first_counts_on_disk(cpi) -> None:
    env = faults("create_disk=fail-first:2")
    for call in (1, 2):
        error = cpi.error("create_disk", 1024, {}, None, env=env)
        assert error["type"] == "Bosh::Clouds::CloudError"
        assert error["message"] == (f"injected fault 'fail-first:2' in create_disk: call {call} of the first 2 "
                                    "fails")
    assert cpi.ok("create_disk", 1024, {}, None, env=env).startswith("disk-")
    assert cpi.ok("create_disk", 1024, {}, None, env=env).startswith("disk-")
    assert (cpi.state_dir / "faults" / "create_disk.count").read_text().strip() == "4"
    assert len(cpi.state()["disks"]) == 2


def test_cloud_properties_fault_for_one_call(cpi, stemcell) -> None:
    properties = {"instance_type": "x", "refcpi_fault": "error:VMCreationFailed:retry"}
    error = cpi.error("create_vm", "a", stemcell, properties, cpi.NETWORKS, [], {})
    assert (error["type"], error["ok_to_retry"]) == ("Bosh::Clouds::VMCreationFailed", True)
    reply = cpi.reply("create_disk", 1, {"refcpi_fault": "crash"}, None)
    assert reply.fault == "crash"
    # The call's own fault wins over the environment's.
    error = cpi.error("create_disk", 1, {"refcpi_fault": "error:NoDiskSpace"}, None,
                      env=faults("create_disk=error:CloudError"))
    assert error["type"] == "Bosh::Clouds::NoDiskSpace"


@pytest.mark.parametrize(("spec", "fragment"), [
    ("create_vm", "expected <method>=<fault>"),
    ("make_tea=hang", "unknown method 'make_tea'"),
    ("create_vm=explode", "unknown kind 'explode'"),
    ("create_vm=error", "expected error:<Type>[:retry]"),
    ("create_vm=error:Not A Type", "is not an error type name"),
    ("create_vm=error:CloudError:retry", "Bosh::Clouds::CloudError is not retriable"),
    ("create_vm=error:VMCreationFailed:again", "the optional third part must be 'retry'"),
    ("create_vm=delay", "expected delay:<seconds>"),
    ("create_vm=delay:soon", "delay needs a number of seconds"),
    ("create_vm=delay:-1", "delay needs a number of seconds"),
    ("create_vm=delay:nan", "delay needs a number of seconds"),
    ("create_vm=fail-first:x", "fail-first needs a whole number"),
    ("create_vm=hang:5", "expected hang"),
    ("create_vm=short-error", "expected short-error:<Type>[:retry]"),
    ("create_vm=short-error:CloudError:retry", "Bosh::Clouds::CloudError is not retriable"),
    ("create_vm=noise:lots", "noise needs a whole number of lines"),
    ("create_vm=noise:1:2", "expected noise[:<lines>]"),
    ("create_vm=empty-id:1", "expected empty-id"),
    ("info=info-version", "expected info-version:<N|none>"),
    ("info=info-version:two", "info-version needs a whole number or 'none'"),
    ("info=info-version:--1", "info-version needs a whole number or 'none'"),
])
def test_malformed_fault_specs_are_clear_cpi_errors(cpi, spec: str, fragment: str) -> None:
    error = cpi.error("has_vm", "v", env=faults(spec))
    assert error["type"] == "Bosh::Clouds::CpiError"
    assert "CPICTL_REFCPI_FAULTS" in error["message"]
    assert fragment in error["message"]


def test_malformed_cloud_properties_fault(cpi) -> None:
    error = cpi.error("create_disk", 1, {"refcpi_fault": 5}, None)
    assert error["type"] == "Bosh::Clouds::CpiError"
    assert "cloud_properties.refcpi_fault" in error["message"]


def test_request_validation_comes_before_faults(cpi) -> None:
    reply = cpi.raw(b"not json", faults("*=crash"))
    assert reply.fault is None
    assert reply.response["error"]["type"] == "InvalidCall"


# ---- the faults that rehearse the verdicts of contract §13 ----

def answer(cpi, method: str, *arguments, spec: str, api_version: int | None = 2):
    """The reply to one call under `spec`, unchecked: these faults break the contract on purpose."""
    return cpi.raw(cpi.build_request(method, list(arguments), api_version), faults(spec))


def test_noise_comes_before_the_normal_answer(cpi) -> None:
    reply = answer(cpi, "create_disk", 1024, {}, None, spec="create_disk=noise:3")
    lines = reply.stdout_bytes().decode().splitlines()
    assert len(lines) == 4 and all("noise" in line or "stdout" in line for line in lines[:3])
    assert json.loads(lines[3])["result"] in cpi.state()["disks"], "the disk was made as usual"
    default = answer(cpi, "info", spec="info=noise").stdout_bytes().decode().splitlines()
    assert len(default) == 3


def test_short_error_sends_the_last_segment_and_keeps_ok_to_retry(cpi) -> None:
    error = answer(cpi, "create_vm", "a", "s", {}, cpi.NETWORKS, [], {},
                   spec="create_vm=short-error:VMCreationFailed:retry").response["error"]
    assert (error["type"], error["ok_to_retry"]) == ("VMCreationFailed", True)
    error = answer(cpi, "delete_vm", "vm-x", spec="delete_vm=short-error:Bosh::Clouds::VMNotFound").response["error"]
    assert error["type"] == "VMNotFound"


def test_empty_id_makes_the_object_and_answers_an_empty_id(cpi, stemcell) -> None:
    result = answer(cpi, "create_disk", 1024, {}, None, spec="create_disk=empty-id").response["result"]
    assert result == "" and len(cpi.state()["disks"]) == 1, "the disk exists: a caller that refuses '' leaks it"
    result = answer(cpi, "create_vm", "a", stemcell, {}, cpi.NETWORKS, [], {},
                    spec="create_vm=empty-id").response["result"]
    assert result[0] == "" and isinstance(result[1], dict) and len(cpi.state()["vms"]) == 1
    assert answer(cpi, "create_vm", "b", stemcell, {}, cpi.NETWORKS, [], {}, spec="create_vm=empty-id",
                  api_version=1).response["result"] == ""


def test_info_version_reports_another_version_or_none(cpi) -> None:
    assert answer(cpi, "info", spec="info=info-version:1").response["result"]["api_version"] == 1
    assert "api_version" not in answer(cpi, "info", spec="info=info-version:none").response["result"]
    assert cpi.ok("has_vm", "v", env=faults("info=info-version:1")) is False, "the CPI still serves version 2"


@pytest.mark.parametrize(("spec", "method", "arguments", "fragment"), [
    ("*=empty-id", "delete_vm", ["vm-1"], "empty-id needs a method that creates a cloud ID"),
    ("*=empty-id", "update_disk", ["disk-1", 10, {}], "empty-id needs a method that creates a cloud ID"),
    ("*=numeric-lun", "create_disk", [1, {}, None], "numeric-lun needs attach_disk"),
    ("*=info-version:1", "has_vm", ["v"], "info-version applies to info only"),
])
def test_answer_faults_that_do_not_fit_the_method_say_so(cpi, spec, method, arguments, fragment) -> None:
    error = cpi.error(method, *arguments, env=faults(spec))
    assert error["type"] == "Bosh::Clouds::CpiError" and fragment in error["message"]


def test_numeric_lun_needs_a_v2_attach(cpi, stemcell) -> None:
    vm_cid, disk_cid = cpi.vm(stemcell), cpi.disk()
    error = cpi.error("attach_disk", vm_cid, disk_cid, api_version=1, env=faults("attach_disk=numeric-lun"))
    assert "numeric-lun needs attach_disk at api_version 2" in error["message"]
    hint = answer(cpi, "attach_disk", vm_cid, disk_cid, spec="attach_disk=numeric-lun").response["result"]
    assert isinstance(hint["lun"], int) and hint["path"].startswith("/dev/")
