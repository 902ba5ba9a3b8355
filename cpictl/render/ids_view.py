"""Tables for the cloud-ID store: `cpictl ids`, `ids verify`, `ids import-state` and `cleanup`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from rich import box
from rich.table import Table
from rich.text import Text

from cpictl.store import CloudIdRecord

STATUS_STYLE = {"live": "bold green", "deleted": "dim", "gone": "yellow", "forgotten": "dim italic"}
OUTCOME_STYLE = {"deleted": "green", "detached": "green", "already gone": "yellow", "failed": "bold red",
                 "skipped": "yellow", "exists": "green", "gone": "yellow", "unknown": "red"}


def ago(timestamp: str | None, now: datetime | None = None) -> str:
    """'3 min ago' from an ISO timestamp; the raw text if it does not parse."""
    if not timestamp:
        return "-"
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def ids_table(records: Iterable[CloudIdRecord], title: str) -> Table:
    records = list(records)
    widest = max((len(r.cid) for r in records), default=3)
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left", padding=(0, 1), pad_edge=False)
    for column in ("kind", "cid", "status", "created by", "when", "attached to"):
        # a cloud ID is what people copy: it keeps its full width and the other columns shorten around it
        table.add_column(column, no_wrap=True, overflow="fold" if column == "cid" else "ellipsis",
                         min_width={"cid": widest, "kind": 8, "status": 7}.get(column, 4))
    for record in records:
        created_by = record.method or ("imported" if record.imported else "-")
        table.add_row(str(record.kind), Text(record.cid, style="bold"),
                      Text(record.status, style=STATUS_STYLE.get(record.status, "")), created_by,
                      ago(record.created_at), record.attached_to or "")
    return table


def outcome_table(rows: Iterable[tuple[str, str, str, str]], title: str) -> Table:
    """Rows of (kind, cid or call, outcome, detail)."""
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
    for column in ("kind", "call / cid", "outcome", "detail"):
        table.add_column(column, overflow="fold")
    for kind, what, outcome, detail in rows:
        table.add_row(kind, what, Text(outcome, style=OUTCOME_STYLE.get(outcome, "")), detail)
    return table
