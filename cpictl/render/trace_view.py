"""Views of a trace: the list of calls (`trace list`, `:trace`), the line above a shown call (`trace show`; the
call itself is `render_call`'s), and two calls compared (`trace replay`, `trace diff`, `:replay`).

The list is one line per call at any width, 80 columns included: number, time, target, method, outcome and
duration keep their width and the cloud IDs take what is left — whole, else by kind (`+disk`), else cut with `…`
(`-o json` has them whole). A
comparison is a table side by side where the screen is wide enough, and one value above the other below that;
a row that differs is marked `≠`, old in red and new in green; ignored rows say so. CPI text passes through
`one_line`/`visible_controls` before layout, as in every other view.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.protocol.strict_json import preview
from cpictl.render.fit import ByWidth, shorten, widest
from cpictl.render.terminal_text import one_line, visible_controls
from cpictl.traces.compare import Absent, Comparison, Row
from cpictl.traces.reading import entry_changes, entry_status, entry_time, error_type, request_of, target_word

STATUS_STYLE = {"ok": "green", "cpi-error": "red", "misbehaved": "bold red", "not-sent": "yellow"}
HEADERS = ("n", "time", "target", "method", "outcome", "ms", "IDs")
GAP = 2
#: Widths a column gives way to before the cloud IDs lose their room: target, method, outcome.
FLOORS = {"target": 6, "method": 12, "outcome": 10}
#: From this much room the IDs are shown cut (`+vm vm-e7bcafd5-75…`, a prefix to tell them apart), below it by kind.
CUT_IDS_ROOM = 16
SIDE_BY_SIDE = 100  # narrower than this, a comparison stacks old above new


def outcome_word(entry: dict[str, Any]) -> str:
    """How a call ended in a few characters: `ok`, `✖ VMNotFound`, `⚠ process.failed`, `not sent`."""
    status = entry_status(entry)
    violations = [v for v in entry.get("violations") or [] if isinstance(v, dict)]
    if status == "ok":
        warnings = sum(1 for v in violations if v.get("severity") == "warning")
        return f"ok ⚠{warnings}" if warnings else "ok"
    if status == "cpi-error":
        return "✖ " + one_line((error_type(entry) or "error").rsplit("::", 1)[-1])
    if status == "not-sent":
        return "not sent"
    codes = [str(v.get("code")) for v in violations if v.get("severity") == "error"]
    return "⚠ " + (codes[0] if codes else "no answer") + (f" +{len(codes) - 1}" if len(codes) > 1 else "")


def when(entry: dict[str, Any], now: datetime | None = None) -> str:
    """The call's local time; with the date when it was not today."""
    stamp = entry_time(entry)
    if stamp is None:
        return "-"
    local, today = stamp.astimezone(), (now or datetime.now(timezone.utc)).astimezone().date()
    return local.strftime("%H:%M:%S") if local.date() == today else local.strftime("%m-%d %H:%M")


def ids_text(entry: dict[str, Any]) -> tuple[str, str]:
    """The cloud IDs the call created (+) and deleted (-): in full, and as their kinds alone (`+vm -disk`), the
    form a narrow screen shows."""
    changes = entry_changes(entry)
    marked = [("+", kind, cid) for kind, cid in changes.created] + [("-", kind, cid) for kind, cid in changes.deleted]
    return (" ".join(f"{sign}{kind} {one_line(cid)}" for sign, kind, cid in marked),
            " ".join(f"{sign}{kind}" for sign, kind, _ in marked))


def trace_table(entries: Iterable[dict[str, Any]], now: datetime | None = None) -> RenderableType:
    """One line per call (see the module docstring); laid out at the width it is shown at."""
    rows = [(str(entry.get("n")), when(entry, now), one_line(target_word(entry)), one_line(request_of(entry)[0]),
             outcome_word(entry), _ms(entry.get("duration_s")), *ids_text(entry), entry_status(entry))
            for entry in entries]
    return ByWidth(lambda width: _table_at(rows, width))


def _ms(duration: Any) -> str:
    return f"{duration * 1000:.0f}" if isinstance(duration, (int, float)) else "-"


def _table_at(rows: list[tuple[str, ...]], width: int) -> RenderableType:
    """The IDs take the room the other columns leave: in full where they fit, cut where a prefix fits, else by
    kind (`+disk`). Only when even that does not fit do target, outcome and, last, method give way (to `FLOORS`)."""
    widths = [widest((row[index] for row in rows), cell_len(HEADERS[index])) for index in range(6)]
    ids_room = width - sum(widths) - 6 * GAP
    wanted = widest(row[7] for row in rows)
    for index, name in ((2, "target"), (4, "outcome"), (3, "method")):
        if ids_room >= wanted:
            break
        taken = min(max(0, widths[index] - FLOORS[name]), wanted - ids_room)
        widths[index] -= taken
        ids_room += taken
    lines = [_line([*HEADERS[:6], HEADERS[6]], widths, ids_room, "dim", None)]
    for row in rows:
        ids = row[6] if cell_len(row[6]) <= ids_room or ids_room >= CUT_IDS_ROOM else row[7]
        lines.append(_line([*row[:6], ids], widths, ids_room, "", row[8]))
    return Group(*lines)


