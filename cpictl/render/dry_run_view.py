"""`--dry-run`: the exact bytes, argv and environment a call would use, and a shell one-liner to reproduce it."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text


def render_dry_run(document: dict[str, Any]) -> RenderableType:
    parts: list[RenderableType] = [Text("dry run — nothing was executed", style="bold yellow")]
    parts.append(Text("stdin (exact bytes, no trailing newline):", style="bold"))
    parts.append(Syntax(document["stdin"], "json", word_wrap=True, background_color="default"))
    if document.get("secrets_masked"):
        parts.append(Text("secrets are masked here; --show-secrets prints the exact bytes", style="dim"))
    parts.append(Text.assemble(("argv  ", "bold"), repr(document["argv"])))
    env = document.get("env") or {}
    env_text = ", ".join(f"{k}={v}" for k, v in env.items()) or "(inherited unchanged)"
    parts.append(Text.assemble(("env   ", "bold"), f"{document['env_mode']}: ", env_text))
    if document.get("cwd"):
        parts.append(Text.assemble(("cwd   ", "bold"), document["cwd"]))
    parts.append(Text("reproduce by hand (one line):", style="bold"))
    return Group(*parts)


def shell_line(document: dict[str, Any]) -> Text:
    """The one-liner alone: the caller prints it with soft wrapping, because a line break inserted by layout would
    break the command when it is copied into a shell."""
    return Text(document["shell"])
