"""`cpictl call` end to end, in-process through `main()` (the real error translation) and a few subprocesses."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from cpictl.cli.main import main
from tests.cli.test_never_lost import live
from tests.conftest import CPIS, cpictl_bin, write_cpi


def call(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["call", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def call_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code, out, err = call(capsys, *argv, "-o", "json")
    assert out, err
    return code, json.loads(out)


def test_info_against_the_reference_cpi_has_exactly_the_documented_keys(capsys):
    code, doc = call_json(capsys, "info")
    assert code == 0
    assert set(doc) == {"request", "response", "exit_code", "signal", "duration_s", "stderr", "violations",
                        "cloud_ids", "negotiation"}
    assert doc["response"]["error"] is None
    assert doc["response"]["result"]["api_version"] == 2
    assert doc["request"]["method"] == "info"
    assert re.fullmatch(r"cpi-\d{6}", doc["request"]["context"]["request_id"])
    assert doc["violations"] == []
    assert doc["cloud_ids"] == {"created": [], "deleted": []}


def test_request_is_single_line_json_with_defaults(capsys, echo_cpi):
    code, doc = call_json(capsys, "create_vm", "agent-1", "sc-1", "{}", "{default: {type: dynamic}}",
                          "--cpi", str(echo_cpi))
    raw = doc["response"]["result"]["raw"]
    assert "\n" not in raw
    sent = json.loads(raw)
    assert list(sent) == ["method", "arguments", "context", "api_version"]
    assert sent["api_version"] == 2
    assert sent["arguments"] == ["agent-1", "sc-1", {}, {"default": {"type": "dynamic"}}, [], {}]
    assert sent["context"]["vm"] == {"stemcell": {"api_version": 2}}
    # the echo CPI's result is not a [vm_cid, networks] tuple, so the contract check flags it: exit 3
    assert code == 3
    assert any(v["code"].startswith("result.") for v in doc["violations"])


def test_director_uuid_is_generated_once_and_kept(capsys, echo_cpi):
    first = json.loads(call_json(capsys, "ping", "--cpi", str(echo_cpi))[1]["response"]["result"]["raw"])
    second = json.loads(call_json(capsys, "ping", "--cpi", str(echo_cpi))[1]["response"]["result"]["raw"])
    assert first["context"]["director_uuid"] == second["context"]["director_uuid"]
    overridden = call_json(capsys, "ping", "--cpi", str(echo_cpi), "--director-uuid", "my-uuid")[1]
    assert json.loads(overridden["response"]["result"]["raw"])["context"]["director_uuid"] == "my-uuid"


def test_api_version_none_omits_the_key_and_stemcell_version_only_where_the_director_sends_it(capsys, echo_cpi):
    doc = call_json(capsys, "info", "--cpi", str(echo_cpi), "--api-version", "none")[1]
    sent = json.loads(doc["response"]["result"]["raw"])
    assert "api_version" not in sent
    assert "vm" not in sent["context"]  # info carries no stemcell version
    doc = call_json(capsys, "delete_vm", "vm-1", "--cpi", str(echo_cpi), "--stemcell-api-version", "none")[1]
    assert "vm" not in json.loads(doc["response"]["result"]["raw"])["context"]
    doc = call_json(capsys, "attach_disk", "vm-1", "d-1", "--cpi", str(echo_cpi), "--stemcell-api-version", "1",
                    "--api-version", "1")[1]
    sent = json.loads(doc["response"]["result"]["raw"])
    assert sent["context"]["vm"] == {"stemcell": {"api_version": 1}} and sent["api_version"] == 1


def test_context_pairs_are_yaml_and_secrets_are_masked_unless_asked(capsys, echo_cpi):
    argv = ["ping", "--cpi", str(echo_cpi), "--context", "secret_access_key=hunter22", "--context", "port=8443"]
    doc = call_json(capsys, *argv)[1]
    assert doc["request"]["context"]["secret_access_key"] == "<redacted>"
    assert "hunter22" not in json.dumps(doc)
    sent = json.loads(call_json(capsys, *argv, "--show-secrets")[1]["response"]["result"]["raw"])
    assert sent["context"]["secret_access_key"] == "hunter22" and sent["context"]["port"] == 8443


@pytest.mark.parametrize(("argv", "fragment"), [
    (["create_disk", "big"], "parameter 'size': expected integer"),
    (["delete_vm"], "parameter 'vm_cid': missing"),
    (["delete_vm", ""], "parameter 'vm_cid': empty vm cloud ID"),
    (["delete_vm", "a", "b"], "takes 1 argument"),
    (["create_vm", "a", "s", "{}", "[1, 2]"], "parameter 'networks': expected object"),
    (["creat_vm"], "did you mean 'create_vm'"),
    (["create_disk", "size=1", "bogus=2"], "argument 2 ('bogus=2') is positional but follows"),
    (["create_disk", "{unclosed"], "not valid YAML"),
    (["info", "--api-version", "two"], "--api-version: expected an integer"),
    (["info", "--env-mode", "weird"], "--env-mode: expected one of"),
])
def test_bad_input_names_the_parameter_and_exits_2_without_running(capsys, argv, fragment, isolated_home):
    code, out, err = call(capsys, *argv)
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err
    assert not (isolated_home / "refcpi").exists()  # nothing ran


def test_named_arguments_and_file_values(capsys, echo_cpi, tmp_path):
    (tmp_path / "cp.yml").write_text("type: gp3\niops: 3000\n")
    doc = call_json(capsys, "create_disk", "size=2048", f"cloud_properties=@{tmp_path / 'cp.yml'}",
                    "vm_cid=vm-9", "--cpi", str(echo_cpi), "--show-secrets")[1]
    assert json.loads(doc["response"]["result"]["raw"])["arguments"] == [2048, {"type": "gp3", "iops": 3000}, "vm-9"]


def test_cid_slots_take_words_literally(capsys, echo_cpi):
    doc = call_json(capsys, "has_disk", "3", "--cpi", str(echo_cpi))[1]
    assert json.loads(doc["response"]["result"]["raw"])["arguments"] == ["3"]


def test_no_validate_sends_what_was_given_and_the_cpi_judges(capsys):
    code, doc = call_json(capsys, "create_disk", "big", "--no-validate")
    assert code == 1
    assert doc["request"]["arguments"][0] == "big"
    assert doc["response"]["error"]["type"]


def test_args_file_and_raw_request(capsys, echo_cpi, tmp_path):
    (tmp_path / "args.yml").write_text("- vm-1\n- {owner: me}\n")
    doc = call_json(capsys, "set_vm_metadata", "--args-file", str(tmp_path / "args.yml"), "--cpi", str(echo_cpi))[1]
    assert json.loads(doc["response"]["result"]["raw"])["arguments"] == ["vm-1", {"owner": "me"}]
    raw = '{"method": "ping", "arguments": [], "context": {}}'
    (tmp_path / "req.json").write_text(raw)
    doc = call_json(capsys, "ping", "--raw", str(tmp_path / "req.json"), "--cpi", str(echo_cpi))[1]
    assert doc["response"]["result"]["raw"] == raw


def test_dry_run_prints_stdin_argv_and_a_one_liner_and_runs_nothing(capsys, isolated_home, tmp_path):
    marker = tmp_path / "ran"
    cpi = write_cpi(tmp_path / "marker_cpi.py", f"open({str(marker)!r}, 'w').write('x')\n")
    code, out, err = call(capsys, "create_disk", "1024", "--cpi", str(cpi), "--dry-run", "-o", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert json.loads(doc["stdin"])["arguments"] == [1024, {}, None]
    assert doc["argv"] == [str(cpi)]
    assert str(cpi) in doc["shell"] and doc["shell"].startswith("printf '%s' ")
    assert not marker.exists()
    replay = subprocess.run(["bash", "-c", doc["shell"]], capture_output=True, timeout=60)
    assert replay.returncode == 0 and marker.exists()  # the one-liner really reproduces the call


@pytest.mark.parametrize(("script", "code_prefix"), [
    ("garbage.sh", "stdout.not-json"),
    ("empty.sh", "stdout.empty"),
    ("truncated.sh", "stdout.not-json"),
    ("noise_before_json.sh", "stdout.noise"),  # both callers fail it (contract §13), though cpictl reads the JSON
])
def test_misbehaving_cpis_exit_3_with_a_violation(capsys, script, code_prefix):
    code, doc = call_json(capsys, "info", "--cpi", str(CPIS / script), "--timeout", "30")
    assert code == 3
    assert any(v["code"] == code_prefix and v["severity"] == "error" for v in doc["violations"])


def test_v2_create_vm_answering_a_bare_string_explains_the_first_character_bug(capsys):
    code, doc = call_json(capsys, "create_vm", "a", "s", "{}", "{}", "--cpi", str(CPIS / "v1_create_vm.sh"),
                          "--api-version", "2")  # a toy CPI: no info to negotiate with
    assert code == 3
    violation = next(v for v in doc["violations"] if v["code"] == "result.v1-shape")
    assert violation["director"]["does"] == "misreads" and "first character 'v'" in violation["director"]["why"]
    assert violation["create_env"]["does"] == "fails"


def test_a_hanging_cpi_is_killed_at_the_timeout(capsys):
    code, doc = call_json(capsys, "info", "--cpi", str(CPIS / "hang_grandchild.sh"), "--timeout", "1")
    assert code == 3
    assert any("timed out" in v["message"] for v in doc["violations"])


@pytest.mark.parametrize("cpi", ["/nonexistent/cpi", str(CPIS / "not_executable.sh")])
def test_a_cpi_that_cannot_run_is_a_clear_error(capsys, cpi):
    code, out, err = call(capsys, "info", "--cpi", cpi)
    assert code == 3
    assert cpi in err and "Traceback" not in err


def test_table_view_says_it_is_the_reference_cpi_and_shows_the_result(capsys):
    code, out, err = call(capsys, "info", "-o", "table")
    assert code == 0
    assert "bundled reference CPI" in out and "not a cloud" in out
    assert "stemcell_formats" in out and "api_version" in out


def test_yaml_output(capsys):
    import yaml

    code, out, _ = call(capsys, "info", "-o", "yaml")
    assert code == 0 and yaml.safe_load(out)["response"]["result"]["api_version"] == 2


def test_cpi_error_exits_1_and_shows_type(capsys):
    code, out, _ = call(capsys, "delete_vm", "vm-missing", "-o", "table")
    assert code == 1
    assert "VMNotFound" in out


def test_real_subprocess_call_and_exit_codes(run_env):
    proc = subprocess.run([cpictl_bin(), "call", "info"], capture_output=True, text=True, env=run_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["response"]["result"]["api_version"] == 2  # JSON by default on a pipe
    proc = subprocess.run([cpictl_bin(), "call", "delete_vm"], capture_output=True, text=True, env=run_env,
                          timeout=120)
    assert proc.returncode == 2 and "vm_cid" in proc.stderr and "Traceback" not in proc.stderr


def test_methods_and_describe(capsys):
    assert main(["methods", "-o", "json"]) == 0
    names = [m["name"] for m in json.loads(capsys.readouterr().out)]
    assert "create_vm" in names and "configure_networks" in names and len(names) == 25
    assert main(["describe", "attach_disk", "-o", "table"]) == 0
    out = capsys.readouterr().out
    assert "disk hint" in out and "example request" in out and "DiskNotFound" in out
    assert main(["describe", "atach_disk"]) == 2
    assert "did you mean 'attach_disk'" in capsys.readouterr().err


@pytest.mark.parametrize(("command", "name"), [("describe", "ATTACH_DISK"), ("call", "HAS_VM")])
def test_a_method_name_in_the_wrong_case_gets_a_suggestion(capsys, command, name):
    assert main([command, name]) == 2
    assert f"unknown CPI method '{name}' (did you mean '{name.lower()}'?)" in capsys.readouterr().err


def test_help_documents_exit_codes(capsys):
    main(["call", "--help"])
    words = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "3 the CPI misbehaved" in words


def test_store_records_created_ids_and_references_resolve(capsys):
    image = Path(__file__)
    code, doc = call_json(capsys, "create_stemcell", str(image), "{}")
    assert code == 0
    stemcell = doc["cloud_ids"]["created"][0]["cid"]
    code, doc = call_json(capsys, "create_vm", "agent-1", "${stemcell}", "{}", "{default: {type: dynamic}}")
    assert code == 0, doc
    assert doc["request"]["arguments"][1] == stemcell
    code, out, err = call(capsys, "delete_vm", "${snapshot}")
    assert code == 2 and "snapshot" in err


def test_cpi_text_is_never_taken_for_markup(capsys, tmp_path):
    cpi = write_cpi(tmp_path / "markup.py", """
