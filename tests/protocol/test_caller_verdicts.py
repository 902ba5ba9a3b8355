"""What each caller does, verdict by verdict (contract §13), and the one severity rule over every violation cpictl
can produce: `error` exactly when a caller fails, crashes, misreads or refuses all calls; `warning` when both
ignore the mistake."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from cpictl.protocol import process_verdicts
from cpictl.protocol.codec import decode_response
from cpictl.protocol.violations import DOES, Violation, ignores
from tests.protocol.test_codec import DECODE_CASES

ROOT = Path(__file__).resolve().parents[2]


def envelope(result: str, log: str = '""') -> bytes:
    return b'{"result":' + result.encode() + b',"error":null,"log":' + log.encode() + b"}"


def error_answer(type_name: str, message: str = "m") -> bytes:
    return ('{"result":null,"error":{"type":"' + type_name + '","message":"' + message
            + '","ok_to_retry":false},"log":""}').encode()


# (name, stdout, method, api_version, exit code, code, severity, director does, create-env does)
VERDICTS = [
    ("noise before the JSON", b"Loading config\nWARN x\n" + envelope('"disk-1"'), "create_disk", 2, 0,
     "stdout.noise", "error", "fails", "fails"),
    ("noise after the JSON", envelope('"disk-1"') + b"\nDone.\n", "create_disk", 2, 0,
     "stdout.noise", "error", "fails", "fails"),
    ("has_vm not a boolean", envelope('"yes"'), "has_vm", 2, 0, "result.not-boolean", "error", "misreads",
     "fails"),
    ("has_disk not a boolean", envelope("null"), "has_disk", 2, 0, "result.not-boolean", "error", "misreads",
     "ignores"),
    ("info at api_version 1", envelope('{"api_version":1,"stemcell_formats":["raw"]}'), "info", None, 0,
     "info.api-version-too-old", "error", "refuses-all-calls", "ignores"),
    ("info without api_version", envelope('{"stemcell_formats":["raw"]}'), "info", None, 0,
     "info.no-api-version", "error", "refuses-all-calls", "ignores"),
    ("info api_version 2.0", envelope('{"api_version":2.0,"stemcell_formats":["raw"]}'), "info", None, 0,
     "info.api-version-float", "warning", "ignores", "ignores"),
    ("info api_version 2.5", envelope('{"api_version":2.5,"stemcell_formats":["raw"]}'), "info", None, 0,
     "info.api-version-float", "error", "misreads", "ignores"),
    ("info api_version a string", envelope('{"api_version":"2","stemcell_formats":["raw"]}'), "info", None, 0,
     "info.api-version-type", "error", "refuses-all-calls", "refuses-all-calls"),
    ("info api_version a boolean", envelope('{"api_version":true,"stemcell_formats":["raw"]}'), "info", None, 0,
     "info.api-version-type", "error", "refuses-all-calls", "refuses-all-calls"),
    ("info api_version null", envelope('{"api_version":null,"stemcell_formats":["raw"]}'), "info", None, 0,
     "info.api-version-type", "error", "refuses-all-calls", "refuses-all-calls"),
    ("info stemcell_formats null", envelope('{"api_version":2,"stemcell_formats":null}'), "info", None, 0,
     "info.stemcell-formats", "error", "ignores", "refuses-all-calls"),
    ("info stemcell_formats missing", envelope('{"api_version":2}'), "info", None, 0,
     "info.stemcell-formats", "error", "ignores", "refuses-all-calls"),
    ("info stemcell_formats a string", envelope('{"api_version":2,"stemcell_formats":"raw"}'), "info", None, 0,
     "info.stemcell-formats", "error", "fails", "refuses-all-calls"),
    ("info stemcell_formats with a number", envelope('{"api_version":2,"stemcell_formats":["raw",1]}'), "info",
     None, 0, "info.stemcell-format-type", "error", "ignores", "crashes"),
    ("info result an array", envelope("[]"), "info", None, 0, "result.wrong-type", "error", "refuses-all-calls",
     "refuses-all-calls"),
    ("log null", envelope("null", "null"), "delete_vm", 2, 0, "response.log-type", "error", "fails", "ignores"),
    ("log a number", envelope("null", "5"), "delete_vm", 2, 0, "response.log-type", "error", "fails", "fails"),
    ("bare null for delete_vm", b"null", "delete_vm", 2, 0, "response.null", "error", "fails", "ignores"),
    ("bare null for create_disk", b"null", "create_disk", 2, 0, "response.null", "error", "fails", "fails"),
    ("bare null for info", b"null", "info", None, 0, "response.null", "error", "fails", "refuses-all-calls"),
    ("block comment", b'{"result":"disk-1",/* made */"error":null,"log":""}', "create_disk", 2, 0,
     "json.comments", "error", "ignores", "fails"),
    ("line comment", b'// generated\n{"result":"disk-1","error":null,"log":""}', "create_disk", 2, 0,
     "json.comments", "error", "ignores", "fails"),
    ("keys spelt Result", b'{"Result":"disk-1","Error":null,"Log":""}', "create_disk", 2, 0,
     "response.key-case", "error", "fails", "ignores"),
    ("a cloud ID with bytes that are not UTF-8", b'{"result":"disk-\xff","error":null,"log":""}', "create_disk", 2,
     0, "cloud-id.invalid-utf8", "error", "fails", "misreads"),
    ("result and RESULT", b'{"result":"disk-1","error":null,"log":"","RESULT":"x"}', "create_disk", 2, 0,
     "response.key-case-twice", "error", "ignores", "misreads"),
    ("result and Result, Result wrongly shaped", b'{"result":"disk-1","error":null,"log":"","Result":["x"]}',
     "create_disk", 2, 0, "response.key-case-twice", "error", "ignores", "fails"),
    ("RESULT before result: both read result", b'{"RESULT":"x","result":"disk-1","error":null,"log":""}',
     "create_disk", 2, 0, "response.key-case-twice", "warning", "ignores", "ignores"),
    ("reſult (long s folds to S in Go)", '{"result":"disk-1","error":null,"log":"","reſult":"x"}'.encode(),
     "create_disk", 2, 0, "response.key-case-twice", "error", "ignores", "misreads"),
    ("Result and RESULT, no result", b'{"Result":"a","RESULT":"b","error":null,"log":""}', "create_disk", 2, 0,
     "response.key-case-twice", "error", "fails", "misreads"),
    ("an Error object beside error null", b'{"result":"disk-1","error":null,"log":"","Error":{"type":'
     b'"Bosh::Clouds::CloudError","message":"m","ok_to_retry":false}}', "create_disk", 2, 0,
     "response.key-case-twice", "error", "ignores", "fails"),
    ("ERROR null after an error", b'{"result":null,"error":{"type":"Bosh::Clouds::CloudError","message":"m",'
     b'"ok_to_retry":false},"log":"","ERROR":null}', "delete_vm", 2, 0, "response.key-case-twice", "error",
     "ignores", "misreads"),
    ("LOG a number beside log", b'{"result":null,"error":null,"log":"","LOG":5}', "delete_vm", 2, 0,
     "response.key-case-twice", "error", "ignores", "fails"),
    ("Log another string beside log", b'{"result":null,"error":null,"log":"a","Log":"b"}', "delete_vm", 2, 0,
     "response.key-case-twice", "warning", "ignores", "ignores"),
    ("short VMNotFound on delete_vm", error_answer("VMNotFound"), "delete_vm", 2, 0, "error.short-type-name",
     "error", "fails", "fails"),
    ("short DiskNotFound on delete_disk", error_answer("DiskNotFound"), "delete_disk", 2, 0,
     "error.short-type-name", "error", "fails", "fails"),
    ("short StemcellNotFound on delete_stemcell", error_answer("StemcellNotFound"), "delete_stemcell", 2, 0,
     "error.short-type-name", "error", "ignores", "fails"),
    ("short NotImplemented on info", error_answer("NotImplemented"), "info", None, 0, "error.short-type-name",
     "error", "ignores", "refuses-all-calls"),
    ("short CloudError on create_disk", error_answer("CloudError"), "create_disk", 2, 0, "error.short-type-name",
     "warning", "ignores", "ignores"),
    ("short VMCreationFailed on create_vm", error_answer("VMCreationFailed"), "create_vm", 2, 0,
     "error.short-type-name", "error", "fails", "ignores"),
    ("empty stemcell ID", envelope('""'), "create_stemcell", 2, 0, "result.empty-cid", "error", "fails", "ignores"),
    ("blank stemcell ID", envelope('"  "'), "create_stemcell", 2, 0, "result.empty-cid", "error", "fails",
     "ignores"),
    ("empty disk ID", envelope('""'), "create_disk", 2, 0, "result.empty-cid", "error", "fails", "ignores"),
    ("empty VM ID", envelope('["",{}]'), "create_vm", 2, 0, "result.empty-cid", "error", "misreads", "ignores"),
    ("empty snapshot ID", envelope('""'), "snapshot_disk", 2, 0, "result.empty-cid", "error", "misreads",
     "ignores"),
    ("empty update_disk ID", envelope('""'), "update_disk", 2, 0, "result.empty-cid", "error", "fails", "ignores"),
    ("numeric VM ID", envelope("[5,{}]"), "create_vm", 2, 0, "result.wrong-type", "error", "misreads", "fails"),
    ("create_vm []", envelope("[]"), "create_vm", 2, 0, "result.wrong-type", "error", "misreads", "crashes"),
    ("create_vm null", envelope("null"), "create_vm", 2, 0, "result.wrong-type", "error", "fails", "fails"),
    ("create_vm an integer", envelope("7"), "create_vm", 2, 0, "result.wrong-type", "error", "misreads", "fails"),
    ("numeric lun", envelope('{"lun":0}'), "attach_disk", 2, 0, "result.hint-not-string", "error", "fails",
     "fails"),
    ("numeric iscsi target", envelope('{"path":"/dev/sdc","iscsi_settings":{"target":1}}'), "attach_disk", 2, 0,
     "result.hint-not-string", "error", "fails", "fails"),
    ("hint with none of the agent's keys", envelope('{"device":"/dev/sdc"}'), "attach_disk", 2, 0,
     "result.hint-unread", "error", "misreads", "misreads"),
    ("hint a non-empty array", envelope('["/dev/sdc"]'), "attach_disk", 2, 0, "result.wrong-type", "error",
     "misreads", "misreads"),
    ("hint a number", envelope("5"), "attach_disk", 2, 0, "result.wrong-type", "error", "fails", "misreads"),
    ("hint null", envelope("null"), "attach_disk", 2, 0, "result.no-disk-hint", "error", "fails", "fails"),
    ("hint ''", envelope('""'), "attach_disk", 2, 0, "result.no-disk-hint", "error", "fails", "misreads"),
    ("hint {}", envelope("{}"), "attach_disk", 2, 0, "result.no-disk-hint", "error", "fails", "misreads"),
    ("hint []", envelope("[]"), "attach_disk", 2, 0, "result.no-disk-hint", "error", "fails", "misreads"),
    ("create_network element 1 not an object", envelope('["net-1","10.0.0.0/24",{}]'), "create_network", 2, 0,
     "result.wrong-type", "error", "fails", "ignores"),
    ("invalid UTF-8 in the log", b'{"result":null,"error":null,"log":"\xff"}', "delete_vm", 2, 0,
     "stdout.invalid-utf8", "error", "fails", "ignores"),
    ("exit 1 after a valid answer", envelope("null"), "delete_vm", 2, 1, "exit.nonzero", "error", "ignores",
     "fails"),
    ("missing result on create_disk", b'{"error":null,"log":""}', "create_disk", 2, 0, "response.missing-result",
     "error", "fails", "fails"),
    ("missing result on delete_vm", b'{"error":null,"log":""}', "delete_vm", 2, 0, "response.missing-result",
     "error", "fails", "ignores"),
    ("error without ok_to_retry", b'{"result":null,"error":{"type":"Bosh::Clouds::VMNotFound","message":"m"},'
     b'"log":""}', "delete_vm", 2, 0, "response.malformed-error", "error", "fails", "ignores"),
    ("error type a number", b'{"result":null,"error":{"type":5,"message":"m","ok_to_retry":false},"log":""}',
     "delete_vm", 2, 0, "response.malformed-error", "error", "fails", "fails"),
    ("missing error", b'{"result":null,"log":""}', "delete_vm", 2, 0, "response.missing-error", "error", "fails",
     "ignores"),
    ("a result beside an error", b'{"result":"x","error":{"type":"Bosh::Clouds::CloudError","message":"m",'
     b'"ok_to_retry":false},"log":""}', "create_disk", 2, 0, "response.result-with-error", "warning", "ignores",
     "ignores"),
    ("get_disks not an array", envelope('"disk-1"'), "get_disks", 2, 0, "result.wrong-type", "error", "fails",
     "ignores"),
    ("calculate_vm_cloud_properties a string", envelope('"m5.large"'), "calculate_vm_cloud_properties", 2, 0,
     "result.wrong-type", "error", "fails", "ignores"),
    ("101 levels", envelope('["vm-1",' + "[" * 99 + "1" + "]" * 99 + "]"), "create_vm", 2, 0, "json.too-deep",
     "error", "fails", "ignores"),
    ("an integer beyond a float", envelope('["vm-1",{"n":' + "7" * 400 + "}]"), "create_vm", 2, 0,
     "json.number-beyond-float", "error", "ignores", "fails"),
    ("a float beyond range", envelope('["vm-1",{"n":1e400}]'), "create_vm", 2, 0, "json.number-beyond-float",
     "error", "misreads", "fails"),
    ("NaN", envelope("NaN"), "create_disk", 2, 0, "json.non-finite", "error", "fails", "fails"),
    ("v2 create_vm bare string", envelope('"vm-1"'), "create_vm", 2, 0, "result.v1-shape", "error", "misreads",
     "fails"),
    ("v1-only request the director never sends", envelope('["vm-1",{}]'), "create_vm", 1, 0, "result.wrong-type",
     "error", "ignores", "fails"),
    ("delete_vm answering true", envelope("true"), "delete_vm", 2, 0, "result.unexpected-value", "warning",
     "ignores", "ignores"),
    ("unknown error type", error_answer("Oops"), "create_disk", 2, 0, "error.unknown-type", "warning", "ignores",
     "ignores"),
]
#: Verdicts §13 corrected to "no violation at all".
ACCEPTED = [
    ("info api_version 3", envelope('{"api_version":3,"stemcell_formats":[]}'), "info", None),
    ("hint value under a key the agent ignores", envelope('{"path":"/dev/sdc","size":5}'), "attach_disk", 2),
    ("hint iscsi_settings not an object", envelope('{"path":"/dev/sdc","iscsi_settings":"x"}'), "attach_disk", 2),
    ("create_network with two elements", envelope('["net-1",{"range":"10.0.0.0/24"}]'), "create_network", 2),
    ("create_network element 2 a string", envelope('["net-1",{},"x"]'), "create_network", 2),
    ("has_vm at api_version 1", envelope("false"), "has_vm", 1),
]


@pytest.mark.parametrize(("name", "stdout", "method", "api_version", "exit_code", "code", "severity", "director",
                          "create_env"), VERDICTS, ids=[case[0] for case in VERDICTS])
def test_each_caller_reacts_as_its_code_does(name, stdout, method, api_version, exit_code, code, severity,
                                             director, create_env):
    decoded = decode_response(stdout, method=method, api_version=api_version, exit_code=exit_code)
    found = [v for v in decoded.violations if v.code == code]
    assert found, decoded.violations
    violation = found[0]
    assert (violation.severity, violation.director.does, violation.create_env.does) == (severity, director,
                                                                                         create_env)
    assert violation.director.why and violation.create_env.why and violation.message


@pytest.mark.parametrize(("name", "stdout", "method", "api_version"), ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_answers_both_callers_take_have_no_violation(name, stdout, method, api_version):
    assert decode_response(stdout, method=method, api_version=api_version).violations == []


def test_noise_is_an_error_and_the_answer_is_still_read():
    decoded = decode_response(b"Loading config\n\nWARN x\n" + envelope('"disk-1"'), method="create_disk",
                              api_version=2)
    assert decoded.result == "disk-1"  # so the session journals the disk
    [noise] = [v for v in decoded.violations if v.code == "stdout.noise"]
    assert noise.noise is not None and noise.noise.lines == ("Loading config", "WARN x") and noise.noise.count == 2
    assert noise.as_dict()["noise"] == {"lines": ["Loading config", "WARN x"], "count": 2}
    assert not decoded.succeeded


def test_noise_that_is_itself_json_is_not_taken_for_the_answer():
    log_line = b'{"level":"info","msg":"starting"}\n'
    decoded = decode_response(log_line + envelope('"disk-1"'), method="create_disk", api_version=2)
    assert decoded.result == "disk-1"
    pretty = b"booting\n{\n  \"result\": [\n    {\n      \"a\": 1\n    }\n  ],\n  \"error\": null,\n  \"log\": \"\"\n}"
    assert decode_response(pretty, method="ping", api_version=2).result == [{"a": 1}]


def test_comments_inside_strings_are_kept():
    decoded = decode_response(b'{"result":"http://x/*y*/",/* c */"error":null,"log":"a//b"}', method="ping",
                              api_version=2)
    assert decoded.result == "http://x/*y*/" and decoded.log == "a//b"
    unterminated = decode_response(b'{"result":null,/* c "error":null,"log":""}', method="ping", api_version=2)
    assert [v.code for v in unterminated.violations] == ["stdout.not-json"]


def test_a_spelt_key_is_read_as_create_env_reads_it():
    decoded = decode_response(b'{"RESULT":"disk-1","error":null,"log":""}', method="create_disk", api_version=2)
    assert decoded.result == "disk-1"
    assert [v.code for v in decoded.violations] == ["response.key-case"]


def test_of_two_spellings_cpictl_reads_the_exact_key_or_else_the_last_as_create_env_does():
    both_ = decode_response(b'{"result":"disk-1","error":null,"log":"","RESULT":"x"}', method="create_disk",
                            api_version=2)
    assert both_.result == "disk-1" and not both_.succeeded  # the director's reading; journalled as disk-1
    [twice] = both_.violations
    assert "'RESULT'" in twice.create_env.why and '"x"' in twice.create_env.why and '"disk-1"' in twice.director.why
    spelt = decode_response(b'{"Result":"a","RESULT":"b","error":null,"log":""}', method="create_disk",
                            api_version=2)
    assert spelt.result == "b"  # Go stores each key in turn: the last wins
    assert [v.code for v in spelt.violations] == ["response.key-case-twice"]


def test_the_order_of_the_keys_as_sent_decides_not_the_order_python_keeps():
    # Python's dict keeps `result` where it first came and its last value: create-env reads 3 too, last of all
    decoded = decode_response(b'{"result":1,"RESULT":2,"result":3,"error":null,"log":""}', method="ping",
                              api_version=2)
    [twice] = decoded.violations
    assert decoded.result == 3 and twice.severity == "warning" and "same result" in twice.create_env.why


def test_only_one_spelling_per_key_is_the_everyday_answer():
    assert decode_response(b'{"result":"disk-1","error":null,"log":"","results":"x"}', method="create_disk",
                           api_version=2).violations == []


def test_noise_keeps_at_most_100_lines_and_counts_them_all():
    noise = b"".join(b"line %d\n" % n for n in range(250))
    [violation] = decode_response(noise + envelope("null"), method="ping", api_version=2).violations
    assert violation.noise is not None and len(violation.noise.lines) == 100 and violation.noise.count == 250


# ---- the rule, over every violation cpictl can produce ----

def _corpus() -> list[Violation]:
    produced: list[Violation] = []
    byte_cases = [(case[1], case[2], case[3], case[4]) for case in DECODE_CASES]
    byte_cases += [(case[1], case[2], case[3], case[4]) for case in VERDICTS]
    byte_cases += [(b"", "info", 2, 0), (envelope("null"), "ping", 2, 0)]
    for stdout, method, api_version, exit_code in byte_cases:
        produced += decode_response(stdout, method=method, api_version=api_version, exit_code=exit_code).violations
    produced += decode_response(envelope('"disk-1"'), method="create_disk", api_version=2,
                                stdout_truncated=True).violations
    produced += [process_verdicts.lingering_child("held"), process_verdicts.signal_after_answer(9, "SIGKILL"),
                 process_verdicts.process_failed("timed out", True), process_verdicts.process_failed("killed", False),
                 process_verdicts.unknown_cloud_id("create_vm", "vm", "cpi-123456"),
                 process_verdicts.call_refused("not sent", "director", "CPI must report api_version via info",
                                               "create-env would send api_version 1"),
                 process_verdicts.call_refused("not sent", "create-env", "Unmarshalling …", "so would the director"),
                 process_verdicts.output_too_large("cut")]
    return produced


def _codes_in_source() -> set[str]:
    """Every code a `Violation(...)` in cpictl/ is built with (the first argument, a string literal)."""
    codes: set[str] = set()
    for path in (ROOT / "cpictl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Violation":
                first = node.args[0] if node.args else None
                assert isinstance(first, ast.Constant), f"{path}:{node.lineno}: a code that is not a literal"
                codes.add(first.value)
    return codes


def test_severity_is_error_exactly_when_a_caller_does_not_ignore_it():
    corpus = _corpus()
    for violation in corpus:
        doc = violation.as_dict()
        does = (doc["director"]["does"], doc["create_env"]["does"])
        assert set(does) <= set(DOES), violation
        assert doc["severity"] == ("warning" if does == ("ignores", "ignores") else "error"), violation
        assert doc["message"] and doc["director"]["why"] and doc["create_env"]["why"], violation
    missing = _codes_in_source() - {violation.code for violation in corpus}
    assert not missing, f"codes the corpus never produced, so the rule was not checked for them: {missing}"


def test_no_violation_can_be_given_a_severity_by_hand():
    assert "severity" not in {field.name for field in dataclasses.fields(Violation)}
    with pytest.raises(TypeError):
        Violation("x.y", "error", "message")  # type: ignore[call-arg]  # the old (code, severity, message) form
    assert Violation("x.y", "m", director=ignores("a"), create_env=ignores("b")).severity == "warning"
    for path in (ROOT / "cpictl").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Violation":
                keywords = {keyword.arg for keyword in node.keywords}
                assert "severity" not in keywords and len(node.args) == 2, f"{path}:{node.lineno}"
                assert {"director", "create_env"} <= keywords or None in keywords, f"{path}:{node.lineno}"
