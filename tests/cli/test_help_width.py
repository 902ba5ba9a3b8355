"""Every command's --help reads whole in an 80-column terminal: rich cuts a word that does not fit its column with
"…", which would hide an option's name or the word that explains it."""

from __future__ import annotations

import pytest
import typer

from cpictl.cli.main import build_app, main


def command_paths() -> list[list[str]]:
    paths: list[list[str]] = []

    def walk(command, path: list[str]) -> None:  # typer's own click: a group has `commands`
        paths.append(path)
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])

    walk(typer.main.get_command(build_app()), [])
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=lambda path: " ".join(path) or "cpictl")
def test_help_at_80_columns_cuts_no_word(capsys, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "80")
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    cut = [line for line in out.splitlines() if "…" in line.replace("=…", "")]  # `password=…` is written so
    assert not cut, "\n".join(cut)
