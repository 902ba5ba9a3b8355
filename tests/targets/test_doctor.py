"""`cpictl target doctor`: against a healthy CPI (the reference CPI), a missing executable, a CPI that prints
garbage, and the warnings about secrets others can read."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conftest import CPIS
from tests.targets.conftest import run, write_user_config


def doctor(capsys, *argv: str) -> tuple[int, dict]:
    code, out, err = run(capsys, "target", "doctor", *argv, "-o", "json")
    assert out, err
    return code, json.loads(out)


def checks(report: dict) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for check in report["checks"]:
        found.setdefault(check["check"], (check["level"], check["detail"]))
    return found


def reference_target(home: Path, **extra: str) -> None:
    lines = "".join(f"    {key}: {value}\n" for key, value in extra.items())
    write_user_config(home, f"targets:\n  ref:\n    cpi: [{sys.executable}, -m, cpictl.refcpi]\n{lines}")


def test_a_healthy_cpi(capsys, isolated_home, project, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", "3")
    reference_target(isolated_home, env_mode="inherit")
    code, report = doctor(capsys, "ref")
    found = checks(report)
    assert code == 0 and report["verdict"] == "healthy" and report["exit_code"] == 0
    assert found["executable"] == ("ok", sys.executable)
    assert found["runs"][0] == "ok" and found["info"] == ("ok", "answers: api_version 3")
    assert found["api_version as director"] == ("ok", "sends api_version 3 (the CPI reports 3, the director "
                                                      "prefers 3 → 3)")
    assert found["api_version as create-env"][1].startswith("sends api_version 2 (the CPI reports 3, create-env "
                                                            "speaks at most 2 → 2)")
    assert found["stemcell formats"] == ("ok", "refcpi-raw, refcpi-light")
    assert found["time"][0] == "ok" and found["time"][1].endswith(" ms for one info call")


def test_each_caller_says_why_it_would_refuse(capsys, isolated_home, project, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", "1")
    reference_target(isolated_home, env_mode="inherit", **{"as": "create-env"})
    code, report = doctor(capsys, "ref")
    found = checks(report)
    assert found["api_version as create-env"][0] == "ok"
    level, detail = found["api_version as director"]
    assert level == "note"  # the target calls as create-env: the director's refusal is worth knowing, no failure
    assert "CPI API version 1 is not supported. Minimum required version is 2." in detail
    assert code == 0
    reference_target(isolated_home, env_mode="inherit")  # as the director, the same CPI is unusable
    code, report = doctor(capsys, "ref")
    assert code == 3 and checks(report)["api_version as director"][0] == "fail"


def test_a_missing_executable(capsys, isolated_home, project, tmp_path):
    write_user_config(isolated_home, f"targets: {{gone: {{cpi: {tmp_path / 'nowhere' / 'cpi'}}}}}\n")
    code, report = doctor(capsys, "gone")
    found = checks(report)
    assert code == 3 and report["verdict"] == "not usable: 1 check failed"
    assert found["executable"] == ("fail", f"{tmp_path / 'nowhere' / 'cpi'}: no such file")
    assert {found[check][0] for check in ("runs", "info", "time")} == {"skip"}


def test_an_executable_that_cannot_be_run(capsys, isolated_home, project):
    write_user_config(isolated_home, f"targets: {{nx: {{cpi: {CPIS / 'not_executable.sh'}}}}}\n")
    code, report = doctor(capsys, "nx")
    assert code == 3 and "not executable" in checks(report)["executable"][1]


def test_a_cpi_that_prints_garbage(capsys, isolated_home, project):
    write_user_config(isolated_home, f"targets: {{garbage: {{cpi: {CPIS / 'garbage.sh'}}}}}\n")
    code, report = doctor(capsys, "garbage")
    found = checks(report)
    assert code == 3
    assert found["executable"][0] == "ok" and found["runs"][0] == "ok"
    assert found["info"][0] == "fail" and "stdout.not-json" in found["info"][1] and "502 Bad Gateway" in \
        found["info"][1]
    assert found["api_version as director"] == ("fail", "refuses every call: its info call gives no usable answer "
                                                        "(stdout.not-json)")
    assert found["api_version as create-env"][0] == "note"


def test_a_cpi_that_hangs_is_a_failed_check_not_a_hanging_doctor(capsys, isolated_home, project, tmp_path):
    hangs = tmp_path / "hangs.sh"
    hangs.write_text("#!/bin/sh\nexec sleep 600\n")
    hangs.chmod(0o755)
    write_user_config(isolated_home, f"targets: {{stuck: {{cpi: {hangs}}}}}\n")  # no timeout of its own
    code, report = doctor(capsys, "stuck", "--timeout", "1")
    found = checks(report)
    assert code == 3
    assert found["runs"][0] == "fail" and "timed out" in found["runs"][1]
    # the timeout is said once, on the runs line; the lines that follow from it point there
    assert found["info"] == ("fail", "no answer (see runs)") and found["time"][0] == "skip"
    assert found["api_version as director"] == ("fail", "refuses every call: info gave no answer (see runs)")
    assert sum("timed out" in detail for _, detail in found.values()) == 1


def test_secrets_that_others_can_read_draw_warnings(capsys, isolated_home, project, tmp_path):
    cpi_config = tmp_path / "cpi.json"
    cpi_config.write_text(json.dumps({"aws": {"access_key_id": "AKIA1", "secret_access_key": "s3cr3t-value"}}))
    cpi_config.chmod(0o644)
    path = write_user_config(isolated_home, f"""
        targets:
          ok:
            cpi: [{CPIS / 'ok.sh'}, {cpi_config}, {tmp_path / 'missing.json'}]
            context: {{api_password: hunter2-value}}
        """)
    path.chmod(0o640)
    code, report = doctor(capsys, "ok")
    found = checks(report)
    assert code == 1 and report["verdict"] == "usable, with 3 warnings"
    assert found["config permissions"] == ("warn", f"{path} is readable by others (mode 0640) and holds secrets "
                                                   f"(context.api_password): chmod 600 {path}")
    assert found["argv file"] == ("ok", f"{cpi_config}: readable")
    assert found["argv file permissions"][1].startswith(f"{cpi_config} is readable by others (mode 0644) and holds "
                                                        "secrets (aws.access_key_id, aws.secret_access_key)")
    missing = [c for c in report["checks"] if c["check"] == "argv file" and c["level"] == "warn"]
    assert missing and "missing.json: no such file" in missing[0]["detail"]
    assert "s3cr3t-value" not in json.dumps(report) and "hunter2-value" not in json.dumps(report)
    cpi_config.chmod(0o600)
    path.chmod(0o600)
    (tmp_path / "missing.json").write_text("{}")
    code, report = doctor(capsys, "ok")
    assert code == 0 and report["verdict"] == "healthy"


def test_without_a_name_the_target_commands_would_use(capsys, isolated_home, project, monkeypatch):
    code, report = doctor(capsys)
    assert code == 0 and report["target"] is None and "cpictl.refcpi" in report["argv"]
    write_user_config(isolated_home, f"targets: {{garbage: {{cpi: {CPIS / 'garbage.sh'}}}}}\n")
    monkeypatch.setenv("CPICTL_TARGET", "garbage")
    code, report = doctor(capsys)
    assert code == 3 and report["target"] == "garbage"


def test_the_table_has_one_line_per_check_and_a_verdict(capsys, isolated_home, project):
    write_user_config(isolated_home, f"targets: {{garbage: {{cpi: {CPIS / 'garbage.sh'}}}}}\n")
    code, out, _ = run(capsys, "target", "doctor", "garbage", "-o", "table")
    lines = out.splitlines()
    assert code == 3 and lines[0] == "target garbage"
    assert lines[-1] == "verdict: not usable: 2 checks failed"
    assert any(line.startswith("FAIL api_version as director") for line in lines)
    code, _, err = run(capsys, "target", "doctor", "nope")
    assert code == 2 and "no such target" in err
