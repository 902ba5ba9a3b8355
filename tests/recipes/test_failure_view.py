"""What a failed step shows: no secret of the run in the messages, no terminal control in the quoted recipe line,
and the caret under the right token even when the line is wider than the panel."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from itertools import pairwise

from cpictl.protocol.redaction import Redactor
from cpictl.recipes import load_recipe
from cpictl.recipes.reports import json_report, junit_report
from cpictl.recipes.runner import RecipeRunner
from cpictl.render.console import make_console
from cpictl.render.recipe_view import failure_details
from tests.recipes.conftest import run_all, write

SECRET_RECIPE = """
    name: secret
    vars: {pw: hunter2pass}
    steps:
      - {name: disk, call: create_disk, args: [1024, {password: "${pw}"}]}
      - name: probe
        call: has_disk
        args: ["${disk}"]
        expect: {result: [{equals: "${pw}"}]}
    finally:
      - {name: cleanup, call: delete_disk, args: ["${disk}"]}
    """


def shown(renderable, width: int = 200) -> str:
    out = io.StringIO()
    make_console(file=out, width=width).print(renderable)
    return out.getvalue()


def run(tmp_path, session_for, text: str):
    recipe = load_recipe(write(tmp_path, "r.yml", text))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    return runner.summary


def test_a_secret_sent_by_an_earlier_step_is_masked_in_a_later_failure(tmp_path, session_for, inprocess_refcpi):
    summary = run(tmp_path, session_for, SECRET_RECIPE)
    rows = {row.name: row for row in summary.rows}
    assert rows["probe"].status == "failed" and "hunter2pass" in rows["probe"].failures[0]  # as the runner has it
    secrets = Redactor()
    secrets.request(rows["disk"].request.as_dict())  # what the CLI learns from every request it shows
    text = shown(failure_details(rows["probe"], secrets))
    assert "hunter2pass" not in text and 'expected "<redacted>"' in text
    report = json.dumps(json_report(summary))
    assert "hunter2pass" not in report and "<redacted>" in report
    junit = junit_report(summary)
    failure = next(ET.fromstring(junit).iter("failure"))
    assert "hunter2pass" not in junit and "<redacted>" in failure.get("message", "")


def test_the_quoted_recipe_line_shows_controls_as_text_with_the_caret_under_its_token(tmp_path, session_for,
                                                                                     inprocess_refcpi):
    summary = run(tmp_path, session_for, """
        name: bidi
        steps:
          - {name: probe, call: has_vm, args: ["\u202e\u2066x"], expect: {result: [{equals: true}]}}
        """)
    text = shown(failure_details(summary.rows[0]))
    line, caret = next((a, b) for a, b in pairwise(text.splitlines()) if "^" in b)
    assert "\\u202e\\u2066x" in line and "\u202e" not in text and "\u2066" not in text
    assert line.index("true") == caret.index("^")


def test_a_quoted_line_wider_than_the_panel_is_cropped_with_the_caret_in_place(tmp_path, session_for,
                                                                              inprocess_refcpi):
    summary = run(tmp_path, session_for, """
        name: wide
        steps:
          - {name: probe, call: has_vm, args: [vm-none], expect: {result: [{path: "@", equals: true, not_equals: "a very long value that pushes the failing predicate far to the right"}]}}
        """)  # noqa: E501
    text = shown(failure_details(summary.rows[0]), width=60)
    lines = text.splitlines()
    assert all(len(line) <= 60 for line in lines)
    index = next(i for i, line in enumerate(lines) if "^" in line)
    quoted, caret = lines[index - 1], lines[index]
    assert quoted.startswith("│   3 | ") and "…" in quoted
    assert quoted[caret.index("^"):].startswith("true")
    wide = shown(failure_details(summary.rows[0]), width=400)  # room enough: the line is quoted whole
    assert "…" not in wide and 'equals: true, not_equals: "a very long value' in wide
