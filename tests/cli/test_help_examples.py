"""Every command's --help, at 80 columns, opens with a one-line summary (the line its parent's command list shows,
whole) and ends with examples an operator can copy: each one parses against the command's real options and
arguments, so an example naming an option that is gone, or taking one argument too many, fails here.

Summaries are read as typer renders them with rich, and as click's plain formatter does (`TYPER_USE_RICH=0`),
which cuts a long summary in a command list with "..." where rich would wrap it. The examples are only parsed, by
click, as `main` parses a command line up to running the command: no CPI runs and no file is read, so this stays
fast. What a command checks itself once it runs (a value `-o` does not take, options that do not go together) is
beyond it.
"""

from __future__ import annotations

import inspect
import shlex

import pytest
import typer

from cpictl.cli.help_examples import EXAMPLES_HEADING
from cpictl.cli.main import build_app, main
from tests.cli.test_help_width import command_paths

WIDTH = 80
ROOT = typer.main.get_command(build_app())
SHELL_OPERATORS = ";&|<>"  # an example may pipe or redirect: the command line ends where the shell's syntax starts


def command_at(path: list[str]):
    command = ROOT
    for name in path:
        command = command.commands[name]
    return command


def label(path: list[str]) -> str:
    return " ".join(["cpictl", *path])


@pytest.fixture(params=[True, False], ids=["rich", "plain"])
def rich_help(request, monkeypatch):
    """Both of typer's help formatters: it reads TYPER_USE_RICH once, into this flag, and checks it per help."""
    monkeypatch.setattr(typer.core, "HAS_RICH", request.param)
    return request.param


def help_at_80(capsys, monkeypatch, path: list[str]) -> list[str]:
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    assert main([*path, "--help"]) == 0
    return [line.rstrip() for line in capsys.readouterr().out.splitlines()]


def summary(command) -> str:
    """The first paragraph of the command's help, as its own --help shows it (one line, if it fits)."""
    return " ".join(inspect.cleandoc(command.help or "").split("\n\n")[0].split())


def listed(command) -> str:
    """What a parent's command list shows for it: its short_help, else its summary."""
    return " ".join((command.short_help or "").split()) or summary(command)


def shown_examples(lines: list[str]) -> list[str]:
    """The lines of the help's last Examples block, up to the blank line that ends it."""
    starts = [n for n, line in enumerate(lines) if line.strip() == EXAMPLES_HEADING]
    if not starts:
        return []
    block = []
    for line in lines[starts[-1] + 1:]:
        if not line.strip():
            break
        block.append(line.strip())
    return block


def command_words(example: str) -> list[str]:
    """The words after `cpictl` that the shell would pass it: a `# comment`, what follows a pipe or a redirection,
    and `NAME=value` assignments before `cpictl` are the shell's, not the command's."""
    lexer = shlex.shlex(example, posix=True, punctuation_chars=SHELL_OPERATORS)
    lexer.whitespace_split = True
    words = []
    for word in lexer:
        if word and set(word) <= set(SHELL_OPERATORS):
            break
        words.append(word)
    while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
        words.pop(0)
    assert words[:1] == ["cpictl"], f"not a cpictl command line: {example!r}"
    return words[1:]


def parsed_path(words: list[str]) -> list[str]:
    """The command `words` run, resolved and parsed as click does before invoking anything: a usage error (an
    unknown option or command, a missing or extra argument, a value click rejects) raises."""
    ctx = ROOT.make_context("cpictl", list(words))
    command, path = ROOT, []
    while hasattr(command, "commands"):
        rest = [*ctx._protected_args, *ctx.args]  # where a group keeps its subcommand's words (typer's click)
        if not rest:
            if not command.invoke_without_command:
                ctx.fail("Missing command.")
            break
        name, command, rest = command.resolve_command(ctx, rest)
        path.append(name)
        ctx = command.make_context(name, rest, parent=ctx)
    return path


@pytest.mark.parametrize("path", command_paths(), ids=label)
def test_help_opens_with_a_one_line_summary(capsys, monkeypatch, rich_help, path):
    said = summary(command_at(path))
    assert said[:1].isupper() and said.endswith("."), f"{label(path)}: not a sentence: {said!r}"
    lines = [line.strip() for line in help_at_80(capsys, monkeypatch, path)]
    assert said in lines, f"{label(path)}: the summary takes more than one line at {WIDTH} columns: {said!r}"


@pytest.mark.parametrize("path", [path for path in command_paths() if hasattr(command_at(path), "commands")],
                         ids=label)
def test_command_lists_show_each_summary_whole(capsys, monkeypatch, rich_help, path):
    lines = [line.strip(" │") for line in help_at_80(capsys, monkeypatch, path)]
    listing = lines[next(n for n, line in enumerate(lines) if "Commands" in line):]
    for name, sub in command_at(path).commands.items():
        if sub.hidden:
            continue
        text = listed(sub)
        assert text, f"{label([*path, name])} has no summary"
        row = next((line for line in listing if line.startswith(f"{name} ")), "")
        assert text in row, f"{label(path)} --help does not show {name}'s summary whole on one line: {row!r}"


@pytest.mark.parametrize("path", command_paths(), ids=label)
def test_help_ends_with_examples_that_parse(capsys, monkeypatch, path):
    lines = help_at_80(capsys, monkeypatch, path)
    examples = shown_examples(lines)
    assert 1 <= len(examples) <= 4, f"{label(path)} --help: {len(examples)} examples under {EXAMPLES_HEADING!r}"
    too_wide = [line for line in lines if line.strip() in examples and len(line) > WIDTH]
    assert not too_wide, f"{label(path)} --help: examples wider than {WIDTH} columns: {too_wide}"
    for example in examples:
        try:
            ran = parsed_path(command_words(example))
        except Exception as problem:  # click's usage errors, typer.Exit (a --help), a line that is not cpictl's
            message = problem.format_message() if hasattr(problem, "format_message") else str(problem)
            pytest.fail(f"{label(path)} --help: example {example!r} does not parse: {message}")
        # a group's later examples may go on to other commands (install a recorder, then read its trace)
        if example == examples[0] or not hasattr(command_at(path), "commands"):
            assert ran[:len(path)] == path, f"{label(path)} --help: example {example!r} runs {label(ran)}"


@pytest.mark.parametrize("rich_help", [True, False], ids=["rich", "plain"], indirect=True)
def test_an_example_shows_as_it_is_typed(rich_help):
    """Examples keep their lines, their indent and their square brackets with either formatter (the epilog is
    made when a command module is imported, so this builds a command of its own after choosing the formatter)."""
    from typer.testing import CliRunner

    from cpictl.cli.help_examples import examples

    lines = ["cpictl call create_vm agent-1 sc-1 '{}' '{}' '[disk-1]'  # not markup",
             "cpictl methods -o json"]
    app = typer.Typer()
    app.command(epilog=examples(*lines))(lambda: None)
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": str(WIDTH)}).output.splitlines()
    heading = next(n for n, line in enumerate(out) if line.strip() == EXAMPLES_HEADING)
    assert [line.strip() for line in out[heading + 1:heading + 3]] == lines
    assert out[heading + 1].index("cpictl") > out[heading].index(EXAMPLES_HEADING)  # indented under the heading
    assert [out[heading - 2].strip() != "", out[heading - 1].strip()] == [True, ""]  # one blank line before it
