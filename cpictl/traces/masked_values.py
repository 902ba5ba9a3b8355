"""Values a log or a trace holds only as `"<redacted>"`, put back from what the user gives before a call is sent
again: a masked value is never sent as the string "<redacted>".

Paths are written as `redacted_paths` writes them — `arguments[2].instance_type`, `arguments[5].bosh.password`,
`context.secret_access_key` — and `arguments.2.instance_type` is read the same.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from cpictl.protocol.redaction import MASK

_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


class PathError(ValueError):
    """A path that is not of the form `arguments[2].password`."""


def path_steps(path: str) -> list[str | int]:
    """`arguments[2].bosh.password` → ["arguments", 2, "bosh", "password"]; PathError when it cannot be read."""
    steps: list[str | int] = []
    at = 0
    while at < len(path):
        match = _STEP.match(path, at)
        if match is None or match.end() == at:
            raise PathError(f"'{path}' is not a path like arguments[2].password")
        index, key = match.groups()
        steps.append(int(index) if index is not None else int(key) if key.isdigit() and steps else key)
        at = match.end()
    if not steps:
        raise PathError("an empty path")
    return steps


def canonical(path: str) -> str:
    """The path as `redacted_paths` writes it."""
    text = ""
    for step in path_steps(path):
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def fill_masked(document: Any, values: dict[str, Any]) -> tuple[Any, list[str]]:
    """A copy of `document` with the masked value at each path of `values` (canonical paths) replaced; and the
    paths of `values` that hold no masked value there (a typo, or a value that was never masked)."""
    filled = copy.deepcopy(document)
    strays = []
    for path, value in values.items():
        *parents, last = path_steps(path)
        holder = filled
        try:
            for step in parents:
                holder = holder[step]
            if holder[last] != MASK:
                raise KeyError(path)
            holder[last] = value
        except (KeyError, IndexError, TypeError):
            strays.append(path)
    return filled, strays
