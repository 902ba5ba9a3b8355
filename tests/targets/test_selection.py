"""Which target a command runs: both config files, their precedence, CPICTL_TARGET, --target and the flags over it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import cpictl_bin, write_cpi
from tests.targets.conftest import PYTHON, TELLING_CPI, run, told, write_project_config, write_user_config


def user_and_project(home: Path, project: Path, cpi: Path) -> None:
    write_user_config(home, f"""
        default: mine
        targets:
          mine:
            cpi: {cpi}
            env: {{T_FROM: user-mine}}
          shared:
            cpi: {cpi}
            env: {{T_FROM: user-shared, T_USER_ONLY: "1"}}
        """)
    write_project_config(project, f"""
        targets:
          shared:
            cpi: [{cpi}, --project-arg]
            env: {{T_FROM: project-shared}}
            context: {{zone: z1}}
        """)


def test_a_target_in_both_files_is_the_projects_whole_and_the_users_default_still_applies(
        capsys, isolated_home, project, telling_cpi):
    user_and_project(isolated_home, project, telling_cpi)
    shared = told(capsys, "--target", "shared")
    assert shared["env"] == {"T_FROM": "project-shared"}  # the user's T_USER_ONLY is not merged in
    assert shared["argv"] == ["--project-arg"]
    assert shared["request"]["context"]["zone"] == "z1"
    assert told(capsys)["env"] == {"T_FROM": "user-mine"}  # no target named: the user's default


def test_the_projects_default_wins_over_the_users(capsys, isolated_home, project, telling_cpi):
    user_and_project(isolated_home, project, telling_cpi)
    (project / "cpictl.yml").write_text((project / "cpictl.yml").read_text() + "default: shared\n")
    assert told(capsys)["env"] == {"T_FROM": "project-shared"}


def test_cpictl_target_selects_and_target_overrides_it(capsys, isolated_home, project, telling_cpi, monkeypatch):
    user_and_project(isolated_home, project, telling_cpi)
    monkeypatch.setenv("CPICTL_TARGET", "shared")
    assert told(capsys)["env"]["T_FROM"] == "project-shared"
    assert told(capsys, "--target", "mine")["env"]["T_FROM"] == "user-mine"


def test_flags_override_the_targets_settings_and_merge_env_and_context(capsys, isolated_home, project, telling_cpi):
    write_user_config(isolated_home, f"""
        targets:
          t:
            cpi: [{telling_cpi}, --from-target]
            env: {{T_A: target, T_B: target}}
            context: {{zone: z1, size: small}}
            director_uuid: from-target
            as: create-env
        """)
    got = told(capsys, "--target", "t", "--env", "T_B=flag", "--context", "size=large", "--director-uuid", "flag",
               "--as", "director")
    assert got["env"] == {"T_A": "target", "T_B": "flag"}
    context = got["request"]["context"]
    assert (context["zone"], context["size"], context["director_uuid"]) == ("z1", "large", "flag")
    assert "request_id" in context  # as the director: --as won over the target's create-env
    assert got["argv"] == ["--from-target"]
    assert told(capsys, "--target", "t", "--cpi-arg", "--other")["argv"] == ["--other"]


def test_cpi_with_target_replaces_the_executable_only(capsys, isolated_home, project, telling_cpi, tmp_path):
    other = tmp_path / "other_cpi.py"
    other.write_text(telling_cpi.read_text().replace('"argv": sys.argv[1:]', '"argv": ["other", *sys.argv[1:]]'))
    other.chmod(0o755)
    write_user_config(isolated_home, f"""
        targets:
          t: {{cpi: [{telling_cpi}, ./cpi.json], env: {{T_A: target}}}}
        """)
    got = told(capsys, "--target", "t", "--cpi", str(other))
    assert got["argv"] == ["other", str(isolated_home / "config" / "cpictl" / "cpi.json")]
    assert got["env"] == {"T_A": "target"}


def test_cpi_without_target_uses_neither_cpictl_target_nor_the_default(capsys, isolated_home, project, telling_cpi,
                                                                       monkeypatch):
    write_user_config(isolated_home, f"""
        default: t
        targets:
          t: {{cpi: {telling_cpi}, env: {{T_SECRET_TOKEN: from-target}}}}
        """)
    assert told(capsys, "--cpi", str(telling_cpi))["env"] == {}  # the default's env never reaches a CPI named here
    monkeypatch.setenv("CPICTL_TARGET", "t")
    code, out, err = run(capsys, "call", "info", "--cpi", str(telling_cpi), "-o", "json")
    assert code == 0
    assert "CPICTL_TARGET=t is not used: --cpi names the CPI" in err
    assert "from-target" not in out


def test_relative_paths_resolve_against_the_config_files_directory(capsys, isolated_home, project, tmp_path):
    config_dir = isolated_home / "config" / "cpictl"
    (config_dir / "bin").mkdir(parents=True)
    write_cpi(config_dir / "bin" / "cpi", TELLING_CPI)
    (config_dir / "work").mkdir()
    write_user_config(isolated_home, """
        targets:
          rel: {cpi: [./bin/cpi, ../x.json, --config=./cpi.json, plain], cwd: work}
        """)
    got = told(capsys, "--target", "rel")
    assert got["argv"] == [str(config_dir.parent / "x.json"), f"--config={config_dir / 'cpi.json'}", "plain"]
    assert got["cwd"] == str(config_dir / "work")


def test_no_config_means_the_bundled_reference_cpi(capsys, project):
    code, out, _ = run(capsys, "call", "info", "-o", "json")
    assert code == 0
    assert '"refcpi-raw"' in out


def test_an_unknown_target_is_a_usage_error_with_a_hint(capsys, isolated_home, project, telling_cpi, monkeypatch):
    code, _, err = run(capsys, "call", "info", "--target", "aws")
    assert code == 2
    assert "no config file defines targets" in err and "cpictl target add aws" in err
    write_user_config(isolated_home, f"targets: {{aws-dev: {{cpi: {telling_cpi}}}}}\n")
    code, _, err = run(capsys, "call", "info", "--target", "aws-deb")
    assert code == 2 and "did you mean 'aws-dev'" in err
    monkeypatch.setenv("CPICTL_TARGET", "nope")
    code, _, err = run(capsys, "call", "info")
    assert code == 2 and "CPICTL_TARGET nope: no such target" in err


@pytest.mark.parametrize("command", [["run", "{recipe}"], ["repl"], ["cleanup", "--yes"], ["ids", "verify"],
                                     ["metadata", "show", "vm-1"]])
def test_every_command_that_runs_a_cpi_takes_target(capsys, project, command, tmp_path):
    (tmp_path / "r.yml").write_text("steps: [{call: info}]\n")
    argv = [word.replace("{recipe}", str(tmp_path / "r.yml")) for word in command]
    code, _, err = run(capsys, *argv, "--target", "nowhere")
    assert code == 2
    assert "--target nowhere: no config file defines targets" in err


def test_a_missing_env_reference_names_its_line(capsys, isolated_home, project, monkeypatch):
    monkeypatch.delenv("T_NOT_SET", raising=False)
    path = write_user_config(isolated_home, f"""
        targets:
          t:
            cpi: {PYTHON}
            context: {{access_key: "${{env.T_NOT_SET}}"}}
        """)
    code, _, err = run(capsys, "call", "info", "--target", "t")
    assert code == 2
    assert f"{path}:5:" in err and "environment variable T_NOT_SET is not set" in err


# Creates VMs, and deletes them only when given its credentials (`T_KEY`), as a real cloud's CPI would.
KEYED_CPI = """
import json, os, sys, uuid
request = json.load(sys.stdin)
method = request["method"]
if method == "info":
    answer = {"result": {"api_version": 2, "stemcell_formats": ["raw"]}, "error": None, "log": ""}
