"""`--dry-run`: the bytes, argv and environment a call would use, and a shell one-liner to reproduce it.

Secrets are masked unless `--show-secrets`; the headings then say so, since the masked bytes and one-liner are not
what would be sent (pasting the line would send `<redacted>`)."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.syntax import Syntax
from rich.text import Text


def render_dry_run(document: dict[str, Any]) -> list[tuple[RenderableType, bool]]:
    """The view as (renderable, soft_wrap) pairs: the request bytes and the one-liner are printed with soft
    wrapping, because a line break inserted by layout would change them when they are copied (into a file, a
    shell) — the terminal still folds them on screen."""
    env = document.get("env") or {}
    env_text = ", ".join(f"{k}={v}" for k, v in env.items()) or "(inherited unchanged)"
    masked = bool(document.get("secrets_masked"))
    parts: list[tuple[RenderableType, bool]] = [
        (Text("dry run — nothing was executed", style="bold yellow"), False),
        # Masked, these are not the bytes that would be sent: the heading must not say "exact".
        (Text("stdin (secrets masked; --show-secrets prints the exact bytes):" if masked
              else "stdin (exact bytes, no trailing newline):", style="bold"), False),
        (Syntax(document["stdin"], "json", word_wrap=False, background_color="default"), True),
    ]
    parts.append((Text.assemble(("argv  ", "bold"), repr(document["argv"])), False))
    parts.append((Text.assemble(("env   ", "bold"), f"{document['env_mode']}: ", env_text), False))
    if document.get("cwd"):
        parts.append((Text.assemble(("cwd   ", "bold"), document["cwd"]), False))
    if document.get("api_version_note"):
        guess = "guess" in document["api_version_note"] or "not sent" in document["api_version_note"]
        parts.append((Text.assemble(("api_version  ", "bold"), (document["api_version_note"],
                                                                "yellow" if guess else "")), False))
    parts.append((Text("reproduce by hand (one line; it sends <redacted> where secrets were masked, so use "
                       "--show-secrets for a line to run):" if masked else "reproduce by hand (one line):",
                       style="bold yellow" if masked else "bold"), False))
    parts.append((Text(document["shell"]), True))
    return parts
