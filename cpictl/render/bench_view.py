"""The views of `cpictl bench`: the live progress bar while it runs, and the summary after — read at a glance, on
one 80×24 screen: a headline, the latency percentiles, a histogram in text bars, errors by type and ok_to_retry,
the contract's verdicts, and what became of the IDs the bench created.

What a CPI wrote (error types and messages, cloud IDs) passes through `visible_controls`/`one_line` before
layout, as in every view. Long parts are cut, never wrapped: `-o json` has everything.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, Task, TextColumn
from rich.text import Text

from cpictl.bench.report import BenchReport
from cpictl.render.fit import ByWidth, shorten
from cpictl.render.terminal_text import displayed_id, one_line, visible_controls

#: Widest the summary grows on a wide terminal: bars longer than this are no easier to read.
MAX_WIDTH = 100
#: Error types and verdicts listed before "… N more": the summary stays on one screen.
LISTED = 5
BAR = "█"
PARTIAL_BARS = " ▏▎▍▌▋▊▉"  # eighths of a cell, for the end of a bar


def milliseconds(seconds: float) -> str:
    """A latency in ms with the digits that mean something: 0.84, 9.80, 14.2, 153, 12004."""
    value = seconds * 1000
    if round(value, 2) < 10:  # rounded first: 9.999 is "10.0", not "10.00"
        return f"{value:.2f}"
    if round(value, 1) < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def render_bench(report: BenchReport, *, cleanup_command: str = "cpictl cleanup") -> RenderableType:
    """The summary. `cleanup_command`: how to delete what is left in this session (`cpictl cleanup --session
    NAME`), said when the bench kept or left IDs."""
    return ByWidth(lambda width: Group(*_parts(report, min(width, MAX_WIDTH), cleanup_command)))


def _parts(report: BenchReport, width: int, cleanup_command: str) -> list[RenderableType]:
    parts: list[RenderableType] = [_headline(report, width), _counts(report, width)]
    if report.latency.count:
        parts += [Text(""), *_latency(report), *_histogram(report, width)]
    if report.errors:
        parts += [Text(""), *_errors(report, width)]
    aftermath = _verdicts(report, width) + _cleanup(report, width, cleanup_command)
    if aftermath:
        parts += [Text(""), *aftermath]
    return parts


def _headline(report: BenchReport, width: int) -> Text:
    what = report.method if report.method is not None else f"recipe {report.recipe}"
    unit = "calls" if report.method is not None else "iterations"
    pace = f"{report.count} {unit} in {report.elapsed_s:.2f} s · {report.throughput:.1f} {unit}/s · " \
           f"{report.plan.concurrency} at once"
    head = Text.assemble(("bench ", "bold"), (visible_controls(what), "bold"), " → ",
                         visible_controls(report.target))
    head.truncate(width, overflow="ellipsis")
    return Text.assemble(head, "\n", (shorten(pace, width), "cyan"))


def _counts(report: BenchReport, width: int) -> Text:
    line = Text.assemble(("✔ ", "green" if report.ok else "dim"), f"{report.ok} ok")
    failed = [f"{n} {status}" for status, n in report.errors_by_status.items() if n]
    mark = ("   ✘ ", "bold red") if report.error_count else ("   ", "")
    line.append_text(Text.assemble(mark, f"{report.error_count} errors"))
    if failed:
        line.append(f" ({', '.join(failed)})")
    if report.method is None:
        line.append(f"   {report.calls} calls")
    if report.interrupted:
        line.append(f"   {report.interrupted} interrupted", style="yellow")
    if report.stopped:
        stopped = Text(f"stopped: {one_line(report.stopped)}", style="yellow")
        stopped.truncate(width, overflow="ellipsis")
        line.append_text(Text("   ") + stopped if line.cell_len + 3 + stopped.cell_len <= width else
                         Text("\n") + stopped)
    return line


def _latency(report: BenchReport) -> list[Text]:
    summary = report.latency
    names = ("min", "p50", "p90", "p99", "max", "mean")
    values = (summary.minimum, summary.p50, summary.p90, summary.p99, summary.maximum, summary.mean)
    cells = [milliseconds(value) for value in values]
    column = max(7, *(len(cell) + 2 for cell in cells))
    return [Text("latency ms  " + "".join(name.rjust(column) for name in names), style="bold"),
            Text("            " + "".join(cell.rjust(column) for cell in cells))]


def _histogram(report: BenchReport, width: int) -> list[Text]:
    if len(report.bins) < 2:
        return []
    labels = [f"{milliseconds(b.low)}–{milliseconds(b.high)} ms" for b in report.bins]
    label_width = max(len(label) for label in labels)
    count_width = max(len(str(b.count)) for b in report.bins)
    room = max(width - label_width - count_width - 8, 8)  # "  " label " │" bar " " count
    most = max(b.count for b in report.bins)
    lines = []
    for label, b in zip(labels, report.bins, strict=True):
        bar = _bar(b.count / most * room if most else 0)
        lines.append(Text.assemble("  ", label.rjust(label_width), " │", (bar.ljust(room), "cyan"), " ",
                                   (str(b.count).rjust(count_width), "dim" if not b.count else "")))
    return lines


def _bar(cells: float) -> str:
    whole, eighths = int(cells), round((cells - int(cells)) * 8)
    if eighths == 8:
        whole, eighths = whole + 1, 0
    return BAR * whole + (PARTIAL_BARS[eighths] if eighths else "")


def _errors(report: BenchReport, width: int) -> list[Text]:
    retry = report.by_ok_to_retry
    head = Text("errors by type", style="bold")
    if retry["true"] or retry["false"]:
        head.append(f"   ok_to_retry: {retry['true']} true, {retry['false']} false", style="")
    lines = [head]
    count_width = max(len(str(kind.count)) for kind in report.errors)
    for kind in report.errors[:LISTED]:
        flag = "" if kind.ok_to_retry is None else f"  ok_to_retry {str(kind.ok_to_retry).lower()}"
        row = Text.assemble("  ", str(kind.count).rjust(count_width), "  ", (one_line(kind.type), "red"), flag)
        row.truncate(width, overflow="ellipsis")
        lines.append(row)
        if kind.example:
            example = shorten(one_line(kind.example), width - count_width - 4)
            lines.append(Text(" " * (count_width + 4) + example, style="dim"))
    if len(report.errors) > LISTED:
        lines.append(Text(f"  … {len(report.errors) - LISTED} more types: -o json lists them", style="dim"))
    return lines


def _verdicts(report: BenchReport, width: int) -> list[Text]:
    if not report.verdicts:
        return []
    line = Text("verdicts: ", style="bold")
    for index, (code, severity, n) in enumerate(report.verdicts):
        line.append_text(Text.assemble(", " if index else "", f"{n} × ", one_line(code),
                                       (f" ({severity})", "red" if severity == "error" else "yellow")))
    if line.cell_len <= width:
        return [line]  # the common case, one or two codes: one line
    lines = [Text("verdicts of the contract check", style="bold")]
    count_width = max(len(str(n)) for _, _, n in report.verdicts)
    for code, severity, n in report.verdicts[:LISTED]:
        row = Text.assemble("  ", str(n).rjust(count_width), "  ", (severity.ljust(8), "red" if severity == "error"
                                                                    else "yellow"), one_line(code))
        row.truncate(width, overflow="ellipsis")
        lines.append(row)
    if len(report.verdicts) > LISTED:
        lines.append(Text(f"  … {len(report.verdicts) - LISTED} more: -o json lists them", style="dim"))
    return lines


def _cleanup(report: BenchReport, width: int, cleanup_command: str) -> list[Text]:
    teardown = report.teardown
    made = ", ".join(f"{n} {kind}{'s' if n != 1 else ''}" for kind, n in report.created.items())
    lines: list[Text] = []
    if teardown.kept:
        live = len(teardown.left)
        lines.append(Text(f"kept (--keep): created {made or 'nothing'}, {live} live; `{cleanup_command}` deletes "
                          "them", style="yellow"))
    elif made:
        done = [f"{teardown.deleted_by_calls} deleted by the calls"] if teardown.deleted_by_calls else []
        done += [f"{teardown.deleted} deleted"] if teardown.deleted or not done else []
        done += [f"{teardown.already_gone} already gone"] if teardown.already_gone else []
        done += [f"{teardown.failed} failed"] if teardown.failed else []
        lines.append(Text(shorten(f"cleanup: created {made}; {', '.join(done)}", width),
                          style="green" if not teardown.left else "yellow"))
    if teardown.problem:
        lines.append(Text(shorten(f"cleanup stopped: {one_line(teardown.problem)}", width), style="yellow"))
    if teardown.left and not teardown.kept:  # the cleanup could not delete them, or was stopped
        shown = ", ".join(f"{kind} {displayed_id(cid)}" for kind, cid in teardown.left[:3])
        more = f" and {len(teardown.left) - 3} more" if len(teardown.left) > 3 else ""
        left = f"left: {shown}{more}"
        how = f"`{cleanup_command}` deletes them"
        if len(left) + len(how) + 3 <= width:
            lines.append(Text(f"{left} · {how}", style="bold yellow"))
        else:
            lines += [Text(shorten(left, width), style="bold yellow"), Text(f"  {how}", style="yellow")]
    if teardown.unanswered:
        lines.append(Text(f"{teardown.unanswered} call(s) may have created something without giving its ID: "
                          "`cpictl ids` shows them", style="yellow"))
    return lines


class _Throughput(ProgressColumn):
    """Calls finished per second lately (`Tally.live_rate`), and the errors so far."""

    def render(self, task: Task) -> Text:
        rate, errors = task.fields.get("rate"), task.fields.get("errors", 0)
        text = Text(f"{rate:7.1f}/s" if rate is not None else "", style="cyan")
        if errors:
            text.append(f"  {errors} err", style="red")
        return text


class _Done(ProgressColumn):
    """`done/total` for a count, `done · 12/30 s` for a duration."""

    def render(self, task: Task) -> Text:
        done = task.fields.get("done", 0)
        if task.fields.get("by_time"):
            return Text(f"{done} · {task.completed:.0f}/{task.total:.0f} s")
        return Text(f"{done}/{task.total:.0f}")


def bench_progress(console: Console) -> Progress:
    """The live bar (not started: the CLI starts it, on a terminal only). Its task's fields: `done`, `rate`,
    `errors`, `by_time` (the bar measures seconds of a --duration instead of calls)."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(bar_width=20),
                    _Done(), _Throughput(), console=console, transient=True, refresh_per_second=8)
