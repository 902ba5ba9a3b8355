"""Rendering a recipe run: one line per step as it finishes, the full context of a failure, and the summary table.

Failure text is masked with the secrets of the whole run when the caller has them (a secret one step sent can
reappear in a later step's expectation failure), and shown with terminal controls made visible. A quoted recipe
line never wraps: wrapped, its caret would sit under the wrong text; too wide, it is cropped around the caret.
"""

from __future__ import annotations

from collections.abc import Callable

from rich import box
from rich.cells import cell_len, get_character_cell_size
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from cpictl.protocol.redaction import Redactor
from cpictl.protocol.strict_json import strict_dumps
from cpictl.recipes import RecipeProblem, RunStarted, RunSummary, StepPlanned, StepRetrying, StepRow
from cpictl.render.call_view import target_line
from cpictl.render.fit import COLUMN_GAP, ByWidth, fold_at_breaks, share, widest
from cpictl.render.id_fit import MIN_KEPT, fit_id
from cpictl.render.terminal_text import one_line, visible_controls
from cpictl.render.values import value_renderable
from cpictl.session import Target

STATUS_MARK = {"passed": ("✔", "green"), "failed": ("✖", "bold red"), "misbehaved": ("⚠", "bold red"),
               "invalid": ("✖", "red"), "skipped": ("↷", "dim"), "interrupted": ("■", "yellow"),
               "planned": ("·", "cyan"), "stopped": ("■", "yellow")}


#: The statuses whose step line is followed by `failure_details`, which shows the step's warnings too.
DETAILED = ("failed", "misbehaved", "invalid")


def run_header(event: RunStarted, target: Target) -> RenderableType:
    title = Text.assemble(("recipe ", "dim"), (event.recipe.name, "bold"), (f"  {event.recipe.file}", "dim"))
    if event.dry_run:
        title.append("  (dry run: nothing is executed)", style="yellow")
    return Group(title, target_line(target))


def _id_lines(row: StepRow, fit: Callable[[str, str], str] | None = None) -> list[tuple[str, str]]:
    """`+kind cid` / `-kind cid`, with the style each is shown in; `fit(kind, cid)` may shorten the ID."""
    def shown(kind: str, cid: str) -> str:
        return fit(kind, one_line(cid)) if fit is not None else one_line(cid)

    return ([(f"+{kind} {shown(kind, cid)}", "green") for kind, cid in row.created]
            + [(f"-{kind} {shown(kind, cid)}", "red") for kind, cid in row.deleted])


def _ids_count(row: StepRow) -> list[tuple[str, str]]:
    """`+1 vm`, `-2 disk`: what a narrow summary shows instead of the IDs (the step lines carry them whole)."""
    parts: list[tuple[str, str]] = []
    for sign, pairs, style in (("+", row.created, "green"), ("-", row.deleted, "red")):
        kinds: dict[str, int] = {}
        for kind, _ in pairs:
            kinds[kind] = kinds.get(kind, 0) + 1
        parts += [(f"{sign}{count} {kind}", style) for kind, count in kinds.items()]
    return parts


def step_line(row: StepRow) -> Text:
    mark, style = STATUS_MARK.get(row.status, ("?", ""))
    line = Text.assemble((f"{mark} ", style), (row.name, "bold"), (f"  {row.method}", "dim"))
    if row.status not in ("skipped", "planned"):
        line.append(f"  {row.duration * 1000:.0f} ms", style="dim")
    if row.attempts > 1:
        line.append(f"  {row.attempts} attempts", style="yellow")
    if row.phase == "finally":
        line.append("  (finally)", style="dim")
    if row.status == "skipped" and row.reason:
        line.append(f"  skipped: {row.reason}", style="dim")
    for text, id_style in _id_lines(row):
        line.append("  ").append(text, style=id_style)
    if row.status not in DETAILED:  # a failed step's panel shows them, after what failed (a timeout first)
        for warning in row.warnings:
            line.append(f"\n    warning: {warning}", style="yellow")
    # a long name or cloud ID folds onto the next line, whatever the console's overflow: never cut, never `…`
    line.overflow = "fold"
    line.no_wrap = False
    return line


def retry_line(event: StepRetrying, secrets: Redactor | None = None) -> Text:
    reasons = "; ".join(event.reasons)
    if secrets is not None:
        reasons = secrets.text(reasons)
    return Text(f"  ↻ {event.step.name}: {visible_controls(reasons)[:200]} — retrying in {event.delay:g} s",
                style="yellow")


