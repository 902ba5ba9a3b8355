"""A long recipe costs little beyond its CPI processes: no journal replay per step (`make bench` times it)."""

from __future__ import annotations

import itertools
import json

from cpictl.recipes import load_recipe
from cpictl.recipes.runner import RecipeRunner
from cpictl.transport import run_in_process
from tests.recipes.conftest import write

STEPS = 500
_DISK_NUMBERS = itertools.count(1)


def instant_cpi(command, stdin, on_stderr_line=None, outputs=None):
    """A CPI that answers at once: what is left of the run's time is cpictl's own."""
    method = json.loads(stdin)["method"]
    result = {"info": {"api_version": 2, "stemcell_formats": ["raw"]}, "has_vm": True,
              "create_disk": f"disk-{next(_DISK_NUMBERS)}", "delete_disk": None}[method]
    body = json.dumps({"result": result, "error": None, "log": ""}).encode()
    return run_in_process(lambda raw: (body, b"", 0), stdin, on_stderr_line, command)


def _run_counting_replays(tmp_path, session_for, monkeypatch, steps: int) -> tuple[int, int]:
    """Run a recipe of `steps` steps (every fourth creates a disk); (rows recorded, journal replays made)."""
    from cpictl.store.store import CloudIdStore

    replays = 0
    real_replay = CloudIdStore.replay

    def counting_replay(self):
        nonlocal replays
        replays += 1
        return real_replay(self)

    monkeypatch.setattr(CloudIdStore, "replay", counting_replay)
    monkeypatch.setattr("cpictl.session.run_cpi", instant_cpi)
    lines = ["  - {name: s0, call: info, save: {v: api_version}}\n"]
    for index in range(1, steps):
        lines.append(["  - {call: info, expect: {result: [{path: api_version, equals: '${v}'}]}}\n",
                      "  - {call: has_vm, args: ['vm-${v}'], when: 'vars.v == `2`'}\n",
                      "  - {call: create_disk, args: [1, {}, null], retry: {attempts: 2, until: 'result'}}\n",
                      "  - {call: has_vm, args: ['${steps.s0.result.stemcell_formats[0]}']}\n"][index % 4])
    path = write(tmp_path, f"long{steps}.yml", "name: long\nvars: {a: 1}\nsteps:\n" + "".join(lines))
    recipe = load_recipe(path)
    runner = RecipeRunner(recipe, session_for(recipe))
    for _ in runner.events():
        pass
    assert runner.summary.exit_code == 0
    return len(runner.summary.rows), replays


def test_a_long_recipe_runs_every_step_without_replaying_the_journal_per_step(tmp_path, session_for, monkeypatch):
    # Its speed (≤ 3 ms a step beyond the CPI) is measured by `make bench`, not here: timing in tests is luck.
    # What makes it fast can be counted: the journal is replayed once per run, however many steps create IDs.
    assert _run_counting_replays(tmp_path, session_for, monkeypatch, 40) == (40, 1)
    assert _run_counting_replays(tmp_path, session_for, monkeypatch, STEPS) == (STEPS, 1)
