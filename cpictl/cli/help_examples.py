"""The "Examples" block at the foot of a command's `--help`: one place that formats it, so every command shows its
examples the same way and `tests/cli/test_help_examples.py` can find them.

typer's rich help joins the lines of a paragraph unless it starts with click's `\\b` marker, and reads square
brackets as markup; both are handled here, so an example is written exactly as a user would type it.
"""

from __future__ import annotations

EXAMPLES_HEADING = "Examples:"


def examples(*lines: str) -> str:
    """An epilog listing `lines` (each a command line, optionally with a `# comment`) one per line, verbatim."""
    escaped = [line.replace("[", "\\[") for line in lines]
    return "\b\n" + EXAMPLES_HEADING + "\n" + "\n".join(f"  {line}" for line in escaped)
