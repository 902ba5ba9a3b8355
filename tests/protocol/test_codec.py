"""Table-driven byte cases for the request encoder and the response decoder with its contract check."""

from __future__ import annotations

import json

import pytest

from cpictl.protocol.codec import Request, build_context, decode_response, encode_request

OK_INFO = b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'


def codes(stdout: bytes, method: str | None = "info", api_version: int | None = 2, exit_code: int | None = 0,
          **kwargs: bool) -> dict[str, str]:
    decoded = decode_response(stdout, method=method, api_version=api_version, exit_code=exit_code, **kwargs)
    return {v.code: v.severity for v in decoded.violations}


def test_request_is_one_line_in_the_directors_key_order_without_a_trailing_newline():
    data = encode_request(Request("attach_disk", ["vm-1", "disk-1"], {"director_uuid": "u"}, 2))
    assert data == b'{"method":"attach_disk","arguments":["vm-1","disk-1"],"context":{"director_uuid":"u"},' \
                   b'"api_version":2}'


def test_api_version_none_omits_the_key_and_unicode_is_utf8():
    data = encode_request(Request("info", [], {"director_uuid": "ü"}, None))
    assert b"api_version" not in data and "ü".encode() in data


@pytest.mark.parametrize(("method", "stemcell", "expected_vm"), [
    ("create_vm", 2, {"stemcell": {"api_version": 2}}),
    ("delete_vm", 1, {"stemcell": {"api_version": 1}}),
    ("attach_disk", 3, {"stemcell": {"api_version": 3}}),
    ("detach_disk", 2, {"stemcell": {"api_version": 2}}),
    ("create_disk", 2, None),  # the director sends no stemcell version for it
    ("set_vm_metadata", 2, None),
    ("create_vm", None, None),  # --stemcell-api-version none
])
def test_context_carries_the_stemcell_version_only_where_the_director_sends_it(method, stemcell, expected_vm):
    context = build_context("uuid", "cpi-123456", method, stemcell, {"region": "eu", "vm.extra": 1})
    assert context["director_uuid"] == "uuid" and context["request_id"] == "cpi-123456"
    assert context["region"] == "eu"
    vm = {k: v for k, v in (context.get("vm") or {}).items() if k != "extra"} or None
    assert vm == expected_vm
    assert context["vm"]["extra"] == 1  # dotted extra keys nest


