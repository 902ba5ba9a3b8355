"""Named targets as rich renderables: the list, one target's settings, and the doctor's findings.

Every text that comes from a config file or a CPI (names, paths, argv, messages) goes through `visible_controls`
and into `Text`, never into markup. Secrets are masked before these functions see a document (`target_cmd`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.render.terminal_text import visible_controls

_LEVEL_STYLE = {"ok": ("ok", "green"), "note": ("note", "cyan"), "skip": ("skip", "dim"), "warn": ("warn", "yellow"),
                "fail": ("FAIL", "bold red")}


def _text(value: Any, style: str = "") -> Text:
    return Text(visible_controls(str(value)), style=style)


def targets_table(rows: Sequence[dict[str, Any]]) -> RenderableType:
    """`cpictl target list`: one row per target, the default marked."""
    if not rows:
        return Text("no named targets: `cpictl target add NAME --cpi PATH` defines one", style="dim")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("", "name", "as", "cpi", "defined in"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(Text("*", style="bold") if row["default"] else "", _text(row["name"], "bold"),
                      _text(row["as"]), _text(" ".join(row["cpi"])),
                      _text(row["defined"] + (f" (hides {row['hides']})" if row.get("hides") else "")))
    note = Text("* the default target (`cpictl target use NAME`)", style="dim")
    return Group(table, note) if any(row["default"] for row in rows) else table


def target_settings(name: str, location: str, document_yaml: str) -> RenderableType:
    """`cpictl target show`: where the target is defined, then its settings as YAML (secrets masked)."""
    return Group(Text.assemble(_text(name, "bold"), _text(f"  ({location})", "dim")), _text(document_yaml.rstrip()))


def doctor_report(title: str, findings: Sequence[Any], verdict: str, worst: str) -> RenderableType:
    """One line per check (a long detail wraps under itself, the level and check column left clear), then the
    verdict."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for finding in findings:
        label, style = _LEVEL_STYLE.get(finding.level, (finding.level, ""))
        grid.add_row(Text(f"{label:<4}", style=style), _text(f"{finding.check} "), _text(finding.detail))
    style = {"fail": "bold red", "warn": "yellow"}.get(worst, "green")
    return Group(_text(title, "bold"), grid, Text.assemble(("verdict: ", "bold"), (verdict, style)))
