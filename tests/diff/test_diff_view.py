"""The diff view at 80 columns, against golden text: a step that is the same is one line, a step that differs
shows only its differing fields in two columns, a path too long for the field column gets a line of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cpictl.diff.sides import Side, SideRun, SideStep
from cpictl.diff.steps import compare_runs
from cpictl.render.diff_view import diff_view, leftover_lines
from cpictl.session import Target
from tests.diff.test_ignored import create_vm
from tests.render.screen import render


def answer(method: str, arguments: list[Any], result: Any, error: Any = None) -> dict[str, Any]:
    return {"n": 1, "request": {"method": method, "arguments": arguments, "context": {}, "api_version": 2},
            "response": {"result": result, "error": error, "log": ""}, "exit_code": 0, "violations": []}


def side(letter: str, label: str, steps: list[SideStep], **run: Any) -> SideRun:
    target = Target(argv=["/opt/cpi/bin/cpi"], director_uuid="uuid-1", label="the CPI")
    where = Side(letter, label, target, Path(f"/state/default-diff-{letter.lower()}.jsonl"),
                 f"--session default-diff-{letter.lower()}")
    return SideRun(where, steps, **run)


def steps(vm: dict[str, Any], attach: Any, info_version: int) -> list[SideStep]:
    return [SideStep("info", "ask the CPI", "info", status="passed",
                     entry=answer("info", [], {"api_version": info_version, "stemcell_formats": ["raw"]})),
            SideStep("vm", "boot a VM", "create_vm", status="passed", entry=vm),
            SideStep("attach", "attach it", "attach_disk", status="passed",
                     entry=answer("attach_disk", ["vm-1", "disk-1"], attach)),
            SideStep("clean", "delete the VM", "delete_vm", phase="finally", status="skipped",
                     reason="'delete the VM' already deleted the VM")]


def test_two_sides_side_by_side_at_80_columns():
    vm = create_vm("vm-aaa", "10.0.0.5", "10.254.0.2", "0a:00:00:00:00:01")
    other = create_vm("vm-bbb", "10.0.0.5", "10.254.0.3", "0a:00:00:00:00:02")
    other["response"]["result"][1]["pool"]["cloud_properties"] = {"subnet": "subnet-0123456789abcdef"}
    a = side("A", "api_version 1", steps(vm, None, 2), leftovers=[("vm", "vm-aaa")])
    b = side("B", "api_version 2", steps(other, {"path": "/dev/sdc"}, 2))
    shown = render(diff_view(compare_runs(a, b), "recipes/vm.yml"), 80)
    assert shown == """\
diff recipes/vm.yml · the CPI
A  api_version 1 · session default-diff-a
B  api_version 2 · session default-diff-b
             A api_version 1                   B api_version 2
=  ask the CPI (info)  ok
≠  boot a VM (create_vm)
    result[1].pool.cloud_properties
             -                                 {subnet: subnet-0123456789abcdef}
≠  attach it (attach_disk)
    result   null                              {path: /dev/sdc}
finally
=  delete the VM (delete_vm)  skipped
≠ 2 of 4 steps differ: boot a VM, attach it (cloud IDs, request IDs, time
stamps, durations and addresses the CPI chose aside)
"""
    assert render(leftover_lines([a, b])[0], 80) == """\
left behind by A: vm vm-aaa — `cpictl ids --session default-diff-a` lists them,
`cpictl cleanup --session default-diff-a` deletes them
"""
