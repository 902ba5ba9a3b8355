"""`cpictl bench` against the bundled reference CPI and small CPIs of our own, in-process: no ID is lost under
concurrency, what it created is deleted (or kept), errors are counted by type and ok_to_retry, the numbers of
`-o json` agree with each other, and a CPI that prints garbage is a count in the summary, not a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cpictl.cli.main import main
from cpictl.refcpi.state import read_state
from cpictl.store import default_journal_path
from tests.conftest import CPIS

RECIPE = """name: disk round trip
steps:
  - {name: disk, call: create_disk, args: [1024, {}, null]}
  - {call: has_disk, args: ["${disk}"], expect: {result: [{path: "@", equals: true}]}}
finally:
  - {call: delete_disk, args: ["${disk}"], expect: {ok: any}}
"""


def bench(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict, str]:
    code = main(["bench", *argv, "-o", "json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def live_ids(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    assert main(["ids", "-o", "json"]) == 0
    return [row for row in json.loads(capsys.readouterr().out) if row["status"] == "live"]


def refcpi_disks() -> set[str]:
    return set(read_state(os.environ["CPICTL_REFCPI_DIR"])["disks"])


def journalled(event: str, kind: str = "disk") -> list[str]:
    lines = default_journal_path().read_text().splitlines()
    return [entry["cid"] for entry in map(json.loads, lines) if entry.get("event") == event
            and entry.get("kind") == kind]


def assert_consistent(document: dict) -> None:
    """The numbers of one `-o json` document agree with each other."""
    assert document["count"] == document["ok"] + document["errors"]
    assert document["errors"] == sum(document["errors_by_status"].values())
    assert document["errors"] == sum(kind["count"] for kind in document["errors_by_type"])
    latency = document["latency_s"]
    assert latency["count"] == document["count"] == sum(b["count"] for b in document["histogram"])
    assert latency["min"] <= latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert latency["min"] <= latency["mean"] <= latency["max"]
    assert document["throughput_per_s"] == pytest.approx(document["count"] / document["elapsed_s"], rel=1e-3)


def test_concurrent_creates_are_all_journalled_then_deleted(capsys):
    code, document, err = bench(capsys, "create_disk", "1024", "{}", "--count", "40", "--concurrency", "8")
    assert code == 0, err
    assert (document["count"], document["ok"], document["errors"]) == (40, 40, 0)
    assert document["plan"] == {"count": 40, "duration_s": None, "concurrency": 8}
    assert_consistent(document)
    created = journalled("created")
    assert len(created) == len(set(created)) == 40  # every disk the CPI answered with is in the journal
    assert document["created"] == {"disk": 40}
    assert document["cleanup"] == {"kept": False, "deleted_by_calls": 0, "deleted": 40, "already_gone": 0,
                                   "failed": 0, "left": [], "unanswered": 0}
    assert sorted(journalled("deleted")) == sorted(created)
    assert live_ids(capsys) == [] and refcpi_disks() == set()


def test_keep_leaves_every_disk_live_in_the_journal(capsys):
    code, document, err = bench(capsys, "create_disk", "1024", "{}", "-n", "24", "-c", "8", "--keep")
    assert code == 0, err
    live = {row["cid"] for row in live_ids(capsys) if row["kind"] == "disk"}
    assert len(live) == 24 and live == refcpi_disks()  # what the CPI holds is exactly what the journal holds
    assert document["cleanup"]["kept"] is True and document["cleanup"]["deleted"] == 0
    assert {entry["cid"] for entry in document["cleanup"]["left"]} == live


def test_the_cleanup_leaves_the_sessions_other_ids_alone(capsys):
    assert main(["call", "create_disk", "2048", "{}", "-o", "json"]) == 0
    mine = json.loads(capsys.readouterr().out)["cloud_ids"]["created"][0]["cid"]
    code, document, err = bench(capsys, "create_disk", "1024", "{}", "-n", "6", "-c", "3")
    assert code == 0, err
    assert [row["cid"] for row in live_ids(capsys)] == [mine] and refcpi_disks() == {mine}


def test_errors_are_counted_by_type_and_ok_to_retry(capsys, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "create_disk=fail-first:10")
    code, document, err = bench(capsys, "create_disk", "1024", "{}", "-n", "30", "-c", "8")
    assert code == 1, err  # a CPI answered with an error
    assert (document["ok"], document["errors"]) == (20, 10)
    assert document["errors_by_status"] == {"cpi-error": 10, "misbehaved": 0, "failed": 0}
    [kind] = document["errors_by_type"]
    assert (kind["type"], kind["ok_to_retry"], kind["count"]) == ("Bosh::Clouds::CloudError", False, 10)
    assert "fail-first:10" in kind["example"]
    assert document["errors_by_ok_to_retry"] == {"true": 0, "false": 10}
    assert_consistent(document)
    assert document["created"] == {"disk": 20} and document["cleanup"]["deleted"] == 20
    assert live_ids(capsys) == [] and refcpi_disks() == set()


def test_retriable_errors_are_counted_as_such(capsys):
    code, document, err = bench(capsys, "create_disk", "1024", '{refcpi_fault: "error:NoDiskSpace:retry"}',
                                "-n", "6", "-c", "3")
    assert code == 1, err
    assert document["errors_by_type"] == [{"type": "Bosh::Clouds::NoDiskSpace", "ok_to_retry": True, "count": 6,
                                           "example": "injected fault 'error:NoDiskSpace:retry' in create_disk"}]
    assert document["errors_by_ok_to_retry"] == {"true": 6, "false": 0}


def test_a_cpi_printing_garbage_is_reported_as_misbehaving(capsys):
    code, document, err = bench(capsys, "info", "--cpi", str(CPIS / "garbage.sh"), "-n", "12", "-c", "4")
    assert code == 3
    assert "Traceback" not in err and "internal error" not in err
    assert document["errors_by_status"]["misbehaved"] == 12
    assert [(k["type"], k["ok_to_retry"], k["count"]) for k in document["errors_by_type"]] == [
        ("stdout.not-json", None, 12)]
    assert "502 Bad Gateway" in document["errors_by_type"][0]["example"]
    assert {"code": "stdout.not-json", "severity": "error", "count": 12} in document["verdicts"]
    assert_consistent(document)


def test_a_recipe_runs_as_one_iteration(capsys, tmp_path):
    recipe = tmp_path / "disk.yml"
    recipe.write_text(RECIPE)
    code, document, err = bench(capsys, "--recipe", str(recipe), "-n", "6", "-c", "3")
    assert code == 0, err
    assert (document["method"], document["recipe"]) == (None, str(recipe))
    assert (document["count"], document["ok"], document["calls"]) == (6, 6, 18)  # three calls an iteration
    assert document["created"] == {"disk": 6}
    assert document["cleanup"]["deleted_by_calls"] == 6 and document["cleanup"]["deleted"] == 0  # its finally
    assert_consistent(document)
    assert live_ids(capsys) == [] and refcpi_disks() == set()


def test_a_failing_recipe_step_counts_its_error_and_the_bench_cleans_up(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_FAULTS", "has_disk=error:CloudError")
    recipe = tmp_path / "disk.yml"
    recipe.write_text(RECIPE.replace("finally:\n  - {call: delete_disk, args: [\"${disk}\"], expect: {ok: any}}\n",
                                     ""))
    code, document, err = bench(capsys, "--recipe", str(recipe), "-n", "4", "-c", "2")
    assert code == 1, err
    assert document["errors_by_type"][0]["type"] == "Bosh::Clouds::CloudError"
    assert document["errors_by_status"]["cpi-error"] == 4
    assert document["cleanup"]["deleted"] == 4  # the recipe left its disks: the bench deleted them
    assert live_ids(capsys) == [] and refcpi_disks() == set()


def test_references_are_resolved_once_before_the_first_call(capsys):
    assert main(["call", "create_disk", "1024", "{}", "-o", "json"]) == 0
    disk = json.loads(capsys.readouterr().out)["cloud_ids"]["created"][0]["cid"]
    code, document, err = bench(capsys, "has_disk", "${disk}", "-n", "5", "-c", "2")
    assert code == 0, err
    trace = Path(f"{default_journal_path()}.trace.jsonl").read_text().splitlines()
    sent = [json.loads(line)["request"]["arguments"] for line in trace
            if json.loads(line).get("request", {}).get("method") == "has_disk"]
    assert sent == [[disk]] * 5


def test_duration_bounds_the_load(capsys):
    code, document, err = bench(capsys, "info", "--cpi", str(CPIS / "ok.sh"), "--duration", "0.5", "-c", "2")
    assert code == 0, err
    assert document["plan"]["count"] is None and document["count"] > 0
    assert 0.4 < document["elapsed_s"] < 10  # it stops launching at 0.5 s, then the running calls end
    assert_consistent(document)


@pytest.mark.parametrize("argv, words", [
    (["info", "--count", "0"], "--count"),
    (["info", "--concurrency", "0"], "--concurrency"),
    (["info", "--duration", "-1"], "--duration"),
    ([], "missing METHOD"),
    (["info", "--recipe", "x.yml"], "--recipe"),
    (["create_disk", "many", "{}"], "size"),
])
def test_usage_mistakes_exit_2_before_anything_runs(capsys, argv, words):
    code = main(["bench", *argv])
    assert code == 2
    assert words in capsys.readouterr().err


def test_registry_mode_vms_get_their_settings_from_the_embedded_registry(capsys, monkeypatch):
    monkeypatch.setenv("CPICTL_REFCPI_API_VERSION", "1")  # a v1 CPI: agent settings go to a registry
    image = Path(__file__).resolve().parents[2] / "recipes" / "assets" / "image.tgz"
    assert main(["call", "create_stemcell", str(image), "{}", "--as", "create-env", "-o", "json"]) == 0
    capsys.readouterr()
    code, document, err = bench(capsys, "create_vm", "agent-1", "${stemcell}", "{}", "{default: {type: dynamic}}",
                                "-n", "4", "-c", "2", "--registry", "--as", "create-env")
    assert code == 0, err
    assert document["ok"] == 4 and document["created"] == {"vm": 4} and document["cleanup"]["deleted"] == 4
    assert [row["kind"] for row in live_ids(capsys)] == ["stemcell"]  # the session's own, not the bench's
    capture = default_journal_path().with_name("default.registry.jsonl").read_text().splitlines()
    requests = [entry.get("method") for entry in map(json.loads, capture)]
    # each VM's settings written by create_vm, removed by the cleanup's delete_vm: the registry outlived both
    assert requests.count("PUT") == 4 and requests.count("DELETE") == 4


def test_an_unmet_expectation_counts_as_failed(capsys, tmp_path):
    recipe = tmp_path / "disk.yml"
    recipe.write_text(RECIPE.replace("equals: true", "equals: false"))
    code, document, err = bench(capsys, "--recipe", str(recipe), "-n", "3", "-c", "3")
    assert code == 4, err
    assert document["errors_by_status"] == {"cpi-error": 0, "misbehaved": 0, "failed": 3}
    [kind] = document["errors_by_type"]
    assert kind["type"].startswith("step ") and kind["ok_to_retry"] is None and kind["count"] == 3
    assert document["cleanup"]["deleted_by_calls"] == 3  # its finally steps ran all the same
    assert live_ids(capsys) == []
