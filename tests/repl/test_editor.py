"""`:edit`: the request as commented YAML, read back; and the real $EDITOR launch."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cpictl.protocol.catalogue import METHODS
from cpictl.repl.editor import empty_required, open_in_editor, parse_request_text, request_template
from cpictl.wordargs import InputError


def test_a_new_template_leaves_required_values_empty_and_optional_ones_at_their_defaults() -> None:
    spec = METHODS["create_vm"]
    text = request_template(spec, 2)
    assert text.startswith("# create_vm: Create and power on a VM")
    assert "# stemcell cid, required — stemcell to boot from; e.g. stemcell-0001" in text
    assert "e.g. {instance_type: m5.large}" in text  # examples only in comments
    method, arguments = parse_request_text(text)
    assert method == "create_vm"
    assert arguments == {p.name: None if p.required else p.default for p in spec.params}
    assert empty_required(spec, 2, arguments) == ["agent_id", "stemcell_cid", "networks"]


def test_cloud_id_parameters_start_as_references_when_the_session_has_one() -> None:
    text = request_template(METHODS["attach_disk"], 2, live_kinds=frozenset({"vm"}))
    assert parse_request_text(text)[1] == {"vm_cid": "${vm}", "disk_cid": None}
    assert "e.g. ${vm}" in text


def test_the_last_requests_values_fill_the_template() -> None:
    text = request_template(METHODS["create_disk"], 2, {"size": 4096, "cloud_properties": {"a": [1, 2]},
                                                         "vm_cid": None})
    assert parse_request_text(text) == ("create_disk", {"size": 4096, "cloud_properties": {"a": [1, 2]},
                                                        "vm_cid": None})


@pytest.mark.parametrize("text, problem", [
    ("method: info\narguments: [x", "not valid YAML"),
    ("- a list", "expected a mapping"),
    ("method: info\nextra: 1", "unknown key(s) extra"),
    ("method: info\narguments: 3", "must be a mapping"),
])
def test_bad_files_are_input_errors(text: str, problem: str) -> None:
    with pytest.raises(InputError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_request_text(text)


def test_an_empty_file_cancels() -> None:
    assert parse_request_text("") is None
    assert parse_request_text("# only comments\n") is None


def test_open_in_editor_runs_editor_with_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "fake_editor.py"
    script.write_text("import sys, pathlib\np = pathlib.Path(sys.argv[-1])\n"
                      "p.write_text(p.read_text().replace('1024', '8'))\n")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    edited = open_in_editor("size: 1024\n", print)
    assert edited is not None and edited.text == "size: 8\n" and edited.saved


def test_a_failing_editor_sends_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    monkeypatch.setenv("VISUAL", "false")
    assert open_in_editor("x", said.append) is None
    assert "exited with status 1" in said[0]
    monkeypatch.setenv("VISUAL", str(tmp_path / "no-such-editor"))
    assert open_in_editor("x", said.append) is None
    assert "cannot start the editor" in said[1]
