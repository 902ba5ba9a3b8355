"""Legal quirks of real CPIs: what a check notes as a warning, never as a failure.

The contract check already grades results the callers ignore (an integer from detach_disk, `""` from reboot_vm, a
list from delete_disk: `result.unexpected-value`, a warning because both callers cope). Two more quirks are not
contract violations at all, and `cpictl check` says them so a CPI author sees them, without failing anything:

- a backtrace inside an error message (Ruby's `…/cloud.rb:42:in 'delete_vm'`, Go's `…/vm.go:88`): both callers
  show the message as it is, to the operator;
- an empty `log` with everything on stderr: the director keeps stderr in the task's CPI log as it arrives, and
  create-env in its debug log, so nothing is lost.
"""

from __future__ import annotations

import re

from cpictl.session import CallOutcome

_BACKTRACE = re.compile(r"(?m)^\s*(?:from\s+)?\S+\.(?:rb|go|py):\d+(?::in\b|\b)")


def quirks(outcome: CallOutcome | None) -> list[str]:
    """The quirks of one call's answer, as warnings."""
    if outcome is None or outcome.decoded is None or outcome.response is None:
        return []
    found = []
    error = outcome.decoded.error
    if error is not None and _BACKTRACE.search(error.message or ""):
        found.append("quirk: the error message carries a backtrace; both callers show it to the operator as it is")
    stderr = outcome.run.stderr_tail if outcome.run is not None else b""
    if outcome.response.get("log") == "" and stderr.strip():
        found.append("quirk: the log is empty and the CPI wrote on stderr; the director keeps stderr in the task's "
                     "CPI log, create-env in its debug log")
    return found
