"""The embedded registry's traffic during a call, as a table: method, path, status and what a PUT stored, by names
only (agent_id, network names, disk CIDs) — nothing secret, nothing to mask. A refused request says why (401, 413,
400, 503, 507) and how many came in a row, and a body that cannot be agent settings says what it is instead;
everything the CPI sent is shown with its terminal controls visible."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.protocol.redaction import Redactor
from cpictl.protocol.settings_check import looks_like_full_settings
from cpictl.registry.http import MAX_BODY_BYTES
from cpictl.registry.server import RegistryEvent
from cpictl.render.metadata_view import cpi_text, field_value
from cpictl.render.values import scalar_text

#: What a refusal or a miss means, for a request whose body was not kept.
_ANSWERS = {400: "refused: malformed request (a Content-Length that is not a number, or broken chunked framing)",
            401: "refused: wrong or missing credentials", 404: "not found"}


def _bytes(count: int | None) -> str:
    return "" if count is None else f" ({count} byte{'' if count == 1 else 's'})"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "a JSON boolean"
    kinds = {str: "a JSON string", list: "a JSON array", int: "a JSON number", float: "a JSON number"}
    return kinds.get(type(value), "JSON null")


def body_summary(event: RegistryEvent) -> RenderableType:
    """What a PUT stored, by names only (agent_id, network names, disk CIDs): nothing secret, nothing to mask.
    A body that cannot be settings says why (not UTF-8, not JSON, not an object, the GET answer's wrapper)."""
    times = f" (×{event.count})" if event.count > 1 else ""
    if event.note is not None:
        return Text(f"refused: {event.note}{times}", style="red")
    if event.status == 413:
        return Text(f"refused: body too large{_bytes(event.body_bytes)}; the limit is "
                    f"{MAX_BODY_BYTES // (1024 * 1024)} MiB{times}", style="red")
    if event.method != "PUT" or event.body is None:
        answer = _ANSWERS.get(event.status, "")
        if event.status == 404 and event.instance is None:
            answer = "not found: not an /instances/<id>/settings path"
        return Text(answer + times, style="red" if event.refused else "dim")
    problem = event.body_problem()
    if problem is not None:
        return Text(f"{problem}{_bytes(event.body_bytes)}", style="red")
    settings = event.settings()
    if not isinstance(settings, dict):
        return Text(f"{_json_type(settings)}, not a JSON object{_bytes(event.body_bytes)}", style="red")
    if "settings" in settings and not looks_like_full_settings(settings):
        # the registry answers GET with {"settings": "<json>"}; a PUT carries the settings themselves (§8.2)
        return Text("a {settings: …} wrapper, not the settings: PUT the settings object itself", style="red")
    networks = field_value(settings, "networks")
    persistent = field_value(settings, "disks.persistent")
    agent_id = (Text("agent_id ", style="dim").append_text(scalar_text(settings["agent_id"]))
                if "agent_id" in settings else Text("no agent_id", style="red"))
    return Text.assemble(agent_id,
                         ("  networks ", "dim"),
                         cpi_text(", ".join(map(str, networks)) if isinstance(networks, dict) else "-"),
                         ("  persistent ", "dim"),
                         cpi_text(", ".join(map(str, persistent)) if isinstance(persistent, dict) and persistent
                                  else "{}"))


def render_registry_events(events: Sequence[RegistryEvent], endpoint: str | None = None) -> RenderableType:
    """The requests the embedded registry answered or refused during a call (table view only)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, title=f"registry {endpoint or ''}".rstrip(),
                  title_justify="left")
    table.add_column("method", no_wrap=True, style="bold")
    table.add_column("path", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("body", overflow="fold")
    hide = Redactor().text  # the process's secrets (the registry's password, the CPI's environment's)
    for event in events:
        style = "green" if 200 <= event.status < 300 else "yellow" if event.status == 404 else "red"
        # method and path are what the CPI's client sent: shown with their controls visible, never as markup, and
        # without a secret it may have put there
        table.add_row(cpi_text(hide(event.method)), cpi_text(hide(event.path)), Text(str(event.status), style=style),
                      body_summary(event))
    if not events:
        return Text.assemble(("registry ", "dim"), (endpoint or "", "dim"), ("  no requests", "dim"))
    return table
