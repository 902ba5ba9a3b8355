"""Run reports: JSON (a plain dict) and JUnit XML (one test case per step), with secrets masked.

Masking uses `cpictl.protocol.redaction.Redactor`, the same rules as the terminal (contract §9): context keys but
director_uuid/request_id/vm, and in every argument the values whose key or shape says secret; the masked values
are then also hidden wherever they reappear (log, stderr, messages).
Free text — failures, reasons, logs, stderr — is masked with the secrets of *every* request of the run: a secret
sent by one step (`cloud_properties.password: ${pw}`) can reappear in a later step's expectation failure
(`expected "hunter2pass"`). A report is written to a file that may be shared, so masking is on unless the caller
asks otherwise.

A recipe that cannot be run at all (a loader or preflight problem, exit 2) still gets a report when one was asked
for (`invalid_json_report`, `invalid_junit_report`): one failed test case naming each file:line problem, so CI
shows a failure instead of "no results". A run of several recipes gets one report of them all
(`suite_json_report`, `suite_junit_report`: one JUnit testsuite per recipe).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from cpictl.protocol.redaction import Redactor
from cpictl.protocol.strict_json import strict_dumps
from cpictl.recipes.events import EXIT_INVALID, RunSummary, StepRow
from cpictl.recipes.problems import RecipeError
from cpictl.recipes.suite import SuiteSummary

# XML 1.0 cannot carry most control characters, and a CPI's stderr may contain anything.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def run_secrets(rows: list[StepRow]) -> Redactor:
    """A redactor that knows the secrets of every request of the run, for masking free text."""
    redactor = Redactor()
    for row in rows:
        if row.request is not None:
            redactor.request(row.request.as_dict())
    return redactor


def step_details(row: StepRow, *, show_secrets: bool = False, secrets: Redactor | None = None) -> dict[str, Any]:
    """One step as JSON-ready data: status, timing, cloud IDs, and the masked request, response and stderr.
    `secrets` knows the whole run's secrets (`run_secrets`); without it, only this step's are hidden in text."""
    redactor = Redactor()
    request = row.request.as_dict() if row.request is not None else None
    outcome = row.outcome
    response = outcome.response if outcome is not None else None
    stderr = outcome.run.stderr_tail.decode("utf-8", errors="replace") if outcome and outcome.run else None
    violations = outcome.violations if outcome else []
    hide = _hider(redactor, secrets, show_secrets)
    if not show_secrets and request is not None:
        request = redactor.request(request)
        response = redactor.response(row.method, response)
        if response is not None and isinstance(response.get("log"), str):  # a copy: masked in place
            response["log"] = hide(response["log"])
        violations = redactor.violations(violations)
    stderr = hide(stderr) if stderr is not None else None
    return {
        "id": row.step.id, "name": row.name, "method": row.method, "phase": row.phase, "index": row.step.index,
        "file": row.step.origin.file, "line": row.step.origin.line,
        "status": row.status, "accepted_error": row.accepted_error,
        "reason": hide(row.reason) if row.reason else None,
        "failures": [hide(failure) for failure in row.failures], "warnings": row.warnings,
        "attempts": row.attempts, "duration_s": round(row.duration, 6),
        "created": [{"kind": kind, "cid": cid} for kind, cid in row.created],
        "deleted": [{"kind": kind, "cid": cid} for kind, cid in row.deleted],
        "saved": _masked_saved(row.saved, redactor) if not show_secrets else row.saved,
        "request": request, "response": response,
        "exit_code": outcome.run.exit_code if outcome and outcome.run else None,
        "stderr": stderr,
        "violations": [v.as_dict() for v in violations],
    }


def _hider(redactor: Redactor, secrets: Redactor | None, show_secrets: bool) -> Callable[[str], str]:
    if show_secrets:
        return lambda text: text
    if secrets is None:
        return redactor.text
    return lambda text: secrets.text(redactor.text(text))


def _masked_saved(value: Any, redactor: Redactor) -> Any:
    """Saved values can copy a secret out of a result: hide the secrets the request revealed, and any value under
    the key it was masked under (a saved network's cloud_properties)."""
    return redactor.scrub(value)


def json_report(summary: RunSummary, *, show_secrets: bool = False) -> dict[str, Any]:
    """The whole run as JSON-ready data (`cpictl run --report-json`)."""
    secrets = run_secrets(summary.rows)
    return {
        "recipe": summary.recipe.name, "file": str(summary.recipe.file), "target": summary.target,
        "status": summary.status, "exit_code": summary.exit_code, "duration_s": round(summary.duration, 6),
        "dry_run": summary.dry_run, "interrupted": summary.interrupted,
        "counts": {status: summary.count(status) for status in ("passed", "failed", "misbehaved", "invalid",
                                                                 "skipped", "interrupted")},
        "leftovers": [{"kind": kind, "cid": cid} for kind, cid in summary.leftovers],
        "steps": [step_details(row, show_secrets=show_secrets, secrets=secrets) for row in summary.rows],
    }


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_report(summary: RunSummary, *, show_secrets: bool = False) -> str:
    """JUnit XML: one testsuite (the recipe), one testcase per step. Failed expectations are <failure>, a
    misbehaving CPI or an inapplicable step <error>, skipped steps <skipped>; system-out carries the request and
    response JSON, system-err the CPI's stderr."""
    return _document([_suite_element(summary, show_secrets)])


def _suite_element(summary: RunSummary, show_secrets: bool) -> ET.Element:
    rows = summary.rows
    secrets = run_secrets(rows)
    suite = ET.Element("testsuite", {
        "name": _clean(summary.recipe.name), "tests": str(len(rows)),
        "failures": str(summary.count("failed")),
        "errors": str(summary.count("misbehaved") + summary.count("invalid") + summary.count("interrupted")),
        "skipped": str(summary.count("skipped")), "time": f"{summary.duration:.3f}",
        "file": _clean(str(summary.recipe.file)),
    })
    for row in rows:
        details = step_details(row, show_secrets=show_secrets, secrets=secrets)
        case = ET.SubElement(suite, "testcase", {
            "classname": _clean(summary.recipe.name), "name": _clean(f"{row.step.index:02d} {row.name}"),
            "time": f"{row.duration:.3f}", "file": _clean(row.step.origin.file),
            "line": str(row.step.origin.line or 0),
        })
        _outcome_element(case, row, details)
        io = {"request": details["request"], "response": details["response"], "saved": details["saved"],
              "created": details["created"], "deleted": details["deleted"], "warnings": details["warnings"]}
        ET.SubElement(case, "system-out").text = _clean(strict_dumps(io, indent=2))
        if details["stderr"]:
            ET.SubElement(case, "system-err").text = _clean(details["stderr"])
    return suite


def _document(suites: list[ET.Element]) -> str:
    def total(key: str) -> str:
        return str(sum(int(suite.get(key, "0")) for suite in suites))

    root = ET.Element("testsuites", {"name": "cpictl", "tests": total("tests"), "failures": total("failures"),
                                     "errors": total("errors"),
                                     "time": f"{sum(float(suite.get('time', '0')) for suite in suites):.3f}"})
    root.extend(suites)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _outcome_element(case: ET.Element, row: StepRow, details: dict[str, Any]) -> None:
    messages = details["failures"] or ([details["reason"]] if details["reason"] else [])
    text = _clean("\n".join(messages))
    first = _clean(messages[0]) if messages else row.status
    if row.status == "failed":
        ET.SubElement(case, "failure", {"message": first, "type": "expectation"}).text = text
    elif row.status in ("misbehaved", "invalid", "interrupted"):
        ET.SubElement(case, "error", {"message": first, "type": row.status}).text = text
    elif row.status == "skipped":
        ET.SubElement(case, "skipped", {"message": first})


def invalid_json_report(file: str, error: RecipeError) -> dict[str, Any]:
    """The JSON report of a recipe that could not be run (exit 2): no steps, the problems instead."""
    problems = [{"file": problem.file, "line": problem.line, "column": problem.column, "message": problem.message,
                 "location": problem.location} for problem in error.problems]
    return {"recipe": _recipe_name(file), "file": file, "status": "invalid", "exit_code": EXIT_INVALID,
            "duration_s": 0.0, "dry_run": False, "interrupted": False, "problems": problems,
            "counts": {"passed": 0, "failed": 0, "misbehaved": 0, "invalid": 1, "skipped": 0, "interrupted": 0},
            "leftovers": [], "steps": []}


def invalid_junit_report(file: str, error: RecipeError) -> str:
    """JUnit XML for a recipe that could not be run: one failed test case whose message names the first
    file:line problem (the text lists them all)."""
    return _document([_invalid_suite(file, error)])


def _invalid_suite(file: str, error: RecipeError) -> ET.Element:
    name = _clean(_recipe_name(file))
    suite = ET.Element("testsuite", {"name": name, "tests": "1", "failures": "1", "errors": "0", "skipped": "0",
                                     "time": "0.000", "file": _clean(file)})
    first = error.problems[0] if error.problems else None
    case = ET.SubElement(suite, "testcase", {"classname": name, "name": "recipe is valid", "time": "0.000",
                                             "file": _clean(first.file if first else file),
                                             "line": str(first.line or 0) if first else "0"})
    message = f"invalid recipe: {first.location}: {first.message}" if first else "invalid recipe"
    ET.SubElement(case, "failure", {"message": _clean(message), "type": "invalid-recipe"}).text = _clean(
        "\n".join(problem.format() for problem in error.problems))
    return suite


# -- several recipes in one run ----------------------------------------------------------------------------------

def suite_json_report(suite: SuiteSummary, *, show_secrets: bool = False) -> dict[str, Any]:
    """A run of several recipes: each recipe's report (as `json_report`, `invalid_json_report`, or `{file,
    status: "not run", reason}` for one an interruption kept from starting), then the totals."""
    recipes: list[dict[str, Any]] = []
    for entry in suite.entries:
        if entry.summary is not None:
            recipes.append(json_report(entry.summary, show_secrets=show_secrets))
        elif entry.error is not None:
            recipes.append(invalid_json_report(str(entry.file), entry.error))
        else:
            recipes.append({"recipe": entry.name, "file": str(entry.file), "status": "not run",
                            "reason": entry.not_run, "steps": []})
    return {"status": suite.status, "exit_code": suite.exit_code, "duration_s": round(suite.duration, 6),
            "totals": {what: suite.count(what) for what in ("passed", "failed", "skipped")},
            "leftovers": [{"kind": kind, "cid": cid} for kind, cid in suite.leftovers], "recipes": recipes}


def suite_junit_report(suite: SuiteSummary, *, show_secrets: bool = False) -> str:
    """JUnit XML with one testsuite per recipe that ran or could not be run (one not reached has no test case)."""
    suites = [_suite_element(entry.summary, show_secrets) if entry.summary is not None
              else _invalid_suite(str(entry.file), entry.error)
              for entry in suite.entries if entry.summary is not None or entry.error is not None]
    return _document(suites)


def _recipe_name(file: str) -> str:
    import os

    return os.path.splitext(os.path.basename(file))[0] or file
