"""SIGKILL torture: kill `cpictl run` at random moments, again and again, in one session; after the next
`cpictl ids`, the journal's live IDs are exactly what the reference CPI holds — none lost, none invented.

30 kills here (about 30 s); `CPICTL_TORTURE_KILLS=300` for a longer night. The moments come from a seeded random
generator, printed on failure (`CPICTL_TORTURE_SEED` replays them)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import time
from pathlib import Path

from cpictl.refcpi import read_state
from tests.conftest import cpictl_bin

KILLS = int(os.environ.get("CPICTL_TORTURE_KILLS", "30"))
SEED = int(os.environ.get("CPICTL_TORTURE_SEED", str(random.SystemRandom().randrange(1 << 30))))
WAIT = 60.0
IMAGE = Path(__file__).resolve().parents[2] / "recipes" / "assets" / "image.tgz"

RECIPE = f"""name: torture
steps:
  - {{name: stemcell, call: create_stemcell, args: ["{IMAGE}", {{}}]}}
  - {{name: vm, call: create_vm, args: [agent-t, "${{stemcell}}", {{}}, {{default: {{type: dynamic}}}}, [], {{}}]}}
  - {{name: disk, call: create_disk, args: [1024, {{}}, "${{vm}}"]}}
  - {{name: attach, call: attach_disk, args: ["${{vm}}", "${{disk}}"]}}
  - {{name: detach, call: detach_disk, args: ["${{vm}}", "${{disk}}"]}}
  - {{name: drop-disk, call: delete_disk, args: ["${{disk}}"]}}
  - {{name: drop-vm, call: delete_vm, args: ["${{vm}}"]}}
finally:
  - {{name: drop-stemcell, call: delete_stemcell, args: ["${{stemcell}}"], expect: {{ok: any}}}}
"""


def cpictl(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([cpictl_bin(), *argv, "--session", "torture"], capture_output=True, text=True,
                          timeout=WAIT, check=True)


def settled_ids() -> list[dict]:
    """`cpictl ids` once every orphaned CPI has finished (the reference CPI answers in well under a second)."""
    deadline = time.monotonic() + WAIT
    while True:
        listed = json.loads(cpictl("ids", "-o", "json").stdout)
        if not any(entry["status"] in ("running", "pending") for entry in listed) or time.monotonic() > deadline:
            return listed
        time.sleep(0.05)


def refcpi_ids(state_dir: Path) -> set[tuple[str, str]]:
    state = read_state(str(state_dir))
    return {(kind, cid) for kind, collection in (("stemcell", "stemcells"), ("vm", "vms"), ("disk", "disks"))
            for cid in state[collection]}


def test_no_sigkill_loses_or_invents_a_cloud_id(tmp_path, isolated_home):
    recipe = tmp_path / "torture.yml"
    recipe.write_text(RECIPE)
    rng = random.Random(SEED)
    started = time.monotonic()
    cpictl("run", str(recipe))  # once whole: how long a run takes here, to spread the kills over it
    duration = time.monotonic() - started
    unanswered = 0
    for kill in range(KILLS):
        proc = subprocess.Popen([cpictl_bin(), "run", str(recipe), "--session", "torture"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        moment = rng.uniform(0.0, duration)
        try:
            proc.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.wait(timeout=WAIT)
        listed = settled_ids()
        journal = {(entry["kind"], entry["cid"]) for entry in listed if entry["kind"] != "call"}
        calls = [entry for entry in listed if entry["kind"] == "call"]
        assert not [c for c in calls if c["status"] != "may exist"], (SEED, kill, calls)
        unanswered += len(calls)
        for call in calls:  # killed between its pending entry and its CPI's start: nothing was made
            assert call["arguments"], call
            cpictl("ids", "forget", call["cid"])
        held = refcpi_ids(isolated_home / "refcpi")
        assert held <= journal, f"seed {SEED}, kill {kill} at {moment:.3f} s: lost {sorted(held - journal)}"
        assert journal <= held, f"seed {SEED}, kill {kill} at {moment:.3f} s: invented {sorted(journal - held)}"
    cleanup = json.loads(cpictl("cleanup", "--yes", "-o", "json").stdout)
    assert all(row["outcome"] in ("deleted", "detached", "already gone") for row in cleanup), cleanup
    assert refcpi_ids(isolated_home / "refcpi") == set()  # every recovered ID could be deleted through cpictl
    assert unanswered <= KILLS // 3, f"seed {SEED}: {unanswered} calls were left unanswered"
