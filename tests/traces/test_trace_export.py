"""`cpictl trace export N --shell|--request|--recipe`: the one-liner really runs and sends the very bytes the
original call sent; the request is the document; the recipe loads and runs."""

from __future__ import annotations

import json
import os
import subprocess

from tests.traces.trace_helpers import capture_cpi, captured, run, trace_entries

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXZhbHVl"
SECRETS = {"CLOUD_PROPERTIES_PASSWORD": "hunter2-pw", "CLOUD_PROPERTIES_BOOTSTRAP": JWT,
           "CONTEXT_SECRET_ACCESS_KEY": "AKIA-secret-1234"}


def _call_with_secrets(capsys, tmp_path) -> tuple[int, bytes]:
    """create_disk with a password and a token (a JWT, secret by its shape) in its cloud_properties and a
    cpi-config secret in its context, against the capture CPI: the trace masks those three, and keeps `type: gp3`
    readable. Returns its trace number and the exact bytes the CPI read."""
    cpi, kept = capture_cpi(tmp_path), tmp_path / "requests.jsonl"
    code, _, err = run(capsys, "call", "create_disk", "1024", f"{{password: hunter2-pw, type: gp3, bootstrap: {JWT}}}",
                       "--cpi", str(cpi),
                       "--cpi-arg", str(kept), "--context", "secret_access_key=AKIA-secret-1234", "-o", "json")
    assert code == 0, err
    return int(trace_entries(tmp_path / "home")[-1]["n"]), captured(kept)[-1]


