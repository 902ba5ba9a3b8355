"""Calling a CPI as the director or as create-env would (`--as`): the version each negotiates with the CPI's info,
the exact bytes and environment of their requests (the forms in ../shared/cpi-contract.md §13), and how often cpictl
asks info (once per target and session, or before every call)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.conftest import write_cpi

UUID = "d-uuid-1"


def call(capsys, monkeypatch, *argv: str, version: int | None = None) -> tuple[int, dict]:
    if version is not None:
        monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", str(version))
    code = main(["call", *argv, "--director-uuid", UUID, "-o", "json"])
    out, err = capsys.readouterr()
    assert code != 70 and "Traceback" not in err, err
    return code, json.loads(out)


@pytest.mark.parametrize(("reported", "sent"), [(2, 2), (3, 3)])
def test_the_director_sends_the_lower_of_what_the_cpi_reports_and_what_it_prefers(capsys, monkeypatch, reported,
                                                                                   sent):
    code, doc = call(capsys, monkeypatch, "create_disk", "1", "{}", version=reported)
    assert code == 0 and doc["request"]["api_version"] == sent
    assert doc["negotiation"]["caller"] == "director" and doc["negotiation"]["reported"] == reported
    code, doc = call(capsys, monkeypatch, "create_disk", "1", "{}", "--preferred-api-version", "2")
    assert code == 0 and doc["request"]["api_version"] == 2  # a new preference is a new target: asked again


def test_the_director_refuses_a_cpi_at_version_1_and_says_what_create_env_would_do(capsys, monkeypatch,
                                                                                    isolated_home):
    code, doc = call(capsys, monkeypatch, "create_vm", "agent-1", "sc-1", "{}", "{}", version=1)
    assert code == 3 and doc["response"] is None and doc["exit_code"] is None  # nothing was sent
    assert doc["negotiation"]["refusal"] == "CPI API version 1 is not supported. Minimum required version is 2."
    refused = next(v for v in doc["violations"] if v["code"] == "negotiation.refused")
    assert refused["director"]["does"] == "refuses-all-calls" and refused["create_env"]["does"] == "ignores"
    failure = refused["message"]
    assert "the director would refuse every call" in failure
    assert "create-env would send api_version 1 (`--as create-env`)" in failure
    state = isolated_home / "refcpi" / "state.json"
    assert not state.exists() or json.loads(state.read_text())["vms"] == {}


@pytest.mark.parametrize(("reported", "sent"), [(1, 1), (2, 2), (3, 2)])
def test_create_env_sends_what_the_cpi_reports_capped_at_2(capsys, monkeypatch, reported, sent):
    code, doc = call(capsys, monkeypatch, "create_vm", "agent-1", "sc-x", "{}", "{default: {type: dynamic}}",
                     "--as", "create-env", version=reported)
    assert doc["request"]["api_version"] == sent and doc["negotiation"]["caller"] == "create-env"
    assert doc["response"] is not None  # sent (the reference CPI then refuses the unknown stemcell)


def test_create_env_makes_a_vm_on_a_cpi_the_director_refuses(capsys, monkeypatch, tmp_path):
    image = tmp_path / "image"
    image.write_bytes(b"x")
    monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", "1")
    code, doc = call(capsys, monkeypatch, "create_stemcell", str(image), "{}", "--as", "create-env")
    assert code == 0
    stemcell = doc["response"]["result"]
    code, doc = call(capsys, monkeypatch, "create_vm", "agent-1", stemcell, "{}", "{default: {type: dynamic}}",
                     "--as", "create-env")
    assert code == 0 and doc["request"]["api_version"] == 1
    assert isinstance(doc["response"]["result"], str)  # the v1 shape: a bare CID


GOOD_INFO = {"api_version": 2, "stemcell_formats": ["raw"]}


def recording_cpi(tmp_path: Path, info: dict | None = GOOD_INFO) -> tuple[Path, Path]:
    """A CPI that appends each raw request and its environment's names to a log, and answers info with `info`
    (None: a null result) and every other call with a plain success."""
    log = tmp_path / "requests.jsonl"
    cpi = write_cpi(tmp_path / "recording_cpi.py", f"""
