"""`cpictl target list|show|add|remove|use|schema`."""

from __future__ import annotations

import json
import stat

from tests.targets.conftest import PYTHON, run, user_config_path, write_project_config, write_user_config


def test_add_writes_the_users_config_0600_keeping_its_comments_and_order(capsys, isolated_home, project):
    path = write_user_config(isolated_home, """
        # my targets
        targets:
          # the first one
          old: {cpi: /bin/true}   # keep me

        # unrelated: kept as written
        """)
    (project / "bin").mkdir()
    code, out, err = run(capsys, "target", "add", "aws", "--cpi", "./bin/cpi", "--cpi-arg", "./cpi.json",
                         "--cpi-arg", "--debug", "--env", "T_A=1", "--context", "tenant=acme", "--as", "create-env",
                         "--timeout", "30", "--secret", "tenant", "--default")
    assert code == 0, err
    assert f"added target 'aws' in {path} (the default)\n  check it: cpictl target doctor aws\n" in out
    text = path.read_text()
    assert text.startswith("\n# my targets\ndefault: aws\ntargets:\n  # the first one\n  old: {cpi: /bin/true}   "
                           "# keep me\n  aws:\n")
    assert text.endswith("\n# unrelated: kept as written\n")
    assert f"- {project / 'bin' / 'cpi'}" in text and f"- {project / 'cpi.json'}" in text and "- --debug" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    code, out, _ = run(capsys, "target", "list", "-o", "json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["aws"]["default"] and rows["aws"]["as"] == "create-env" and not rows["old"]["default"]


def test_add_refuses_a_name_taken_unless_forced_and_checks_values(capsys, isolated_home, project):
    assert run(capsys, "target", "add", "t", "--cpi", "/bin/true")[0] == 0
    code, _, err = run(capsys, "target", "add", "t", "--cpi", "/bin/false")
    assert code == 2 and "already defines target 't': --force replaces it" in err
    code, out, _ = run(capsys, "target", "add", "t", "--cpi", "/bin/false", "--force")
    assert code == 0 and "replaced target 't'" in out
    assert "/bin/false" in user_config_path(isolated_home).read_text()
    assert "/bin/true" not in user_config_path(isolated_home).read_text()
    code, _, err = run(capsys, "target", "add", "u", "--cpi", "/bin/true", "--as", "directer")
    assert code == 2 and "as:" in err
    code, _, err = run(capsys, "target", "add", "bad name", "--cpi", "/bin/true")
    assert code == 2 and "is not a target name" in err


def test_add_with_project_writes_cpictl_yml(capsys, isolated_home, project):
    code, out, _ = run(capsys, "target", "add", "p", "--cpi", "/bin/true", "--project")
    assert code == 0 and "cpictl.yml" in out
    assert "p:" in (project / "cpictl.yml").read_text()
    assert not user_config_path(isolated_home).exists()


def test_show_masks_secrets_and_resolves_paths(capsys, isolated_home, project):
    path = write_user_config(isolated_home, """
        targets:
          aws:
            cpi: [./bin/cpi, ./cpi.json]
            env: {AWS_SECRET_ACCESS_KEY: abcdefgh1234, AWS_REGION: eu-west-1, T_TENANT: acme-tenant}
            context: {access_key_id: AKIA1234, region: eu-west-1, director_uuid: d-1, pw: "${env.T_PW}"}
            registry: {port: 25777, user: admin, password: regpass123}
            secrets: [T_TENANT]
        """)
    code, out, _ = run(capsys, "target", "show", "aws", "-o", "json")
    assert code == 0
    shown = json.loads(out)
    assert shown["cpi"] == [str(path.parent / "bin" / "cpi"), str(path.parent / "cpi.json")]
    assert shown["env"] == {"AWS_SECRET_ACCESS_KEY": "<redacted>", "AWS_REGION": "eu-west-1",
                            "T_TENANT": "<redacted>"}
    assert shown["context"] == {"access_key_id": "<redacted>", "region": "<redacted>", "director_uuid": "d-1",
                                "pw": "${env.T_PW}"}  # a reference holds no secret: it says where one comes from
    assert shown["registry"]["password"] == "<redacted>"
    for secret in ("abcdefgh1234", "AKIA1234", "regpass123", "acme-tenant"):
        assert secret not in out
    code, out, _ = run(capsys, "target", "show", "aws", "-o", "json", "--show-secrets")
    assert "AKIA1234" in out and "regpass123" in out
    code, out, _ = run(capsys, "target", "show", "aws", "-o", "table")
    assert code == 0 and f"aws  ({path}:3)" in out and "AKIA1234" not in out


def test_remove_takes_the_target_and_its_default_away(capsys, isolated_home, project):
    path = write_user_config(isolated_home, """
        default: a
        targets:
          a: {cpi: /bin/true}
          # b comes next
          b: {cpi: /bin/false}
        """)
    code, out, _ = run(capsys, "target", "remove", "a")
    assert code == 0 and "it was the default" in out
    assert path.read_text() == "\ntargets:\n  # b comes next\n  b: {cpi: /bin/false}\n"
    code, _, err = run(capsys, "target", "remove", "a")
    assert code == 2 and "no such target" in err
    write_project_config(project, "targets: {p: {cpi: /bin/true}}\n")
    code, _, err = run(capsys, "target", "remove", "p")
    assert code == 2 and "does not define 'p'" in err and "(with --project)" in err
    assert run(capsys, "target", "remove", "p", "--project")[0] == 0
    assert (project / "cpictl.yml").read_text() == "targets: {}\n"


def test_use_sets_and_clears_the_default(capsys, isolated_home, project, telling_cpi):
    write_user_config(isolated_home, f"targets:\n  t: {{cpi: {telling_cpi}, env: {{T_X: t}}}}\n")
    assert run(capsys, "target", "use", "t")[0] == 0
    assert "default: t\n" in user_config_path(isolated_home).read_text()
    code, out, _ = run(capsys, "call", "info", "-o", "json")
    assert json.loads(out)["response"]["result"]["env"] == {"T_X": "t"}
    code, _, err = run(capsys, "target", "use", "nope")
    assert code == 2 and "no such target" in err
    assert run(capsys, "target", "use", "--clear")[0] == 0
    assert "default:" not in user_config_path(isolated_home).read_text()


def test_list_without_config_and_table_marks_the_default(capsys, isolated_home, project):
    code, out, _ = run(capsys, "target", "list", "-o", "table")
    assert code == 0 and "no named targets" in out
    write_user_config(isolated_home, f"default: b\ntargets: {{a: {{cpi: {PYTHON}}}, b: {{cpi: {PYTHON}}}}}\n")
    write_project_config(project, "targets: {a: {cpi: /bin/true, as: create-env}}\n")
    code, out, _ = run(capsys, "target", "list", "-o", "json")
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["a"]["scope"] == "project" and rows["a"]["hides"].endswith("config.yml:2")
    assert rows["b"]["default"]
    code, out, _ = run(capsys, "target", "list", "-o", "table")
    assert "* the default target" in out


def test_schema_is_json_schema_of_the_config(capsys):
    code, out, _ = run(capsys, "target", "schema")
    schema = json.loads(out)
    assert code == 0 and schema["$schema"].endswith("2020-12/schema")
    target = schema["$defs"]["TargetEntry"]
    assert {"cpi", "as", "env", "context", "registry", "secrets", "api_version"} <= set(target["properties"])
    assert target["additionalProperties"] is False and target["required"] == ["cpi"]


def test_the_readme_config_example_is_a_valid_config():
    import re

    from cpictl.targets.config_files import ConfigFile
    from cpictl.targets.config_reader import parse_config_text
    from tests.conftest import ROOT

    topic = ROOT / "cpictl" / "help_topics" / "targets.md"  # `cpictl help targets`, and the README's copy of it
    [example] = re.findall(r"```yml\n(.*?)```", topic.read_text(), flags=re.DOTALL)
    loaded = parse_config_text(example, ConfigFile("user", topic))
    assert loaded.model.default == "aws-dev" and set(loaded.model.targets) == {"aws-dev", "openstack-v1"}


def test_a_secret_shared_by_a_yaml_alias_is_masked_wherever_it_appears(capsys, isolated_home, project):
    write_user_config(isolated_home, """
        targets:
          aws:
            description: &pw hunter2pw
            cpi: [/bin/true, *pw]
            env: {AWS_SECRET_ACCESS_KEY: *pw, T_NOTE: &note plain-note, T_TOKEN_AGAIN: &tok s3cr3ttok}
            context: {password: *pw, director_uuid: *tok, region: &region eu-west-1}
          other:
            cpi: /bin/true
            description: *region
            env: {T_SAME_NOTE: *note}
        """)
    for argv in (("target", "list", "-o", "json"), ("target", "list", "-o", "yaml"),
                 ("target", "list", "-o", "table"), ("target", "show", "aws", "-o", "json"),
                 ("target", "show", "aws", "-o", "yaml"), ("target", "show", "aws", "-o", "table"),
                 ("target", "show", "other", "-o", "json")):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        for secret in ("hunter2pw", "s3cr3ttok", "eu-west-1"):
            assert secret not in out, (argv, out)
    shown = json.loads(run(capsys, "target", "show", "aws", "-o", "json")[1])
    assert shown["description"] == "<redacted>" and shown["cpi"] == ["/bin/true", "<redacted>"]
    assert shown["env"]["T_NOTE"] == "plain-note"  # what is secret nowhere stays readable
    assert shown["context"]["director_uuid"] == "<redacted>"  # the reverse: public here, a secret where aliased
    other = json.loads(run(capsys, "target", "show", "other", "-o", "json")[1])
    assert other["description"] == "<redacted>" and other["env"] == {"T_SAME_NOTE": "plain-note"}
    out = run(capsys, "target", "show", "aws", "-o", "json", "--show-secrets")[1]
    assert "hunter2pw" in out and "s3cr3ttok" in out