def test_the_shell_one_liner_runs_and_sends_the_same_bytes(capsys, tmp_path):
    number, original = _call_with_secrets(capsys, tmp_path)
    assert b"hunter2-pw" in original and b"AKIA-secret-1234" in original
    code, line, err = run(capsys, "trace", "export", str(number), "--shell")
    assert code == 0
    assert "hunter2-pw" not in line and "AKIA-secret-1234" not in line  # the trace never had them
    for name in SECRETS:  # each masked value is a variable, named from its path and listed
        assert f'"${name}"' in line and name in err
    assert "arguments[1].password" in err and "context.secret_access_key" in err
    assert line.count("\n") == 0  # one line, as `call --dry-run` prints it
    kept = tmp_path / "requests.jsonl"
    before = len(captured(kept))
    done = subprocess.run(["sh", "-c", line], env={**os.environ, **SECRETS}, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert captured(kept)[before:] == [original]  # byte for byte: the request_id and director_uuid too
    assert json.loads(done.stdout)["result"].startswith("disk-")


def test_the_one_liner_refuses_to_run_with_a_variable_unset(capsys, tmp_path):
    number, _ = _call_with_secrets(capsys, tmp_path)
    line = run(capsys, "trace", "export", str(number), "--shell")[1]
    kept = tmp_path / "requests.jsonl"
    before = len(captured(kept))
    unset = {**os.environ, **SECRETS}
    del unset["CLOUD_PROPERTIES_PASSWORD"]
    done = subprocess.run(["sh", "-c", line], env=unset, capture_output=True, text=True)
    assert done.returncode != 0 and "CLOUD_PROPERTIES_PASSWORD" in done.stderr
    assert len(captured(kept)) == before  # the CPI never ran: no empty password was sent


def test_var_fills_a_value_into_the_export_instead_of_a_variable(capsys, tmp_path):
    number, original = _call_with_secrets(capsys, tmp_path)
    code, line, err = run(capsys, "trace", "export", str(number), "--shell", "--var",
                          "cloud_properties.password=hunter2-pw", "--var", f"arguments[1].bootstrap={JWT}")
    assert code == 0 and "$CLOUD_PROPERTIES_PASSWORD" not in line and "hunter2-pw" in line
    kept = tmp_path / "requests.jsonl"
    before = len(captured(kept))
    done = subprocess.run(["sh", "-c", line], env={**os.environ, "CONTEXT_SECRET_ACCESS_KEY": "AKIA-secret-1234"},
                          capture_output=True)
    assert done.returncode == 0 and captured(kept)[before:] == [original]  # sent again, not the call's own


def test_request_is_the_document_in_the_bytes_a_caller_sends(capsys, tmp_path):
    number, original = _call_with_secrets(capsys, tmp_path)
    code, out, err = run(capsys, "trace", "export", str(number), "--request")
    assert code == 0
    document = json.loads(out)
    assert document["method"] == "create_disk" and document["arguments"][1] == {
        "password": "<redacted>", "type": "gp3", "bootstrap": "<redacted>"}
    sent = json.loads(original)
    sent["arguments"][1] = document["arguments"][1]
    sent["context"]["secret_access_key"] = "<redacted>"
    assert out.encode() == json.dumps(sent, separators=(",", ":")).encode()  # one line, no newline on a pipe
    assert "arguments[1].password" in err and "<redacted>" in err
    code, out, _ = run(capsys, "trace", "export", str(number), "--request", "--var", "arguments[1].password=x",
                       "--var", "arguments[1].bootstrap:=3", "--var", "CONTEXT_SECRET_ACCESS_KEY=k")
    document = json.loads(out)
    assert document["arguments"][1] == {"password": "x", "type": "gp3", "bootstrap": 3}  # := takes JSON
    assert document["context"]["secret_access_key"] == "k"


def test_recipe_is_a_recipe_that_runs_the_call_with_the_masked_values_as_vars(capsys, tmp_path):
    code, _, _ = run(capsys, "call", "create_disk", "2048", "{password: pw-12345}", "-o", "json")
    assert code == 0
    number = trace_entries(tmp_path / "home")[-1]["n"]
    code, text, err = run(capsys, "trace", "export", str(number), "--recipe")
    assert code == 0 and "--var cloud_properties_password=" in err and "pw-12345" not in text
    recipe = tmp_path / "replay.yml"
    recipe.write_text(text)
    from cpictl.recipes import load_recipe

    step = load_recipe(recipe, cli_vars={"cloud_properties_password": "pw-12345"}).steps[0]
    assert step.method == "create_disk" and step.overrides.get("api_version") == 2
    assert step.args == {"size": 2048, "cloud_properties": {"password": "${cloud_properties_password}"},
                         "vm_cid": None}
    code, _, err = run(capsys, "run", str(recipe), "-o", "json")
    assert code == 2 and "undefined reference" in err
    traced = len(trace_entries(tmp_path / "home"))
    code, out, err = run(capsys, "run", str(recipe), "--var", "cloud_properties_password=pw-12345", "-o", "json")
    assert code == 0, err
    entries = trace_entries(tmp_path / "home")
    assert len(entries) > traced and entries[-1]["request"]["arguments"][0] == 2048  # the recipe's own call


def test_recipe_keeps_literal_text_that_looks_like_its_own_references_literal(capsys, tmp_path):
    """A value the call sent as text `${cloud_properties_password}` must not become the recipe's live reference to
    the masked password beside it."""
    code, _, _ = run(capsys, "call", "create_disk", "2048",
                     "{password: pw-12345, note: '$${cloud_properties_password}'}", "-o", "json")
    assert code == 0
    number = trace_entries(tmp_path / "home")[-1]["n"]
    assert trace_entries(tmp_path / "home")[-1]["request"]["arguments"][1]["note"] == "${cloud_properties_password}"
    code, text, _ = run(capsys, "trace", "export", str(number), "--recipe")
    recipe = tmp_path / "literal.yml"
    recipe.write_text(text)
    from cpictl.recipes import load_recipe

    step = load_recipe(recipe, cli_vars={"cloud_properties_password": "pw-12345"}).steps[0]
    assert step.args["cloud_properties"] == {"password": "${cloud_properties_password}",
                                             "note": "$${cloud_properties_password}"}  # escaped: sent as text


def test_recipe_of_a_cpi_error_expects_that_error(capsys, tmp_path):
    run(capsys, "call", "delete_vm", "vm-gone", "-o", "json")
    number = trace_entries(tmp_path / "home")[-1]["n"]
    text = run(capsys, "trace", "export", str(number), "--recipe")[1]
    recipe = tmp_path / "gone.yml"
    recipe.write_text(text)
    assert "error: Bosh::Clouds::VMNotFound" in text
    code, _, err = run(capsys, "run", str(recipe), "-o", "json")
    assert code == 0, err  # the replay meets the same answer, as the step expects


def test_export_needs_exactly_one_form_and_a_known_var(capsys, tmp_path):
    number, _ = _call_with_secrets(capsys, tmp_path)
    code, _, err = run(capsys, "trace", "export", str(number))
    assert code == 2 and "--shell, --request or --recipe" in err
    code, _, err = run(capsys, "trace", "export", str(number), "--shell", "--request")
    assert code == 2
    code, _, err = run(capsys, "trace", "export", str(number), "--shell", "--var", "arguments[1].pasword=x")
    assert code == 2 and "did you mean arguments[1].password" in err
    code, out, _ = run(capsys, "trace", "export", str(number), "--shell", "-o", "json")
    document = json.loads(out)
    assert {variable["name"] for variable in document["variables"]} == set(SECRETS)


ENV_CPI = """
import json, os, sys
request = json.loads(sys.stdin.buffer.read())
with open(sys.argv[1], "a") as kept:
    kept.write(json.dumps({k: v for k, v in os.environ.items() if k.startswith(("T_", "AWS_"))}) + "\\n")
result = {"api_version": 2, "stemcell_formats": ["raw"]} if request["method"] == "info" else "disk-1"
json.dump({"result": result, "error": None, "log": ""}, sys.stdout)
"""


def test_the_one_liner_of_a_named_target_gives_the_cpi_the_environment_it_had(capsys, tmp_path, monkeypatch):
    from tests.conftest import write_cpi

    cpi, kept = write_cpi(tmp_path / "env_cpi.py", ENV_CPI), tmp_path / "envs.jsonl"
    config = tmp_path / "home" / "config" / "cpictl" / "config.yml"
    config.parent.mkdir(parents=True)
    config.write_text(f"targets:\n  aws:\n    cpi: [{cpi}, {kept}]\n    env: {{T_REGION: eu-1, "
                      "AWS_SECRET_ACCESS_KEY: hunter2-aws-key, T_PROXY: 'http://bob:pw-12345@proxy'}\n")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    code, _, err = run(capsys, "call", "info", "--target", "aws", "-o", "json")
    assert code == 0, err
    original = json.loads(kept.read_text().splitlines()[-1])
    assert original == {"T_REGION": "eu-1", "AWS_SECRET_ACCESS_KEY": "hunter2-aws-key",
                        "T_PROXY": "http://bob:pw-12345@proxy"}
    number = int(trace_entries(tmp_path / "home")[-1]["n"])
    assert "hunter2-aws-key" not in json.dumps(trace_entries(tmp_path / "home")[-1])  # kept masked
    code, line, err = run(capsys, "trace", "export", str(number), "--shell")
    assert code == 0 and "env -i " in line  # the director's cleared environment
    assert "hunter2-aws-key" not in line and "pw-12345" not in line
    assert "AWS_SECRET_ACCESS_KEY (env.AWS_SECRET_ACCESS_KEY)" in err and "T_PROXY_USERINFO (env.T_PROXY)" in err
    filled = {"AWS_SECRET_ACCESS_KEY": "hunter2-aws-key", "T_PROXY_USERINFO": "bob:pw-12345"}
    before = len(kept.read_text().splitlines())
    done = subprocess.run(["sh", "-c", line], env={**os.environ, **filled}, capture_output=True)
    assert done.returncode == 0, done.stderr
    sent = kept.read_text().splitlines()[before:]
    assert [json.loads(env) for env in sent] == [original]  # the very environment, secrets filled in
    unset = subprocess.run(["sh", "-c", line], env={**os.environ, "T_PROXY_USERINFO": "x"}, capture_output=True,
                           text=True)
    assert unset.returncode != 0 and "AWS_SECRET_ACCESS_KEY" in unset.stderr