elif os.environ.get("T_KEY") != "k":
    answer = {"result": None, "error": {"type": "Bosh::Clouds::CloudError", "message": "no credentials",
                                        "ok_to_retry": False}, "log": ""}
elif method == "create_vm":
    answer = {"result": [f"vm-{uuid.uuid4().hex[:8]}", {}], "error": None, "log": ""}
else:
    answer = {"result": None, "error": None, "log": ""}
json.dump(answer, sys.stdout)
"""


def test_a_target_defined_once_serves_call_run_repl_and_cleanup(capsys, isolated_home, project, tmp_path,
                                                                 monkeypatch):
    keyed = write_cpi(tmp_path / "keyed_cpi.py", KEYED_CPI)
    other = write_cpi(tmp_path / "other_cpi.py", KEYED_CPI)
    write_user_config(isolated_home, f"""
        targets:
          cloud: {{cpi: {keyed}, env: {{T_KEY: k}}}}
          elsewhere: {{cpi: {other}, env: {{T_KEY: wrong}}}}
        """)
    create = ["call", "create_vm", "a", "sc", "{}", "{default: {type: dynamic}}", "-o", "json"]
    assert run(capsys, *create)[0] == 1  # the bundled CPI has no stemcell sc: nothing named, nothing used
    assert run(capsys, *create, "--target", "cloud")[0] == 0
    recipe = tmp_path / "r.yml"
    recipe.write_text("steps: [{call: create_vm, args: [a, sc, {}, {default: {type: dynamic}}]}]\n")
    assert run(capsys, "run", str(recipe), "--target", "cloud", "-o", "json")[0] == 0
    proc = subprocess.run([cpictl_bin(), "repl", "--target", "cloud"], input="create_vm a sc {} {default: {type: "
                          "dynamic}}\n", capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "created vm vm-" in proc.stdout
    # CPICTL_TARGET names another target: each VM is still deleted with the settings of the target that made it
    monkeypatch.setenv("CPICTL_TARGET", "elsewhere")
    code, out, err = run(capsys, "cleanup", "--yes", "-o", "json")
    assert code == 0, out + err
    assert [row["outcome"] for row in json.loads(out)] == ["deleted"] * 3


def test_a_targets_secrets_keys_are_masked_wherever_they_show(capsys, isolated_home, project, tmp_path):
    echo = write_cpi(tmp_path / "echo_tenant.py", """