import json, sys
sys.stdin.read()
sys.stderr.write("[bold]stderr[/bold] [/x]\\n")
json.dump({"result": "[/x]", "error": None, "log": "[red]log[/red]"}, sys.stdout)
""")
    code, out, err = call(capsys, "has_vm", "vm-1", "--cpi", str(cpi), "-o", "table", "--api-version", "2")
    assert code == 3, err  # not an internal error: the answer is just the wrong shape
    assert "[/x]" in out and "[red]log[/red]" in out and "[bold]stderr[/bold]" in out
    # bracketed text inside cpictl's own messages survives too
    code, out, err = call(capsys, "create_vm", "a", "s", "{}", "{}", "--cpi", str(CPIS / "v1_create_vm.sh"),
                          "-o", "table", "--api-version", "2")
    assert "[vm_cid, networks]" in " ".join(out.split())


def test_dry_run_masks_secret_environment_values(capsys):
    code, out, _ = call(capsys, "info", "--env", "AWS_SECRET_ACCESS_KEY=hunter22", "--env", "REGION=eu-1",
                        "--dry-run", "-o", "json")
    doc = json.loads(out)
    assert code == 0 and "hunter22" not in out
    assert doc["env"]["AWS_SECRET_ACCESS_KEY"] == "<redacted>" and doc["env"]["REGION"] == "eu-1"
    assert doc["secrets_masked"] is True
    code, out, _ = call(capsys, "info", "--env", "AWS_SECRET_ACCESS_KEY=hunter22", "--dry-run", "-o", "json",
                        "--show-secrets")
    assert "hunter22" in json.loads(out)["shell"]


@pytest.mark.parametrize("argv", [["call", "info", "--bogus"], ["call"], ["call", "info", "--timeout", "abc"],
                                  ["bogus-command"], ["call", "info", "-o", "xml"]])
def test_usage_errors_exit_2_with_a_message_not_an_internal_error(capsys, argv):
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err


def test_a_negative_value_after_double_dash_reaches_the_cpi(capsys):
    code, doc = call_json(capsys, "create_disk", "--no-validate", "--", "-1", "{}")
    assert doc["request"]["arguments"][0] == -1
    assert code == 1  # the reference CPI refuses it: size must be > 0


def test_double_dollar_escapes_a_reference(capsys, echo_cpi):
    doc = call_json(capsys, "has_vm", "$${vm}", "--cpi", str(echo_cpi))[1]
    assert json.loads(doc["response"]["result"]["raw"])["arguments"] == ["${vm}"]


def test_raw_needs_no_method_and_refuses_a_different_one(capsys, echo_cpi, tmp_path):
    (tmp_path / "req.json").write_text('{"method": "ping", "arguments": [], "context": {}}')
    code, doc = call_json(capsys, "--raw", str(tmp_path / "req.json"), "--cpi", str(echo_cpi))
    assert code == 0 and doc["request"]["method"] == "ping"
    code, out, err = call(capsys, "info", "--raw", str(tmp_path / "req.json"))
    assert code == 2 and "calls 'ping', not 'info'" in err


def test_a_huge_value_is_cut_in_the_table_and_whole_in_json(capsys, echo_cpi, tmp_path):
    (tmp_path / "big.json").write_text(json.dumps({"blob": "v" * 200_000}))
    code, out, _ = call(capsys, "set_vm_metadata", "vm-1", "@" + str(tmp_path / "big.json"), "--cpi", str(echo_cpi),
                        "-o", "table")
    assert code == 0
    assert len(out) < 30_000 and out.count("more characters; -o json shows all]") >= 1  # not 200,000 v's
    code, doc = call_json(capsys, "set_vm_metadata", "vm-1", "@" + str(tmp_path / "big.json"), "--cpi", str(echo_cpi))
    assert doc["request"]["arguments"][1]["blob"] == "v" * 200_000


def test_the_report_of_a_raw_call_shows_the_document_that_was_sent(capsys, echo_cpi, tmp_path):
    raw = '{"method": "ping", "arguments": [], "context": {"director_uuid": "d"}, "extra": true}'
    (tmp_path / "req.json").write_text(raw)
    code, doc = call_json(capsys, "--raw", str(tmp_path / "req.json"), "--cpi", str(echo_cpi))
    assert code == 0
    assert json.loads(doc["response"]["result"]["raw"])["extra"] is True  # the CPI got the unknown key …
    assert doc["request"] == json.loads(raw)  # … and the report says so, with no key made up or left out


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_raw_document_of_odd_shape_is_sent_and_what_the_cpi_made_is_journalled(capsys, tmp_path, fmt):
    cpi = write_cpi(tmp_path / "made.py", """
