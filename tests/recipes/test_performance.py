"""A long recipe costs little beyond its CPI processes: no journal replay or model validation per step."""

from __future__ import annotations

import json
import time

from cpictl.recipes import load_recipe
from cpictl.recipes.runner import RecipeRunner
from cpictl.transport import run_in_process
from tests.recipes.conftest import write

STEPS = 500
BUDGET_PER_STEP = 0.003  # seconds, everything but the CPI process itself


def instant_cpi(command, stdin, on_stderr_line=None):
    """A CPI that answers at once: what is left of the run's time is cpictl's own."""
    method = json.loads(stdin)["method"]
    result = {"info": {"api_version": 2, "stemcell_formats": ["raw"]}, "has_vm": True, "create_disk": "disk-x",
              "delete_disk": None}[method]
    body = json.dumps({"result": result, "error": None, "log": ""}).encode()
    return run_in_process(lambda raw: (body, b"", 0), stdin, on_stderr_line, command)


def test_500_steps_cost_under_3_ms_each_beyond_the_cpi(tmp_path, session_for, monkeypatch):
    monkeypatch.setattr("cpictl.session.run_cpi", instant_cpi)
    steps = ["  - {name: s0, call: info, save: {v: api_version}}\n"]
    for index in range(1, STEPS):
        steps.append(["  - {call: info, expect: {result: [{path: api_version, equals: '${v}'}]}}\n",
                      "  - {call: has_vm, args: ['vm-${v}'], when: 'vars.v == `2`'}\n",
                      "  - {call: info, retry: {attempts: 2, until: 'result.api_version'}}\n",
                      "  - {call: has_vm, args: ['${steps.s0.result.stemcell_formats[0]}']}\n"][index % 4])
    path = write(tmp_path, "long.yml", "name: long\nvars: {a: 1}\nsteps:\n" + "".join(steps))
    started = time.perf_counter()
    recipe = load_recipe(path)
    loaded = time.perf_counter()
    runner = RecipeRunner(recipe, session_for(recipe))
    for _ in runner.events():
        pass
    finished = time.perf_counter()
    assert runner.summary.exit_code == 0 and len(runner.summary.rows) == STEPS
    per_step = (finished - loaded) / STEPS
    assert per_step < BUDGET_PER_STEP, f"{per_step * 1000:.2f} ms per step"
    assert loaded - started < 2.0, f"loading took {loaded - started:.2f} s"
