"""Every recipe shipped in recipes/ runs green against the reference CPI (real subprocesses), and its reports
are valid JUnit XML and JSON with the secrets masked.

The recipes run once per test module (a shared fixture) and the tests read the summaries: each run costs a few
dozen CPI processes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cpictl.protocol.catalogue import METHOD_NAMES
from cpictl.recipes import RunSummary, load_recipe, recipe_json_schema
from cpictl.recipes.reports import json_report, junit_report
from cpictl.recipes.runner import RecipeRunner
from tests.recipes.conftest import BUNDLED, make_session

RECIPES = sorted(path.name for path in BUNDLED.glob("*.yml"))


@pytest.fixture(scope="module")
def summaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RunSummary]:
    # Module scope runs before the per-test isolated environment exists: point the CPI and the journal at
    # private directories explicitly.
    base = tmp_path_factory.mktemp("bundled")
    env = {"CPICTL_REFCPI_DIR": str(base / "refcpi"), "CPICTL_REFCPI_FAULTS": "",
           "XDG_STATE_HOME": str(base / "state")}
    results = {}
    for name in RECIPES:
        recipe = load_recipe(BUNDLED / name)
        runner = RecipeRunner(recipe, make_session(recipe, base / f"{name}.jsonl", env=env), sleep=lambda _: None)
        for _ in runner.events():
            pass
        assert runner.summary is not None
        results[name] = runner.summary
    return results


def test_the_expected_recipes_are_bundled():
    assert RECIPES == ["failures.yml", "lifecycle.yml", "resize-and-update.yml", "snapshots.yml", "walkthrough.yml"]
    assert (BUNDLED / "common" / "stemcell.yml").is_file() and (BUNDLED / "assets" / "image.tgz").is_file()


@pytest.mark.parametrize("name", RECIPES)
def test_bundled_recipe_runs_green(summaries, name):
    summary = summaries[name]
    bad = [(row.name, row.status, row.reason, row.failures) for row in summary.rows
           if row.status not in ("passed", "skipped")]
    assert bad == [] and summary.exit_code == 0
    assert summary.leftovers == [], "every bundled recipe cleans up after itself"


def test_lifecycle_calls_every_method_in_the_catalogue(summaries):
    called = {row.method for row in summaries["lifecycle.yml"].rows if row.status == "passed"}
    assert called == set(METHOD_NAMES)


def test_failures_recipe_retries_and_expects_errors(summaries):
    rows = {row.name: row for row in summaries["failures.yml"].rows}
    assert rows["a disk on the third try"].attempts == 3 and rows["a disk on the third try"].status == "passed"
    assert (rows["a create_disk that hangs"].status, rows["a create_disk that hangs"].reason) == (
        "skipped", "its `when` was false (vars.try_hang)")
    error = rows["create_vm fails, may retry"].outcome.response["error"]
    assert error["type"] == "Bosh::Clouds::VMCreationFailed" and error["ok_to_retry"] is True


def test_walkthrough_saves_and_reuses_a_value(summaries):
    rows = {row.name: row for row in summaries["walkthrough.yml"].rows}
    ip = rows["boot a VM"].saved["vm_ip"]
    metadata = rows["tag the disk with the VM's IP"].request.arguments[1]
    assert metadata["vm_ip"] == ip
    assert [row.name for row in summaries["walkthrough.yml"].rows][-3:] == ["clean up the VM", "clean up the disk",
                                                                            "clean up the stemcell"]


@pytest.mark.parametrize("name", ["walkthrough.yml", "lifecycle.yml", "snapshots.yml", "resize-and-update.yml"])
def test_a_green_run_skips_its_cleanup_saying_which_step_already_deleted_what(summaries, name):
    finally_rows = {row.name: row for row in summaries[name].rows if row.phase == "finally"}
    # the stemcell is deleted by the included file's own cleanup unless the recipe deletes it itself
    ran = ["clean up the stemcell"] if name in ("walkthrough.yml", "resize-and-update.yml") else []
    assert [row_name for row_name, row in finally_rows.items() if row.status == "passed"] == ran
    reasons = [row.reason for row in finally_rows.values() if row.status == "skipped"]
    assert reasons and all(reason.startswith("'") and " already deleted the " in reason for reason in reasons)
    lifecycle = {row.name: row.reason for row in summaries["lifecycle.yml"].rows if row.phase == "finally"}
    assert lifecycle["clean up the VM"] == "'delete the VM' already deleted the VM"
    assert lifecycle["clean up the stemcell"] == "'delete the stemcell' already deleted the stemcell"


@pytest.mark.parametrize("name", RECIPES)
def test_junit_and_json_reports_are_valid(summaries, name):
    summary = summaries[name]
    root = ET.fromstring(junit_report(summary))
    suite = root.find("testsuite")
    assert suite is not None and int(suite.get("tests")) == len(summary.rows)
    assert suite.get("failures") == "0" and suite.get("errors") == "0"
    cases = suite.findall("testcase")
    assert len(cases) == len(summary.rows)
    out = json.loads(cases[0].findtext("system-out"))
    assert set(out) >= {"request", "response"}
    document = json.loads(json.dumps(json_report(summary)))
    assert document["status"] == "passed" and len(document["steps"]) == len(summary.rows)


def test_reports_mask_secrets_and_keep_the_rest_readable(summaries):
    rows = {row.name: row for row in summaries["walkthrough.yml"].rows}
    step = next(s for s in json_report(summaries["walkthrough.yml"])["steps"] if s["name"] == "boot a VM")
    arguments = step["request"]["arguments"]
    assert arguments[2] == {"instance_type": "ref.small"}  # no secret (the walkthrough sends none): readable
    assert arguments[5] == {"bosh": {"group": "walkthrough-web", "groups": ["walkthrough", "web"]}}
    assert step["request"]["context"]["director_uuid"] == rows["boot a VM"].request.context["director_uuid"]
    shown = json_report(summaries["walkthrough.yml"], show_secrets=True)
    assert next(s for s in shown["steps"] if s["id"] == "create_vm-3")["request"]["arguments"][2] == {
        "instance_type": "ref.small"}
    assert "ref.small" in junit_report(summaries["walkthrough.yml"])


def test_recipes_validate_against_the_json_schema_shape():
    schema = recipe_json_schema()
    assert schema["$schema"].endswith("2020-12/schema") and schema["additionalProperties"] is False
    assert set(schema["properties"]) == {"name", "description", "tags", "target", "as", "vars", "steps", "finally"}
    assert {"name", "id"} <= set(schema["$defs"]["CallStep"]["properties"])
    assert {"CallStep", "IncludeStep", "Expect", "ResultCheck", "Retry", "TargetSpec"} <= set(schema["$defs"])
    json.dumps(schema)


def test_bundled_image_is_small():
    assert (Path(BUNDLED) / "assets" / "image.tgz").stat().st_size < 1024
