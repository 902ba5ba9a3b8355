"""`cpictl check`'s reports: JSON (`-o json`, `--report-json`) and JUnit XML (`--report-junit`), every check in
them, secrets masked.

Each check carries what was sent, what came back (masked as `cpictl run`'s reports mask them: `step_details`),
the verdicts the caller breaks on with both callers' reactions, its warnings, and why it matters (the step's
description). JUnit has one testsuite per caller and group (`director: disks`), one testcase per check: a failed
check is a <failure> (an expectation) or an <error> (the CPI misbehaved), a skipped one <skipped> with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from cpictl.conformance.results import CheckReport, CheckResult
from cpictl.protocol.redaction import Redactor
from cpictl.protocol.strict_json import strict_dumps
from cpictl.recipes.reports import step_details

_COUNTED = ("passed", "failed", "skipped", "warnings")


def report_secrets(report: CheckReport) -> Redactor:
    """A redactor that knows every request's secrets, for masking free text anywhere in the report."""
    redactor = Redactor()
    for result in report.results:
        if result.outcome is not None:
            redactor.request(result.outcome.request.as_dict())
    return redactor


def check_details(result: CheckResult, secrets: Redactor) -> dict[str, Any]:
    """One check as JSON-ready data."""
    call: dict[str, Any] = {"request": None, "response": None, "exit_code": None, "stderr": None}
    if result.row is not None and result.row.request is not None:
        details = step_details(result.row, secrets=secrets)
        call = {key: details[key] for key in call}
    elif result.outcome is not None:
        from cpictl.session import outcome_as_dict

        document = outcome_as_dict(result.outcome)
        call = {key: document[key] for key in ("request", "response", "exit_code", "stderr")}
    hide = secrets.text
    return {
        "group": result.group, "caller": result.caller, "id": result.id, "name": result.name,
        "method": result.method, "api_version": result.api_version, "status": result.status,
        "reason": hide(result.reason) if result.reason else None,
        "misbehaved": result.misbehaved, "failures": [hide(text) for text in result.failures],
        "breaks": [v.as_dict() for v in secrets.violations(result.breaks)],
        "warnings": [hide(text) for text in result.warnings], "why": result.why,
        "file": result.file, "line": result.line, "duration_s": round(result.duration, 6), **call,
    }


def check_json_report(report: CheckReport) -> dict[str, Any]:
    """The whole check as JSON-ready data."""
    secrets = report_secrets(report)
    callers = [{"caller": run.caller, "api_version": run.api_version, "negotiation": run.negotiation,
                "refusal": run.refusal, "counts": {what: report.count(what, caller=run.caller) for what in _COUNTED}}
               for run in report.callers]
    groups = [{"group": group, "caller": run.caller,
               **{what: report.count(what, group=group, caller=run.caller) for what in _COUNTED}}
              for run in report.callers for group in report.groups]
    return {
        "status": report.status, "exit_code": report.exit_code, "target": report.target,
        "duration_s": round(report.duration, 6), "cpi_s": round(report.cpi_seconds, 6),
        "interrupted": report.interrupted, "kept": report.kept,
        "counts": {what: report.count(what) for what in _COUNTED},
        "callers": callers, "groups": groups,
        "coverage": {"methods": report.coverage(), "not_exercised": report.not_exercised},
        "checks": [check_details(result, secrets) for result in report.results],
        "leftovers": [{"kind": kind, "cid": cid} for kind, cid in report.leftovers],
        "cleanup": list(report.cleanup_notes),
    }


def check_junit_report(report: CheckReport) -> str:
    """JUnit XML: one testsuite per caller and group, one testcase per check."""
    from cpictl.recipes.reports import _clean, _document

    secrets = report_secrets(report)
    suites = []
    for run in report.callers:
        for group in report.groups:
            results = [r for r in run.results if r.group == group]
            if not results:
                continue
            suite = ET.Element("testsuite", {
                "name": _clean(f"{run.caller}: {group}"), "tests": str(len(results)),
                "failures": str(sum(r.status == "failed" and not r.misbehaved for r in results)),
                "errors": str(sum(r.status == "failed" and r.misbehaved for r in results)),
                "skipped": str(sum(r.status == "skipped" for r in results)),
                "time": f"{sum(r.duration for r in results):.3f}"})
            for result in results:
                suite.append(_case(result, secrets))
            suites.append(suite)
    return _document(suites)


def _case(result: CheckResult, secrets: Redactor) -> ET.Element:
    from cpictl.recipes.reports import _clean

    details = check_details(result, secrets)
    case = ET.Element("testcase", {"classname": _clean(f"cpictl check.{result.caller}.{result.group}"),
                                   "name": _clean(result.name), "time": f"{result.duration:.3f}",
                                   "file": _clean(result.file or ""), "line": str(result.line or 0)})
    if result.status == "failed":
        lines = [*details["failures"], *(f"{v['code']}: {v['message']} (director {v['director']['does']}: "
                                         f"{v['director']['why']}; create-env {v['create_env']['does']}: "
                                         f"{v['create_env']['why']})" for v in details["breaks"])]
        if result.why:
            lines.append(f"why: {result.why}")
        first = _clean(details["reason"] or (lines[0] if lines else "failed"))
        kind = "error" if result.misbehaved else "failure"
        ET.SubElement(case, kind, {"message": first, "type": "misbehaved" if result.misbehaved else "expectation"}
                      ).text = _clean("\n".join(lines))
    elif result.status == "skipped":
        ET.SubElement(case, "skipped", {"message": _clean(details["reason"] or "skipped")})
    io = {"request": details["request"], "response": details["response"], "warnings": details["warnings"]}
    ET.SubElement(case, "system-out").text = _clean(strict_dumps(io, indent=2))
    if details["stderr"]:
        ET.SubElement(case, "system-err").text = _clean(details["stderr"])
    return case
