"""Each corrected or new verdict of contract §13, end to end: a small CPI of our own (or the reference CPI's fault)
answers one call, and `cpictl call -o json` gives the documented exit code, the violation's code and severity, and
what the director and create-env each do."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import write_cpi

OK_INFO = '{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
ARGS = {
    "info": [],
    "create_stemcell": ["/tmp/image", "{}"],
    "create_vm": ["agent-1", "sc-1", "{}", "{default: {type: dynamic}}"],
    "create_disk": ["1024", "{}", "null"],
    "delete_vm": ["vm-1"],
    "delete_disk": ["disk-1"],
    "has_vm": ["vm-1"],
    "attach_disk": ["vm-1", "disk-1"],
    "create_network": ["{type: manual, cloud_properties: {}}"],
}


def envelope(result: str, log: str = '""') -> str:
    return '{"result":' + result + ',"error":null,"log":' + log + "}"


def error_answer(type_name: str) -> str:
    return '{"result":null,"error":{"type":"' + type_name + '","message":"gone","ok_to_retry":false},"log":""}'


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    answer: str  # the CPI's whole stdout for the call
    exit_code: int  # of `cpictl call`
    code: str
    severity: str
    director: str
    create_env: str
    cpi_exit: int = 0
    created: list[str] = field(default_factory=list)  # cloud IDs the journal must still get


CASES = [
    Case("noise before the JSON", "create_disk", 'Loading config\nWARN region\n' + envelope('"disk-n"'), 3,
         "stdout.noise", "error", "fails", "fails", created=["disk-n"]),
    Case("has_vm not a boolean", "has_vm", envelope('"yes"'), 3, "result.not-boolean", "error", "misreads", "fails"),
    Case("info at api_version 1", "info", envelope('{"api_version":1,"stemcell_formats":["raw"]}'), 3,
         "info.api-version-too-old", "error", "refuses-all-calls", "ignores"),
    Case("info without api_version", "info", envelope('{"stemcell_formats":["raw"]}'), 3, "info.no-api-version",
         "error", "refuses-all-calls", "ignores"),
    Case("info api_version 2.0", "info", envelope('{"api_version":2.0,"stemcell_formats":["raw"]}'), 0,
         "info.api-version-float", "warning", "ignores", "ignores"),
    Case("info api_version a string", "info", envelope('{"api_version":"2","stemcell_formats":["raw"]}'), 3,
         "info.api-version-type", "error", "refuses-all-calls", "refuses-all-calls"),
    Case("info stemcell_formats null (the bosh-cpi-go example)", "info",
         envelope('{"api_version":2,"stemcell_formats":null}'), 3, "info.stemcell-formats", "error", "ignores",
         "refuses-all-calls"),
    Case("info stemcell_formats with a number", "info", envelope('{"api_version":2,"stemcell_formats":[1]}'), 3,
         "info.stemcell-format-type", "error", "ignores", "crashes"),
    Case("info result not an object", "info", envelope('"v2"'), 3, "result.wrong-type", "error",
         "refuses-all-calls", "refuses-all-calls"),
    Case("log null", "delete_vm", envelope("null", "null"), 3, "response.log-type", "error", "fails", "ignores"),
    Case("log an object", "delete_vm", envelope("null", "{}"), 3, "response.log-type", "error", "fails", "fails"),
    Case("bare null", "delete_vm", "null", 3, "response.null", "error", "fails", "ignores"),
    Case("comments", "create_disk", '{"result":"disk-c", /* made it */ "error":null,"log":""}', 3, "json.comments",
         "error", "ignores", "fails", created=["disk-c"]),
    Case("keys spelt Result", "create_disk", '{"Result":"disk-k","Error":null,"Log":""}', 3, "response.key-case",
         "error", "fails", "ignores", created=["disk-k"]),
    Case("result and RESULT", "create_disk", '{"result":"disk-r","error":null,"log":"","RESULT":"disk-x"}', 3,
         "response.key-case-twice", "error", "ignores", "misreads", created=["disk-r"]),
    Case("error null and an Error", "delete_vm", '{"result":null,"error":null,"log":"","Error":{"type":'
         '"Bosh::Clouds::CloudError","message":"m","ok_to_retry":false}}', 3, "response.key-case-twice", "error",
         "ignores", "fails"),
    Case("short error name on delete_vm", "delete_vm", error_answer("VMNotFound"), 3, "error.short-type-name",
         "error", "fails", "fails"),
    Case("short error name where it does not matter", "create_disk", error_answer("CloudError"), 1,
         "error.short-type-name", "warning", "ignores", "ignores"),
    Case("empty stemcell ID", "create_stemcell", envelope('""'), 3, "result.empty-cid", "error", "fails",
         "ignores"),
    Case("empty disk ID", "create_disk", envelope('""'), 3, "result.empty-cid", "error", "fails", "ignores"),
    Case("empty VM ID", "create_vm", envelope('["",{}]'), 3, "result.empty-cid", "error", "misreads", "ignores"),
    Case("create_vm answering []", "create_vm", envelope("[]"), 3, "result.wrong-type", "error", "misreads",
         "crashes"),
    Case("numeric lun in the disk hint", "attach_disk", envelope('{"lun":0}'), 3, "result.hint-not-string", "error",
         "fails", "fails"),
    Case("disk hint with none of the agent's keys", "attach_disk", envelope('{"device":"/dev/sdc"}'), 3,
         "result.hint-unread", "error", "misreads", "misreads"),
    Case("disk hint a non-empty array", "attach_disk", envelope('["/dev/sdc"]'), 3, "result.wrong-type", "error",
         "misreads", "misreads"),
    Case("disk hint {}", "attach_disk", envelope("{}"), 3, "result.no-disk-hint", "error", "fails", "misreads"),
    Case("create_network element 1 not an object", "create_network", envelope('["net-1",[],{}]'), 3,
         "result.wrong-type", "error", "fails", "ignores", created=["net-1"]),  # made, and the director leaks it
    Case("invalid UTF-8", "delete_vm", '{"result":null,"error":null,"log":"caf\\xe9"}', 3, "stdout.invalid-utf8",
         "error", "fails", "ignores"),
    Case("exit 1 after a valid answer", "delete_vm", envelope("null"), 3, "exit.nonzero", "error", "ignores",
         "fails", cpi_exit=1),
]
#: Answers an earlier verdict faulted that both callers take: no violation, exit 0.
ACCEPTED = [
    ("disk hint value under a key the agent ignores", "attach_disk", envelope('{"path":"/dev/sdc","size":5}')),
    ("create_network with two elements", "create_network", envelope('["net-1",{}]')),
]


def answering_cpi(tmp_path: Path, method: str, answer: str, cpi_exit: int = 0) -> Path:
    """A CPI that answers `method` with `answer` exactly (bytes: `\\xe9` escapes are raw bytes) and `info` well."""
    answer_file = tmp_path / "answer"
    answer_file.write_bytes(answer.encode("utf-8").decode("unicode_escape").encode("latin-1")
                            if "\\x" in answer else answer.encode("utf-8"))
    return write_cpi(tmp_path / "cpi.py", f"""
