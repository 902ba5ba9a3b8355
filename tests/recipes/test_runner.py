"""The runner against the reference CPI: what runs, what is skipped, what a failure stops, and that cleanup runs.

Tests marked `subprocess` start the reference CPI as a real process; the rest call its code in-process (same
bytes in and out) because they are about recipe semantics.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cpictl.recipes import (
    RecipeError,
    RunFinished,
    StepFinished,
    StepPlanned,
    StepRetrying,
    StepSkipped,
    StepStarted,
    load_recipe,
)
from cpictl.recipes.runner import RecipeRunner
from cpictl.store import CloudIdStore
from tests.recipes.conftest import run_all, write

DISK_THEN_FAIL = """
    name: failing
    steps:
      - {name: disk, call: create_disk, args: [1024, {}]}
      - name: wrong
        call: has_disk
        args: ["${disk}"]
        expect: {result: [{equals: false}]}
      - {name: never, call: info, save: {version: api_version}}
    finally:
      - {name: cleanup, call: delete_disk, args: ["${steps.disk.result}"]}
      - {name: not-needed, call: has_vm, args: ["${version}"]}
    """


def rows(summary) -> list[tuple[str, str]]:
    return [(row.name, row.status) for row in summary.rows]


def test_failed_expectation_exits_4_and_finally_still_cleans_up(tmp_path, session_for, journal):
    recipe = load_recipe(write(tmp_path, "r.yml", DISK_THEN_FAIL))
    runner = RecipeRunner(recipe, session_for(recipe))
    events = run_all(runner)
    summary = runner.summary
    assert rows(summary) == [("disk", "passed"), ("wrong", "failed"), ("never", "skipped"),
                             ("cleanup", "passed"), ("not-needed", "skipped")]
    assert summary.exit_code == 4 and summary.status == "failed"
    assert summary.rows[1].failures == ["result: expected false, got true"]
    located = summary.rows[1].located_failures()[0]  # the CLI quotes the predicate that failed
    assert (located.line, located.column) == (7, 32) and "equals: false" in located.format()
    assert summary.rows[2].reason == "not run: step 'wrong' failed"
    assert "undefined reference ${version}" in summary.rows[4].reason
    assert summary.leftovers == []  # the finally step deleted the disk
    assert CloudIdStore(journal).replay().live("disk") == []
    assert isinstance(events[-1], RunFinished) and events[-1].exit_code == 4


def test_retry_with_fail_first_and_backoff(tmp_path, session_for):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: flaky
        steps:
          - name: disk
            call: create_disk
            args: [1024, {refcpi_fault: "fail-first:2"}]
            retry: {attempts: 3, delay: 0.5, backoff: 2}
        finally:
          - {call: delete_disk, args: ["${steps.disk.result}"]}
        """))
    slept: list[float] = []
    runner = RecipeRunner(recipe, session_for(recipe), sleep=slept.append)
    events = run_all(runner)
    started = [e.attempt for e in events if isinstance(e, StepStarted) and e.step.name == "disk"]
    retries = [e for e in events if isinstance(e, StepRetrying)]
    assert started == [1, 2, 3] and slept == [0.5, 1.0]
    assert ["call 1 of the first 2 fails" in r.reasons[0] for r in retries] == [True, False]
    assert len({e.request.context["request_id"] for e in events if isinstance(e, StepStarted)}) == 4
    disk = runner.summary.rows[0]
    assert (disk.status, disk.attempts, len(disk.created)) == ("passed", 3, 1)
    assert runner.summary.exit_code == 0


def test_no_retry_means_one_attempt(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: once
        steps:
          - {call: create_disk, args: [1024, {refcpi_fault: "fail-first:1"}]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe), sleep=pytest.fail)
    run_all(runner)
    assert runner.summary.rows[0].attempts == 1 and runner.summary.exit_code == 4


def test_retry_until_never_holding_fails_after_the_attempts(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: until
        steps:
          - call: has_vm
            args: [vm-never]
            retry: {attempts: 3, delay: 1, until: "result == `true`"}
        """))
    slept: list[float] = []
    runner = RecipeRunner(recipe, session_for(recipe), sleep=slept.append)
    run_all(runner)
    row = runner.summary.rows[0]
    assert (row.status, row.attempts, slept) == ("failed", 3, [1, 1])
    assert row.failures == ["retry.until `result == `true`` never held in 3 attempt(s)"]


def test_when_skips_and_runs(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: when
        vars: {use_disk: false, size: 5}
        steps:
          - {name: first, call: info}
          - {name: skipped, call: create_disk, args: ["${size}", {}], when: vars.use_disk}
          - {name: runs, call: info, when: "steps.first.result.api_version == `2`"}
          - {name: literal, call: info, when: false}
        """), cli_vars={"size": 7})
    runner = RecipeRunner(recipe, session_for(recipe))
    events = run_all(runner)
    assert rows(runner.summary) == [("first", "passed"), ("skipped", "skipped"), ("runs", "passed"),
                                    ("literal", "skipped")]
    skip = next(e for e in events if isinstance(e, StepSkipped))
    assert skip.reason == "its `when` was false (vars.use_disk)"
    assert runner.summary.rows[3].reason == "its `when` is false"