import json, sys
sys.stdin.read()
json.dump({"result": "vm-made-by-raw", "error": None, "log": ""}, sys.stdout)
""")
    raw = {"method": "create_vm", "arguments": {"agent_id": "a1"}, "context": "not an object",
           "api_version": 1, "token": "t0p-s3cret-1"}
    (tmp_path / "odd.json").write_text(json.dumps(raw))
    code, out, err = call(capsys, "--raw", str(tmp_path / "odd.json"), "--cpi", str(cpi), "-o", fmt)
    assert code == 0, err
    assert "internal error" not in err and "t0p-s3cret-1" not in out  # its own top-level keys are masked too
    assert ("vm", "vm-made-by-raw") in live(capsys)
    if fmt == "json":
        assert json.loads(out)["request"]["arguments"] == {"agent_id": "a1"}  # shown as sent


def test_a_raw_document_that_is_not_json_is_sent_with_a_warning(capsys, tmp_path):
    received = tmp_path / "received"
    cpi = write_cpi(tmp_path / "keep.py", f"""
import json, sys
open({str(received)!r}, "wb").write(sys.stdin.buffer.read())
json.dump({{"result": True, "error": None, "log": ""}}, sys.stdout)
""")
    (tmp_path / "req.yml").write_text("method: ping\narguments: []\n")
    code, out, err = call(capsys, "--raw", str(tmp_path / "req.yml"), "--cpi", str(cpi), "-o", "json")
    assert "the --raw document is not a JSON object; it is sent unchanged" in err and "YAML" in err
    assert received.read_bytes() == b"method: ping\narguments: []\n"


@pytest.mark.parametrize(("value", "fragment"), [("&a [*a]", "cannot be sent as JSON"),
                                                 ("{when: 2024-01-01}", "cannot be sent as JSON")])
def test_yaml_that_json_cannot_carry_is_an_input_error(capsys, value, fragment):
    code, out, err = call(capsys, "create_disk", "1", value)
    assert code == 2 and fragment in err and "internal error" not in err


def test_a_journal_whose_lock_cannot_exist_fails_at_once(capsys):
    started = time.monotonic()
    code, out, err = call(capsys, "create_disk", "10", "{}", "--state", "/proc/cpictl-test.jsonl")
    assert code == 2 and "cannot create the journal lock" in err
    assert time.monotonic() - started < 20  # not the 30 s lock timeout


def test_a_create_without_a_usable_id_warns_of_a_possible_orphan(capsys, tmp_path):
    cpi = write_cpi(tmp_path / "weird.py", """