import json, os, sys
sys.stdin.read()
tenant = os.environ.get("T_TENANT", "")
sys.stderr.write(f"tenant is {tenant}\\n")
json.dump({"result": {"api_version": 2, "stemcell_formats": [tenant]}, "error": None, "log": f"using {tenant}"},
          sys.stdout)
""")
    write_user_config(isolated_home, f"""
        targets:
          t: {{cpi: {echo}, env: {{T_TENANT: acme-tenant-7}}, secrets: [T_TENANT]}}
        """)
    for output in ("json", "table", "yaml"):
        code, out, err = run(capsys, "call", "info", "--target", "t", "-o", output)
        assert code == 0, err
        assert "acme-tenant-7" not in out + err and "<redacted>" in out
    code, out, _ = run(capsys, "call", "info", "--target", "t", "--dry-run", "-o", "json")
    assert json.loads(out)["env"]["T_TENANT"] == "<redacted>" and "acme-tenant-7" not in out


def test_a_targets_secrets_keys_mask_values_under_them_in_a_calls_own_arguments(capsys, isolated_home, project,
                                                                                 telling_cpi):
    write_user_config(isolated_home, f"""
        targets:
          t: {{cpi: {telling_cpi}, secrets: [project_tenant]}}
        """)
    code, out, err = run(capsys, "call", "set_vm_metadata", "vm-1", "{project_tenant: acme-42, owner: ops}",
                         "--target", "t", "-o", "json")
    assert code == 0, err
    assert "acme-42" not in out and json.loads(out)["request"]["arguments"][1] == {
        "project_tenant": "<redacted>", "owner": "ops"}