import json, os, sys
raw = sys.stdin.buffer.read()
with open({str(log)!r}, "a") as log:
    log.write(json.dumps({{"raw": raw.decode(), "env": sorted(os.environ)}}) + "\\n")
method = json.loads(raw)["method"]
result = {info!r} if method == "info" else "disk-1" if method == "create_disk" else None
json.dump({{"result": result, "error": None, "log": ""}}, sys.stdout)
""")
    return cpi, log


def requests(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()]


def request_id(raw: str) -> str:
    return re.search(r'"request_id":"(cpi-\d{6})"', raw).group(1)


def test_the_director_form_byte_for_byte(capsys, monkeypatch, tmp_path):
    cpi, log = recording_cpi(tmp_path)
    code, _ = call(capsys, monkeypatch, "attach_disk", "vm-1", "disk-1", "--cpi", str(cpi),
                   "--context", "region=eu-west-1")
    info, attach = requests(log)
    assert info["raw"] == ('{"method":"info","arguments":[],"context":{"director_uuid":"d-uuid-1","request_id":'
                           f'"{request_id(info["raw"])}","vm":{{"stemcell":{{"api_version":2}}}},'
                           '"region":"eu-west-1"}}')  # no api_version: the director's negotiating info
    assert attach["raw"] == ('{"method":"attach_disk","arguments":["vm-1","disk-1"],"context":{"director_uuid":'
                             f'"d-uuid-1","request_id":"{request_id(attach["raw"])}","vm":{{"stemcell":'
                             '{"api_version":2}},"region":"eu-west-1"},"api_version":2}')
    # the director's environment: PATH, TMPDIR and HOME only (those set)
    # (LC_CTYPE: this CPI's own Python sets it at start-up in a C locale, PEP 538)
    assert set(attach["env"]) - {"LC_CTYPE"} <= {"PATH", "TMPDIR", "HOME"} and "PATH" in attach["env"]
    code, _ = call(capsys, monkeypatch, "create_disk", "1", "{}", "--cpi", str(cpi))
    create = requests(log)[-1]["raw"]
    assert '"vm"' not in create  # the director sends the stemcell's version only where a stemcell is known


def test_the_create_env_form_byte_for_byte(capsys, monkeypatch, tmp_path):
    cpi, log = recording_cpi(tmp_path)
    monkeypatch.setenv("CPICTL_PROFILE_PROBE", "from the shell")
    code, _ = call(capsys, monkeypatch, "create_disk", "1", "{}", "--cpi", str(cpi), "--as", "create-env",
                   "--packages-dir", "/var/pkgs", "--jobs-dir", "/var/jobs")
    info, create = requests(log)
    assert info["raw"] == ('{"method":"info","arguments":[],"context":{"director_uuid":"d-uuid-1","vm":'
                           '{"stemcell":{"api_version":1}}},"api_version":1}')
    assert create["raw"] == ('{"method":"create_disk","arguments":[1,{},null],"context":{"director_uuid":'
                             '"d-uuid-1","vm":{"stemcell":{"api_version":1}}},"api_version":2}')
    assert {"CPICTL_PROFILE_PROBE", "BOSH_PACKAGES_DIR", "BOSH_JOBS_DIR"} <= set(create["env"])


def test_info_is_asked_once_per_target_and_session_unless_told_otherwise(capsys, monkeypatch, tmp_path):
    cpi, log = recording_cpi(tmp_path)
    for _ in range(3):
        call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi))
    assert [json.loads(r["raw"])["method"] for r in requests(log)] == ["info", "delete_disk", "delete_disk",
                                                                       "delete_disk"]
    log.unlink()
    call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi), "--renegotiate")
    call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi), "--negotiate", "every-call")
    call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi), "--api-version", "2")
    assert [json.loads(r["raw"])["method"] for r in requests(log)] == ["info", "delete_disk", "info", "delete_disk",
                                                                       "delete_disk"]


def test_a_change_in_the_environment_the_cpi_inherits_is_negotiated_again(capsys, monkeypatch):
    code, doc = call(capsys, monkeypatch, "create_disk", "1", "{}", version=3)
    assert code == 0 and doc["request"]["api_version"] == 3
    # the reference CPI now reports 2: a new environment is a new answer, not the settled one of before
    code, doc = call(capsys, monkeypatch, "create_disk", "1", "{}", version=2)
    assert code == 0 and doc["request"]["api_version"] == 2 and doc["negotiation"]["reported"] == 2
    monkeypatch.setenv("PWD", "/elsewhere")  # what a shell changes by itself does not
    code, doc = call(capsys, monkeypatch, "create_disk", "1", "{}")
    assert code == 0 and doc["request"]["api_version"] == 2


def test_call_info_is_sent_in_each_callers_form_and_settles_the_negotiation(capsys, monkeypatch, tmp_path):
    cpi, log = recording_cpi(tmp_path, {"api_version": 3, "stemcell_formats": ["raw"]})
    call(capsys, monkeypatch, "info", "--cpi", str(cpi))
    call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi))
    info, delete = (json.loads(r["raw"]) for r in requests(log))
    assert "api_version" not in info and delete["api_version"] == 3  # one info, which the call then used
    code, doc = call(capsys, monkeypatch, "info", "--cpi", str(cpi), "--as", "create-env")
    assert doc["request"]["api_version"] == 1


@pytest.mark.parametrize(("info", "refusal"), [
    (None, "CPI must report api_version via info"),
    ({"api_version": "2", "stemcell_formats": []}, "is not a number"),
    ({"stemcell_formats": ["raw"]}, "CPI must report api_version via info"),
])
def test_the_director_refuses_what_its_own_code_refuses(capsys, monkeypatch, tmp_path, info, refusal):
    cpi, log = recording_cpi(tmp_path, info)
    code, doc = call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi))
    assert code == 3 and refusal in doc["negotiation"]["refusal"]
    assert [json.loads(r["raw"])["method"] for r in requests(log)] == ["info"]  # the call itself was not sent


def test_create_env_refuses_an_info_whose_stemcell_formats_is_null_the_director_copes(capsys, monkeypatch,
                                                                                      tmp_path):
    cpi, _ = recording_cpi(tmp_path, {"api_version": 2, "stemcell_formats": None})
    code, doc = call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi), "--as", "create-env")
    assert code == 3 and "Unmarshalling 'info' method response failed" in doc["negotiation"]["refusal"]
    refused = next(v for v in doc["violations"] if v["code"] == "negotiation.refused")
    assert refused["message"].startswith("create-env would refuse every call to this CPI: ")
    code, doc = call(capsys, monkeypatch, "delete_disk", "disk-1", "--cpi", str(cpi))
    assert code == 0 and doc["request"]["api_version"] == 2


def test_a_dry_run_says_whether_its_api_version_was_negotiated_or_guessed(capsys, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", "2")
    main(["call", "create_disk", "1", "{}", "--dry-run", "-o", "json"])
    guessed = json.loads(capsys.readouterr().out)
    assert '"api_version":3' in guessed["stdin"] and guessed["api_version_note"].startswith("3 is a guess")
    main(["call", "info", "-o", "json"])  # negotiates: the CPI reports 2
    capsys.readouterr()
    main(["call", "create_disk", "1", "{}", "--dry-run", "-o", "json"])
    known = json.loads(capsys.readouterr().out)
    assert '"api_version":2' in known["stdin"]
    assert known["api_version_note"] == "negotiated earlier in this session: the CPI reports 2, the director " \
                                        "prefers 3 → 2"
    main(["call", "create_disk", "1", "{}", "--dry-run", "-o", "json", "--api-version", "1"])
    assert "api_version_note" not in json.loads(capsys.readouterr().out)  # asked for: nothing to explain


def test_a_refused_call_shows_no_version_it_never_sent(capsys, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", "1")
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["call", "create_disk", "1", "{}", "-o", "table"]) == 3
    shown = capsys.readouterr().out
    header = next(line for line in shown.splitlines() if line.startswith("→ create_disk"))
    assert "api_version" not in header
    assert "not sent: the director would refuse every call to this CPI" in shown
