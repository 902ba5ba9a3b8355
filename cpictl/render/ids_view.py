"""Tables for the cloud-ID store: `cpictl ids`, `ids verify`, `ids import-state` and `cleanup`.

Cloud IDs pass through `one_line` and the CPI's messages through `visible_controls` before layout, as in the call
view: a control character silently dropped would show an ID that does not exist, one left in would be counted
wrong by the column widths, and a newline or tab in an ID would split its row or shift the columns after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.render.fit import COLUMN_GAP, ByWidth, shorten, widest
from cpictl.render.terminal_text import displayed_id, one_line, visible_controls
from cpictl.store import CloudIdRecord

STATUS_STYLE = {"live": "bold green", "deleted": "dim", "gone": "yellow", "forgotten": "dim italic"}
OUTCOME_STYLE = {"deleted": "green", "detached": "green", "already gone": "yellow", "failed": "bold red",
                 "skipped": "yellow", "exists": "green", "gone": "yellow", "unknown": "red"}


def ago(timestamp: str | None, now: datetime | None = None, *, short: bool = False) -> str:
    """'3 min ago' (short: '3m') from an ISO timestamp; the raw text if it does not parse."""
    if not timestamp:
        return "-"
    try:
        then = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit[0]}" if short else f"{seconds // size} {unit} ago"
    return f"{seconds}s" if short else f"{seconds} s ago"


def created_by(record: CloudIdRecord) -> str:
    """Who made it: the creating method, or "imported" for an ID taken from a create-env state file (its
    journal line names the method the director once used, but nothing in this session created it)."""
    if record.imported:
        return "imported"
    return record.method or "-"


def ids_table(records: Iterable[CloudIdRecord], title: str, now: datetime | None = None) -> RenderableType:
    """The cloud IDs with who made them, when, and what a disk is attached to, laid out for the width it is
    shown at (see `_ids_at`)."""
    records = list(records)
    return ByWidth(lambda width: _ids_at(records, title, width, now))


def _ids_at(records: list[CloudIdRecord], title: str, width: int, now: datetime | None) -> RenderableType:
    """A cloud ID is what people copy: its column keeps its full width, and kind and status are always shown.
    The secondary columns give way instead, in steps: full (`create_vm  3 min ago  vm-…`), abbreviated (`3m`,
    the attached-to ID cut to a prefix), and finally stacked under the cid as a dim second line, in full."""
    kinds = [str(r.kind) for r in records]
    cids = [displayed_id(r.cid) for r in records]
    statuses = [r.status for r in records]
    kind_w, cid_w = widest(kinds, len("kind")), widest(cids, len("cid"))
    status_w = widest(statuses, len("status"))
    room = width - kind_w - cid_w - status_w - 5 * COLUMN_GAP
    makers = [created_by(r) for r in records]
    for short in (False, True):
        whens = [ago(r.created_at, now, short=short) for r in records]
        attached = [one_line(r.attached_to or "") for r in records]
        maker_w, when_w = widest(makers, len("created by")), widest(whens, len("when"))
        attached_room = room - maker_w - when_w
        attached_w = widest(attached, len("attached to"))
        if short and attached_w > attached_room >= len("attached to"):
            attached = [shorten(cid, attached_room) for cid in attached]  # the full ID: `cpictl ids -o json`
            attached_w = attached_room
        if attached_w <= attached_room:
            table = _table(("kind", "cid", "status", "created by", "when", "attached to"), cid_w)
            for record, kind, cid, maker, when, to in zip(records, kinds, cids, makers, whens, attached, strict=True):
                table.add_row(kind, Text(cid, style="bold"), _status(record), maker, when, to)
            return _titled(title, table)
    # stacked: the cid column takes all the room kind and status leave; a cid folds only below that width
    cid_room = max(width - kind_w - status_w - 2 * COLUMN_GAP, 8)
    details = []
    for record, maker in zip(records, makers, strict=True):
        parts = [f"{maker}, {ago(record.created_at, now)}"]
        if record.attached_to:
            parts.append(f"attached to {one_line(record.attached_to)}")
        joined = ", ".join(parts)
        details.append(joined if cell_len(joined) <= cid_room else "\n".join(parts))
    table = _table(("kind", "cid", "status"), min(widest([*cids, *details]), cid_room))
    for record, kind, cid, detail in zip(records, kinds, cids, details, strict=True):
        table.add_row(kind, Text(cid, style="bold").append("\n" + detail, style="dim"), _status(record))
    return _titled(title, table)


def _status(record: CloudIdRecord) -> Text:
    return Text(record.status, style=STATUS_STYLE.get(record.status, ""))


def _table(columns: tuple[str, ...], cid_w: int) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    for column in columns:
        if column == "cid":
            table.add_column(column, width=cid_w, overflow="fold")
        else:
            table.add_column(column, no_wrap=column in ("kind", "status", "when"), overflow="fold")
    return table


def _titled(title: str, table: Table) -> RenderableType:
    # the title above the table, not in it: a table title is cut to the table's width, and a journal path is long
    return Group(Text(title, style="table.title", overflow="fold"), table)


OUTCOME_HEADERS = ("kind", "call / cid", "outcome", "detail")
MIN_DETAIL = 24  # below this a CPI's message folds into a column too narrow to read


def outcome_table(rows: Iterable[tuple[str, str, str, str]], title: str) -> RenderableType:
    """Rows of (kind, cid or call, outcome, detail); the cid and the detail (often the CPI's message) are CPI
    text, the cid kept on one line. A cloud ID is never folded (it is copied into the next command): when the
    columns cannot all fit, each row becomes two lines instead."""
    shown = [(kind, one_line(what), outcome, visible_controls(detail)) for kind, what, outcome, detail in rows]

    def build(width: int) -> RenderableType:
        fixed = [widest((row[index] for row in shown), cell_len(OUTCOME_HEADERS[index])) for index in range(3)]
        detail = min(MIN_DETAIL, widest((row[3] for row in shown), cell_len(OUTCOME_HEADERS[3])))
        if sum(fixed) + 3 * COLUMN_GAP + detail <= width:
            return _outcome_grid(shown, title)
        return _outcome_lines(shown, title)

    return ByWidth(build)


def _outcome_grid(rows: list[tuple[str, str, str, str]], title: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=title, title_justify="left")
    # no detail anywhere (a plan): no column for it, whose header would otherwise fold into a sliver
    headers = OUTCOME_HEADERS if any(row[3] for row in rows) else OUTCOME_HEADERS[:3]
    for column in headers:
        table.add_column(column, overflow="fold", no_wrap=column != "detail")
    for kind, what, outcome, detail in rows:
        cells = [kind, Text(what), Text(outcome, style=OUTCOME_STYLE.get(outcome, "")), Text(detail)]
        table.add_row(*cells[: len(headers)])
    return table


def _outcome_lines(rows: list[tuple[str, str, str, str]], title: str) -> RenderableType:
    """Narrow screens: `outcome  kind`, then the call or cid on a line of its own (folded only where the screen
    is narrower than the ID itself), then the detail indented."""
    lines: list[RenderableType] = [Text(title, style="italic")]
    for kind, what, outcome, detail in rows:
        lines.append(Text.assemble((outcome, OUTCOME_STYLE.get(outcome, "")), "  ", (kind, "dim")))
        lines.append(Text("  " + what, overflow="fold"))
        if detail:
            lines.append(Text("    " + detail, style="dim"))
    return Group(*lines)
