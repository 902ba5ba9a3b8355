"""`:edit METHOD`: a form the session filled in completely is sent when saved, even unchanged; quitting without
saving, or leaving a required value out, still sends nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cpictl.repl.editor import open_in_editor
from tests.repl.conftest import STEMCELL_IMAGE, Repl, cid_created


def vm_and_disk(repl: Repl) -> tuple[str, str]:
    repl.run(f"create_stemcell {STEMCELL_IMAGE} {{}}")
    vm = cid_created(repl.run("create_vm agent-1 ${stemcell} {} {default: {type: dynamic}}"), "vm")
    return vm, cid_created(repl.run("create_disk 1024 {}"), "disk")


def test_a_filled_in_form_saved_unchanged_is_sent(repl: Repl) -> None:
    vm, disk = vm_and_disk(repl)
    repl.term.editor = lambda text: text  # save and quit at once
    output = repl.run(":edit attach_disk")
    assert "vm_cid: ${vm}" in repl.term.edited[0] and "disk_cid: ${disk}" in repl.term.edited[0]
    assert "✔ ok" in output and "nothing sent" not in output
    assert repl.ctx.state.last.outcome.request.arguments[:2] == [vm, disk]
    assert repl.ctx.state.store.replay().get(disk, "disk").attached_to == vm


def test_a_form_closed_without_saving_sends_nothing(repl: Repl) -> None:
    vm_and_disk(repl)
    repl.term.editor, repl.term.editor_saves = (lambda text: text), False
    assert "not saved; nothing sent" in repl.run(":edit attach_disk")
    assert repl.ctx.state.last.method == "create_disk"


def test_an_incomplete_form_saved_unchanged_says_what_to_fill_in(repl: Repl) -> None:
    repl.term.editor = lambda text: text
    assert "unchanged; nothing sent (fill in size to send it)" in repl.run(":edit create_disk")
    assert repl.ctx.state.history == []


def test_the_form_says_how_to_send_and_how_to_cancel(repl: Repl) -> None:
    vm_and_disk(repl)
    repl.term.editor = lambda text: ""
    repl.run(":edit attach_disk")
    assert "Quit without saving, or empty the file, to send nothing." in repl.term.edited[0]
    repl.run(":edit")  # the last request: unchanged means "not this one"
    assert "Saving it unchanged or empty sends nothing" in repl.term.edited[1]


@pytest.mark.parametrize("editor, saved", [
    ("true", False),  # quits without writing
    (f"{sys.executable} -c \"import sys; p = sys.argv[1]; t = open(p).read(); open(p, 'w').write(t)\"", True),
    (f"{sys.executable} -c \"import os, sys; p = sys.argv[1]; t = open(p).read(); open(p + '~', 'w').write(t); "
     "os.replace(p + '~', p)\"", True),  # writes a new file over the old one, as many editors do
])
def test_saving_is_told_from_quitting_even_when_nothing_changed(editor: str, saved: bool, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VISUAL", editor)
    edited = open_in_editor("method: info\n", print)
    assert edited is not None and edited.text == "method: info\n" and edited.saved is saved
