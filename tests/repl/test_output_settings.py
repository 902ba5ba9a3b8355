"""`:set output table|json|yaml` and `:set detail quiet|normal|verbose`: each call shown as `cpictl call -o …`,
`-q` or `-v` shows it; the settings are listed by `:set`, offered by Tab and named in the toolbar."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from cpictl.protocol.strict_json import strict_dumps
from cpictl.repl.completer import ReplCompleter
from cpictl.repl.live_ids import LiveIdIndex
from cpictl.repl.toolbar import toolbar_fragments
from cpictl.session import outcome_as_dict
from tests.conftest import cpictl_bin
from tests.repl.conftest import STEMCELL_IMAGE, Repl

CREATE_VM = "create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}"


def the_document(repl: Repl) -> dict:
    """What `cpictl call -o json` prints for the last call, as JSON reads it back."""
    return json.loads(strict_dumps(outcome_as_dict(repl.ctx.state.last.outcome)))


@pytest.mark.parametrize("output, load", [("json", json.loads), ("yaml", yaml.safe_load)])
def test_output_json_or_yaml_prints_the_call_document_only(repl: Repl, output: str, load) -> None:
    assert f"output = {output} for the next calls" in repl.run(f":set output {output}")
    printed = repl.run("create_disk 1024 {type: gp3, password: hunter2}")
    document = load(printed)  # the whole output is the document: no view, no panels around it
    assert document == the_document(repl)
    assert document["request"]["arguments"][1] == {"type": "gp3", "password": "<redacted>"}
    assert document["cloud_ids"]["created"][0]["kind"] == "disk" and "hunter2" not in printed


def test_the_document_has_the_keys_cpictl_call_prints(repl: Repl) -> None:
    repl.run(":set output json")
    shown = json.loads(repl.run("info"))
    called = subprocess.run([cpictl_bin(), "call", "info", "-o", "json"], capture_output=True, text=True,
                            timeout=60)
    assert called.returncode == 0, called.stderr
    assert list(shown) == list(json.loads(called.stdout))


def test_detail_quiet_is_one_line_a_call_masked(repl: Repl) -> None:
    repl.run(":set detail quiet")
    output = repl.run("create_disk 1024 {password: hunter2}")
    disk = repl.live("disk")[0]
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("✔ create_disk") and f"+ disk {disk}" in lines[0]
    failed = repl.run("delete_vm vm-nope")
    assert [line for line in failed.splitlines() if line.strip()] == [
        next(line for line in failed.splitlines() if line.startswith("✖ delete_vm"))]
    assert "VMNotFound" in failed


def test_detail_decides_the_agent_settings_view(repl: Repl) -> None:
    repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}")
    normal = repl.run(CREATE_VM)
    assert "agent settings ✔" in normal and "agent settings of vm-" not in normal  # one line, as `cpictl call`
    repl.run(":set detail verbose")
    verbose = repl.run(CREATE_VM)
    assert "agent settings of " + repl.live("vm")[0] in verbose  # the panel
    assert '"director_uuid":"d-repl-test"' in verbose and "director_uuid" not in normal  # the request as sent
    repl.run(":set detail quiet")
    quiet = repl.run(CREATE_VM)
    assert "agent settings" not in quiet and quiet.count("\n") == 1
    assert "0 verdicts" in quiet


def test_set_lists_checks_and_completes_the_settings(repl: Repl) -> None:
    listing = repl.run(":set")
    assert "output                 table" in listing and "detail                 normal" in listing
    assert "api_version            2" in listing and "stemcell_api_version   2" in listing
    assert "expected one of table|json|yaml, got 'xml'" in repl.run(":set output xml")
    assert "expected one of quiet|normal|verbose, got 'loud'" in repl.run(":set detail loud")
    assert repl.ctx.state.output == "table" and repl.ctx.state.detail.level == "normal"  # unchanged
    completer = ReplCompleter(repl.ctx.state, repl.ctx.registry)
    tab = CompleteEvent(completion_requested=True)

    def offered(text: str) -> list[str]:
        return [c.text for c in completer.get_completions(Document(text), tab)]

    assert offered(":set o") == ["output"] and offered(":set de") == ["detail"]
    assert offered(":set output ") == ["table", "json", "yaml"]
    assert offered(":set detail ") == ["quiet", "normal", "verbose"]


def test_the_toolbar_and_env_name_a_setting_that_is_not_the_default(repl: Repl) -> None:
    def toolbar() -> str:
        return "".join(text for _, text in toolbar_fragments(repl.ctx.state, LiveIdIndex(repl.ctx.state.store)))

    assert "json" not in toolbar() and "quiet" not in toolbar()
    repl.run(":set output json")
    repl.run(":set detail quiet")
    assert toolbar().endswith("│ json quiet ")
    narrow = "".join(text for _, text in toolbar_fragments(repl.ctx.state, LiveIdIndex(repl.ctx.state.store), 60))
    assert "│ json quiet " in narrow  # kept when the toolbar is abbreviated
    assert "json, detail quiet" in repl.run(":env")


def test_a_piped_script_can_ask_for_json(repl: Repl) -> None:
    from cpictl.repl.loop import run_piped
    from cpictl.repl.terminal import Terminal

    repl.ctx.term = Terminal(repl.term.console)
    run_piped(repl.ctx, [":set output json\n", "create_disk 1 {}\n"])
    output = repl.term.take_output()
    document = json.loads(output[output.index("\n{\n") + 1:output.index("\n}\n") + 2])  # from { to } alone
    assert document["cloud_ids"]["created"][0]["cid"] == repl.live("disk")[0]
    assert output.startswith("cpictl> :set output json")  # the echo is not part of the document
