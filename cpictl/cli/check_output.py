"""What `cpictl check` shows: while it runs (a spinner on a terminal, a line per check with -v) and at the end
(the view of `cpictl.render.check_view` on stdout, or the JSON/YAML document), and the reports it writes.

Rules kept here: the reports are written before anything is shown (a closed stdout must not lose them); machine
output keeps stdout for the document, so progress goes to stderr and so does the line naming what was left
behind; the exit code is the report's.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer


class CheckViewer:
    """What the check shows while it runs: on a terminal a spinner naming the check and the CPI's latest stderr
    lines (erased as each ends); with -v one line per check as it ends. Machine output shows these on stderr."""

    def __init__(self, fmt: str, verbose: bool) -> None:
        from cpictl.cli.run_view import StepConsole
        from cpictl.protocol.redaction import Redactor
        from cpictl.render.console import make_console

        self.console = make_console(stderr=fmt != "table")
        self.verbose = verbose
        self.secrets = Redactor()
        self.progress = StepConsole(self.console, self.console.is_terminal, self.secrets.text)

    def caller_started(self, caller: str, target: Any) -> None:
        pass

    def step_started(self, caller: str, group: str, step: Any) -> None:
        self.progress.start(f"{caller} · {group} · {step.name}")

    def stderr_line(self, line: str) -> None:
        self.progress.stderr_line(line)

    def check_finished(self, result: Any) -> None:
        self.progress.stop()
        if result.outcome is not None:
            self.secrets.request(result.outcome.request.as_dict())
        if self.verbose:
            from cpictl.render.check_view import check_line

            self.console.print(check_line(result, self.secrets.text), soft_wrap=True)

    def cleaning_up(self, what: str) -> None:
        self.progress.start(f"cleaning up: {what}")


def finish_check(report: Any, fmt: str, junit: Path | None, json_path: Path | None, session_option: str) -> None:
    from cpictl.cli.output import emit_document
    from cpictl.conformance.reports import check_json_report

    write_check_reports(report, junit, json_path)
    if fmt == "table":
        _show(report, session_option)
    else:
        emit_document(check_json_report(report), fmt)
        if report.leftovers:
            from cpictl.render.check_view import outcome_line

            sys.stderr.write(outcome_line(report, session_option).plain.split("\n", 1)[-1] + "\n")
    raise typer.Exit(report.exit_code)


def write_check_reports(report: Any, junit: Path | None, json_path: Path | None) -> None:
    from cpictl.cli.run_reports import _json_bytes, _write_documents
    from cpictl.conformance.reports import check_json_report, check_junit_report

    _write_documents(junit, lambda: check_junit_report(report).encode("utf-8"),
                     json_path, lambda: _json_bytes(check_json_report(report)))


def _show(report: Any, session_option: str) -> None:
    from rich.text import Text

    from cpictl.cli.output import stdout_console
    from cpictl.conformance.reports import report_secrets
    from cpictl.render import check_view

    console = stdout_console()
    secrets = report_secrets(report)
    console.print(check_view.header(report))
    for result in report.failed:
        console.print()
        console.print(check_view.failure_detail(result, secrets))
    warnings = check_view.warnings_block(report)
    if warnings is not None:
        console.print()
        console.print(warnings)
    console.print()
    console.print(check_view.summary_table(report))
    console.print(check_view.coverage_line(report))
    for note in report.cleanup_notes:
        console.print(Text(f"cleanup: {note}", style="dim", overflow="fold"))
    console.print(check_view.outcome_line(report, session_option))
