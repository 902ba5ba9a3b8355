"""Table-driven byte cases for the request encoder and the response decoder with its contract check."""

from __future__ import annotations

import json

import pytest

from cpictl.protocol.catalogue import METHODS, cloud_id_changes
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
    ("noise before json", b"loading config\nwarning: x\n" + OK_INFO, "info", 2, 0, {"stdout.noise": "error"}),
    ("bad utf-8 in log", b'{"result":null,"error":null,"log":"\xff\xfe"}', "ping", 2, 0,
     {"stdout.invalid-utf8": "error"}),
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
     {"info.no-api-version": "error"}),
    ("info api_version string", b'{"result":{"stemcell_formats":[],"api_version":"2"},"error":null,"log":""}',
     "info", 2, 0, {"info.api-version-type": "error"}),
    ("nonzero exit with a valid response", OK_INFO, "info", 2, 1, {"exit.nonzero": "error"}),
    ("empty create_disk cid", b'{"result":"","error":null,"log":""}', "create_disk", 2, 0,
     {"result.empty-cid": "error"}),
    ("update_disk null keeps the cid", b'{"result":null,"error":null,"log":""}', "update_disk", 2, 0, {}),
    # hostile answers (issue 10): each gets what the callers' parsers would do with it
    ("lone surrogate in the id", b'{"result":["vm-\\ud800",{}],"error":null,"log":""}', "create_vm", 2, 0,
     {"json.lone-surrogate": "error"}),
    ("lone surrogate in the log only", b'{"result":["vm-1",{}],"error":null,"log":"\\udfff"}', "create_vm", 2, 0,
     {"json.lone-surrogate": "error"}),
    ("surrogate pair", b'{"result":["vm-\\ud83d\\ude00",{}],"error":null,"log":""}', "create_vm", 2, 0, {}),
    ("NUL in the id", b'{"result":"disk-\\u0000","error":null,"log":""}', "create_disk", 2, 0,
     {"cloud-id.nul": "error"}),
    ("newline and tab in the id", b'{"result":"disk-a\\nb\\tc","error":null,"log":""}', "create_disk", 2, 0,
     {"cloud-id.control-characters": "warning"}),
    ("escape sequence in the id", b'{"result":["vm-\\u001b[2J",{}],"error":null,"log":""}', "create_vm", 2, 0,
     {"cloud-id.control-characters": "warning"}),
    ("10,000-character id", b'{"result":"' + b"d" * 10_000 + b'","error":null,"log":""}', "create_disk", 2, 0,
     {"cloud-id.long": "warning"}),
    ("controls in a has_vm answer are no id", b'{"result":true,"error":null,"log":"\\u001b[2J"}', "has_vm", 2, 0,
     {}),
    ("100 levels: the director's limit", b'{"result":["vm-1",' + b"[" * 98 + b"]" * 98 + b'],"error":null,"log":""}',
     "create_vm", 2, 0, {"result.networks-type": "warning"}),
    ("101 levels", b'{"result":["vm-1",' + b"[" * 99 + b"1" + b"]" * 99 + b'],"error":null,"log":""}',
     "create_vm", 2, 0, {"json.too-deep": "error", "result.networks-type": "warning"}),
    ("101 levels, the last one empty", b'{"result":["vm-1",' + b"[" * 99 + b"]" * 99 + b'],"error":null,"log":""}',
     "create_vm", 2, 0, {"result.networks-type": "warning"}),  # Ruby json does not count an empty array
    ("1,000 deep around the id", b'{"result":' + b"[" * 1_000 + b'"vm-1",{}' + b"]" * 1_000 + b',"error":null,'
     b'"log":""}', "create_vm", 2, 0, {"json.too-deep": "error", "result.wrong-type": "error",
                                      "result.tuple-length": "warning"}),
    ("100,000 deep", b'{"result":' + b"[" * 100_000 + b"]" * 100_000 + b',"error":null,"log":""}', "ping", 2, 0,
     {"json.too-deep": "error"}),
    ("5,000-digit integer beside the id", b'{"result":["vm-1",{"n":' + b"7" * 5_000 + b'}],"error":null,"log":""}',
     "create_vm", 2, 0, {"json.number-beyond-float": "error"}),
    ("5,000-digit integer as the id", b'{"result":' + b"7" * 5_000 + b',"error":null,"log":""}', "create_disk", 2, 0,
     {"json.number-beyond-float": "error", "result.wrong-type": "error"}),
    ("NaN as the result", b'{"result":NaN,"error":null,"log":""}', "create_disk", 2, 0,
     {"json.non-finite": "error", "result.wrong-type": "error"}),
    ("-Infinity beside the id", b'{"result":["vm-1",{"x":-Infinity}],"error":null,"log":""}', "create_vm", 2, 0,
     {"json.non-finite": "error"}),
    ("NaN after noise", b"starting\n" + b'{"result":NaN,"error":null,"log":""}', "ping", 2, 0,
     {"json.non-finite": "error", "stdout.noise": "error"}),
    ("NaN as ok_to_retry", b'{"result":null,"error":{"type":"Bosh::Clouds::CloudError","message":"m",'
     b'"ok_to_retry":NaN},"log":""}', "delete_vm", 2, 0,
     {"json.non-finite": "error", "response.malformed-error": "error"}),
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
    violation = next(v for v in decoded.violations if v.code == "stdout.not-json")
    assert "ParserError" in violation.director.why and "Unmarshalling" in violation.create_env.why


