"""Reports are valid JUnit XML and JSON whatever the CPI printed, and never leak what the masking rules hide."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from cpictl.recipes import load_recipe
from cpictl.recipes.reports import json_report, junit_report
from cpictl.recipes.runner import RecipeRunner
from cpictl.transport import run_in_process
from tests.recipes.conftest import run_all, write

SECRET, CONTEXT_SECRET, NET_SECRET, ENV_SECRET = "hunter2-vm", "AKIA-context-key", "subnet-secret-9", "pa55word!"


def leaky_cpi(command, stdin, on_stderr_line=None, outputs=None):
    """Answers every call with success, and repeats the whole request in its log and on stderr (as a CPI with
    debug logging does)."""
    request = json.loads(stdin)
    result = {"create_vm": ["vm-1", {"default": {"type": "manual", "cloud_properties": {"k": NET_SECRET}}}],
              "create_disk": "disk-1"}.get(request["method"])
    response = {"result": result, "error": None, "log": f"request was {stdin.decode()}"}
    stderr = f"debug: {stdin.decode()}\n\x00\x1b[31mcolour\x07\n".encode()
    return run_in_process(lambda raw: (json.dumps(response).encode(), stderr, 0), stdin, on_stderr_line, command)


@pytest.fixture
def summary(tmp_path, session_for, monkeypatch):
    monkeypatch.setattr("cpictl.session.run_cpi", leaky_cpi)
    recipe = load_recipe(write(tmp_path, "r.yml", f"""
        name: secrets <&> "quotes"
        target: {{context: {{secret_access_key: {CONTEXT_SECRET}, region: eu-west-1}}}}
        steps:
          - name: vm
            call: create_vm
            args:
              - agent-1
              - sc-1
              - {{password: {SECRET}}}
              - {{default: {{type: manual, cloud_properties: {{subnet: subnet-1, password: {NET_SECRET}}}}}}}
              - []
              - {{bosh: {{group: g1, password: {ENV_SECRET}, mbus: {{cert: {{private_key: {ENV_SECRET}}}}}}}}}
            save: {{nets: "[1]"}}
          - name: disk
            call: create_disk
            args: [1, {{type: gp3, password: {SECRET}}}]
            expect: {{result: [{{equals: "{SECRET}"}}]}}
        """))
    runner = RecipeRunner(recipe, session_for(recipe))
    run_all(runner)
    return runner.summary


def test_json_report_masks_request_result_log_stderr_and_saves(summary):
    text = json.dumps(json_report(summary))
    for secret in (SECRET, CONTEXT_SECRET, NET_SECRET, ENV_SECRET):
        assert secret not in text
    vm = json_report(summary)["steps"][0]
    assert vm["request"]["context"]["secret_access_key"] == "<redacted>"
    assert vm["request"]["context"]["director_uuid"] and vm["request"]["context"]["region"] == "<redacted>"
    assert vm["request"]["arguments"][5]["bosh"]["group"] == "g1"
    assert vm["response"]["result"][1]["default"]["cloud_properties"] == {"k": "<redacted>"}
    assert vm["saved"] == {"nets": {"default": {"type": "manual", "cloud_properties": {"k": "<redacted>"}}}}
    disk = json_report(summary)["steps"][1]
    assert disk["status"] == "failed" and "<redacted>" in disk["failures"][0]


def test_junit_report_is_valid_xml_with_control_characters_removed(summary):
    text = junit_report(summary)
    for secret in (SECRET, CONTEXT_SECRET, NET_SECRET, ENV_SECRET):
        assert secret not in text
    root = ET.fromstring(text)
    suite = root.find("testsuite")
    assert suite.get("name") == 'secrets <&> "quotes"'
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    vm, disk = suite.findall("testcase")
    assert vm.find("failure") is None and "colour" in vm.findtext("system-err")
    assert disk.find("failure").get("type") == "expectation"
    assert json.loads(vm.findtext("system-out"))["request"]["method"] == "create_vm"


def test_reports_can_show_secrets_when_asked(summary):
    assert SECRET in json.dumps(json_report(summary, show_secrets=True))
