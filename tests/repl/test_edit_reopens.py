"""`:edit` with a real $EDITOR (a script that edits deterministically): a request that cannot be sent reopens the
editor on the user's text with the error above it, until it is valid, emptied or left as it was."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from cpictl.repl.terminal import Terminal
from tests.repl.conftest import Repl

# Each run saves what it was given as seen-N, then writes the Nth edit of the test's list (Python expressions of
# `text`, the file as it came).
EDITOR = """
import pathlib, sys
path, folder = pathlib.Path(sys.argv[-1]), pathlib.Path(sys.argv[1])
n = len(list(folder.glob("seen-*")))
text = path.read_text()
(folder / f"seen-{n}").write_text(text)
edits = (folder / "edits").read_text().split("\\n---\\n")
path.write_text(eval(edits[n], {"text": text}))
"""


class FakeEditor:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def will(self, *edits: str) -> None:
        """What each run writes, in order."""
        (self.folder / "edits").write_text("\n---\n".join(edits))

    def seen(self) -> list[str]:
        """What each run was given, in order."""
        return [(self.folder / f"seen-{n}").read_text() for n in range(len(list(self.folder.glob("seen-*"))))]


@pytest.fixture
def editor(repl: Repl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeEditor:
    folder = tmp_path / "editor"
    folder.mkdir()
    script = folder / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script} {folder}")
    repl.ctx.term = Terminal(repl.term.console)  # the real thing: a temporary file and the $EDITOR process
    return FakeEditor(folder)


def test_bad_yaml_reopens_with_the_error_above_the_kept_text_then_the_fix_is_sent(repl: Repl,
                                                                                   editor: FakeEditor) -> None:
    editor.will('text.replace("size:  # fill in (required)", "size: [2048")',
                'text.replace("size: [2048", "size: 2048")')
    output = repl.run(":edit create_disk")
    first, second = editor.seen()
    assert "method: create_disk" in first and "# error" not in first
    assert second.startswith("# error: this request was not sent: the edited request: not valid YAML (line ")
    assert "  size: [2048" in second and "# create_disk: Create a persistent disk" in second  # the text, kept
    # the line the error names is the same line of the request in both files
    said = int(re.search(r"not valid YAML \(line (\d+)", output).group(1))
    named = int(re.search(r"not valid YAML \(line (\d+)", second).group(1))
    saved_first = eval('text.replace("size:  # fill in (required)", "size: [2048")', {"text": first})
    assert second.splitlines()[named - 1] == saved_first.splitlines()[said - 1]
    assert "reopening the editor" in output and "✔ ok" in output
    assert repl.ctx.state.last.outcome.request.arguments == [2048, {}, None]
    assert len(repl.live("disk")) == 1


def test_each_reopening_shows_only_the_latest_error(repl: Repl, editor: FakeEditor) -> None:
    editor.will('text.replace("size:  # fill in (required)", "size: lots")',  # not an integer
           'text.replace("size: lots", "size: 64").replace("vm_cid: null", "vm_cid: ${vm}")',  # no live VM
           'text.replace("vm_cid: ${vm}", "vm_cid: null")')
    output = repl.run(":edit create_disk")
    _, second, third = editor.seen()
    assert "parameter 'size': expected integer" in second.splitlines()[0]
    assert "undefined reference ${vm}" in third.splitlines()[0]
    assert third.count("# error: this request was not sent") == 1 and "size: 64" in third
    assert "✔ ok" in output and repl.ctx.state.last.outcome.request.arguments == [64, {}, None]


def test_emptying_the_file_after_an_error_sends_nothing(repl: Repl, editor: FakeEditor) -> None:
    editor.will('"method: create_disk\\narguments: {size: [1}"', '""')
    output = repl.run(":edit create_disk")
    assert "reopening the editor" in output and "empty request; nothing was sent" in output
    assert repl.ctx.state.history == [] and repl.live("disk") == []


def test_an_unknown_method_reopens_too(repl: Repl, editor: FakeEditor) -> None:
    editor.will('text.replace("method: info", "method: infoo")', 'text.replace("method: infoo", "method: info")')
    output = repl.run(":edit info")
    assert "unknown CPI method 'infoo' (did you mean 'info'?)" in editor.seen()[1].splitlines()[0]
    assert "✔ ok" in output and repl.ctx.state.last.method == "info"
