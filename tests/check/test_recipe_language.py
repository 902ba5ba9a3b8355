"""What `cpictl check` added to the recipe language, for any recipe: `expect.skip_on` (the CPI does not do this),
`expect.settings: clean` (the agent-settings check of the call), `unchecked` and `raw` steps (an unknown method, a
malformed request), `error: NotImplemented` taking the legacy forms both callers rewrite to it — and the runner's
`judged_as` (one caller's verdicts) and `skip_dependents` (a step that needs a failed one is skipped).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cpictl.protocol.violations import Violation, fails, ignores
from cpictl.recipes import load_recipe
from cpictl.recipes.execution import breaking, misbehaves
from cpictl.recipes.expectations import error_is
from cpictl.recipes.runner import RecipeRunner
from tests.recipes.conftest import make_session, only_problem, write


def _run(tmp_path: Path, text: str, **runner: Any) -> Any:
    image = tmp_path / "image.tgz"
    image.write_bytes(b"stand-in")
    recipe = load_recipe(write(tmp_path, "recipe.yml", text.replace("IMAGE", str(image))))
    session = make_session(recipe, tmp_path / "journal.jsonl", api_version=2)
    run = RecipeRunner(recipe, session, sleep=lambda _: None, **runner)
    for _ in run.events():
        pass
    assert run.summary is not None
    return run.summary


def _rows(summary: Any) -> dict[str, Any]:
    return {row.step.id: row for row in summary.rows}


def test_skip_on_skips_a_step_the_cpi_does_not_do_and_what_needs_it(tmp_path: Path, inprocess_refcpi: None) -> None:
    summary = _run(tmp_path, """
name: skip
steps:
  - {id: disk, call: create_disk, args: [1024, {refcpi_fault: "error:NotImplemented"}],
     expect: {skip_on: [NotImplemented]}}
  - {id: tag, call: set_disk_metadata, args: ["${disk}", {a: b}]}
""")
    rows = _rows(summary)
    assert rows["disk"].status == "skipped"
    assert rows["disk"].reason == ("the CPI answered NotImplemented: it does not do create_disk (the director and "
                                   "create-env fail the call)")
    assert rows["tag"].status == "skipped" and rows["tag"].reason == "needs step 'create_disk', which was skipped"
    assert summary.status == "passed"


def test_skip_on_does_not_excuse_another_error(tmp_path: Path, inprocess_refcpi: None) -> None:
    summary = _run(tmp_path, """
name: skip
steps:
  - {id: disk, call: create_disk, args: [1024, {refcpi_fault: "error:CloudError"}],
     expect: {skip_on: [NotImplemented, NotSupported]}}
""")
    assert _rows(summary)["disk"].status == "failed"


def test_unchecked_sends_a_method_outside_the_catalogue(tmp_path: Path, inprocess_refcpi: None) -> None:
    summary = _run(tmp_path, """
name: unknown
steps:
  - {id: probe, call: no_such_method, unchecked: true, args: [1, two], expect: {error: NotImplemented}}
""")
    row = _rows(summary)["probe"]
    assert row.status == "passed"
    assert row.request.method == "no_such_method" and row.request.arguments == [1, "two"]
    assert row.request.context["director_uuid"]  # the caller's own request form


def test_raw_sends_its_text_as_it_is(tmp_path: Path, inprocess_refcpi: None) -> None:
    summary = _run(tmp_path, """
name: raw
steps:
  - {id: garbage, call: malformed, raw: "not JSON {", expect: {error: InvalidCall}}
""")
    row = _rows(summary)["garbage"]
    assert row.status == "passed", row.failures
    assert row.outcome.stdin == b"not JSON {"


def test_a_step_that_needs_a_failed_one_is_skipped_with_skip_dependents(tmp_path: Path,
                                                                        inprocess_refcpi: None) -> None:
    text = """
name: deps
steps:
  - {id: stemcell, call: create_stemcell, args: [IMAGE, {}]}
  - {id: vm, call: create_vm, args: [a-1, "${stemcell}", {refcpi_fault: "error:CloudError"}, {n: {type: dynamic}}]}
  - {id: look, call: has_vm, args: ["${vm}"]}
finally:
  - {call: delete_stemcell, args: ["${stemcell}"], expect: {ok: any}}
