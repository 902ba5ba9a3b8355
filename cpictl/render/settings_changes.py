"""What changed in a VM's agent settings since they were last shown, in one line.

A recipe run shows a VM's settings panel once, after its create_vm; after each later attach_disk or detach_disk
it shows only what the CPI changed: `settings of vm-…: + disks.persistent.disk-1 /dev/sdc`. The documents are
compared leaf by leaf (`disks.persistent.disk-1.path`); an empty object or array is no leaf, so `{}` becoming
`{disk-1: …}` reads as one addition, not a removal and an addition. Both documents come masked: a secret is
never shown, and a changed secret shows as a change of `<redacted>` only if its mask changed.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text

from cpictl.render.terminal_text import one_line, visible_controls

#: A value longer than this is cut in the line (the panel of `cpictl metadata show` has it whole).
VALUE_CHARS = 60


def leaves(document: Any, prefix: str = "") -> dict[str, Any]:
    """`{path: value}` for every leaf of a JSON document; a path joins object keys with `.` and array positions
    as `[i]`."""
    if isinstance(document, dict):
        found: dict[str, Any] = {}
        for key, value in document.items():
            found.update(leaves(value, f"{prefix}.{key}" if prefix else str(key)))
        return found
    if isinstance(document, list):
        found = {}
        for index, value in enumerate(document):
            found.update(leaves(value, f"{prefix}[{index}]"))
        return found
    return {prefix: document}


def settings_changes(before: Any, after: Any) -> list[tuple[str, str, Any]]:
    """`(sign, path, value)`: `+` a leaf that is new, `-` one that is gone, `~` one whose value changed (then the
    value is `(old, new)`), in the order of the document after (the gone ones last)."""
    old, new = leaves(before), leaves(after)
    changes: list[tuple[str, str, Any]] = []
    for path, value in new.items():
        if path not in old:
            changes.append(("+", path, value))
        elif old[path] != value or type(old[path]) is not type(value):
            changes.append(("~", path, (old[path], value)))
    changes += [("-", path, value) for path, value in old.items() if path not in new]
    return changes


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = one_line(visible_controls(text))
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS - 1] + "…"


def changes_line(vm_cid: str, changes: list[tuple[str, str, Any]]) -> Text:
    """`settings of vm-1: + disks.persistent.disk-1 /dev/sdc; - env.x 1; ~ ntp[0] a → b`."""
    line = Text.assemble(("settings of ", "dim"), (one_line(visible_controls(vm_cid)), "bold"), (":", "dim"))
    styles = {"+": "green", "-": "red", "~": "yellow"}
    for position, (sign, path, value) in enumerate(changes):
        line.append(";" if position else "", style="dim").append(f" {sign} ", style=styles[sign])
        line.append(one_line(visible_controls(path)), style="bold")
        shown = f"{_shown(value[0])} → {_shown(value[1])}" if sign == "~" else _shown(value)
        line.append(f" {shown}")
    return line