def failure_details(row: StepRow, secrets: Redactor | None = None) -> RenderableType:
    """Everything needed to understand a failed step: its YAML, the request, the response, stderr, expectations.
    `secrets` knows every request of the run so far; without it, this step's own secrets are hidden."""
    redactor = Redactor()
    request = redactor.request(row.request.as_dict()) if row.request is not None else None  # learns its secrets

    def hide(text: str) -> str:
        text = redactor.text(text)
        return secrets.text(text) if secrets is not None else text

    parts: list[RenderableType] = []
    for problem in row.located_failures():
        parts.append(Text(problem.location + ": " + visible_controls(hide(problem.message)), style="bold red"))
        if problem.source_lines and problem.line is not None:
            parts.append(ByWidth(lambda width, problem=problem: quoted_recipe(problem, width)))
    if request is not None:
        parts.append(Text("request", style="bold"))
        parts.append(Syntax(strict_dumps(request), "json", background_color="default", word_wrap=True))
    outcome = row.outcome
    if outcome is not None:
        response = outcome.response
        parts.append(Text("response", style="bold"))
        if response is None:
            parts.append(Text(outcome.failure or "no usable response", style="red"))
        else:
            shown = redactor.response(row.method, response) or {}
            if isinstance(shown.get("log"), str):
                shown["log"] = shown["log"][-2000:]
            parts.append(value_renderable(shown))
        for violation in redactor.violations(outcome.violations):
            parts.append(Text(f"{violation.severity}: {violation.code}: {violation.message} ({violation.verdict})",
                              style="red" if violation.severity == "error" else "yellow"))
        if outcome.run is not None and outcome.run.stderr_tail.strip():
            stderr = hide(outcome.run.stderr_tail.decode("utf-8", errors="replace"))
            parts.append(Text("stderr (tail)", style="bold"))
            parts.append(Text("\n".join(stderr.splitlines()[-15:]), style="dim"))
    return Panel(Group(*parts), title=f"{row.name} failed", title_align="left", border_style="red")


