"""Run reports: JSON (a plain dict) and JUnit XML (one test case per step), with secrets masked.

Masking uses `cpictl.protocol.redaction.Redactor`, the same rules as the terminal (contract §9): context keys but
director_uuid/request_id/vm, every cloud_properties, networks' cloud_properties, the create_vm environment but
bosh.group/groups/tags; the masked values are then also hidden wherever they reappear (log, stderr, messages).
A report is written to a file that may be shared, so masking is on unless the caller asks otherwise.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from cpictl.protocol.redaction import Redactor
from cpictl.recipes.events import RunSummary, StepRow

# XML 1.0 cannot carry most control characters, and a CPI's stderr may contain anything.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def step_details(row: StepRow, *, show_secrets: bool = False) -> dict[str, Any]:
    """One step as JSON-ready data: status, timing, cloud IDs, and the masked request, response and stderr."""
    redactor = Redactor()
    request = row.request.as_dict() if row.request is not None else None
    outcome = row.outcome
    response = outcome.response if outcome is not None else None
    stderr = outcome.run.stderr_tail.decode("utf-8", errors="replace") if outcome and outcome.run else None
    violations = outcome.violations if outcome else []
    if not show_secrets and request is not None:
        request = redactor.request(request)
        response = redactor.response(row.method, response)
        violations = redactor.violations(violations)
        stderr = redactor.text(stderr) if stderr is not None else None
    hide = (lambda text: text) if show_secrets else redactor.text
    return {
        "name": row.name, "method": row.method, "phase": row.phase, "index": row.step.index,
        "file": row.step.origin.file, "line": row.step.origin.line,
        "status": row.status, "reason": hide(row.reason) if row.reason else None,
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


def _masked_saved(value: Any, redactor: Redactor) -> Any:
    """Saved values can copy a secret out of a result: hide the secrets the request revealed, and any value under
    the key it was masked under (a saved network's cloud_properties)."""
    return redactor.scrub(value)


def json_report(summary: RunSummary, *, show_secrets: bool = False) -> dict[str, Any]:
    """The whole run as JSON-ready data (`cpictl run --report-json`)."""
    return {
        "recipe": summary.recipe.name, "file": str(summary.recipe.file), "target": summary.target,
        "status": summary.status, "exit_code": summary.exit_code, "duration_s": round(summary.duration, 6),
        "dry_run": summary.dry_run, "interrupted": summary.interrupted,
        "counts": {status: summary.count(status) for status in ("passed", "failed", "misbehaved", "invalid",
                                                                 "skipped", "interrupted")},
        "leftovers": [{"kind": kind, "cid": cid} for kind, cid in summary.leftovers],
        "steps": [step_details(row, show_secrets=show_secrets) for row in summary.rows],
    }


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def junit_report(summary: RunSummary, *, show_secrets: bool = False) -> str:
    """JUnit XML: one testsuite (the recipe), one testcase per step. Failed expectations are <failure>, a
    misbehaving CPI or an inapplicable step <error>, skipped steps <skipped>; system-out carries the request and
    response JSON, system-err the CPI's stderr."""
    rows = summary.rows
    suite = ET.Element("testsuite", {
        "name": _clean(summary.recipe.name), "tests": str(len(rows)),
        "failures": str(summary.count("failed")),
        "errors": str(summary.count("misbehaved") + summary.count("invalid") + summary.count("interrupted")),
        "skipped": str(summary.count("skipped")), "time": f"{summary.duration:.3f}",
        "file": _clean(str(summary.recipe.file)),
    })
    for row in rows:
        details = step_details(row, show_secrets=show_secrets)
        case = ET.SubElement(suite, "testcase", {
            "classname": _clean(summary.recipe.name), "name": _clean(f"{row.step.index:02d} {row.name}"),
            "time": f"{row.duration:.3f}", "file": _clean(row.step.origin.file),
            "line": str(row.step.origin.line or 0),
        })
        _outcome_element(case, row, details)
        io = {"request": details["request"], "response": details["response"], "saved": details["saved"],
              "created": details["created"], "deleted": details["deleted"], "warnings": details["warnings"]}
        ET.SubElement(case, "system-out").text = _clean(json.dumps(io, indent=2, ensure_ascii=False))
        if details["stderr"]:
            ET.SubElement(case, "system-err").text = _clean(details["stderr"])
    root = ET.Element("testsuites", {"name": "cpictl", "tests": suite.get("tests", "0"),
                                     "failures": suite.get("failures", "0"), "errors": suite.get("errors", "0"),
                                     "time": suite.get("time", "0")})
    root.append(suite)
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