"""
    skipping = _rows(_run(tmp_path, text, keep_going=True, skip_dependents=True))
    assert skipping["look"].status == "skipped" and skipping["look"].reason == "needs step 'create_vm', which failed"
    (tmp_path / "again").mkdir()
    plain = _rows(_run(tmp_path / "again", text, keep_going=True))  # `cpictl run --keep-going` as before
    assert plain["look"].status == "invalid"


def test_judged_as_a_caller_skips_what_it_never_calls(tmp_path: Path, inprocess_refcpi: None) -> None:
    summary = _run(tmp_path, """
name: never
steps:
  - {id: size, call: calculate_vm_cloud_properties, args: [{cpu: 1, ram: 1024, ephemeral_disk_size: 1024}]}
""", judged_as="create-env")
    row = _rows(summary)["size"]
    assert row.status == "skipped" and row.reason == "create-env never calls calculate_vm_cloud_properties"


def test_settings_clean_passes_and_a_mistake_fails(tmp_path: Path, inprocess_refcpi: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text = """
name: settings
steps:
  - {id: stemcell, call: create_stemcell, args: [IMAGE, {}]}
  - {id: vm, call: create_vm, args: [a-1, "${stemcell}", {}, {n: {type: dynamic}}], expect: {settings: clean}}
finally:
  - {call: delete_vm, args: ["${vm}"], expect: {ok: any}}
  - {call: delete_stemcell, args: ["${stemcell}"], expect: {ok: any}}
"""
    assert _rows(_run(tmp_path, text))["vm"].status == "passed"
    monkeypatch.setattr("cpictl.recipes.settings_expectation.settings_verdict",
                        lambda outcome, target, store: (["agent_id.wrong: agent_id is 'x'"], None))
    (tmp_path / "wrong").mkdir()
    row = _rows(_run(tmp_path / "wrong", text))["vm"]
    assert row.status == "failed" and row.failures == ["agent settings: agent_id.wrong: agent_id is 'x'"]
    monkeypatch.setattr("cpictl.recipes.settings_expectation.settings_verdict",
                        lambda outcome, target, store: ([], "cpictl cannot see the user-data"))
    (tmp_path / "unseen").mkdir()
    row = _rows(_run(tmp_path / "unseen", text))["vm"]
    assert row.status == "skipped" and row.reason == "cpictl cannot see the user-data"


def test_not_implemented_takes_the_legacy_forms() -> None:
    assert error_is({"type": "InvalidCall", "message": "Method is not known, got: 'x'"}, "NotImplemented")
    assert error_is({"type": "Bosh::Clouds::CloudError", "message": "Invalid Method: x"}, "NotImplemented")
    assert not error_is({"type": "InvalidCall", "message": "Arguments are not correct"}, "NotImplemented")
    assert not error_is({"type": "Bosh::Clouds::CloudError", "message": "Invalid Method: x"}, "VMNotFound")


def test_judged_as_one_caller_only_its_own_verdicts_break_a_call() -> None:
    only_create_env = Violation("exit.nonzero", "exited 1", director=ignores("uses the answer"),
                                create_env=fails("fails the call"))

    from types import SimpleNamespace

    outcome: Any = SimpleNamespace(violations=[only_create_env], failure=None, journal_error=None,
                                   status="misbehaved")
    assert misbehaves(outcome) and misbehaves(outcome, "create-env")
    assert not misbehaves(outcome, "director")
    assert breaking(outcome, "director") == [] and breaking(outcome, "create-env") == [only_create_env]


@pytest.mark.parametrize(("step", "message"), [
    ("{call: has_vm, args: [v], expect: {settings: clean}}",
     "expect.settings checks the agent settings a call writes: only create_vm, attach_disk, detach_disk write them, "
     "not has_vm"),
    ("{call: info, raw: '{}', args: [1]}", "raw is the whole request, sent as written: leave args out"),
    ("{call: delete_vm, args: [v], expect: {error: VMNotFound, skip_on: [VMNotFound]}}",
     "expect.skip_on lists VMNotFound, the error this step expects"),
    ("{call: create_vm, args: [a, s, {}, {}], expect: {ok: false, settings: clean}}",
     "expect.settings checks what a successful call wrote, but expect.ok is false"),
])
def test_the_loader_refuses_contradictions(tmp_path: Path, step: str, message: str) -> None:
    problem = only_problem(tmp_path, f"name: x\nsteps:\n  - {step}\n")
    assert problem.message == message
    assert problem.line == 3
