"""A config file that cannot be used: every problem at file:line:column with the line quoted, never a secret."""

from __future__ import annotations

import pytest

from tests.targets.conftest import PYTHON, run, write_project_config, write_user_config


def problems(capsys, *argv: str) -> str:
    code, _, err = run(capsys, "call", "info", *argv)
    assert code == 2, err
    return err


def test_shape_errors_name_file_line_and_column_and_quote_the_line(capsys, isolated_home, project):
    path = write_user_config(isolated_home, f"""
        targets:
          aws:
            cpi: {PYTHON}
            timeout: "5"
            contxt: {{}}
            registry: {{port: 25777, user: u, password: pw1234567, hots: x}}
          bad name: {{cpi: x}}
          t2: {{cpi: x, api_version: autoo, as: directer}}
        """)
    err = problems(capsys)
    assert "invalid config: 6 problems" in err
    assert f"{path}:5:14: timeout: expected a number, got a string" in err
    assert "  5 |     timeout: \"5\"" in err
    assert f"{path}:6:5: unknown key 'contxt' in a target (did you mean 'context'?)" in err
    assert f"{path}:7:" in err and "unknown key 'hots' in a target's registry (did you mean 'host'?)" in err
    assert f"{path}:8:3: 'bad name' is not a target name" in err
    assert "api_version: expected 'auto' or an integer, got 'autoo' (did you mean 'auto'?)" in err
    assert "as: 'directer' is not one of 'director', 'create-env' (did you mean 'director'?)" in err
    assert "pw1234567" not in err  # the registry password on a quoted line is masked


def test_no_context_value_is_ever_quoted(capsys, isolated_home, project):
    write_project_config(project, """
        targets:
          aws: {cpi: /bin/true, context: {tenant: hunter2tenant, region: eu-1}, timout: 5}
        """)
    err = problems(capsys)
    assert "cpictl.yml:3:" in err and "unknown key 'timout'" in err
    assert "hunter2tenant" not in err and "eu-1" not in err  # every cpi-config property is a secret
    assert "<redacted>" in err


def test_a_syntax_error_inside_a_context_block_quotes_no_line(capsys, isolated_home, project):
    write_project_config(project, """
        targets:
          aws:
            cpi: /bin/true
            context:
              tenant: hunter2tenant: x
        """)
    err = problems(capsys)
    assert "cpictl.yml:6:" in err and "YAML syntax error: mapping values are not allowed here" in err
    assert "hunter2tenant" not in err
    assert "the line is not shown" in err


def test_a_context_value_yaml_cannot_take_is_not_quoted_in_the_message_either(capsys, isolated_home, project):
    write_project_config(project, """
        targets:
          aws: {cpi: /bin/true, context: {token: !!binary aHVudGVyMnRva2Vu}}
        """)
    err = problems(capsys)
    assert "cpictl.yml:3:" in err and "reads as a YAML bytes" in err
    assert "aHVudGVyMnRva2Vu" not in err and "the line is not shown" in err


def test_extra_secret_keys_are_masked_in_quoted_lines(capsys, isolated_home, project):
    write_project_config(project, """
        targets:
          aws: {cpi: /bin/true, env: {T_TENANT_NAME: acme-prod-tenant}, secrets: [T_TENANT_NAME], timout: 1}
        """)
    err = problems(capsys)
    assert "unknown key 'timout'" in err
    assert "acme-prod-tenant" not in err


def test_problems_of_both_files_are_listed_together(capsys, isolated_home, project):
    user = write_user_config(isolated_home, "targets: {a: {cpi: x, bogus: 1}}\n")
    write_project_config(project, "targets: [not, a, mapping]\n")
    err = problems(capsys)
    assert f"{user}:1:" in err and "unknown key 'bogus'" in err
    assert "cpictl.yml:1:" in err and "targets: expected a mapping, got a list" in err


def test_a_default_that_names_no_target_is_an_error_where_it_is_written(capsys, isolated_home, project):
    path = write_user_config(isolated_home, f"""
        targets: {{aws-dev: {{cpi: {PYTHON}}}}}
        default: aws-deb
        """)
    err = problems(capsys)
    assert f"{path}:3:10: default: no target named 'aws-deb' (did you mean 'aws-dev'?)" in err


@pytest.mark.parametrize("text, message", [
    ("[1, 2]\n", "a config file is a mapping"),
    ("targets: {a: {cpi: []}}\n", "cpi: needs at least the executable"),
    ("targets: {a: {cpi: x, env: {'A=B': v}}}\n", "an environment variable's name has no '='"),
])
def test_other_shapes(capsys, isolated_home, project, text, message):
    write_project_config(project, text)
    assert message in problems(capsys)


def test_a_config_that_is_not_a_regular_file_or_too_deep_is_refused_with_its_name(capsys, isolated_home, project):
    (project / "cpictl.yml").mkdir()
    err = problems(capsys)
    assert "cpictl.yml: cannot read" in err
    (project / "cpictl.yml").rmdir()
    write_project_config(project, "targets: " + "[" * 200 + "]" * 200 + "\n")
    assert "nested more than" in problems(capsys)


PYDANTIC_WORDING = ("Input should", "Field required", "Extra inputs", "String should", "should have", "should match")


def test_range_and_length_errors_say_what_was_expected_and_found(capsys, isolated_home, project):
    path = write_project_config(project, """
        default: a b
        targets:
          aws:
            cpi: [""]
            timeout: 0
            api_version: 0
            preferred_api_version: 4
            registry: {port: 99999, user: "", password: pw}
            secrets: [""]
        """)
    err = problems(capsys)
    assert f"{path.name}:2:10: default: expected a target name (letters, digits, '.', '_' and '-', starting with a " \
           "letter or digit), got 'a b'" in err
    assert f"{path.name}:5:11: cpi: expected a non-empty string, got an empty string" in err
    assert "cpi: expected a string, got a list" not in err  # the other member of `list | str` is noise here
    assert f"{path.name}:6:14: timeout: expected a number greater than 0, got 0" in err
    assert "api_version: expected 'auto' or an integer of at least 1, got 0" in err
    assert "preferred_api_version: expected 2 or 3, got 4" in err
    assert "port: expected an integer of at most 65535, got 99999" in err
    assert "user: expected a non-empty string, got an empty string" in err
    assert "secrets: expected a non-empty string, got an empty string" in err
    assert "invalid config: 8 problems" in err
    assert not any(words in err for words in PYDANTIC_WORDING), err


def test_target_add_words_a_bad_option_value_as_the_loader_does(capsys, isolated_home, project):
    for option, message in ((("--timeout", "-1"), "timeout: expected a number greater than 0, got -1.0"),
                            (("--preferred-api-version", "7"), "preferred_api_version: expected 2 or 3, got 7"),
                            (("--secret", ""), "secrets: expected a non-empty string, got an empty string")):
        code, _, err = run(capsys, "target", "add", "t", "--cpi", "/bin/true", *option)
        assert code == 2 and message in err, err
        assert not any(words in err for words in PYDANTIC_WORDING), err