DECODE_CASES = [
    # (name, stdout, method, api_version, exit code, expected {code: severity})
    ("ok", OK_INFO, "info", 2, 0, {}),
    ("empty", b"", "info", 2, 0, {"stdout.empty": "error"}),
    ("whitespace only", b" \n\t", "info", 2, 0, {"stdout.empty": "error"}),
    ("garbage", b"Traceback (most recent call last):\n  boom", "info", 2, 0, {"stdout.not-json": "error"}),
    ("truncated", OK_INFO[:30], "info", 2, 0, {"stdout.not-json": "error"}),
    ("noise before json", b"loading config\nwarning: x\n" + OK_INFO, "info", 2, 0, {"stdout.noise": "warning"}),
    ("bad utf-8 in log", b'{"result":null,"error":null,"log":"\xff\xfe"}', "ping", 2, 0,
     {"stdout.invalid-utf8": "warning"}),
    ("not an object", b"[1, 2]", "info", 2, 0, {"response.not-object": "error"}),
    ("missing log", b'{"result":true,"error":null}', "has_vm", 2, 0, {"response.missing-log": "error"}),
    ("missing result", b'{"error":null,"log":""}', "has_vm", 2, 0, {"response.missing-result": "error"}),
    ("log null", b'{"result":true,"error":null,"log":null}', "has_vm", 2, 0, {"response.log-type": "error"}),
    ("malformed error", b'{"result":null,"error":{"type":"X"},"log":""}', "has_vm", 2, 0,
     {"response.malformed-error": "error"}),
    ("unknown error type", b'{"result":null,"error":{"type":"Oops","message":"m","ok_to_retry":false},"log":""}',
     "has_vm", 2, 0, {"error.unknown-type": "warning"}),
    ("known error type", b'{"result":null,"error":{"type":"Bosh::Clouds::VMNotFound","message":"m",'
     b'"ok_to_retry":false},"log":""}', "delete_vm", 2, 0, {}),
    ("legacy not implemented", b'{"result":null,"error":{"type":"Bosh::Clouds::CloudError","message":'
     b'"Invalid Method: x","ok_to_retry":false},"log":""}', "ping", 2, 0, {"error.legacy-not-implemented": "warning"}),
    ("v2 create_vm bare string", b'{"result":"vm-1","error":null,"log":""}', "create_vm", 2, 0,
     {"result.v1-shape": "error"}),
    ("v1 create_vm bare string", b'{"result":"vm-1","error":null,"log":""}', "create_vm", 1, 0, {}),
    ("v2 create_vm tuple", b'{"result":["vm-1",{}],"error":null,"log":""}', "create_vm", 2, 0, {}),
    ("v2 attach_disk null", b'{"result":null,"error":null,"log":""}', "attach_disk", 2, 0,
     {"result.no-disk-hint": "error"}),
    ("v2 attach_disk {}", b'{"result":{},"error":null,"log":""}', "attach_disk", 2, 0,
     {"result.no-disk-hint": "error"}),
    ("v2 attach_disk numeric lun", b'{"result":{"lun":0},"error":null,"log":""}', "attach_disk", 2, 0,
     {"result.hint-not-string": "error"}),
    ("v2 attach_disk string hint", b'{"result":"/dev/sdc","error":null,"log":""}', "attach_disk", 2, 0, {}),
    ("v1 attach_disk null", b'{"result":null,"error":null,"log":""}', "attach_disk", 1, 0, {}),
    ("has_vm not boolean", b'{"result":"yes","error":null,"log":""}', "has_vm", 2, 0, {"result.not-boolean": "error"}),
    ("detach true is tolerated", b'{"result":true,"error":null,"log":""}', "detach_disk", 2, 0,
     {"result.unexpected-value": "warning"}),
    ("info without api_version", b'{"result":{"stemcell_formats":[]},"error":null,"log":""}', "info", 2, 0,
     {"info.no-api-version": "warning"}),
    ("info api_version string", b'{"result":{"stemcell_formats":[],"api_version":"2"},"error":null,"log":""}',
     "info", 2, 0, {"info.api-version-type": "error"}),
    ("nonzero exit with a valid response", OK_INFO, "info", 2, 1, {"exit.nonzero": "error"}),
    ("empty create_disk cid", b'{"result":"","error":null,"log":""}', "create_disk", 2, 0,
     {"result.empty-cid": "error"}),
    ("update_disk null keeps the cid", b'{"result":null,"error":null,"log":""}', "update_disk", 2, 0, {}),
]


@pytest.mark.parametrize(("name", "stdout", "method", "api_version", "exit_code", "expected"), DECODE_CASES,
                         ids=[case[0] for case in DECODE_CASES])
def test_decode_classifies_every_byte_case(name, stdout, method, api_version, exit_code, expected):
    assert codes(stdout, method, api_version, exit_code) == expected


def test_not_json_shows_the_first_500_bytes():
    garbage = b"<html>" + b"x" * 2000
    decoded = decode_response(garbage, method="info", api_version=2)
    message = next(v.message for v in decoded.violations if v.code == "stdout.not-json")
    assert "<html>" in message and "x" * 494 in message and "x" * 600 not in message
    assert "ParserError" in message and "Unmarshalling" in message  # what the director and create-env do


def test_noise_recovery_keeps_the_document():
    decoded = decode_response(b"noise\n" + OK_INFO, method="info", api_version=2)
    assert decoded.result == {"api_version": 2, "stemcell_formats": ["raw"]}


def test_truncated_stdout_is_an_error_even_when_what_came_is_json():
    assert codes(OK_INFO, stdout_truncated=True) == {"stdout.too-large": "error"}


def test_cpi_error_is_data():
    stdout = json.dumps({"result": None, "error": {"type": "Bosh::Clouds::VMCreationFailed", "message": "capacity",
                                                   "ok_to_retry": True}, "log": ""}).encode()
    decoded = decode_response(stdout, method="create_vm", api_version=2)
    assert decoded.error is not None and decoded.error.ok_to_retry and decoded.error.type.endswith("Failed")
    assert not decoded.succeeded