def quoted_recipe(problem: RecipeProblem, width: int) -> Text:
    """The recipe lines a problem quotes, with the caret under its token, in `width` cells and never wrapped:
    a line too wide is cropped to a window around the caret, `…` marking each side that was cut."""
    assert problem.line is not None
    gutter = len(str(problem.line + len(problem.source_lines) - 1))
    heads = [f"  {str(problem.line + offset).rjust(gutter)} | " for offset in range(len(problem.source_lines))]
    texts = [visible_controls(line.rstrip()).expandtabs() for line in problem.source_lines]
    padding, caret_width = problem.caret(visible_controls)
    start = cell_len(padding.expandtabs())
    room = width - cell_len(heads[0])
    offset = 0
    if room >= 8 and max(cell_len(text) for text in texts) > room:
        if start + caret_width > room - 1:  # the caret is beyond the right edge: show it a third of the way in
            offset = max(0, min(start - room // 3, start + caret_width - (room - 2)))
        texts = [_window(text, offset, room) for text in texts]
    caret = " " * (start - offset) + "^" * max(1, min(caret_width, room - (start - offset) - 1))
    lines = [heads[0] + texts[0], f"  {' ' * gutter} | {caret}",
             *(head + text for head, text in zip(heads[1:], texts[1:], strict=True))]
    return Text("\n".join(lines), style="yellow", no_wrap=True, overflow="crop")


def _window(text: str, offset: int, room: int) -> str:
    """The cells `offset`..`offset + room` of `text`, with `…` in the first and last cell where text was cut."""
    out: list[str] = []
    position = 0
    for char in text:
        size = get_character_cell_size(char)
        if position >= offset and position + size <= offset + room:
            out.append(char)
        elif position < offset < position + size or position < offset + room < position + size:
            out.append(" ")  # a wide character cut in two
        position += size
    shown = "".join(out)
    if offset > 0:
        shown = "…" + _drop_cells(shown, 1)
    if cell_len(text) > offset + room:
        shown = _keep_cells(shown, room - 1) + "…"
    return shown


def _drop_cells(text: str, cells: int) -> str:
    while cells > 0 and text:
        cells -= get_character_cell_size(text[0])
        text = text[1:]
    return " " * -cells + text  # a wide character dropped half-way leaves a blank


def _keep_cells(text: str, cells: int) -> str:
    while cell_len(text) > cells:
        text = text[:-1]
    return text


def planned_step(event: StepPlanned) -> RenderableType:
    step = event.step
    head = Text.assemble(("· ", "cyan"), (one_line(step.name), "bold"),
                         (f" ({step.method})" if step.name != step.method else "", "dim"))
    if event.skipped:
        head.append(f"  skipped: {event.skipped}", style="dim")
        return head
    parts: list[RenderableType] = [head]
    if event.request is not None:
        request = Redactor().request(event.request.as_dict())
        parts.append(Syntax(strict_dumps(request), "json", background_color="default", word_wrap=True))
    for ref in event.unresolved:
        parts.append(Text(f"    unresolved until run time: {ref}", style="dim"))
    for problem in event.problems:
        parts.append(Text(f"    problem: {problem}", style="red"))
    return Group(*parts)


def _outcome_word(row: StepRow) -> str:
    """The status, but `error accepted` for a step whose `expect: {ok: any}` let an error through: it passed, and
    it did not succeed."""
    return "error accepted" if row.accepted_error is not None else row.status


def leftovers_line(summary: RunSummary, session_option: str = "") -> str | None:
    """"left behind: vm vm-1, disk d-2 — `cpictl ids` lists them, `cpictl cleanup` deletes them", or None when the
    run left nothing. The commands carry the run's session (`session_option`: `--session NAME` or `--state FILE`,
    shell-quoted): bare, they would list and delete the default session's IDs instead."""
    leftovers = summary.leftovers
    if not leftovers:
        return None
    suffix = f" {session_option}" if session_option else ""
    return (f"left behind: {', '.join(f'{k} {one_line(c)}' for k, c in leftovers)} — `cpictl ids{suffix}` lists them, "
            f"`cpictl cleanup{suffix}` deletes them")


def summary_table(summary: RunSummary, *, leftovers: bool = True) -> RenderableType:
    """One row per step, laid out for the width it is shown at (see `_summary_at`), with the default session's
    `leftovers_line` as its caption — unless `leftovers` is False: the caller then prints the line itself."""
    return ByWidth(lambda width: _summary_at(summary, width, leftovers))


def _summary_at(summary: RunSummary, width: int, leftovers: bool = True) -> Table:
    """Outcome and duration are short and vital: they always get their full width. Step names and methods fold
    (at `_` and `-`) when they must; the cloud IDs take what is left — whole, else shortened in the middle where
    that still tells them apart (`id_fit`: never cut at the end) and folded where it would not, else, when even
    that leaves too little of them, counted (`+1 vm`): the step lines above the table carry every ID in full."""
    rows = summary.rows
    marks = [STATUS_MARK.get(row.status, ("?", "")) for row in rows]
    outcomes = [f"{mark} {_outcome_word(row)}" for (mark, _), row in zip(marks, rows, strict=True)]
    durations = ["" if row.status in ("skipped", "planned") else f"{row.duration * 1000:.0f} ms" for row in rows]
    outcome_w, duration_w = widest(outcomes, len("outcome")), widest(durations, len("duration"))
    room = width - 4 * COLUMN_GAP - outcome_w - duration_w
    natural = [widest((row.name for row in rows), len("step")), widest((row.method for row in rows), len("method"))]
    id_lines = [_id_lines(row) for row in rows]
    ids_w = widest((text for lines in id_lines for text, _ in lines), len("cloud IDs"))
    # the names may give way a little (down to 16 cells) before the IDs are shortened
    step_w, method_w = share(room - ids_w, natural, [min(w, 16) for w in natural])
    left = room - step_w - method_w
    if ids_w > left:
        step_w, method_w = natural
        left = room - step_w - method_w
        kept = min((left - len(kind) - 2 for row in rows for kind, _ in row.created + row.deleted), default=0)
        if kept > MIN_KEPT:  # enough of each ID to tell it apart
            shown = [one_line(cid) for row in rows for _, cid in row.created + row.deleted]
            id_lines = [_id_lines(row, lambda kind, cid: fit_id(cid, left - len(kind) - 2, shown)) for row in rows]
        else:
            id_lines = [_ids_count(row) for row in rows]
            ids_w = widest((text for lines in id_lines for text, _ in lines), len("cloud IDs"))
            step_w, method_w = share(room - ids_w, natural, [min(w, 8) for w in natural])
    table = Table(box=box.SIMPLE_HEAD, title=f"{summary.recipe.name}: {summary.headline}", title_justify="left",
                  show_edge=False, pad_edge=False, padding=(0, 1))
    table.add_column("step", width=step_w, overflow="fold")
    table.add_column("method", width=method_w, overflow="fold")
    table.add_column("outcome", width=outcome_w, no_wrap=True)
    table.add_column("duration", width=duration_w, no_wrap=True, justify="right")
    table.add_column("cloud IDs", overflow="fold")
    for row, (_, style), outcome, duration, lines in zip(rows, marks, outcomes, durations, id_lines, strict=True):
        ids = Text("\n").join(Text(text, style=id_style) for text, id_style in lines)
        table.add_row(fold_at_breaks(row.name, step_w), fold_at_breaks(row.method, method_w),
                      Text(outcome, style=style), duration, ids)
    caption = leftovers_line(summary) if leftovers else None
    if caption is not None:
        table.caption = caption
        table.caption_justify = "left"
    return table