import json, sys
sys.stdin.read()
json.dump({"result": {"vm": "vm-weird"}, "error": None, "log": ""}, sys.stdout)
""")
    code, doc = call_json(capsys, "create_disk", "1", "{}", "--cpi", str(cpi), "--api-version", "2")
    assert code == 3
    orphan = next(v for v in doc["violations"] if v["code"] == "cloud-id.unknown")
    assert "disk may exist" in orphan["message"]
    code, doc = call_json(capsys, "delete_vm", "vm-missing")  # a plain CPI error is not an orphan
    assert code == 1 and not any(v["code"] == "cloud-id.unknown" for v in doc["violations"])


def test_cpi_error_view_says_what_bosh_does(capsys):
    code, out, _ = call(capsys, "delete_vm", "vm-missing", "-o", "table")
    assert code == 1 and "BOSH: on delete_vm the director and create-env take the VM as already gone" in " ".join(
        out.split())


def test_an_api_version_beyond_the_contract_is_sent_with_a_warning(capsys, echo_cpi):
    code, out, err = call(capsys, "ping", "--api-version", "7", "--cpi", str(echo_cpi), "-o", "json")
    assert "beyond the contract" in err
    assert json.loads(json.loads(out)["response"]["result"]["raw"])["api_version"] == 7


LEAKY_CPI = """
import json, sys
raw = sys.stdin.read()
request = json.loads(raw)
sys.stderr.write("got " + raw + "\\n")
json.dump({"result": None, "log": "log " + raw,
           "error": {"type": "Bosh::Clouds::CloudError", "message": "failed for " + raw, "ok_to_retry": False}},
          sys.stdout)
