"""The recipe summary table and step lines at 80 columns (a pipe, CI) and on a wide terminal, without colour."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from cpictl.recipes import RunSummary, StepRow
from cpictl.render.recipe_view import step_line, summary_table
from tests.render.screen import render, unfolded

VM = "vm-bb96e2e2-52f1-4945-98ad-c52737a80373"
DISK = "disk-c99d9978-228c-40cf-b30c-56ce45ffc416"
NEW_DISK = "disk-3a373160-4fff-450a-a00d-1e6ef699b56e"
STEMCELL = "stemcell-9020756a-0200-407a-ad29-d07d6880594e"


def row(name: str, method: str, status: str, ms: float, created: Any = (), deleted: Any = (),
        phase: str = "main", attempts: int = 1) -> StepRow:
    step: Any = SimpleNamespace(name=name, method=method, phase=phase)
    return StepRow(step=step, status=status, duration=ms / 1000,  # type: ignore[arg-type]
                   created=list(created), deleted=list(deleted), attempts=attempts)


ROWS = [row("stemcell", "create_stemcell", "passed", 63, [("stemcell", STEMCELL)]),
        row("sizing", "calculate_vm_cloud_properties", "passed", 44),
        row("vm", "create_vm", "passed", 58, [("vm", VM)]),
        row("disk", "create_disk", "misbehaved", 1261, [("disk", DISK)]),
        row("new-type", "update_disk", "failed", 47, [("disk", NEW_DISK)], [("disk", DISK)]),
        row("hang", "create_disk", "interrupted", 30000),
        row("cleanup-vm", "delete_vm", "skipped", 0, phase="finally")]
RECIPE: Any = SimpleNamespace(name="resize and update", steps=ROWS[:6])
SUMMARY = RunSummary(recipe=RECIPE, target="bundled reference CPI", rows=ROWS, duration=31.5)

AT_80 = """\
resize and update: misbehaved
step         method                       outcome         duration   cloud IDs
────────────────────────────────────────────────────────────────────────────────
stemcell     create_stemcell              ✔ passed           63 ms   +1 stemcell
sizing       calculate_vm_cloud_          ✔ passed           44 ms
             properties
vm           create_vm                    ✔ passed           58 ms   +1 vm
disk         create_disk                  ⚠ misbehaved     1261 ms   +1 disk
new-type     update_disk                  ✖ failed           47 ms   +1 disk
                                                                     -1 disk
hang         create_disk                  ■ interrupted   30000 ms
cleanup-vm   delete_vm                    ↷ skipped
left behind: stemcell stemcell-9020756a-0200-407a-ad29-d07d6880594e, vm
vm-bb96e2e2-52f1-4945-98ad-c52737a80373, disk
disk-3a373160-4fff-450a-a00d-1e6ef699b56e — `cpictl ids` lists them, `cpictl
cleanup` deletes them
"""

AT_160 = """\
resize and update: misbehaved
step         method                          outcome         duration   cloud IDs
───────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
stemcell     create_stemcell                 ✔ passed           63 ms   +stemcell stemcell-9020756a-0200-407a-ad29-d07d6880594e
sizing       calculate_vm_cloud_properties   ✔ passed           44 ms
vm           create_vm                       ✔ passed           58 ms   +vm vm-bb96e2e2-52f1-4945-98ad-c52737a80373
disk         create_disk                     ⚠ misbehaved     1261 ms   +disk disk-c99d9978-228c-40cf-b30c-56ce45ffc416
new-type     update_disk                     ✖ failed           47 ms   +disk disk-3a373160-4fff-450a-a00d-1e6ef699b56e
                                                                        -disk disk-c99d9978-228c-40cf-b30c-56ce45ffc416
hang         create_disk                     ■ interrupted   30000 ms
cleanup-vm   delete_vm                       ↷ skipped
left behind: stemcell stemcell-9020756a-0200-407a-ad29-d07d6880594e, vm vm-bb96e2e2-52f1-4945-98ad-c52737a80373, disk
disk-3a373160-4fff-450a-a00d-1e6ef699b56e — `cpictl ids` lists them, `cpictl cleanup` deletes them
"""  # noqa: E501 (the golden text of a 160-column terminal)


def test_at_80_columns_outcome_and_duration_are_whole_and_ids_are_counted() -> None:
    text = render(summary_table(SUMMARY), 80)
    assert text == AT_80
    for outcome in ("✔ passed", "⚠ misbehaved", "✖ failed", "■ interrupted", "↷ skipped", "30000 ms", "1261 ms"):
        assert outcome in text


def test_on_a_wide_terminal_every_cloud_id_is_shown_whole() -> None:
    text = render(summary_table(SUMMARY), 160)
    assert text == AT_160
    for cid in (VM, DISK, NEW_DISK, STEMCELL):
        assert cid in text


def test_in_between_the_ids_are_shortened_in_the_middle_never_cut_at_the_end() -> None:
    text = render(summary_table(SUMMARY), 100)
    assert "+vm vm-bb96e2e2…c52737a80373" in text  # its head and tail: what tells one ID from another
    assert "+disk disk-c99d9…6ce45ffc416" in text and "+disk disk-3a373…e6ef699b56e" in text
    assert "⚠ misbehaved     1261 ms" in text and "calculate_vm_cloud_properties" in text


def test_ids_that_would_read_alike_shortened_stay_whole_and_fold() -> None:
    twin = "disk-c99d9978-228c-41cf-b30c-56ce45ffc416"  # one character from DISK, in the middle
    rows = [row("disk", "create_disk", "passed", 12, [("disk", DISK)]),
            row("twin", "create_disk", "passed", 13, [("disk", twin)]),
            row("vm", "create_vm", "passed", 14, [("vm", VM)])]
    summary = RunSummary(recipe=SimpleNamespace(name="twins", steps=rows), target="t", rows=rows,  # type: ignore
                         duration=1)
    text = render(summary_table(summary), 80)
    assert "…" not in text.split("+vm")[0]  # neither disk is shortened: `disk-c99d9978-2…0c-56ce45ffc416` is both
    assert DISK in unfolded(text) and twin in unfolded(text)
    assert "+vm vm-bb96e2e2-52f1…8ad-c52737a80373" in text  # an ID nothing else resembles is still shortened


def test_even_at_60_columns_outcomes_and_durations_stay_whole() -> None:
    text = render(summary_table(SUMMARY), 60)
    for outcome in ("✔ passed", "⚠ misbehaved", "✖ failed", "■ interrupted", "↷ skipped", "30000 ms", "+1 stemcell"):
        assert outcome in text
    assert "…" not in text


def test_a_step_line_folds_a_long_name_and_cloud_id_instead_of_cutting_them() -> None:
    name = "create-a-disk-with-a-rather-long-descriptive-name-for-the-walkthrough-of-resizing"
    long_cid = "disk-3a373160-4fff-450a-a00d-1e6ef699b56e-with-an-extremely-long-suffix-from-a-cloud"
    line = row(name, "update_disk", "passed", 47, [("disk", long_cid)], [("disk", DISK)], phase="finally",
               attempts=2)
    text = render(step_line(line), 80)
    assert "…" not in text
    assert name in unfolded(text) and long_cid in unfolded(text) and DISK in text
    assert "update_disk  47 ms  2 attempts  (finally)" in text
    wide = render(step_line(row("vm", "create_vm", "passed", 58, [("vm", VM)])), 160)
    assert wide == f"✔ vm  create_vm  58 ms  +vm {VM}\n"
