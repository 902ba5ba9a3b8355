"""Every option and argument in every command's --help says what it takes — FILE, NAME, N, KEY=VALUE or the
choices — never typer's type placeholder (`<str>`, `<int>`, `<path>`), which tells a user nothing to type."""

from __future__ import annotations

import re

import pytest

from cpictl.cli.main import main
from cpictl.cli.metavars import choices
from tests.cli.test_help_width import command_paths

# the names click gives its parameter types, as typer shows them: `<str>`, `<int>`, `<path>`, `<float>`…
PLACEHOLDER = re.compile(r"<(str|text|string|int|integer|float|path|file|filename|uuid|bool|boolean|choice|"
                         r"datetime|tuple)>", re.IGNORECASE)


def help_text(capsys: pytest.CaptureFixture[str], path: list[str]) -> str:
    assert main([*path, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "cpictl")
def test_no_type_placeholder_in_help(capsys, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "80")
    left = [line for line in help_text(capsys, path).splitlines() if PLACEHOLDER.search(line)]
    assert not left, "\n".join(left)


def metavar_of(text: str, option: str) -> str:
    """The metavar cell of an option's row, its lines joined: a list of choices too long for one line stands on
    several, each but the last ending in `|` (`director|` / `create-env`)."""
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines) if line.strip("│ ").split()[:1] == [option])
    cells = lines[first].strip("│ ").split()
    piece = next(cell for cell in cells[1:] if not cell.startswith("-"))  # after `--output -o`
    column = lines[first].index(f" {piece}", lines[first].index(option)) + 1
    shown = piece
    for line in lines[first + 1:]:
        if not shown.endswith("|"):
            break
        shown += line[column:].split()[0]
    return shown


@pytest.mark.parametrize(("path", "option", "shown"), [
    (["call"], "--api-version", "1|2|3|none|auto"),
    (["call"], "--as", "director|create-env"),
    (["call"], "--env-mode", "director|create-env|inherit"),
    (["call"], "--stemcell-api-version", "N|none"),
    (["call"], "--negotiate", "once|every-call"),
    (["call"], "--output", "table|json|yaml"),
    (["call"], "--timeout", "S"),
    (["call"], "--cpi", "PATH"),
    (["call"], "--state", "FILE"),
    (["run"], "--from", "STEP"),
    (["trace", "export"], "--output", "text|json"),
    (["trace", "import"], "--output", "table|json"),
    (["record", "install"], "--as", "auto|director|create-env"),
])
def test_options_show_what_they_take(capsys, monkeypatch, path, option, shown):
    monkeypatch.setenv("COLUMNS", "80")
    assert metavar_of(help_text(capsys, path), option) == shown


@pytest.mark.parametrize(("path", "usage"), [
    (["call"], "Usage: cpictl call [OPTIONS] [METHOD] [ARG...]"),
    (["describe"], "Usage: cpictl describe [OPTIONS] {METHOD}"),
    (["trace", "diff"], "Usage: cpictl trace diff [OPTIONS] {N} {M}"),
])
def test_arguments_show_by_name(capsys, path, usage):
    text = help_text(capsys, path)
    assert usage in text
    assert "[method]" not in text and "[args]" not in text


def test_choices_keep_each_line_short_and_break_after_a_bar():
    assert choices("table", "json", "yaml") == "table|json|yaml"
    assert choices("director", "create-env", "inherit") == "director|\ncreate-env|\ninherit"
    assert choices("1", "2", "3", "none", "auto") == "1|2|3|none|auto"