def test_a_when_that_finds_nothing_says_null_not_false(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: when
        vars: {flag: false, empty: []}
        steps:
          - {name: first, call: info}
          - {name: missing, call: info, when: "steps.first.result.no_such_key"}
          - {name: flag-off, call: info, when: vars.flag}
          - {name: empty, call: info, when: vars.empty}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    reasons = {row.name: row.reason for row in runner.summary.rows if row.status == "skipped"}
    assert reasons == {"missing": "its `when` found nothing (steps.first.result.no_such_key is null)",
                       "flag-off": "its `when` was false (vars.flag)",
                       "empty": "its `when` was false (vars.empty is [], which counts as false)"}


def test_from_and_to_by_step_name(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: range
        steps:
          - {name: a, call: info}
          - {name: b, call: info}
          - {name: c, call: info}
          - {name: d, call: info}
        finally:
          - {name: z, call: info}
        """))
    runner = RecipeRunner(recipe, session_for(recipe), from_step="b", to_step="c")
    run_all(runner)
    assert rows(runner.summary) == [("a", "skipped"), ("b", "passed"), ("c", "passed"), ("d", "skipped"),
                                    ("z", "passed")]
    assert runner.summary.rows[0].reason == "before --from b" and runner.summary.exit_code == 0
    with pytest.raises(RecipeError, match=r"--from: no step 'bb' \(did you mean 'b'\?\)"):
        RecipeRunner(recipe, session_for(recipe), from_step="bb")
    with pytest.raises(RecipeError, match="a finally step"):
        RecipeRunner(recipe, session_for(recipe), to_step="z")
    with pytest.raises(RecipeError, match="--from d comes after --to a"):
        RecipeRunner(recipe, session_for(recipe), from_step="d", to_step="a")


def test_keep_going_runs_the_rest(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: keep-going
        steps:
          - {name: bad, call: delete_vm, args: [vm-none]}
          - {name: good, call: info}
        """))
    runner = RecipeRunner(recipe, session_for(recipe), keep_going=True)
    run_all(runner)
    assert rows(runner.summary) == [("bad", "failed"), ("good", "passed")] and runner.summary.exit_code == 4


def test_kind_reference_means_the_vm_this_run_created(tmp_path, session_for, journal, inprocess_refcpi):
    image = tmp_path / "image.tgz"
    image.write_bytes(b"img")
    text = """
        name: kinds
        vars: {image: IMAGE}
        steps:
          - {name: stemcell, call: create_stemcell, args: ["${image}", {}]}
          - {name: vm, call: create_vm, args: [agent, "${stemcell}", {}, {default: {type: dynamic}}]}
          - {name: check, call: has_vm, args: ["${vm}"], save: {found: "@"}}
          - {name: delete, call: delete_vm, args: ["${vm}"]}
        """.replace("IMAGE", str(image))
    recipe = load_recipe(write(tmp_path, "r.yml", text))
    first = RecipeRunner(recipe, session_for(recipe))
    run_all(first)  # leaves a stemcell behind in the journal
    second = RecipeRunner(recipe, session_for(recipe))
    events = run_all(second)
    created = second.summary.rows[1].created[0][1]
    sent = [e.request.arguments[0] for e in events if isinstance(e, StepStarted) and e.step.name in ("check",
                                                                                                      "delete")]
    assert sent == [created, created]
    assert second.summary.rows[2].saved == {"found": True}
    live = [r.cid for r in CloudIdStore(journal).replay().live("stemcell")]
    assert len(live) == 2 and second.summary.rows[0].created[0][1] == live[0]