def _line(cells: list[str], widths: list[int], ids_room: int, style: str, status: str | None) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", style=style)
    for index, (cell, width) in enumerate(zip(cells[:6], widths, strict=True)):
        shown = shorten(cell, width)
        padded = shown.rjust(width) if index in (0, 5) else shown.ljust(width)
        cell_style = STATUS_STYLE.get(status or "", "") if index == 4 else "bold" if index == 3 and status else ""
        text.append(padded, style=cell_style).append(" " * GAP)
    if ids_room > 0 and cells[6]:
        text.append(shorten(cells[6], ids_room), style="cyan" if status else "")
    text.rstrip()
    return text


def entry_header(entry: dict[str, Any]) -> Text:
    """`trace call 4 · 2026-12-06 14:35:36 · cpictl`, with where an imported call was found and what the caller
    itself had redacted."""
    stamp = entry_time(entry)
    shown = stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z") if stamp else "-"
    text = Text.assemble(("trace call ", "dim"), (str(entry.get("n")), "bold"), (f" · {shown} · ", "dim"),
                         str(entry.get("source") or "-"))
    origin = entry.get("origin")
    if isinstance(origin, dict) and origin.get("file"):
        where = f"{origin.get('file')}:{origin.get('line')}" if origin.get("line") else str(origin.get("file"))
        text.append(f"\nfrom {visible_controls(where)}", style="dim")  # its own line: a path is not split
    redacted = entry.get("redacted")
    if isinstance(redacted, list) and redacted:
        text.append(f"\nredacted by the caller itself: {', '.join(map(str, redacted))}", style="yellow")
    return text


def comparison_view(comparison: Comparison, old_label: str = "old", new_label: str = "new") -> RenderableType:
    """Two calls compared (see the module docstring); `old_label`/`new_label` name the sides (`then`, `now`)."""
    names = (f"#{comparison.old.get('n')} {old_label}".strip(), f"#{comparison.new.get('n')} {new_label}".strip())
    return ByWidth(lambda width: Group(
        _side_by_side(comparison, names) if width >= SIDE_BY_SIDE else _stacked(comparison, names, width),
        *_differences(comparison), _verdict(comparison)))


def _value(row: Row, value: Any, limit: int) -> str:
    if isinstance(value, Absent):
        return "-"
    if row.name == "error" and isinstance(value, dict):
        retry = "ok_to_retry" if value.get("ok_to_retry") else "not retriable"
        return visible_controls(f"{value.get('type')}: {value.get('message')} ({retry})")[:limit]
    if isinstance(value, list) and row.name in ("verdicts", "cloud IDs"):
        return "\n".join(visible_controls(str(item)) for item in value) or "none"
    if isinstance(value, str) and row.name != "result":
        return visible_controls(value)
    return visible_controls(preview(value, limit))


def _side_by_side(comparison: Comparison, names: tuple[str, str]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("", style="bold", no_wrap=True)
    table.add_column(names[0], overflow="fold", ratio=1)
    table.add_column(names[1], overflow="fold", ratio=1)
    table.add_column("", no_wrap=True)
    for row in comparison.rows:
        old, new = _value(row, row.old, 300), _value(row, row.new, 300)
        if not row.compared:
            table.add_row(Text(row.name, style="dim"), Text(old, style="dim"), Text(new, style="dim"),
                          Text("ignored", style="dim italic"))
        elif row.same:
            table.add_row(row.name, old, new, "")
        else:
            table.add_row(row.name, Text(old, style="red"), Text(new, style="bold green"), Text("≠", style="bold red"))
    return table


def _stacked(comparison: Comparison, names: tuple[str, str], width: int) -> Table:
    """One value above the other: a row that is the same (or ignored) is one line, a row that differs names it,
    then the old value and the new, each on its own line; long values fold inside their column."""
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    room = max(width - 24, 20) * 4
    for row in comparison.rows:
        new = _value(row, row.new, room)
        if not row.compared:
            old = _value(row, row.old, room)
            then = "" if old == new else f"; {names[0]}: {old}"
            table.add_row(Text(row.name, style="dim"), "", Text.assemble((new, "dim"), (f"   (ignored{then})",
                                                                                         "dim italic")))
        elif row.same:
            table.add_row(Text(row.name, style="bold"), "", new)
        else:
            table.add_row(Text.assemble((row.name, "bold"), " ", ("≠", "bold red")), "", "")
            table.add_row("", Text(names[0], style="dim"), Text(_value(row, row.old, room), style="red"))
            table.add_row("", Text(names[1], style="dim"), Text(new, style="bold green"))
    return table


def _differences(comparison: Comparison) -> list[Text]:
    inside = [d for d in comparison.differences if d.field == "result" and d.path]
    if not inside:
        return []
    lines = [Text("the results differ at:", style="bold")]
    for difference in inside:
        lines.append(Text.assemble(f"  {visible_controls(difference.path)}: ",
                                   (visible_controls(preview(_plain(difference.old), 60)), "red"), " → ",
                                   (visible_controls(preview(_plain(difference.new), 60)), "bold green")))
    if comparison.more:
        lines.append(Text(f"  … {comparison.more} more (-o json lists the first ones too)", style="dim"))
    return lines


def _plain(value: Any) -> Any:
    return "(none)" if isinstance(value, Absent) else value


def _verdict(comparison: Comparison) -> Text:
    ignored = "durations" if comparison.exact else "cloud IDs, request IDs, time stamps and durations"
    if comparison.equal:
        return Text.assemble(("✔ the same", "bold green"), (f" ({ignored} aside)", "dim"))
    return Text.assemble(("≠ they differ in ", "bold red"), (", ".join(comparison.differing), "bold"),
                         (f" ({ignored} aside)", "dim"))
