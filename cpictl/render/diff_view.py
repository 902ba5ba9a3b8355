"""`cpictl diff`: two runs of the same steps, side by side, read at a glance at 80 columns.

Layout: a line per side (its letter, what sets it apart, its target and session); then one line per step — a step
that is the same on both sides is one dim line (`= boot a VM (create_vm)  ok`), a step that differs is a bold
`≠` line followed by only the fields that differ, each as `field  A's value  B's value` in two equal columns that
take what the width leaves (31 cells each at 80 columns); long values fold inside their column, and a value past
four lines of it is cut with `…` (`-o json` has it whole). Values are the compared ones: cloud IDs, request IDs,
time stamps and the addresses the CPI chose read `<vm cid>`, `<request_id>`, `<time>`, `<ip>`. Then the verdict
line, and what is left behind in each side's session with the commands for it. CPI text passes through
`visible_controls` (`styled`) before layout, as in every other view.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.diff.ignored import IGNORED
from cpictl.diff.sides import SideRun, SideStep
from cpictl.diff.steps import Diff, StepDiff
from cpictl.render.fit import ByWidth, fold_at_breaks
from cpictl.render.terminal_text import one_line, visible_controls
from cpictl.render.values import flow_pieces, scalar_text, styled
from cpictl.traces.compare import Absent, Difference

INDENT = 4
FIELD_WIDTH = (8, 14)  # the field column: at least, at most (a longer path folds at its dots)
#: Differences shown per step; the rest are counted (`-o json` lists them).
SHOWN_PER_STEP = 8
#: Steps the summary line names; the rest are counted.
SUMMARY_NAMES = 5


def diff_view(diff: Diff, title: str) -> RenderableType:
    """The whole comparison (see the module docstring); `title` says what ran (`recipes/walkthrough.yml`)."""
    return ByWidth(lambda width: Group(*_sides(diff, title), *_steps(diff, width), verdict_line(diff)))


def _sides(diff: Diff, title: str) -> list[Text]:
    """What ran, and a line per side: what sets it apart, its target when the two differ, and its session."""
    displays = [run.side.target.display for run in (diff.a, diff.b)]
    same = displays[0] == displays[1]
    lines = [Text.assemble(("diff ", "bold"), visible_controls(title),
                           (f" · {visible_controls(displays[0])}" if same else "", "dim"))]
    for run in (diff.a, diff.b):
        side = run.side
        target = "" if same else f" · {visible_controls(side.target.display)}"
        lines.append(Text.assemble((f"{side.letter}  ", "bold"), (visible_controls(side.label), "bold"),
                                   (f"{target} · session {visible_controls(side.session)}", "dim")))
    return lines


def _steps(diff: Diff, width: int) -> list[RenderableType]:
    labels = [_label(d) for step in diff.differing for d in step.comparison.differences[:SHOWN_PER_STEP]]
    fitting = [cell_len(label) for label in labels if cell_len(label) <= FIELD_WIDTH[1]]
    field_width = max([FIELD_WIDTH[0], *fitting])  # a longer label gets a line of its own
    column = max((width - INDENT - field_width - 2) // 2, 10)
    shown: list[RenderableType] = [_heading(diff, field_width, column)]
    in_finally = False
    steps = _worth_showing(diff)
    for step in steps:
        if step.phase == "finally" and not in_finally:
            in_finally = True
            shown.append(Text("finally", style="dim"))
        shown.append(_step_line(step))
        if not step.equal:
            shown.append(_fields(step, field_width, column))
    if len(steps) < len(diff.steps):
        rest = len(diff.steps) - len(steps)
        shown.append(Text(f"… {rest} more step{'s' if rest != 1 else ''} not shown: "
                          f"{' and '.join(run.side.letter for run in diff.unusable)} could not be compared (-o json "
                          "has every step)", style="dim"))
    return shown


def _worth_showing(diff: Diff) -> list[StepDiff]:
    """Every step; but when a side could not be compared, only those up to the first that went wrong there: the
    rest would only repeat that it did."""
    if not diff.unusable:
        return diff.steps
    letters = {run.side.letter for run in diff.unusable}
    for position, step in enumerate(diff.steps):
        broken = [side for letter, side in (("A", step.a), ("B", step.b)) if letter in letters]
        if any(side is None or side.entry is not None or side.status not in ("passed", None)
               for side in broken):
            return diff.steps[: position + 1]
    return diff.steps


def _heading(diff: Diff, field_width: int, column: int) -> Table:
    table = _table(field_width, column)
    table.add_row("", "", *(Text(f"{run.side.letter} {visible_controls(run.side.label)}", style="bold underline",
                             overflow="ellipsis", no_wrap=True) for run in (diff.a, diff.b)))
    return table


def _table(field_width: int, column: int) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 0), expand=False)
    table.add_column(width=INDENT - 1)
    table.add_column(width=field_width, overflow="fold")
    table.add_column(width=column, overflow="fold")
    table.add_column(width=column, overflow="fold")
    return table


def _step_line(step: StepDiff) -> Text:
    name = one_line(step.name)
    what = name if name == step.method else f"{name} ({one_line(step.method)})"
    if step.equal:
        return Text.assemble(("=  ", "dim"), (what, "dim"), (f"  {_alike(step.a)}", "dim"))
    return Text.assemble(("≠  ", "bold red"), (what, "bold"))


def _alike(step: SideStep | None) -> str:
    """How a step that is the same on both sides went, in a word or two."""
    if step is None:
        return "-"
    if step.status not in (None, "passed") or step.entry is None:
        return step.status or "not sent"
    from cpictl.render.trace_view import outcome_word

    return outcome_word(step.entry)


def _fields(step: StepDiff, field_width: int, column: int) -> Group:
    """The fields that differ, one row each; a field (a path inside the result) too long for its column gets a
    line of its own above its values, so the values keep their columns."""
    parts: list[RenderableType] = []
    table = _table(field_width, column)
    differences = step.comparison.differences
    for difference in differences[:SHOWN_PER_STEP]:
        label = _label(difference)
        values = (_value(difference.field, difference.old, column), _value(difference.field, difference.new, column))
        if cell_len(label) <= field_width:
            table.add_row("", Text(label, style="bold"), *values)
            continue
        if table.row_count:
            parts.append(table)
        parts.append(Text(" " * INDENT + fold_at_breaks(label, max(column * 2, 20)), style="bold"))
        table = _table(field_width, column)
        table.add_row("", "", *values)
    more = len(differences) - SHOWN_PER_STEP + step.comparison.more
    if more > 0:
        table.add_row("", "", Text(f"… {more} more (-o json lists them)", style="dim"), "")
    if table.row_count:
        parts.append(table)
    return Group(*parts)


def _label(difference: Difference) -> str:
    path = visible_controls(difference.path)
    if not path:
        return difference.field
    return f"{difference.field}{path}" if path.startswith("[") else f"{difference.field}.{path}"


def _value(field: str, value: Any, column: int) -> Text:
    """One side's value of a field, folded into its column and cut past four lines of it."""
    if isinstance(value, Absent):
        return Text("-", style="dim")
    if field == "error" and isinstance(value, dict):
        retry = "ok_to_retry" if value.get("ok_to_retry") else "not retriable"
        return _cut(f"{value.get('type')}: {value.get('message')} ({retry})", column)
    if field in ("verdicts", "cloud IDs") and isinstance(value, list):
        joiner = "\n" if field == "verdicts" else " "
        return _cut(joiner.join(str(item) for item in value) or "none", column)
    if isinstance(value, str) and field != "result":
        return _cut(value, column)
    if isinstance(value, (dict, list)):
        text = styled(*flow_pieces(value, budget=column * 4))
    else:
        text = scalar_text(value)
        if cell_len(text.plain) > column * 4:
            text.truncate(column * 4 - 1)
            text.append("…", style="dim")
    text.overflow = "fold"
    return text


