"""`cpictl help [TOPIC | COMMAND…]`: the reference pages — recipes, references, targets, masking, exit codes,
completion — read offline, on a server with no browser; and `cpictl help call` as another way to say
`cpictl call --help`.

On a terminal a topic is rendered from its Markdown and paged when it is taller than the screen; on a pipe it is
the Markdown itself, the very text the README carries (`make docs`), so `cpictl help recipes | grep retry` works.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from typing import Annotated

import typer

from cpictl.cli import metavars
from cpictl.cli.exits import UsageError
from cpictl.cli.help_examples import examples

HELP_HELP = (
    "Show a help topic, or a command's help.\n\n"
    "Topics: recipes, references, targets, masking, exit-codes, completion; with no TOPIC, a list of them. The "
    "topics ship with cpictl, so they work offline. On a terminal a topic is rendered and paged ($PAGER, or less) "
    "when it is taller than the screen; on a pipe it is printed as Markdown."
)
HELP_EPILOG = examples(
    "cpictl help                    # the topics",
    "cpictl help recipes            # the recipe format",
    "cpictl help exit codes",
    "cpictl help target add         # the same as: cpictl target add --help",
)


def complete_topic(incomplete: str) -> list[tuple[str, str]]:
    from cpictl.help_topics import load_topic, topic_names

    return [(name, load_topic(name).summary) for name in topic_names() if name.startswith(incomplete)]


def help_command(
    words: Annotated[list[str] | None, typer.Argument(
        metavar="[TOPIC|COMMAND...]", click_type=metavars.TEXT, autocompletion=complete_topic, show_default=False,
        help="A topic (see the list), or a command and its subcommands.")] = None,
    no_pager: Annotated[bool, typer.Option("--no-pager", help="Print, never page.")] = False,
) -> None:
    from cpictl.help_topics import canonical_name, load_topic

    if not words:
        _list_topics()
        return
    name = canonical_name(" ".join(words))
    if name is not None:
        _show_topic(load_topic(name).text, page=not no_pager)
        return
    from cpictl.cli.main import COMMANDS

    if words[0] in COMMANDS:
        raise typer.Exit(_command_help(words))
    raise UsageError(_unknown(" ".join(words), list(COMMANDS)))


def _list_topics() -> None:
    from cpictl.help_topics import load_topic, topic_names

    topics = [load_topic(name) for name in topic_names()]
    if not topics:  # a damaged install: the pages are package data
        raise UsageError("this cpictl has no help topics (its install lost cpictl/help_topics/*.md)",
                         hint="cpictl --help lists the commands")
    width = max(len(topic.name) for topic in topics)
    print("Help topics (cpictl help TOPIC):\n")
    for topic in topics:
        print(f"  {topic.name:<{width}}  {topic.summary}")
    print("\ncpictl help COMMAND shows a command's --help; cpictl --help lists the commands.")


def _unknown(word: str, commands: list[str]) -> str:
    from cpictl.help_topics import topic_names
    from cpictl.recipes.validation import did_you_mean

    topics = topic_names()
    return (f"no help topic or command '{word}'{did_you_mean(word, [*topics, *commands])}; "
            f"topics: {', '.join(topics)} (cpictl --help lists the commands)")


def _command_help(words: list[str]) -> int:
    """Print `cpictl WORDS… --help` and return its exit status (2 for a subcommand that does not exist)."""
    from cpictl.cli.main import build_app

    command = typer.main.get_command(build_app(only=words[0]))
    status = command.main([*words, "--help"], prog_name="cpictl", standalone_mode=False)
    return status if isinstance(status, int) else 0


def _show_topic(markdown: str, *, page: bool) -> None:
    if not sys.stdout.isatty():
        sys.stdout.write(markdown)
        return
    rendered = _rendered(markdown)
    if page and rendered.count("\n") >= shutil.get_terminal_size().lines - 1 and _paged(rendered):
        return
    sys.stdout.write(rendered)


def _rendered(markdown: str) -> str:
    """The topic as the terminal shows it: rich's Markdown, at most 100 columns wide (long lines read badly)."""
    from rich.markdown import Markdown

    from cpictl.render.console import make_console

    console = make_console()
    console.width = min(console.width, 100)
    with console.capture() as captured:
        console.print(Markdown(markdown, code_theme="ansi_dark", hyperlinks=False))
    return captured.get()


def _paged(text: str) -> bool:
    """Show `text` through $PAGER (or `less`, told to keep colours and to quit when it fits); False when there is
    no pager to run, so the caller prints instead. The pager runs as an argv, never through a shell."""
    argv = shlex.split(os.environ.get("PAGER") or "less")
    if not argv or shutil.which(argv[0]) is None:
        return False
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # F: quit if one screen, R: colours, X: leave the text on the screen
    try:
        subprocess.run(argv, input=text, text=True, env=env, check=False)
    except OSError:
        return False
    return True
