"""cloud_properties that are no secret stay readable wherever a call is shown or kept, while a password and a PEM
key beside them are masked; so a replay of the call asks only for the secrets."""

from __future__ import annotations

import json

from tests.conftest import write_cpi
from tests.traces.trace_helpers import captured, last_number, run, trace_entries

KEY_BODY = "MIIEowIBAAKCAQEAuG2LvKc3Zq1x9Jm0rTq8sWnB4eV7yUo2pLd6fHkR3aXg"
PEM = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----"
CLOUD = {"instance_type": "m5.large", "password": "hunter2-vm-pw", "user_data": PEM}


def _vm_cpi(tmp_path):
    """Keeps each request's bytes (as `capture_cpi`), logs the request on stderr and in its log as a careless CPI
    does, and answers create_vm v2 with a VM ID and the networks."""
    return write_cpi(tmp_path / "vm_cpi.py", """
import json, sys
raw = sys.stdin.buffer.read()
with open(sys.argv[1], "a") as kept:
    kept.write(json.dumps(raw.decode("latin-1")) + "\\n")
request = json.loads(raw)
sys.stderr.write("request: " + raw.decode() + "\\n")
if request["method"] == "info":
    result, log = {"api_version": 2, "stemcell_formats": ["raw"]}, ""
else:
    result, log = ["vm-%d" % len(raw), request["arguments"][3]], "creating " + json.dumps(request["arguments"][2])
json.dump({"result": result, "error": None, "log": log}, sys.stdout)
""")


def _create_vm(capsys, tmp_path, *output: str) -> tuple[tuple[str, ...], str]:
    cpi, kept = _vm_cpi(tmp_path), tmp_path / "requests.jsonl"
    target = ("--cpi", str(cpi), "--cpi-arg", str(kept))
    code, out, err = run(capsys, "call", "create_vm", "agent-1", "sc-1", json.dumps(CLOUD), "{}", "[]", "{}",
                         *target, *output)
    assert code == 0, out + err
    return target, out + err


def _shows_only_what_is_no_secret(text: str) -> None:
    assert "m5.large" in text and "<redacted>" in text
    assert "hunter2-vm-pw" not in text and KEY_BODY not in text


def test_instance_type_is_readable_in_the_call_view_journal_and_trace_beside_masked_secrets(capsys, isolated_home,
                                                                                           tmp_path):
    _, table = _create_vm(capsys, tmp_path, "-o", "table")
    _shows_only_what_is_no_secret(table)
    _, document = _create_vm(capsys, tmp_path, "-o", "json")
    request = json.loads(document)["request"]
    assert request["arguments"][2] == {"instance_type": "m5.large", "password": "<redacted>", "user_data": "<redacted>"}
    _shows_only_what_is_no_secret(json.loads(document)["stderr"] + json.loads(document)["response"]["log"])
    sessions = isolated_home / "state" / "cpictl" / "sessions"
    journal = (sessions / "default.jsonl").read_text()
    _shows_only_what_is_no_secret(journal)
    entry = trace_entries(isolated_home)[-1]
    assert entry["request"]["arguments"][2] == request["arguments"][2]
    _shows_only_what_is_no_secret((sessions / "default.jsonl.trace.jsonl").read_text())


def test_a_replay_of_that_create_vm_needs_a_var_only_for_the_secrets(capsys, isolated_home, tmp_path):
    target, _ = _create_vm(capsys, tmp_path, "-o", "json")
    number = str(last_number(isolated_home))
    kept = tmp_path / "requests.jsonl"
    for command in (("trace", "replay", number), ("call", "--from-trace", number)):
        code, _, err = run(capsys, *command, *target, "-o", "json")
        assert code == 2 and "arguments[2].password" in err and "arguments[2].user_data" in err, err
        assert "instance_type" not in err
        code, _, err = run(capsys, *command, *target, "--var", "cloud_properties.password=hunter2-vm-pw",
                           "--var", f"cloud_properties.user_data={PEM}", "-o", "json")
        assert code == 0, err
        assert json.loads(captured(kept)[-1])["arguments"][2] == CLOUD  # sent as the original call sent it