def _cut(text: str, column: int) -> Text:
    limit = column * 4
    shown = visible_controls(text)
    return Text(shown if len(shown) <= limit else shown[: limit - 1] + "…", overflow="fold")


def verdict_line(diff: Diff) -> Text:
    """The summary: the same, or which steps differ; with what was left aside, and a side that could not be
    compared first of all."""
    aside = "durations" if diff.exact else _words(list(IGNORED))
    count = len(diff.steps)
    lines: list[Text] = []
    for run in diff.unusable:
        lines.append(Text.assemble((f"⚠ {run.side.letter} could not be compared: ", "bold red"),
                                   visible_controls(run.unusable or "")))
    if diff.equal:
        lines.append(Text.assemble(("✔ the same", "bold green"),
                                   f": {count} step{'s' if count != 1 else ''}", (f" ({aside} aside)", "dim")))
    elif not diff.unusable:
        names = ", ".join(one_line(step.name) for step in diff.differing[:SUMMARY_NAMES])
        if len(diff.differing) > SUMMARY_NAMES:
            names += f" and {len(diff.differing) - SUMMARY_NAMES} more"
        verb = "differs" if len(diff.differing) == 1 else "differ"
        lines.append(Text.assemble((f"≠ {len(diff.differing)} of {count} step{'s' if count != 1 else ''} {verb}",
                                    "bold red"), f": {names}", (f" ({aside} aside)", "dim")))
    return Text("\n").join(lines)


def _words(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def leftover_lines(runs: list[SideRun]) -> list[Text]:
    """What the sides' sessions still hold of this diff, with the commands for it; none when nothing."""
    lines: list[Text] = []
    for run in runs:
        option = f" {run.side.session_option}" if run.side.session_option else ""
        if run.leftovers:
            ids = ", ".join(f"{kind} {one_line(cid)}" for kind, cid in run.leftovers)
            lines.append(Text.assemble((f"left behind by {run.side.letter}: ", "bold yellow"), ids,
                                       f" — `cpictl ids{option}` lists them, `cpictl cleanup{option}` deletes them"))
        if run.maybe:
            lines.append(Text.assemble((f"{run.side.letter} may have created something it did not name: ",
                                        "bold yellow"), visible_controls(", ".join(run.maybe)),
                                       f" — `cpictl ids{option}` lists the calls; look in the cloud, then "
                                       f"`cpictl ids forget CALL{option}`"))
    return lines


def cleanup_line(runs: list[SideRun]) -> Text | None:
    """One dim line when the sessions hold nothing of this diff (and how much the cleanup deleted); None else."""
    if any(run.leftovers or run.maybe for run in runs):
        return None
    cleaned = sum(1 for run in runs for row in run.cleaned if row.outcome in ("deleted", "already gone"))
    tail = f" (the cleanup deleted {cleaned} ID{'s' if cleaned != 1 else ''} the steps had left)" if cleaned else ""
    return Text(f"nothing left behind{tail}", style="dim")
