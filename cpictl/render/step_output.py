"""What a recipe's finished or skipped step prints, at a detail level: the one place `cpictl run` and the REPL's
`:run` decide it (the CLI view and the REPL each keep only where it goes).

In order: a "finally" heading before the first finally step; the step's line (not at quiet, unless it failed);
a failed step expanded (what the recipe wanted, then the call); at verbose or `--print` the call itself; the
embedded registry's requests; the agent settings once per VM and then only what changed (`RunSettings`).
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.text import Text

from cpictl.protocol.redaction import Redactor
from cpictl.render.detail import NORMAL, Detail
from cpictl.render.run_settings import RunSettings


def step_output(row: Any, detail: Detail, target: Any, store: Any, secrets: Redactor, settings: RunSettings, *,
                registry: Any = None, registry_mark: int = 0,
                in_finally: bool = False) -> tuple[list[tuple[RenderableType, bool]], bool]:
    """The renderables for one finished or skipped step, each with whether to print it soft-wrapped off a terminal
    (a line that holds a cloud ID: no line break lands inside the ID in a CI log; on a terminal rich folds it
    between words instead, which keeps the ID whole where the terminal would cut it); and whether the
    "finally" heading has now been shown (`in_finally`: it had been before this step)."""
    from cpictl.render.step_view import EXPANDED, step_failure, step_line

    shown: list[tuple[RenderableType, bool]] = []
    failed = row.status in EXPANDED
    outcome = row.outcome if row.status != "skipped" else None
    if not detail.quiet or failed:
        if row.phase == "finally" and not in_finally and not detail.quiet:
            in_finally = True
            shown.append((Text("finally", style="dim"), False))
        shown.append((step_line(row, secrets.text, warnings=not failed), True))
    if failed:
        shown.append((step_failure(row, target, NORMAL if detail.quiet else detail, secrets), False))
    elif outcome is not None and not detail.quiet and (detail.verbose or detail.chosen is not None):
        from cpictl.render.call_view import render_call

        shown.append((render_call(outcome, target, in_sequence=True, detail=detail, redactor=secrets), False))
    if registry is not None and not detail.quiet:
        events = registry.events_since(registry_mark)
        if events:
            from cpictl.render.registry_view import render_registry_events

            shown.append((render_registry_events(events, registry.endpoint), False))
    every_time = detail.verbose or (detail.chosen is not None and "settings" in detail.chosen)
    if detail.chosen is None or every_time:
        for part in settings.after(outcome, target, store, every_time=every_time, quiet=detail.quiet):
            shown.append((part, isinstance(part, Text)))
    return shown, in_finally