def test_misbehaving_cpi_exits_3_and_finally_runs(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: garbage
        steps:
          - {name: broken, call: has_vm, args: [vm-1], expect: {ok: any}}
          - {name: never, call: info}
        finally:
          - {name: cleanup, call: info}
        """))
    session = session_for(recipe, env={"CPICTL_REFCPI_FAULTS": "has_vm=garbage"})
    runner = RecipeRunner(recipe, session)
    run_all(runner)
    assert rows(runner.summary) == [("broken", "misbehaved"), ("never", "skipped"), ("cleanup", "passed")]
    assert runner.summary.exit_code == 3
    assert any("not JSON" in failure for failure in runner.summary.rows[0].failures)


def test_a_cpi_that_cannot_start_is_misbehaviour_and_skips_cleanup(tmp_path, session_for):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: missing-cpi
        target: {cpi: ./no-such-cpi}
        steps:
          - {call: info}
          - {call: info}
        finally:
          - {call: info}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    assert [row.status for row in runner.summary.rows] == ["misbehaved", "skipped", "skipped"]
    assert "could not be started" in runner.summary.rows[0].reason and runner.summary.exit_code == 3


def test_a_reference_that_resolves_to_the_wrong_type_is_invalid(tmp_path, session_for, inprocess_refcpi):
    # A saved value is known only at run time (a var of the wrong type is refused before the run: test_preflight).
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: types
        steps:
          - {name: info, call: info, save: {size: stemcell_formats}}
          - {name: disk, call: create_disk, args: ["${size}", {}]}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    events = run_all(runner)
    finished = next(e for e in events if isinstance(e, StepFinished) and e.step.name == "disk")
    assert finished.row.status == "invalid" and "parameter 'size': expected integer" in finished.row.reason
    assert runner.summary.exit_code == 2


def test_include_vars_may_use_saved_values(tmp_path, session_for, inprocess_refcpi):
    write(tmp_path, "part.yml", """
        vars: {label: default}
        steps:
          - {name: inner, call: create_disk, args: ["${size}", {label: "${label}"}]}
        finally:
          - {name: inner-cleanup, call: delete_disk, args: ["${steps.inner.result}"]}
        """)
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: layers
        steps:
          - {name: info, call: info, save: {version: api_version}}
          - include: part.yml
            vars: {size: "${version}", label: "v${version}"}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    events = run_all(runner)
    inner = next(e for e in events if isinstance(e, StepStarted) and e.step.name == "inner")
    assert inner.request.arguments[:2] == [2, {"label": "v2"}]  # `${version}` alone keeps its type
    assert rows(runner.summary)[-1] == ("inner-cleanup", "passed")


def test_step_overrides_and_target_context_reach_the_request(tmp_path, session_for, inprocess_refcpi,
                                                             monkeypatch):
    monkeypatch.setenv("CPICTL_TEST_REGION", "eu-1")
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: overrides
        target: {context: {region: "${env.CPICTL_TEST_REGION}"}, api_version: 2}
        steps:
          - {name: first, call: info}
          - {name: v1, call: info, api_version: null, context: {extra: "${steps.first.result.api_version}"}}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    events = run_all(runner)
    started = {e.step.name: e.request for e in events if isinstance(e, StepStarted)}
    assert started["first"].api_version == 2 and "api_version" not in started["v1"].as_dict()
    assert started["v1"].context["region"] == "eu-1" and started["v1"].context["extra"] == 2


def test_stderr_lines_reach_the_callback(tmp_path, session_for):
    recipe = load_recipe(write(tmp_path, "r.yml", "name: s\nsteps: [{call: info}]\n"))
    lines: list[str] = []
    run_all(RecipeRunner(recipe, session_for(recipe), on_stderr_line=lines.append))
    assert any("Starting info" in line for line in lines)


def test_dry_run_runs_nothing_and_resolves_what_it_can(tmp_path, session_for, journal, monkeypatch):
    monkeypatch.setattr("cpictl.session.run_cpi", lambda *a, **k: pytest.fail("a dry run started a CPI"))
    recipe = load_recipe(Path(__file__).resolve().parents[2] / "recipes" / "walkthrough.yml")
    runner = RecipeRunner(recipe, session_for(recipe), dry_run=True, from_step="boot a VM")  # a name: one has it
    events = run_all(runner)
    planned = {e.step.id: e for e in events if isinstance(e, StepPlanned)}
    assert list(planned)[:3] == ["info-1", "stemcell", "create_vm-3"]
    assert planned["info-1"].skipped == "before --from boot a VM"
    assert planned["stemcell"].request.arguments[0] == "./assets/image.tgz"
    vm = planned["create_vm-3"]
    assert vm.request.arguments[1] == "${stemcell}" and vm.unresolved == []  # the run would never resolve it:
    assert "which is before --from boot a VM" in vm.problems[0]  # its provider is left out and the session has none
    assert "(--from stemcell)" in vm.problems[0]
    assert planned["disk"].request.arguments == [1024, {"type": "standard"}, "${vm}"]
    assert planned["delete_vm-14"].unresolved == ["${vm}"]  # in finally: only a VM this run creates
    assert runner.summary.status == "dry-run" and runner.summary.exit_code == 0
    assert not journal.exists()


def test_step_mode_skip_and_quit_still_run_finally(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: step-mode
        steps:
          - {name: a, call: info}
          - {name: b, call: info}
          - {name: c, call: info}
        finally:
          - {name: z, call: info}
        """))
    asked: list[tuple[str, str]] = []
    answers = {"a": "skip", "b": "quit", "z": "run"}

    def decide(step, request):
        asked.append((step.name, request.method))
        return answers[step.name]

    runner = RecipeRunner(recipe, session_for(recipe), should_run_step=decide)
    run_all(runner)
    assert asked == [("a", "info"), ("b", "info"), ("z", "info")]
    assert rows(runner.summary) == [("a", "skipped"), ("b", "skipped"), ("c", "skipped"), ("z", "passed")]
    assert runner.summary.quit and runner.summary.exit_code == 0


