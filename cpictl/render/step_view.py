"""A finished recipe step: one line, judged by the step's expectations, and — for a step that failed — the whole
story underneath.

The line is the one-line view of its call (`call_line`) with the step's name before the method and the verdict
of the step instead of the call's own: `✔ delete it again (delete_vm)  VMNotFound as expected`; `✔ clean up
(delete_vm)  error accepted (VMNotFound)` for an error `expect: {ok: any}` let through — a passed step, but not
a success, and it says so; `✖ the VM is gone (has_vm)  ok, but 1 expectation failed`. A step that never reached the CPI
(skipped, invalid, cut off by Ctrl-C) gets a line of the same shape with the reason in words.

A failed step expands beneath its line: where the recipe says what was wanted (file:line:column, the quoted line,
a caret) and then the call as `cpictl call` shows it (`render_call`), at the run's detail level. All of it is
masked with the secrets of the whole run: a secret one step sent may reappear in a later step's answer.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.text import Text

from cpictl.protocol.redaction import Redactor
from cpictl.recipes import StepRow
from cpictl.render.call_line import call_line
from cpictl.render.detail import NORMAL, Detail
from cpictl.render.fit import ByWidth
from cpictl.render.terminal_text import one_line, visible_controls
from cpictl.session import Target

#: Statuses whose step is expanded beneath its line.
EXPANDED = ("failed", "misbehaved", "invalid")
_MARKS = {"passed": ("✔", "bold green"), "failed": ("✖", "bold red"), "misbehaved": ("⚠", "bold red"),
          "invalid": ("✖", "red"), "skipped": ("↷", "dim"), "interrupted": ("■", "yellow")}


def short_type(error_type: str) -> str:
    """`Bosh::Clouds::VMNotFound` → `VMNotFound`: the line has no room for the namespace, the expansion has it."""
    return error_type.rsplit("::", 1)[-1]


def _verdict(row: StepRow, mask: Callable[[str], str]) -> tuple[str, str, Text] | None:
    """(mark, style, words) of a step that got an answer; None: the call's own (a CPI that misbehaved)."""
    outcome = row.outcome
    assert outcome is not None
    error = outcome.decoded.error if outcome.decoded is not None else None
    got = "ok" if error is None else short_type(mask(error.type))
    mark, style = _MARKS.get(row.status, ("?", ""))
    if row.status == "passed":
        if error is None:
            return mark, style, Text()  # ✔ says ok
        if row.accepted_error is not None:
            return mark, style, Text.assemble("error accepted (", (got, "bold"), ")")
        return mark, style, Text.assemble((got, "bold"), " as expected")
    if row.status == "failed":
        count = len(row.failures)
        what = "expectation" if all(not path or path[0] != "save" for path in row.failure_paths) else "check"
        return mark, style, Text.assemble((got, "bold"), (f", but {count} {what}{'' if count == 1 else 's'} "
                                                          "failed", style))
    if row.status == "interrupted":
        return mark, style, Text(row.reason or "interrupted", style=style)
    return None


def _label(row: StepRow) -> Text:
    text = Text()
    if row.name != row.method:  # as `call_line` writes it
        text.append(one_line(row.name), style="bold").append(f" ({row.method})", style="dim")
    else:
        text.append(row.method, style="bold")
    return text


def step_line(row: StepRow, mask: Callable[[str], str] = str, *, warnings: bool = True) -> Text:
    """The step in one line (module docstring), and its contract warnings beneath (`warnings=False`: the step's
    expansion lists them); never cut: a long name or cloud ID folds onto the next line."""
    if row.outcome is not None and row.status != "skipped":
        line = call_line(row.outcome, mask, label=row.name, judged=_verdict(row, mask), verdicts=False)
    else:
        mark, style = _MARKS.get(row.status, ("?", ""))
        reason = visible_controls(mask(row.reason or ""))
        if row.status == "skipped" and not reason.startswith("not run: "):  # ("skipped: not run: …" says it twice)
            reason = f"skipped: {reason}"
        words = f"invalid: {reason}" if row.status == "invalid" else reason
        line = Text.assemble((f"{mark} ", style), _label(row), "  ",
                             (words, "dim" if row.status == "skipped" else style))
    if row.attempts > 1:
        line.append(f"  {row.attempts} attempts", style="yellow")
    for warning in row.warnings if warnings else ():
        line.append(f"\n    warning: {visible_controls(mask(warning))}", style="yellow")
    line.overflow, line.no_wrap = "fold", False
    return line


def step_failure(row: StepRow, target: Target, detail: Detail = NORMAL,
                 secrets: Redactor | None = None) -> RenderableType:
    """Why the step failed, beneath its line: what the recipe wanted, at its line, then the call itself."""
    from cpictl.render.call_view import render_call
    from cpictl.render.recipe_view import quoted_recipe

    secrets = secrets or Redactor()
    if row.request is not None:
        secrets.request(row.request.as_dict())
    parts: list[RenderableType] = []
    problems = row.located_failures()
    if row.status == "misbehaved" and problems and row.outcome is not None:  # the call's view lists each verdict
        problems = [row.step.origin.problem("the CPI misbehaved (below)", "call")]
    for problem in problems:
        parts.append(Text(problem.location + ": " + visible_controls(secrets.text(problem.message)),
                          style="bold red"))
        if problem.source_lines and problem.line is not None:
            parts.append(ByWidth(lambda width, problem=problem: quoted_recipe(problem, width)))
    if row.outcome is not None:
        parts.append(render_call(row.outcome, target, in_sequence=True, detail=detail, redactor=secrets))
    return Panel(Group(*parts), title=Text(f"{one_line(row.name)}: {row.status}"), title_align="left",
                 border_style="red")
