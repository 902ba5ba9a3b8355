"""`cpictl describe` states the contract's facts per method: what the director sends for `info`, which methods
v2 does not have, and what callers do with an error *from this method*; its example request fits the terminal
without a word cut and survives copying."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from cpictl.cli.main import main
from cpictl.protocol.catalogue import METHODS
from cpictl.render.catalogue_view import example_request


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


def example_lines(capsys: pytest.CaptureFixture[str], method: str) -> list[str]:
    lines = describe(capsys, method, "table").splitlines()
    return lines[lines.index("example request (stdin):") + 1:]


@pytest.mark.parametrize("width", [80, 40])
@pytest.mark.parametrize("method", sorted(METHODS))
def test_the_example_request_fits_the_width_and_breaks_only_between_json_tokens(capsys, monkeypatch, method, width):
    monkeypatch.setenv("COLUMNS", str(width))
    lines = example_lines(capsys, method)
    too_wide = [line for line in lines if cell_len(line) > width]  # the terminal would wrap these mid-word
    assert not too_wide
    sent = example_request(METHODS[method])
    # a break inside a string would be a raw newline in it: invalid JSON; copied whole, the lines are the request
    assert json.loads("\n".join(lines)) == json.loads(sent)
    assert "".join(line.strip() for line in lines) == sent


def test_the_example_request_is_one_line_where_it_fits(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    assert example_lines(capsys, "create_vm") == [example_request(METHODS["create_vm"])]
