"""`cpictl check` on a terminal: read at a glance at 80 columns.

From top to bottom: which CPI, and the api_version each caller settled on; each failed check expanded — which
caller, group and check, the recipe line, what was sent, what came back, which verdicts the caller breaks on with
what the director and create-env each do, and why the check matters; the warnings, each once with the checks
that gave it; a summary table, one row per group and one column per caller (`✔ 12  ✖ 1  ↷ 2  ⚠ 1`); the
coverage line (methods × api_versions exercised); and the outcome. `-v` adds one line per check (why it was
skipped, too). Every value a CPI or a request holds is masked (`secrets`) and its terminal controls made visible.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from cpictl.conformance.groups import GroupListing
from cpictl.conformance.results import CheckReport, CheckResult
from cpictl.protocol.redaction import Redactor
from cpictl.protocol.violations import Violation
from cpictl.render.terminal_text import one_line, visible_controls

MARKS = {"passed": ("✔", "green"), "failed": ("✖", "bold red"), "skipped": ("↷", "dim"), "warnings": ("⚠", "yellow")}
_SHOWN = 160  # characters of a request's arguments or an answer on a failure's line


def _brief(value: object, mask: Callable[[str], str]) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = visible_controls(mask(text))
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


def header(report: CheckReport) -> RenderableType:
    """`cpictl check  <target>`, then each caller's negotiated version (or refusal)."""
    title = Text.assemble(("cpictl check  ", "bold"), (one_line(report.target), "dim"))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, min_width=12)  # "  create-env"
    grid.add_column(overflow="fold")
    for run in report.callers:
        grid.add_row(f"  {run.caller}", Text(visible_controls(run.negotiation), style="red" if run.refusal else "dim"))
    return Group(title, grid)


def check_line(result: CheckResult, mask: Callable[[str], str] = str) -> Text:
    """One check in one line (`-v`): mark, caller, group, name, and the reason it was skipped or failed."""
    mark, style = MARKS["warnings"] if result.status == "passed" and result.warnings else MARKS[result.status]
    line = Text.assemble((f"{mark} ", style), (f"{result.caller} · {result.group} · ", "dim"),
                         (one_line(result.name), "bold" if result.status == "failed" else ""))
    if result.api_version is not None and result.status != "skipped":
        line.append(f"  v{result.api_version}", style="dim")
    if result.status != "passed" and result.reason:
        line.append(f"  {visible_controls(mask(result.reason))}", style="dim" if result.status == "skipped"
                    else style)
    line.overflow, line.no_wrap = "fold", False
    return line


def _verdict_rows(violation: Violation, caller: str) -> list[tuple[str, Text]]:
    """The verdict, then what each caller does — the check's own caller first."""
    reactions = [("director", violation.director), ("create-env", violation.create_env)]
    reactions.sort(key=lambda pair: pair[0] != caller)
    rows = [("breaks", Text.assemble((violation.code, "bold"), f": {visible_controls(violation.message)}"))]
    for who, reaction in reactions:
        style = "red" if reaction.does != "ignores" else "dim"
        rows.append(("", Text.assemble((f"{who} {reaction.does}: ", style), visible_controls(reaction.why))))
    return rows


def failure_detail(result: CheckResult, secrets: Redactor) -> RenderableType:
    """A failed check expanded (module docstring): a title, then labelled rows whose text wraps under itself."""
    mask = secrets.text
    title = Text.assemble(("✖ ", "bold red"), (f"{result.caller} · {result.group} · ", "red"),
                          (one_line(result.name), "bold red"))
    rows: list[tuple[str, Text]] = []
    if result.file:
        rows.append(("recipe", Text(f"{result.file}:{result.line}", style="dim")))
    outcome = result.outcome
    if outcome is not None:
        request = outcome.request
        raw = getattr(request, "text", None)
        sent = raw if isinstance(raw, str) else secrets.request(request.as_dict()).get("arguments")
        version = f"  api_version {request.api_version}" if request.api_version is not None else ""
        rows.append(("sent", Text.assemble((request.method, "bold"), " ", _brief(sent, mask), (version, "dim"))))
        rows.append(("got", _answer(result, secrets)))
        stderr = outcome.run.stderr_tail.decode("utf-8", "replace").strip() if outcome.run else ""
        if stderr and outcome.response is None:
            rows.append(("stderr", Text(visible_controls(mask(stderr.splitlines()[-1]))[:_SHOWN], style="dim")))
    rows += [("failed", Text(visible_controls(mask(failure)), style="red")) for failure in result.failures]
    for violation in secrets.violations(result.breaks):
        rows.extend(_verdict_rows(violation, result.caller))
    if result.why:
        rows.append(("why", Text(one_line(result.why))))
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True, min_width=9, justify="right")
    grid.add_column(overflow="fold")
    for label, text in rows:
        grid.add_row(label, text)
    title.overflow, title.no_wrap = "fold", False
    return Group(title, grid)


def _answer(result: CheckResult, secrets: Redactor) -> Text:
    outcome = result.outcome
    assert outcome is not None
    if outcome.response is None:
        if outcome.failure:
            return Text(visible_controls(secrets.text(outcome.failure)), style="red")
        raw = outcome.run.stdout[:_SHOWN].decode("utf-8", "replace") if outcome.run else ""
        return Text(f"no JSON answer: {visible_controls(secrets.text(raw))!r}", style="red")
    response = secrets.response(outcome.request.method, outcome.response) or {}
    error = response.get("error")
    if isinstance(error, dict):
        return Text.assemble(("error ", "dim"), (str(error.get("type")), "bold"),
                             f": {_brief(error.get('message'), secrets.text)}")
    return Text(_brief(response.get("result"), secrets.text))