import json, sys
request = json.loads(sys.stdin.buffer.read())
if request["method"] == "info" and {method!r} != "info":
    sys.stdout.write({OK_INFO!r})
    sys.exit(0)
sys.stdout.buffer.write(open({str(answer_file)!r}, "rb").read())
sys.stdout.flush()
sys.exit({cpi_exit})
""")


def call_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["call", *argv, "-o", "json"])
    out, err = capsys.readouterr()
    assert code != 70 and "Traceback" not in err, err
    return code, json.loads(out)


def version_flag(method: str) -> list[str]:
    return [] if method == "info" else ["--api-version", "2"]  # raw probing: no negotiation in between


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_verdict_says_what_each_caller_does(capsys, tmp_path, case):
    cpi = answering_cpi(tmp_path, case.method, case.answer, case.cpi_exit)
    code, document = call_json(capsys, case.method, *ARGS[case.method], "--cpi", str(cpi),
                               *version_flag(case.method))
    found = {v["code"]: v for v in document["violations"]}
    assert case.code in found, document["violations"]
    violation = found[case.code]
    assert (code, violation["severity"]) == (case.exit_code, case.severity)
    assert (violation["director"]["does"], violation["create_env"]["does"]) == (case.director, case.create_env)
    assert violation["director"]["why"] and violation["create_env"]["why"]
    assert [c["cid"] for c in document["cloud_ids"]["created"]] == case.created


@pytest.mark.parametrize(("name", "method", "answer"), ACCEPTED, ids=[case[0] for case in ACCEPTED])
def test_an_answer_both_callers_take_passes(capsys, tmp_path, name, method, answer):
    cpi = answering_cpi(tmp_path, method, answer)
    code, document = call_json(capsys, method, *ARGS[method], "--cpi", str(cpi), *version_flag(method))
    assert (code, document["violations"]) == (0, [])


def test_the_table_shows_the_noise_lines_and_how_many_more(capsys, tmp_path):
    noise = "".join(f"log line {n}: region=eu-{n}\n" for n in range(1, 9))
    cpi = answering_cpi(tmp_path, "info", noise + OK_INFO)
    code = main(["call", "info", "--cpi", str(cpi), "-o", "table"])
    out = capsys.readouterr().out
    assert code == 3
    for n in range(1, 6):
        assert f"│ log line {n}: region=eu-{n}" in out
    assert "log line 6" not in out and "… 3 more line(s)" in out
    assert "director fails" in out and "create-env fails" in out
    code, document = call_json(capsys, "info", "--cpi", str(cpi))
    [violation] = document["violations"]
    assert violation["noise"] == {"lines": [f"log line {n}: region=eu-{n}" for n in range(1, 9)], "count": 8}


def test_noise_lines_are_shown_escaped(capsys, tmp_path):
    cpi = answering_cpi(tmp_path, "info", "\\x1b[2Jclear\n" + OK_INFO)
    main(["call", "info", "--cpi", str(cpi), "-o", "table"])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "│ \\x1b[2Jclear" in out


# ---- the reference CPI rehearses them ----

@pytest.mark.parametrize(("faults", "method", "args", "code", "director", "create_env", "exit_code"), [
    ("create_disk=noise:3", "create_disk", ARGS["create_disk"], "stdout.noise", "fails", "fails", 3),
    ("delete_vm=short-error:VMNotFound", "delete_vm", ["vm-1"], "error.short-type-name", "fails", "fails", 3),
    ("create_disk=empty-id", "create_disk", ARGS["create_disk"], "result.empty-cid", "fails", "ignores", 3),
    ("info=info-version:1", "info", [], "info.api-version-too-old", "refuses-all-calls", "ignores", 3),
    ("info=info-version:none", "info", [], "info.no-api-version", "refuses-all-calls", "ignores", 3),
], ids=["noise", "short-error", "empty-id", "info-version-1", "info-version-none"])
def test_the_reference_cpi_rehearses_each_new_verdict(capsys, monkeypatch, faults, method, args, code, director,
                                                       create_env, exit_code):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", faults)
    status, document = call_json(capsys, method, *args, *version_flag(method))
    violation = next(v for v in document["violations"] if v["code"] == code)
    assert status == exit_code and violation["severity"] == "error"
    assert (violation["director"]["does"], violation["create_env"]["does"]) == (director, create_env)


def test_the_reference_cpi_at_api_version_1_is_refused_by_the_director_only(capsys, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", "1")
    status, document = call_json(capsys, "info")
    [violation] = document["violations"]
    assert status == 3 and violation["code"] == "info.api-version-too-old"
    assert "CPI API version 1 is not supported. Minimum required version is 2." in violation["director"]["why"]
    assert violation["create_env"]["does"] == "ignores"


def test_the_reference_cpi_rehearses_a_numeric_lun(capsys, monkeypatch, tmp_path):
    image = tmp_path / "image"
    image.write_bytes(b"stemcell")
    _, stemcell = call_json(capsys, "create_stemcell", str(image), "{}", "--api-version", "2")
    vm_args = ["agent-1", stemcell["response"]["result"], *ARGS["create_vm"][2:]]
    _, vm = call_json(capsys, "create_vm", *vm_args, "--api-version", "2")
    _, disk = call_json(capsys, "create_disk", *ARGS["create_disk"], "--api-version", "2")
    vm_cid, disk_cid = vm["response"]["result"][0], disk["response"]["result"]
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "attach_disk=numeric-lun")
    status, document = call_json(capsys, "attach_disk", vm_cid, disk_cid, "--api-version", "2")
    hint = document["response"]["result"]
    assert isinstance(hint["lun"], int) and isinstance(hint["path"], str)
    violation = next(v for v in document["violations"] if v["code"] == "result.hint-not-string")
    assert status == 3 and violation["director"]["does"] == violation["create_env"]["does"] == "fails"
    assert "lun.(string)" in violation["director"]["why"]