"""


@pytest.mark.parametrize("fmt", ["table", "json", "yaml"])
def test_secrets_a_cpi_echoes_in_its_error_message_are_masked(capsys, tmp_path, fmt):
    cpi = write_cpi(tmp_path / "leaky.py", LEAKY_CPI)
    code, out, err = call(capsys, "create_disk", "10", '{password: hunter22, access_key: AKIAEXAMPLE}',
                          "--context", "secret_access_key=topsecret9", "--cpi", str(cpi), "-o", fmt,
                          "--api-version", "2")  # every method answers an error: info too
    assert code == 1
    assert "failed for" in out
    for secret in ("hunter22", "AKIAEXAMPLE", "topsecret9"):
        assert secret not in out and secret not in err


def test_a_wrong_shape_result_quoted_in_a_violation_is_masked(capsys):
    code, out, _ = call(capsys, "create_disk", "10", "{password: hunter22}", "--cpi", str(CPIS / "echo_request.py"),
                        "-o", "json")
    assert code == 3
    assert "hunter22" not in out


@pytest.mark.parametrize("argument", ["pre-${vm", "${", "${}", '{a: "${vm"}'])
def test_a_malformed_reference_is_a_usage_error(capsys, argument):
    code, _, err = call(capsys, "has_vm", argument, "--dry-run")
    assert code == 2
    assert "bad reference" in err and "internal error" not in err


def test_yaml_nan_and_infinity_are_refused_as_not_json(capsys):
    code, _, err = call(capsys, "create_disk", "10", "{a: .nan, b: .inf}", "--dry-run")
    assert code == 2
    assert "parameter 'cloud_properties'" in err and "cannot be sent as JSON" in err


def test_an_env_name_a_shell_could_not_set_is_refused(capsys):
    code, _, err = call(capsys, "info", "--env", "A B=x", "--dry-run")
    assert code == 2
    assert "'A B' is not an environment variable name" in err


def test_a_create_env_state_file_given_as_state_is_left_untouched(capsys, tmp_path):
    state_file = tmp_path / "bosh-state.json"
    state_file.write_text('{\n  "director_id": "d-1",\n  "disks": []\n}\n')
    before = state_file.read_bytes()
    code, _, err = call(capsys, "create_disk", "10", "{}", "--state", str(state_file))
    assert code == 2
    assert "not a cpictl journal" in err and "ids import-state" in err
    assert state_file.read_bytes() == before


@pytest.mark.parametrize("argv", [["create_disk", "10", "{password: <redacted>}"],
                                  ["info", "--context", "aws.secret_access_key=<redacted>"]])
def test_the_mask_text_is_never_sent_as_a_value(capsys, argv):
    """A line copied from masked output (or recalled from the REPL's masked history) must not hand the CPI
    `<redacted>` as a password."""
    code, _, err = call(capsys, *argv, "--dry-run")
    assert code == 2
    assert "the text cpictl shows in place of a secret" in err


def test_dry_run_shows_the_request_bytes_on_one_line_whatever_the_width(capsys, monkeypatch):
    """`exact bytes` must survive copying: a line break inserted by layout would change them."""
    monkeypatch.setenv("COLUMNS", "40")
    code, out, _ = call(capsys, "create_vm", "agent-1", "stemcell-1", "{}", "{default: {type: dynamic}}",
                        "--dry-run", "--show-secrets", "-o", "table")
    assert code == 0
    [request] = [line for line in out.splitlines() if line.startswith('{"method"')]
    assert json.loads(request)["arguments"][:2] == ["agent-1", "stemcell-1"]


def test_a_masked_dry_run_does_not_claim_exact_bytes_or_a_line_to_run(capsys):
    code, out, _ = call(capsys, "create_vm", "agent-1", "stemcell-1", "{region: eu-west-1, password: hunter22}",
                        "{}", "--dry-run", "-o", "table")
    assert code == 0
    assert "exact bytes" not in out.replace("--show-secrets prints the exact bytes", "")
    assert "stdin (secrets masked; --show-secrets prints the exact bytes):" in out
    assert "it sends <redacted> where secrets were masked" in out and "hunter22" not in out
    assert "eu-west-1" in out  # no secret: readable
    code, out, _ = call(capsys, "create_vm", "agent-1", "stemcell-1", "{region: eu-west-1}", "{}", "--dry-run",
                        "-o", "table")  # cloud_properties without a secret are sent as shown
    assert "stdin (exact bytes, no trailing newline):" in out
    code, out, _ = call(capsys, "info", "--dry-run", "-o", "table")  # nothing to mask: the bytes are exact
    assert "stdin (exact bytes, no trailing newline):" in out and "reproduce by hand (one line):" in out


def test_the_dry_run_one_liner_with_cwd_runs_in_a_subshell(capsys, tmp_path):
    marker = tmp_path / "where"
    cpi = write_cpi(tmp_path / "pwd_cpi.py", f"import os; open({str(marker)!r}, 'w').write(os.getcwd())\n")
    workdir = tmp_path / "work dir"
    workdir.mkdir()
    code, doc = call_json(capsys, "info", "--cpi", str(cpi), "--cwd", str(workdir), "--dry-run")
    assert code == 0
    replay = subprocess.run(["bash", "-c", f"{doc['shell']}; pwd"], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    assert marker.read_text() == str(workdir)  # the CPI ran in --cwd …
    assert replay.stdout.strip() == str(tmp_path)  # … and the shell that pasted the line stayed where it was


@pytest.mark.parametrize(("argv", "message"), [
    (["--session", ""], "--session: empty name"),
    (["--cwd", ""], "--cwd: empty path"),
    (["--cwd", __file__], "--cwd: is not a directory"),
])
def test_empty_or_wrong_kind_options_are_usage_errors(capsys, argv, message):
    code, _, err = call(capsys, "info", *argv, "--dry-run")
    assert code == 2 and message in err


def test_a_bad_session_name_from_the_environment_names_the_variable(capsys, monkeypatch):
    monkeypatch.setenv("CPICTL_SESSION", "bad name")
    code, _, err = call(capsys, "create_disk", "10", "{}")
    assert code == 2 and "$CPICTL_SESSION: invalid session name 'bad name'" in err


def test_an_empty_director_uuid_is_sent_as_given(capsys):
    code, doc = call_json(capsys, "info", "--director-uuid", "", "--dry-run")
    assert code == 0
    assert '"director_uuid":""' in doc["stdin"]


def test_packages_dir_outside_create_env_mode_is_warned_about(capsys, tmp_path):
    code, _, err = call(capsys, "info", "--packages-dir", str(tmp_path), "--dry-run")
    assert code == 0 and "only passed to the CPI with --env-mode create-env" in err


def test_session_and_state_together_are_refused(capsys, tmp_path):
    code, _, err = call(capsys, "create_disk", "10", "{}", "--session", "a", "--state", str(tmp_path / "j.jsonl"))
    assert code == 2 and "give --session or --state, not both" in err


def test_raw_warns_about_the_options_it_ignores(capsys, tmp_path):
    raw = tmp_path / "raw.json"
    raw.write_text('{"method": "info", "arguments": [], "context": {"director_uuid": "x"}}')
    code, _, err = call(capsys, "--raw", str(raw), "--api-version", "1", "--dry-run", "-o", "json")
    assert code == 0
    assert "warning: --api-version ignored: --raw sends the document unchanged" in err
