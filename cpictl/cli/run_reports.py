"""The JUnit and JSON reports of `cpictl run`: checked before the first step, written at the end.

Rules kept here:
- A report path that cannot be written fails at once (exit 2), before any step creates a cloud resource.
- A recipe that cannot be run (exit 2) still gets the reports that were asked for, recording the problem.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from cpictl.cli.exits import UsageError


def check_report_paths(*paths: Path | None) -> None:
    """Fail now, with exit 2, if a report could not be written at the end — not after every step has created
    and deleted cloud resources."""
    from cpictl.recipes.report_files import ReportPathError, check_report_path

    for path in paths:
        if path is not None:
            try:
                check_report_path(path)
            except ReportPathError as error:
                raise UsageError(str(error)) from None


@contextlib.contextmanager
def reports_of_invalid(recipe_file: Path, junit: Path | None, json_path: Path | None) -> Any:
    """A recipe that cannot be run still gets the reports asked for (one failed test case naming the problem),
    and its problems are shown with terminal controls made visible (a quoted line may hold an ESC)."""
    from cpictl.recipes import RecipeError
    from cpictl.render.terminal_text import visible_controls

    try:
        yield
    except RecipeError as error:
        from cpictl.recipes.reports import invalid_json_report, invalid_junit_report

        file, invalid = str(recipe_file), error
        _write_documents(junit, lambda: invalid_junit_report(file, invalid).encode("utf-8"),
                         json_path, lambda: _json_bytes(invalid_json_report(file, invalid)))
        from cpictl.cli.recipe_args import not_found_hint

        raise UsageError(invalid.format(visible=visible_controls), hint=not_found_hint(recipe_file)) from None


def _json_bytes(document: Any) -> bytes:
    """Strict JSON whatever the CPI answered (`strict_dumps`: no NaN, big numbers as digits, lone surrogates
    escaped), so the report is written, and read by any JSON parser, rather than lost with an exception."""
    from cpictl.protocol.strict_json import strict_dumps

    return strict_dumps(document, indent=2).encode("utf-8")


def write_reports(summary: Any, junit: Path | None, json_path: Path | None) -> None:
    from cpictl.recipes import json_report, junit_report

    _write_documents(junit, lambda: junit_report(summary).encode("utf-8"),
                     json_path, lambda: _json_bytes(json_report(summary)))


def _write_documents(junit: Path | None, junit_bytes: Any, json_path: Path | None, json_bytes: Any) -> None:
    from cpictl.recipes.report_files import ReportPathError, write_report

    try:
        if junit is not None:
            write_report(junit, junit_bytes())
        if json_path is not None:
            write_report(json_path, json_bytes())
    except ReportPathError as error:
        raise UsageError(str(error)) from None


def write_suite_reports(suite: Any, junit: Path | None, json_path: Path | None) -> None:
    """The reports of a run of several recipes: one document each, covering every recipe."""
    from cpictl.recipes.reports import suite_json_report, suite_junit_report

    _write_documents(junit, lambda: suite_junit_report(suite).encode("utf-8"),
                     json_path, lambda: _json_bytes(suite_json_report(suite)))
