"""What two runs of the same steps cannot repeat, beyond what the comparison of one pair of calls already knows
(`cpictl.traces.compare`: the calls' own cloud IDs, request IDs, time stamps, durations).

- Every cloud ID a step of either run created or deleted, wherever it reappears: `get_disks` answers with a disk an
  earlier step made, an error message names a VM of the step before.
- The addresses the CPI chose: an IP or MAC address, standing as a whole value in an answer, that the call's
  request did not name — a dynamic network's IP (DHCP), a generated MAC. An address the request named (a manual
  network's `ip`) is the caller's; a CPI that answers another one differs, and the diff says so. Once chosen, an
  address is ignored wherever it reappears (a later step that sends the VM's IP as metadata).

Each becomes what it reads as in the comparison: `<vm cid>`, `<ip>`, `<mac>`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from typing import Any

from cpictl.traces.reading import entry_changes, request_of

_MAC = re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}")
#: What `cpictl diff` leaves aside unless `--exact`, in the words its summary line and `--help` use.
IGNORED = ("cloud IDs", "request IDs", "time stamps", "durations", "addresses the CPI chose")


def placeholders(entries: Iterable[dict[str, Any]]) -> dict[str, str]:
    """{value: what it reads as} for every cloud ID and chosen address of these entries (both runs' calls)."""
    calls = list(entries)
    found: dict[str, str] = {}
    for entry in calls:
        changes = entry_changes(entry)
        for kind, cid in [*changes.created, *changes.deleted]:
            found.setdefault(cid, f"<{kind} cid>")
    for entry in calls:
        named = set(_strings(request_of(entry)[1]))
        response = entry.get("response")
        if not isinstance(response, dict):
            continue
        for text in _strings(response.get("result")):
            kind = address_kind(text)
            if kind is not None and text not in named:
                found.setdefault(text, f"<{kind}>")
    return found


def address_kind(text: str) -> str | None:
    """`ip` for an IPv4 or IPv6 address, `mac` for a MAC address, else None."""
    if _MAC.fullmatch(text):
        return "mac"
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return None
    return "ip"


def _strings(value: Any) -> Iterator[str]:
    """Every string value inside `value` (not the keys: a network's name is not an address)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
