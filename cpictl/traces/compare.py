"""Comparing two calls — an entry and its replay, or any two entries — as a CPI author reads them.

Compared: the outcome (ok, CPI error, misbehaved, not sent), how the process ended (exit code or signal), the
result, the error (type, message, ok_to_retry) and the verdicts (each violation's code and what the director
and create-env do about it; a verdict's wording is not compared, since it quotes the answer).

Ignored, because a second run cannot repeat them: cloud IDs (those the calls created, and those their arguments
name, wherever they appear in a result or message, become `<vm cid>` …), request IDs (`cpi-NNNNNN`) and time
stamps inside results and messages, and durations. `exact` compares cloud IDs, request IDs and time stamps too;
durations are shown, never compared (no two runs take the same microseconds). Logs and stderr are shown by
`trace show`, never compared: they are full of times and IDs.

Both sides are entry-shaped documents (`call -o json` with `n` and `time`), masked alike, so a masked value
never reads as a difference.

`placeholders` lets a caller that knows more than the two entries name more such values: `cpictl diff` passes the
cloud IDs every step of a run made (a `get_disks` answer names a disk another step created) and the addresses the
CPI chose (`<ip>`). They are replaced only where they stand alone, never inside a longer word or number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cpictl.traces.reading import entry_changes, entry_status, request_of

_REQUEST_ID = re.compile(r"\bcpi-\d{6}\b")
_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
STATUS_WORDS = {"ok": "ok", "cpi-error": "CPI error", "misbehaved": "misbehaved", "not-sent": "not sent"}
#: How many differing places inside a result are listed; the rest are counted.
MAX_DIFFERENCES = 40


class Absent:
    """No such value on this side (no result: the call failed; a key only the other side has)."""

    def __repr__(self) -> str:
        return "-"


ABSENT = Absent()


@dataclass
class Row:
    """One line of the comparison: a field, its two values (as shown) and whether they count as the same."""

    name: str
    old: Any
    new: Any
    same: bool
    compared: bool = True


@dataclass
class Difference:
    """A place where the two differ: `path` inside the field (`[1].default.ip`; empty for the whole field)."""

    field: str
    path: str
    old: Any
    new: Any


@dataclass
class Comparison:
    old: dict[str, Any]  # the entries' headers: n, time, method, target
    new: dict[str, Any]
    rows: list[Row]
    differences: list[Difference] = field(default_factory=list)
    more: int = 0  # differences past MAX_DIFFERENCES
    exact: bool = False

    @property
    def equal(self) -> bool:
        return all(row.same for row in self.rows if row.compared)

    @property
    def differing(self) -> list[str]:
        return [row.name for row in self.rows if row.compared and not row.same]

    def as_dict(self) -> dict[str, Any]:
        return {"equal": self.equal, "exact": self.exact, "old": self.old, "new": self.new,
                "differs_in": self.differing,
                "fields": [{"field": row.name, "old": _plain(row.old), "new": _plain(row.new), "same": row.same,
                            "compared": row.compared} for row in self.rows],
                "differences": [{"field": d.field, "path": d.path, "old": _plain(d.old), "new": _plain(d.new)}
                                for d in self.differences], "more_differences": self.more}


def _plain(value: Any) -> Any:
    return None if isinstance(value, Absent) else value


def header(entry: dict[str, Any]) -> dict[str, Any]:
    from cpictl.traces.reading import target_word

    return {"n": entry.get("n"), "time": entry.get("time"), "method": request_of(entry)[0],
            "target": target_word(entry), "source": entry.get("source")}


def compare_entries(old: dict[str, Any], new: dict[str, Any], *, exact: bool = False,
                    placeholders: Mapping[str, str] | None = None) -> Comparison:
    """The comparison of two entries (see the module docstring for what counts); `placeholders`: more values to
    ignore, each with what it reads as (`{"10.254.0.7": "<ip>"}`)."""
    normal = (lambda value: value) if exact else _normaliser(old, new, placeholders=placeholders or {})
    sides = [_facts(entry) for entry in (old, new)]
    rows: list[Row] = []
    differences: list[Difference] = []
    for name in ("outcome", "exit", "result", "error", "verdicts"):
        before, after = sides[0][name], sides[1][name]
        norm_before, norm_after = normal(before), normal(after)
        same = _same(norm_before, norm_after)
        rows.append(Row(name, before, after, same))
        if not same:
            if name == "result" and not isinstance(before, Absent) and not isinstance(after, Absent):
                _walk(norm_before, norm_after, "", differences)
            else:
                differences.append(Difference(name, "", norm_before, norm_after))
    for name in ("request_id", "cloud IDs", "duration"):
        before, after = sides[0][name], sides[1][name]
        rows.append(Row(name, before, after, before == after, compared=exact and name != "duration"))
    shown, more = differences[:MAX_DIFFERENCES], max(0, len(differences) - MAX_DIFFERENCES)
    return Comparison(header(old), header(new), rows, shown, more, exact)


def _same(a: Any, b: Any) -> bool:
    # JSON text, not ==: 1 == 1.0 == True in Python, and a CPI answering `true` where it answered `1` differs
    return json.dumps(_plain(a), sort_keys=True, default=str) == json.dumps(_plain(b), sort_keys=True, default=str) \
        and isinstance(a, Absent) == isinstance(b, Absent)


def _facts(entry: dict[str, Any]) -> dict[str, Any]:
    """The compared and shown fields of one entry."""
    response = entry.get("response") if isinstance(entry.get("response"), dict) else None
    error = response.get("error") if response is not None else None
    exit_code, signal = entry.get("exit_code"), entry.get("signal")
    changes = entry_changes(entry)
    ids = [f"+{kind} {cid}" for kind, cid in changes.created] + [f"-{kind} {cid}" for kind, cid in changes.deleted]
    duration = entry.get("duration_s")
    violations = [v for v in entry.get("violations") or [] if isinstance(v, dict)]
    return {
        "outcome": STATUS_WORDS.get(entry_status(entry), entry_status(entry)),
        "exit": f"signal {signal}" if signal is not None else f"exit {exit_code}" if exit_code is not None
        else "did not run",
        "result": response.get("result") if response is not None and error is None and "result" in response
        else ABSENT,
        "error": {key: error.get(key) for key in ("type", "message", "ok_to_retry")} if isinstance(error, dict)
        else ABSENT,
        "verdicts": sorted(f"{v.get('code')}: director {_does(v.get('director'))}, create-env "
                           f"{_does(v.get('create_env'))}" for v in violations),
        "request_id": request_of(entry)[2].get("request_id", ABSENT),
        "cloud IDs": ids,
        "duration": f"{duration * 1000:.0f} ms" if isinstance(duration, (int, float)) else ABSENT,
    }


def _does(reaction: Any) -> str:
    return str(reaction.get("does")) if isinstance(reaction, dict) else "-"


def _normaliser(*entries: dict[str, Any], placeholders: Mapping[str, str]) -> Callable[[Any], Any]:
    """Replaces the things a second run cannot repeat (see the module docstring) inside any value."""
    names: dict[str, str] = {}
    for entry in entries:
        for cid, kind in _cloud_ids(entry):
            if len(cid) >= 3:  # a one- or two-character ID would blank out ordinary text
                names.setdefault(cid, f"<{kind} cid>")
    ids = re.compile("|".join(re.escape(cid) for cid in sorted(names, key=len, reverse=True))) if names else None
    known = {value: shown for value, shown in placeholders.items() if len(value) >= 3 and value not in names}
    pattern = "|".join(re.escape(value) for value in sorted(known, key=len, reverse=True))
    # standing alone: a known 10.254.0.2 must not turn 10.254.0.25 into `<ip>5`
    alone = re.compile(rf"(?<![0-9A-Za-z])(?:{pattern})(?![0-9A-Za-z])") if known else None

    def text(value: str) -> str:
        if ids is not None:
            value = ids.sub(lambda match: names[match.group()], value)
        if alone is not None:
            value = alone.sub(lambda match: known[match.group()], value)
        return _TIMESTAMP.sub("<time>", _REQUEST_ID.sub("<request_id>", value))

    def normal(value: Any) -> Any:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, list):
            return [normal(item) for item in value]
        if isinstance(value, dict):
            return {text(str(key)): normal(item) for key, item in value.items()}
        return value

    return normal


def _cloud_ids(entry: dict[str, Any]) -> list[tuple[str, str]]:
    """(cid, kind) of every cloud ID the call named in its arguments or created."""
    from cpictl.protocol.catalogue import get_method

    method, arguments, _, api_version = request_of(entry)
    found = [(cid, str(kind)) for kind, cid in entry_changes(entry).created]
    spec = get_method(method)
    if spec is not None:
        params = spec.params_for(api_version if isinstance(api_version, int) else None)
        for param, value in zip(params, arguments, strict=False):
            if param.kind is not None and isinstance(value, str):
                found.append((value, str(param.kind)))
            elif param.item_kind is not None and isinstance(value, list):
                found += [(item, str(param.item_kind)) for item in value if isinstance(item, str)]
    return found


def _walk(old: Any, new: Any, path: str, found: list[Difference]) -> None:
    """The places inside two (normalised) results where they differ, deepest first reached."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            where = f"{path}.{key}" if path else str(key)
            _walk(old.get(key, ABSENT), new.get(key, ABSENT), where, found)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            _walk(old[index] if index < len(old) else ABSENT, new[index] if index < len(new) else ABSENT,
                  f"{path}[{index}]", found)
    elif not _same(old, new):
        found.append(Difference("result", path, old, new))
