"""Calls that may have created something cpictl has no ID for: how `cpictl ids`, `cleanup` and the REPL's `:ids`
show them (an interrupted call still running, or one that never gave a usable answer), with the masked request a
person needs to go and look for what it made."""

from __future__ import annotations

import json
from typing import Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.text import Text

from cpictl.render.fit import ByWidth
from cpictl.render.ids_view import ago
from cpictl.render.terminal_text import visible_controls
from cpictl.store.interrupted import describe_open_calls
from cpictl.store.state import OpenCall

TITLE = "calls that may have created something cpictl has no ID for"
ADVICE_START = "Look in the IaaS for what they made (a create_vm's agent_id names its VM), delete it there, then"


def describe_call(open_call: OpenCall) -> str:
    """`create_vm (request cpi-482913, call 3fa9c0d1-2, started 2026-12-06 12:01:07)`."""
    started = (open_call.started_at or "").replace("T", " ")[:19] or "at an unknown time"
    request = f"request {open_call.request_id}, " if open_call.request_id else ""
    return f"{open_call.method} ({request}call {open_call.call}, started {started})"


def arguments_text(open_call: OpenCall, limit: int = 400) -> str:
    """The call's (masked) arguments as compact JSON, cut to `limit` characters."""
    text = json.dumps(open_call.arguments, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def open_call_rows(store: Any, state: Any) -> list[tuple[OpenCall, str, str]]:
    """(call, state, detail) for each open call: see `describe_open_calls`."""
    return describe_open_calls(store, state)


def as_documents(rows: list[tuple[OpenCall, str, str]]) -> list[dict[str, Any]]:
    """The rows for `-o json|yaml`, shaped like the other entries of `cpictl ids` (kind `call`)."""
    return [{"kind": "call", "cid": c.call, "status": name, "method": c.method, "request_id": c.request_id,
             "created_at": c.started_at, "attached_to": None, "imported": False, "detail": detail,
             "arguments": c.arguments, "target": c.target} for c, name, detail in rows]


STATE_STYLE = {"may exist": "bold yellow", "running": "cyan", "pending": "cyan"}


def open_calls_view(rows: list[tuple[OpenCall, str, str]], now: Any = None) -> list[RenderableType]:
    """Two lines a call — `CALL  METHOD  STATE  what happened, when` and, dimmed, its request ID and masked
    arguments cut to the screen — then the advice when some call may have made something."""
    def build(width: int) -> RenderableType:
        lines: list[RenderableType] = [Text(TITLE, style="table.title")]
        for open_call, name, text in rows:
            lines.append(Text.assemble((open_call.call, "bold"), "  ", open_call.method, "  ",
                                       (name, STATE_STYLE.get(name, "")), "  ", visible_controls(text), "  ",
                                       (ago(open_call.started_at, now), "dim"), overflow="fold"))
            request = f"request {open_call.request_id}  " if open_call.request_id else ""
            room = max(width - 4 - cell_len(request) - len("arguments "), 20)
            lines.append(Text(f"    {request}arguments {visible_controls(arguments_text(open_call, room))}",
                              style="dim", overflow="fold"))
        return Group(*lines)

    shown: list[RenderableType] = [ByWidth(build)]
    if any(name == "may exist" for _, name, _ in rows):
        calls = " ".join(c.call for c, name, _ in rows if name == "may exist")
        shown.append(Text(f"{ADVICE_START} `cpictl ids forget {calls}`.", overflow="fold"))
    return shown