def warnings_block(report: CheckReport) -> RenderableType | None:
    """Each warning once, with the checks that gave it (`errors.not_json (director, create-env)`)."""
    seen: dict[str, dict[str, list[str]]] = {}
    for result in report.results:
        for warning in result.warnings if result.status == "passed" else ():
            seen.setdefault(warning, {}).setdefault(result.key, []).append(result.caller)
    if not seen:
        return None
    lines = []
    for warning, checks in seen.items():
        where = ", ".join(f"{key} ({', '.join(callers)})" for key, callers in checks.items())
        line = Text.assemble(("⚠ ", "yellow"), visible_controls(warning), (f" — {where}", "dim"))
        line.overflow, line.no_wrap = "fold", False
        lines.append(line)
    return Group(*lines)


def _cell(report: CheckReport, group: str | None, caller: str) -> Text:
    """`✔ 15  ⚠ 2  ✖ 1  ↷ 2`: ✔ counts the checks that passed clean, ⚠ those that passed with warnings."""
    cell = Text()
    warned = report.count("warnings", group=group, caller=caller)
    for what in ("passed", "warnings", "failed", "skipped"):
        count = report.count(what, group=group, caller=caller) - (warned if what == "passed" else 0)
        if count:
            mark, style = MARKS[what]
            cell.append(f"{mark} {count}  ", style=style)
    return cell if cell else Text("-", style="dim")


def summary_table(report: CheckReport) -> RenderableType:
    """One row per group, one column per caller; the total row and the legend beneath."""
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, padding=(0, 1), show_footer=True)
    table.add_column("group", footer="total", no_wrap=True)
    for run in report.callers:
        table.add_column(run.caller, footer=_cell(report, None, run.caller), no_wrap=True)
    for group in report.groups:
        table.add_row(group, *(_cell(report, group, run.caller) for run in report.callers))
    legend = Text("✔ passed  ⚠ passed with warnings  ✖ failed  ↷ skipped", style="dim")
    return Group(table, legend)


def coverage_line(report: CheckReport) -> Text:
    """`coverage: 20 of 25 methods; at api_version 2: 19, at 3: 19; not exercised: create_network, …`. `info` is
    left out of the counts by version: it goes in each caller's negotiating form (none, or 1), whatever the
    contract version."""
    from cpictl.protocol.catalogue import METHOD_NAMES

    coverage = report.coverage()
    by_version: dict[int, int] = {}
    for method, versions in coverage.items():
        for version in versions if method != "info" else ():
            if isinstance(version, int):
                by_version[version] = by_version.get(version, 0) + 1
    versions = ", ".join(f"at api_version {version}: {count}" for version, count in sorted(by_version.items()))
    line = Text.assemble(("coverage: ", "bold"), f"{len(coverage)} of {len(METHOD_NAMES)} methods")
    if versions:
        line.append(f"; {versions}")
    if report.not_exercised:
        line.append(f"; not exercised: {', '.join(report.not_exercised)}", style="dim")
    line.overflow, line.no_wrap = "fold", False
    return line


def outcome_line(report: CheckReport, session_option: str = "") -> Text:
    """The verdict in words, and what was left behind (and how to delete it)."""
    failed = report.failed
    if report.interrupted:
        line = Text("interrupted", style="yellow")
    elif failed:
        callers = sorted({result.caller for result in failed}, key=lambda caller: caller != "director")
        line = Text(f"failed: {len(failed)} check{'' if len(failed) == 1 else 's'} ({', '.join(callers)} would "
                    "break)", style="bold red")
    else:
        line = Text("passed: no caller breaks on this CPI", style="bold green")
    suffix = f" {session_option}" if session_option else ""
    if report.leftovers:
        what = ", ".join(f"{kind} {one_line(cid)}" for kind, cid in report.leftovers)
        verb = "kept (--keep)" if report.kept else "left behind"
        line.append(f"\n{verb}: {what} — `cpictl ids{suffix}` lists them, `cpictl cleanup{suffix} --yes` deletes "
                    "them", style="yellow")
    line.overflow, line.no_wrap = "fold", False
    return line


def group_listing(listings: list[GroupListing], directory: str) -> RenderableType:
    """`cpictl check --list`: each group's file and its checks (`group.id`, what `-o json` names them by), then
    where the recipes are and how to read or run one."""
    parts: list[RenderableType] = []
    for listing in listings:
        parts.append(Text.assemble((listing.name, "bold"), (f"  {listing.file}", "dim"), overflow="fold"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for step_id, name, _method in listing.checks:
            grid.add_row("  ·", Text.assemble(one_line(name), (f"  {listing.name}.{step_id}", "dim")))
        parts.append(grid)
    parts.append(Text(f"\nEvery group runs as the director and as create-env (--as). The recipes are in {directory} "
                      "(parts/: what the groups include; parts/inputs.yml: the inputs and their defaults). `cpictl "
                      "check --show GROUP` prints one; copy the directory to extend one, and run your copy with "
                      "`cpictl run`, or as one more group with `cpictl check --with FILE`.", style="dim"))
    return Group(*parts)
