"""`cpictl describe` states the contract's facts per method: what the director sends for `info`, which methods
v2 does not have, and what callers do with an error *from this method*; its example request survives copying."""

from __future__ import annotations

import json

import pytest

from cpictl.cli.main import main


def describe(capsys: pytest.CaptureFixture[str], method: str, fmt: str = "json") -> str:
    code = main(["describe", method, "-o", fmt])
    out = capsys.readouterr().out
    assert code == 0
    return out


def test_the_info_example_is_the_directors_negotiating_request_without_api_version(capsys):
    document = json.loads(describe(capsys, "info"))
    assert "api_version" not in json.loads(document["example_request"])
    assert document["result"]["v1"].startswith("{stemcell_formats: [string]}")


def test_a_legacy_method_has_no_v2_result_shape(capsys):
    document = json.loads(describe(capsys, "current_vm_id"))
    assert document["result"]["v2"].startswith("— (not part of api_version 2 and 3)")


@pytest.mark.parametrize(("method", "error", "reaction"), [
    ("update_disk", "NotImplemented", "falls back to creating a new disk and copying"),
    ("set_vm_metadata", "NotImplemented", "ignore it"),
    ("current_vm_id", "NotImplemented", "fail the call"),
    ("configure_networks", "NotSupported", "neither caller calls configure_networks"),
])
def test_how_callers_treat_an_error_is_said_for_the_method(capsys, method, error, reaction):
    document = json.loads(describe(capsys, method))
    [entry] = [e for e in document["errors"] if e["type"].endswith(error)]
    assert reaction in entry["callers"]


def test_the_example_request_stays_one_line_at_any_width(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    [line] = [line for line in describe(capsys, "attach_disk", "table").splitlines() if line.startswith('{"method"')]
    assert json.loads(line)["method"] == "attach_disk"
