"""The summary of `cpictl trace import`: per file, the calls imported (as which entries), the problems with their
lines, the calls a caller would fail or misread, and the commands that show them.

Everything here comes from a log a stranger may have written — file names, methods, request ids, messages —
so it passes through `one_line` before layout: a control character in a log must not steer the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from cpictl.render.terminal_text import one_line
from cpictl.traces.bosh_logs import DESCRIPTIONS
from cpictl.traces.importing import STDIN_NAME, FileImport


def render_import(reports: Sequence[FileImport], trace: str, where: str) -> RenderableType:
    """`where`: the options that name the trace (`--session S`, `--file F`), for the commands shown."""
    parts: list[RenderableType] = []
    for report in reports:
        parts += _file(report)
    parts.append(Text.assemble(("trace: ", "bold"), one_line(trace)))
    parts += _next_steps(reports, where)
    return Group(*parts)


def _file(report: FileImport) -> list[RenderableType]:
    name = one_line(report.path)
    if report.error is not None:
        return [Text.assemble((name, "bold"), ": ", (one_line(report.error), "red"))]
    counts = f"{report.imported} call{'s' if report.imported != 1 else ''} imported"
    if report.first_entry is not None:
        span = (f"entry {report.first_entry}" if report.first_entry == report.last_entry
                else f"entries {report.first_entry}–{report.last_entry}")
        counts += f" as {span}"
    extras = [f"{report.unanswered} without an answer" if report.unanswered else "",
              f"{report.already} already in the trace, skipped" if report.already else ""]
    counts += "".join(f"; {extra}" for extra in extras if extra)
    lines: list[RenderableType] = [Text.assemble((name, "bold"), f" ({DESCRIPTIONS.get(report.format or '', '')}): ",
                                                 counts)]
    for problem in report.problems:
        lines.append(Text.assemble("  ", (f"line {problem.line}", "yellow"), ": ", one_line(problem.message)))
    if report.more_problems:
        lines.append(Text(f"  … and {report.more_problems} more problems", style="yellow"))
    if report.flagged:
        lines.append(Text("  calls a caller would fail or misread:"))
        for number, label, codes in report.flagged:
            lines.append(Text.assemble("    ", (f"entry {number}", "bold"), f"  {one_line(label)}  ",
                                       (", ".join(one_line(code) for code in codes), "red")))
        if report.more_flagged:
            lines.append(Text(f"    … and {report.more_flagged} more"))
    return lines


def _next_steps(reports: Sequence[FileImport], where: str) -> list[RenderableType]:
    read = [report for report in reports if report.imported or report.already]
    if not read:
        return []
    steps = [(f"cpictl trace list {where}".rstrip(), "lists them")]
    shown = next((r.flagged[0][0] for r in read if r.flagged), None) or next(
        (r.first_entry for r in read if r.first_entry is not None), None)
    if shown is not None:
        steps.append((f"cpictl trace show {shown} {where}".rstrip(), "shows one as `cpictl call` shows a call"))
    files = [report for report in read if report.path != STDIN_NAME]  # stdin cannot be read again
    if files:
        steps.append((_recall_example(files[0]), "sends one again to your target"))
    return [Text.assemble("  ", (one_line(command), "cyan"), f"  {what}") for command, what in steps]


def _recall_example(report: FileImport) -> str:
    import shlex

    if report.format == "director" and report.flagged:
        label = report.flagged[0][1].split()
        if len(label) == 2 and label[1].startswith("cpi-"):
            return f"cpictl call --from-log {shlex.quote(report.path)} --request-id {label[1]}"
    return f"cpictl call --from-log {shlex.quote(report.path)} --request-id 1"
