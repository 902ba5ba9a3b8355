"""Where a session's journal lives: `$XDG_STATE_HOME/cpictl/sessions/NAME.jsonl`.

A session name becomes a file name, so it is checked here before any path is built: letters, digits, `-`, `_` and
`.`, not starting with a dot (no hidden files, no `..`), no slashes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from cpictl.store.errors import InvalidSessionName

DEFAULT_SESSION = "default"
_SESSION_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}")


def check_session_name(session: str) -> str:
    """Return `session` unchanged, or raise InvalidSessionName saying which names are allowed."""
    if not _SESSION_NAME.fullmatch(session):
        raise InvalidSessionName(
            f"invalid session name {session!r}: use up to 128 letters, digits, '-', '_' or '.', "
            "not starting with '.' and without slashes"
        )
    return session


def state_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_STATE_HOME, or ~/.local/state; a relative value is ignored, as the XDG spec says."""
    env = os.environ if environ is None else environ
    value = env.get("XDG_STATE_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    home = env.get("HOME") or os.path.expanduser("~")
    return Path(home) / ".local" / "state"


def default_journal_path(session: str = DEFAULT_SESSION, environ: Mapping[str, str] | None = None) -> Path:
    """The journal file of a named session (the file need not exist yet)."""
    return state_home(environ) / "cpictl" / "sessions" / f"{check_session_name(session)}.jsonl"


def session_names(environ: Mapping[str, str] | None = None) -> list[str]:
    """The sessions that have a journal (`NAME.jsonl` in the sessions directory), sorted; for completion. The files
    kept beside a journal (`NAME.jsonl.trace.jsonl`, `.lock`, the spool) are not sessions."""
    directory = state_home(environ) / "cpictl" / "sessions"
    try:
        files = sorted(entry.name for entry in os.scandir(directory) if entry.is_file())
    except OSError:
        return []
    names = []
    for file in files:
        name = file.removesuffix(".jsonl")
        if name != file and not name.endswith(".jsonl.trace") and _SESSION_NAME.fullmatch(name):
            names.append(name)
    return names
