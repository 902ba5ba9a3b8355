"""Secrets of the CPI's environment — `--env NAME=value`, inherited variables whose names hold a secret, a recipe's
`target.env` — are masked wherever the CPI echoes them, the live stderr under the spinner and the REPL history
included; variables that hold no secret stay readable."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest

from cpictl.cli.main import main
from cpictl.protocol.redaction import MASK
from tests.conftest import write_cpi
from tests.secret_echoes import leaks

ECHO_ENV = """
import base64, json, os, sys
sys.stdin.read()
for name in ("OS_PASSWORD", "GITHUB_TOKEN", "REGION"):
    value = os.environ.get(name, "")
    sys.stderr.write(f"{name}={value} b64={base64.b64encode(value.encode()).decode()}\\n")
    sys.stderr.flush()
json.dump({"result": {"api_version": 2, "stemcell_formats": ["raw"]}, "error": None,
           "log": " ".join(f"{n}={os.environ.get(n)}" for n in ("OS_PASSWORD", "GITHUB_TOKEN", "REGION"))},
          sys.stdout)
"""
SECRETS = ["os-pw-Hx7!q:K9", "ghp_inheritedToken123"]


@pytest.fixture
def echo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITHUB_TOKEN", SECRETS[1])
    monkeypatch.setenv("REGION", "eu-west-1")
    return write_cpi(tmp_path / "echo_env.py", ECHO_ENV)


def test_the_live_stderr_under_the_spinner_masks_env_secrets(capsys, monkeypatch, echo_env) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the spinner and the live stderr lines are drawn
    code = main(["call", "info", "--cpi", str(echo_env), "--env", f"OS_PASSWORD={SECRETS[0]}", "-o", "table",
                 "--as", "create-env"])  # create-env hands the CPI its whole environment
    out, err = capsys.readouterr()
    assert code == 0, out + err
    live = err.split("OS_PASSWORD=", 1)[1]  # what was drawn while the CPI ran
    assert leaks(err, SECRETS) == [] and leaks(out, SECRETS) == []
    assert f"GITHUB_TOKEN={MASK} b64={MASK}" in live and "REGION=eu-west-1" in live
    assert f"OS_PASSWORD={MASK}" in out and "REGION=eu-west-1" in out


def test_json_output_masks_env_secrets_and_keeps_the_rest(capsys, echo_env) -> None:
    code = main(["call", "info", "--cpi", str(echo_env), "--env", f"OS_PASSWORD={SECRETS[0]}", "-o", "json",
                 "--as", "create-env"])
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)
    assert document["response"]["log"] == f"OS_PASSWORD={MASK} GITHUB_TOKEN={MASK} REGION=eu-west-1"
    assert f"REGION=eu-west-1 b64={base64.b64encode(b'eu-west-1').decode()}" in document["stderr"]
    assert leaks(out, SECRETS) == []


def test_a_recipe_target_env_secret_is_masked(capsys, tmp_path, echo_env) -> None:
    recipe = tmp_path / "r.yml"
    recipe.write_text(f"name: r\ntarget:\n  cpi: {echo_env}\n  env: {{OS_PASSWORD: {json.dumps(SECRETS[0])}}}\n"
                      "steps:\n  - call: info\n")
    report = tmp_path / "report.json"
    code = main(["run", str(recipe), "--report-json", str(report), "-v", "--as", "create-env"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert f"OS_PASSWORD={MASK}" in out and leaks(out + err, SECRETS) == []
    assert leaks(report.read_text(), SECRETS) == [] and "REGION=eu-west-1" in report.read_text()


def test_the_repl_history_masks_env_secrets_wherever_they_were_typed(tmp_path) -> None:
    from cpictl.cli.options import TargetOptions
    from cpictl.repl.history import MaskedFileHistory

    TargetOptions(env=[f"OS_PASSWORD={SECRETS[0]}"]).build()  # as `cpictl repl --env …` builds its target
    path = tmp_path / "repl_history"
    MaskedFileHistory(str(path)).append_string(f"set_vm_metadata vm-1 {{note: {json.dumps(SECRETS[0])}}}")
    MaskedFileHistory(str(path)).append_string("has_vm vm-1")
    written = path.read_text()
    assert leaks(written, SECRETS[:1]) == [] and MASK in written
    assert "+has_vm vm-1\n" in written
