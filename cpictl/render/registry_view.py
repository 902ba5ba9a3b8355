"""The embedded registry's traffic during a call, as a table: method, path, status and what a PUT stored, by names
only (agent_id, network names, disk CIDs) — nothing secret, nothing to mask."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.render.metadata_view import field_value
from cpictl.render.values import scalar_text

if TYPE_CHECKING:
    from cpictl.registry_server import RegistryEvent

def body_summary(event: RegistryEvent) -> RenderableType:
    """What a PUT stored, by names only (agent_id, network names, disk CIDs): nothing secret, nothing to mask."""
    if event.method != "PUT" or event.body is None:
        return Text({401: "refused: wrong or missing credentials", 404: "not found"}.get(event.status, ""),
                    style="dim")
    settings = event.settings()
    if not isinstance(settings, dict):
        return Text(f"not a JSON object ({len(event.body)} bytes)", style="red")
    networks = field_value(settings, "networks")
    persistent = field_value(settings, "disks.persistent")
    return Text.assemble(("agent_id ", "dim"), scalar_text(settings.get("agent_id")),
                         ("  networks ", "dim"), ", ".join(map(str, networks)) if isinstance(networks, dict) else "-",
                         ("  persistent ", "dim"),
                         ", ".join(map(str, persistent)) if isinstance(persistent, dict) and persistent else "{}")


def render_registry_events(events: Sequence[RegistryEvent], endpoint: str | None = None) -> RenderableType:
    """The requests the embedded registry answered during a call (table view only)."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, title=f"registry {endpoint or ''}".rstrip(),
                  title_justify="left")
    table.add_column("method", no_wrap=True, style="bold")
    table.add_column("path", overflow="fold")
    table.add_column("status", no_wrap=True)
    table.add_column("body", overflow="fold")
    for event in events:
        style = "green" if 200 <= event.status < 300 else "yellow" if event.status == 404 else "red"
        table.add_row(event.method, event.path, Text(str(event.status), style=style), body_summary(event))
    if not events:
        return Text.assemble(("registry ", "dim"), (endpoint or "", "dim"), ("  no requests", "dim"))
    return table
