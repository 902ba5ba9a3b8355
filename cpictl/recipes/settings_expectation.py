"""`expect.settings: clean`: the agent-settings check of one create_vm, attach_disk or detach_disk, for a step.

The rules are `cpictl metadata show`'s (`cpictl.metadata.report_after_call`): what the CPI wrote for the VM —
user-metadata, the registry entry — against what the request asked for. A step judged as one caller may pass with
verdicts only the other caller breaks on; the settings it wrote are checked all the same (the report is made from
a copy of the outcome without those verdicts, which would otherwise stop the report). Where cpictl cannot see the
settings (a real cloud's user-data), the step is skipped with the reason `cpictl call` would show.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cpictl.session import CallOutcome, Target

NOT_VISIBLE = "cpictl cannot see the agent settings this CPI wrote for the VM"


def settings_verdict(outcome: CallOutcome, target: Target, store: Any) -> tuple[list[str], str | None]:
    """(the mistakes, as `code: message`; why the settings cannot be seen, or None when they can)."""
    from cpictl.metadata import not_visible_after_call, report_after_call

    if outcome.failure is None and outcome.journal_error is None and outcome.status == "misbehaved":
        outcome = dataclasses.replace(outcome, violations=[v for v in outcome.violations if v.severity != "error"])
    report = report_after_call(outcome, target, store)
    if report is None:
        return [], not_visible_after_call(outcome, target) or NOT_VISIBLE
    return [f"{mistake.code}: {mistake.message}" for mistake in report.mistakes], None
