"""The "Examples" block at the foot of a command's `--help`: one place that formats it, so every command shows its
examples the same way and `tests/cli/test_help_examples.py` can find them (and parse each against the command).

An example is written exactly as a user would type it, one command line, optionally ending in `# comment`. It
must fit one line of an 80-column help (76 characters: the block is indented), so it can be copied whole.

Both of typer's formatters dedent the epilog as a docstring (`inspect.cleandoc`: the lines after the first lose
their common indent), so the heading is never the first line. With rich (unless `TYPER_USE_RICH=0`) the first line
is empty, which cleandoc drops; lines stay as they are, but square brackets are markup, so they are escaped. Click's
plain formatter rewraps a paragraph unless its first line is the `\\b` marker, which rich would show as a blank line.
"""

from __future__ import annotations

EXAMPLES_HEADING = "Examples:"


def _help_uses_rich() -> bool:
    from typer import core  # already imported by typer itself: costs nothing at start-up

    return bool(getattr(core, "HAS_RICH", True))  # typer reads TYPER_USE_RICH once, when it is imported


def examples(*lines: str) -> str:
    """An epilog listing `lines` (each a command line, optionally with a `# comment`) one per line, verbatim."""
    if _help_uses_rich():
        escaped = [line.replace("[", "\\[") for line in lines]
        return "\n" + EXAMPLES_HEADING + "\n" + "\n".join(f"  {line}" for line in escaped)
    return "\b\n" + EXAMPLES_HEADING + "\n" + "\n".join(f"  {line}" for line in lines)