def test_noise_recovery_keeps_the_document():
    decoded = decode_response(b"noise\n" + OK_INFO, method="info", api_version=2)
    assert decoded.result == {"api_version": 2, "stemcell_formats": ["raw"]}


def test_truncated_stdout_is_said_and_the_cut_part_judged():
    # cpictl's own limit: both callers read stdout to its end, so the cut alone is no caller's failure …
    assert codes(OK_INFO, stdout_truncated=True) == {"stdout.too-large": "warning"}
    # … and what cpictl kept of a cut answer is judged as what it is
    decoded = decode_response(OK_INFO[:40], method="info", api_version=2, stdout_truncated=True)
    cut = next(v for v in decoded.violations if v.code == "stdout.not-json")
    assert cut.severity == "error" and cut.message.startswith("the part of stdout cpictl kept is not JSON")


def test_cpi_error_is_data():
    stdout = json.dumps({"result": None, "error": {"type": "Bosh::Clouds::VMCreationFailed", "message": "capacity",
                                                   "ok_to_retry": True}, "log": ""}).encode()
    decoded = decode_response(stdout, method="create_vm", api_version=2)
    assert decoded.error is not None and decoded.error.ok_to_retry and decoded.error.type.endswith("Failed")
    assert not decoded.succeeded


@pytest.mark.parametrize("cid", ["vm-\ud800", "vm-\udc00x", "vm-é\ud800\x00\n\t\x1b[2J", "d" * 10_000])
def test_a_request_carries_back_exactly_the_id_the_cpi_gave(cid):
    data = encode_request(Request("delete_vm", [cid], {"director_uuid": "u"}, 2))
    assert b"\n" not in data  # still one line
    assert json.loads(data)["arguments"] == [cid]


def test_bytes_that_are_not_utf8_go_back_as_the_same_bytes():
    decoded = decode_response(b'{"result":"disk-\xff\xfe\xc3","error":null,"log":""}', method="create_disk",
                              api_version=2)
    cid = decoded.result
    # each byte kept (surrogateescape), none replaced by U+FFFD; compared as ASCII, which a failure report can print
    assert ascii(cid) == ascii("disk-\udcff\udcfe\udcc3")
    assert {"stdout.invalid-utf8", "cloud-id.invalid-utf8"} <= {v.code for v in decoded.violations}
    data = encode_request(Request("attach_disk", ["vm-\ud800é", cid], {"director_uuid": "u"}, 2))
    # the raw bytes as the CPI wrote them, beside a lone surrogate only a JSON escape can carry and UTF-8 text
    assert b'"arguments":["vm-\\ud800\xc3\xa9","disk-\xff\xfe\xc3"]' in data


def test_a_big_number_from_an_answer_goes_out_as_its_digits():
    result = decode_response(b'{"result":{"n":' + b"7" * 5_000 + b'},"error":null,"log":""}', method="ping",
                             api_version=2).result
    data = encode_request(Request("set_vm_metadata", ["vm-1", result], {"director_uuid": "u"}, 2))
    assert b'"n":' + b"7" * 5_000 + b"}" in data


@pytest.mark.parametrize(("method", "stdout", "cid"), [
    ("create_disk", b'{"result":NaN,"error":null,"log":""}', None),
    ("create_disk", b'{"result":Infinity,"error":null,"log":""}', None),
    ("create_disk", b'{"result":' + b"7" * 5_000 + b',"error":null,"log":""}', None),
    ("create_disk", b'{"result":1e400,"error":null,"log":""}', None),
    ("create_disk", b'{"result":true,"error":null,"log":""}', None),
    ("create_disk", b'{"result":42,"error":null,"log":""}', "42"),  # a plain number names what was made
    ("create_vm", b'{"result":["vm-1",{"x":NaN}],"error":null,"log":""}', "vm-1"),  # NaN beside: the ID is kept
    ("create_vm", b'{"result":' + b"[" * 1_000 + b'"vm-1",{}' + b"]" * 1_000 + b',"error":null,"log":""}', "vm-1"),
    ("create_vm", b'{"result":' + b"[" * 100_000 + b'"vm-1"' + b"]" * 100_000 + b',"error":null,"log":""}', "vm-1"),
    ("create_vm", b'{"result":[[["vm-1"]]],"error":null,"log":""}', "vm-1"),
    ("create_vm", b'{"result":[{"id":"vm-1"}],"error":null,"log":""}', None),
])
def test_what_the_journal_takes_as_the_created_id(method, stdout, cid):
    decoded = decode_response(stdout, method=method, api_version=2)
    changes = cloud_id_changes(METHODS[method], [], decoded.result, 2, succeeded=True)
    assert [c for _, c in changes.created] == ([cid] if cid else [])
