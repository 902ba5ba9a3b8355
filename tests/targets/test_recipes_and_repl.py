"""A recipe's `target:` by name and its `as:`, their place in the precedence, and the REPL's `:target`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from cpictl.repl import handle_line
from tests.repl.conftest import Repl
from tests.targets.conftest import run, write_user_config


def recipe(directory: Path, text: str) -> Path:
    path = directory / "r.yml"
    path.write_text(textwrap.dedent(text))
    return path


def sent_requests(capsys, *argv: str) -> list[dict]:
    """The requests a recipe run sent, as the telling CPI echoed them back in each step's result."""
    code, out, err = run(capsys, "run", *argv, "-o", "json")
    assert code == 0, err + out
    report = json.loads(out)
    return [step["response"]["result"] for step in report["steps"]]


def targets(home: Path, cpi: Path) -> None:
    write_user_config(home, f"""
        default: fallback
        targets:
          named: {{cpi: {cpi}, env: {{T_FROM: named}}}}
          other: {{cpi: {cpi}, env: {{T_FROM: other}}}}
          fallback: {{cpi: {cpi}, env: {{T_FROM: fallback}}}}
        """)


def test_a_recipe_names_its_target_and_its_caller(capsys, isolated_home, project, telling_cpi):
    targets(isolated_home, telling_cpi)
    path = recipe(project, """
        target: named
        as: create-env
        steps: [{call: info}]
        """)
    (told,) = sent_requests(capsys, str(path))
    assert told["env"] == {"T_FROM": "named"}
    assert told["request"]["api_version"] == 1  # create-env's info
    assert "request_id" not in told["request"]["context"]  # create-env sends none


def test_target_and_flags_override_the_recipes_target_which_overrides_the_default(capsys, isolated_home, project,
                                                                                 telling_cpi):
    targets(isolated_home, telling_cpi)
    named = recipe(project, "target: named\nsteps: [{call: info}]\n")
    assert sent_requests(capsys, str(named), "--target", "other")[0]["env"] == {"T_FROM": "other"}
    assert sent_requests(capsys, str(named), "--env", "T_FROM=flag")[0]["env"] == {"T_FROM": "flag"}
    inline = recipe(project, "target: {director_uuid: u-9}\nsteps: [{call: info}]\n")
    told = sent_requests(capsys, str(inline))[0]
    assert told["env"] == {"T_FROM": "fallback"} and told["request"]["context"]["director_uuid"] == "u-9"


def test_a_target_given_over_a_recipes_named_target_gets_none_of_its_settings(capsys, isolated_home, project,
                                                                             telling_cpi):
    write_user_config(isolated_home, f"""
        targets:
          prod: {{cpi: {telling_cpi}, env: {{T_PROD_KEY: prod-only}}, context: {{account: prod}}, as: create-env}}
          dev: {{cpi: {telling_cpi}, env: {{T_FROM: dev}}}}
        """)
    named = recipe(project, "target: prod\nsteps: [{call: info}]\n")
    told = sent_requests(capsys, str(named), "--target", "dev")[0]
    assert told["env"] == {"T_FROM": "dev"}  # none of prod's environment …
    assert "account" not in told["request"]["context"]  # … nor its context …
    assert "request_id" in told["request"]["context"]  # … nor its caller: the director sends a request_id
    # the recipe's own `as:` is about its steps, not its CPI: it holds whichever target runs them
    as_create_env = recipe(project, "target: prod\nas: create-env\nsteps: [{call: info}]\n")
    told = sent_requests(capsys, str(as_create_env), "--target", "dev")[0]
    assert told["env"] == {"T_FROM": "dev"} and "request_id" not in told["request"]["context"]


def test_cpictl_target_overrides_the_recipes_target(capsys, isolated_home, project, telling_cpi, monkeypatch):
    targets(isolated_home, telling_cpi)
    monkeypatch.setenv("CPICTL_TARGET", "other")
    named = recipe(project, "target: named\nsteps: [{call: info}]\n")
    assert sent_requests(capsys, str(named))[0]["env"] == {"T_FROM": "other"}


def test_a_recipe_naming_its_own_cpi_gets_no_settings_from_the_default(capsys, isolated_home, project, telling_cpi):
    targets(isolated_home, telling_cpi)
    path = recipe(project, f"target: {{cpi: {telling_cpi}}}\nsteps: [{{call: info}}]\n")
    assert sent_requests(capsys, str(path))[0]["env"] == {}


def test_an_unknown_target_in_a_recipe_is_a_problem_at_its_line(capsys, isolated_home, project, telling_cpi):
    targets(isolated_home, telling_cpi)
    path = recipe(project, "name: x\ntarget: nammed\nsteps: [{call: info}]\n")
    code, _, err = run(capsys, "run", str(path))
    assert code == 2
    assert f"{path}:2:9: target: nammed: no such target (did you mean 'named'?)" in err
    code, _, err = run(capsys, "run", str(recipe(project, "target: 'bad name'\nsteps: [{call: info}]\n")))
    assert code == 2 and f"{path}:1:9: target: expected a target name (letters, digits" in err
    code, _, err = run(capsys, "run", str(recipe(project, "as: directer\nsteps: [{call: info}]\n")))
    assert code == 2 and "as: 'directer' is not one of" in err


def test_the_repl_switches_to_a_named_target(repl: Repl, isolated_home, project, telling_cpi):
    targets(isolated_home, telling_cpi)
    handle_line(repl.ctx, ":target named")
    assert repl.ctx.state.target.name == "named"
    assert repl.ctx.state.target.env == {"T_FROM": "named"}
    assert "target: named (" in repl.term.take_output()
    handle_line(repl.ctx, ":target")
    listing = repl.term.take_output()
    assert "* named:" in listing and "  fallback (default):" in listing
    handle_line(repl.ctx, ":target nammed")
    assert "no such target (did you mean 'named'?)" in repl.term.take_output()
    assert repl.ctx.state.target.name == "named"  # unchanged


def test_the_repl_completes_target_names(repl: Repl, isolated_home, project, telling_cpi):
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from cpictl.repl.completer import ReplCompleter

    targets(isolated_home, telling_cpi)
    completer = ReplCompleter(repl.ctx.state, repl.ctx.registry)
    text = ":target ot"
    found = list(completer.get_completions(Document(text, len(text)), CompleteEvent(completion_requested=True)))
    assert [completion.text for completion in found] == ["other"]


def test_a_recipe_run_from_the_repl_takes_its_callers_defaults(tmp_path):
    from cpictl.recipes import load_recipe, target_for
    from cpictl.session import Target

    path = recipe(tmp_path, "as: create-env\nsteps: [{call: info}]\n")
    base = Target(argv=["/bin/true"], director_uuid="u", env_mode="director", stemcell_api_version=2)
    target = target_for(load_recipe(path), base)
    assert (target.caller, target.env_mode, target.stemcell_api_version) == ("create-env", "create-env", 1)
    kept = Target(argv=["/bin/true"], director_uuid="u", env_mode="inherit", stemcell_api_version=3)
    target = target_for(load_recipe(path), kept)  # settings of the target's own are kept
    assert (target.caller, target.env_mode, target.stemcell_api_version) == ("create-env", "inherit", 3)
