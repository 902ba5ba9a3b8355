"""The recorder shim's second half: judge one exchange the way cpictl judges its own calls, mask it, append it.

It runs in the shim's background child (`shim._hand_off`), after the caller has its answer, so here — and only
here — the shim may import what it likes: the entry is made by `exchanges.entry_from_exchange` (decoding, the
contract check, both callers' verdicts, masking) and appended by `TraceFile` under its lock, so concurrent calls
neither interleave nor share a number.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from cpictl.traces.passthrough import Exchange

#: Variables create-env adds to its own environment for a CPI (contract §1); the director passes none of them.
CREATE_ENV_VARIABLES = ("BOSH_PACKAGES_DIR", "BOSH_JOBS_DIR")


def record(exchange: Exchange, config: dict[str, Any], *, shim: str) -> int:
    """Append the entry of `exchange`, a call of `config["cpi"]` through `shim`; its number."""
    if "site" not in sys.modules:  # the shim starts without site-packages (faster); cpictl's libraries live there
        import site

        site.main()
    from cpictl.traces.exchanges import entry_from_exchange
    from cpictl.traces.trace_file import TraceFile

    assert exchange.stdin is not None and exchange.stdout is not None and exchange.stderr is not None
    code = os.waitstatus_to_exitcode(exchange.status)
    entry = entry_from_exchange(exchange.stdin.bytes(), exchange.stdout.bytes(), exchange.stderr.bytes(),
                                exit_code=code if code >= 0 else None, signal=-code if code < 0 else None,
                                duration_s=round(exchange.duration_s, 6), caller=caller(config),
                                argv=[config["cpi"], *sys.argv[1:]], source="recorder",
                                origin=origin(exchange, shim))
    return TraceFile(config["trace"]).append(entry)


def caller(config: dict[str, Any]) -> str:
    """Who ran the shim: as installed, or told by the environment (create-env adds its own variables)."""
    given = config.get("as", "auto")
    if given != "auto":
        return str(given)
    return "create-env" if any(name in os.environ for name in CREATE_ENV_VARIABLES) else "director"


def origin(exchange: Exchange, shim: str) -> dict[str, Any]:
    """Where the entry was made, and what of the exchange it lacks (streams cut to their kept part)."""
    found: dict[str, Any] = {"recorder": shim, "pid": exchange.pid}
    cut = {name: {"bytes": kept.total, "kept": len(kept.bytes())}
           for name, kept in (("stdin", exchange.stdin), ("stdout", exchange.stdout), ("stderr", exchange.stderr))
           if kept is not None and kept.cut}
    if cut:
        found["cut"] = cut
    if exchange.problems:
        found["problems"] = list(exchange.problems)
    return found