def _interrupting_run_cpi(method: str):
    from tests.recipes.conftest import _inprocess_run_cpi

    def run(command, stdin, on_stderr_line=None, outputs=None):
        if json.loads(stdin)["method"] == method:
            raise KeyboardInterrupt
        return _inprocess_run_cpi(command, stdin, on_stderr_line)

    return run


def test_ctrl_c_during_a_call_runs_finally_then_reraises(tmp_path, session_for, monkeypatch):
    monkeypatch.setattr("cpictl.session.run_cpi", _interrupting_run_cpi("has_disk"))
    recipe = load_recipe(write(tmp_path, "r.yml", DISK_THEN_FAIL))
    runner = RecipeRunner(recipe, session_for(recipe))
    seen = []
    with pytest.raises(KeyboardInterrupt):
        for event in runner.events():
            seen.append(event)
    assert rows(runner.summary) == [("disk", "passed"), ("wrong", "interrupted"), ("never", "skipped"),
                                    ("cleanup", "passed"), ("not-needed", "skipped")]
    assert isinstance(seen[-1], RunFinished) and runner.summary.exit_code == 130
    assert runner.summary.leftovers == []
    assert list(runner.abort()) == []  # the CLI's except-branch: nothing left to do


def test_ctrl_c_in_the_consumer_then_abort_runs_finally(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", DISK_THEN_FAIL))
    runner = RecipeRunner(recipe, session_for(recipe))
    after: list = []
    with pytest.raises(KeyboardInterrupt):
        try:
            for event in runner.events():
                if isinstance(event, StepStarted) and event.step.name == "wrong":
                    raise KeyboardInterrupt  # Ctrl-C while the CLI renders the request
        except KeyboardInterrupt:
            after = list(runner.abort())
            raise
    assert [type(e).__name__ for e in after] == ["StepSkipped", "StepSkipped", "StepStarted", "StepFinished",
                                                 "StepSkipped", "RunFinished"]
    assert rows(runner.summary) == [("disk", "passed"), ("wrong", "skipped"), ("never", "skipped"),
                                    ("cleanup", "passed"), ("not-needed", "skipped")]
    assert runner.summary.interrupted and runner.summary.leftovers == []


def test_a_runner_runs_once(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", "name: s\nsteps: [{call: info}]\n"))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    with pytest.raises(RuntimeError):
        runner.events()


def test_ctrl_c_during_cleanup_stops_the_cleanup(tmp_path, session_for, monkeypatch):
    monkeypatch.setattr("cpictl.session.run_cpi", _interrupting_run_cpi("delete_disk"))
    recipe = load_recipe(write(tmp_path, "r.yml", DISK_THEN_FAIL))
    runner = RecipeRunner(recipe, session_for(recipe))
    with pytest.raises(KeyboardInterrupt):
        run_all(runner)
    assert rows(runner.summary)[3:] == [("cleanup", "interrupted"), ("not-needed", "skipped")]
    assert runner.summary.interrupted and list(runner.abort()) == []
    assert [kind for kind, _ in runner.summary.leftovers] == ["disk"]  # what the user must clean up


def test_ctrl_c_in_the_consumer_during_cleanup_stops_the_cleanup(tmp_path, session_for, inprocess_refcpi):
    recipe = load_recipe(write(tmp_path, "r.yml", DISK_THEN_FAIL))
    runner = RecipeRunner(recipe, session_for(recipe))
    try:
        for event in runner.events():
            if isinstance(event, StepStarted) and event.step.name == "cleanup":
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        after = [type(e).__name__ for e in runner.abort()]
    assert after == ["StepSkipped", "StepSkipped", "RunFinished"]
    assert rows(runner.summary)[3:] == [("cleanup", "skipped"), ("not-needed", "skipped")]
    assert runner.summary.exit_code == 130


def test_a_hanging_call_times_out_as_misbehaviour(tmp_path, session_for):
    recipe = load_recipe(write(tmp_path, "r.yml", """
        name: hang
        steps:
          - {name: stuck, call: create_disk, args: [1, {refcpi_fault: hang}], timeout: 0.5, expect: {ok: any}}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    row = runner.summary.rows[0]
    assert row.status == "misbehaved" and runner.summary.exit_code == 3
    assert any("timed out after 0.5 s" in failure for failure in row.failures)
