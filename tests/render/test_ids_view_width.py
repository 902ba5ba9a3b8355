"""`cpictl ids` at 80 columns (a pipe, CI) and wider, without colour: the cloud ID whole, kind and status always."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cpictl.cli.main import main
from cpictl.protocol.kinds import CloudIdKind
from cpictl.render.ids_view import ago, ids_table
from cpictl.store import CloudIdRecord
from tests.render.screen import render

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
VM = "vm-bb96e2e2-52f1-4945-98ad-c52737a80373"
DISK = "disk-c99d9978-228c-40cf-b30c-56ce45ffc416"
STEMCELL = "stemcell-9020756a-0200-407a-ad29-d07d6880594e"
TITLE = "cloud IDs in /home/someone/.local/state/cpictl/sessions/default.jsonl (live; --all shows every one)"


def minutes_ago(minutes: int) -> str:
    return (NOW - timedelta(minutes=minutes)).isoformat()


RECORDS = [
    CloudIdRecord(CloudIdKind.DISK, DISK, method="create_disk", created_at=minutes_ago(3), attached_to=VM),
    CloudIdRecord(CloudIdKind.VM, VM, method="create_vm", created_at=minutes_ago(4)),
    # imported from a create-env state file: the journal names the director's method, but nobody here created it
    CloudIdRecord(CloudIdKind.STEMCELL, STEMCELL, method="create_stemcell", created_at=minutes_ago(125),
                  imported=True),
]

AT_80 = """\
cloud IDs in /home/someone/.local/state/cpictl/sessions/default.jsonl (live;
--all shows every one)
kind       cid                                                   status
───────────────────────────────────────────────────────────────────────
disk       disk-c99d9978-228c-40cf-b30c-56ce45ffc416             live
           create_disk, 3 min ago
           attached to vm-bb96e2e2-52f1-4945-98ad-c52737a80373
vm         vm-bb96e2e2-52f1-4945-98ad-c52737a80373               live
           create_vm, 4 min ago
stemcell   stemcell-9020756a-0200-407a-ad29-d07d6880594e         live
           imported, 2 h ago
"""

AT_100 = """\
cloud IDs in /home/someone/.local/state/cpictl/sessions/default.jsonl (live; --all shows every one)
kind       cid                                             status   created by    when   attached to
────────────────────────────────────────────────────────────────────────────────────────────────────
disk       disk-c99d9978-228c-40cf-b30c-56ce45ffc416       live     create_disk   3m     vm-bb96e2e…
vm         vm-bb96e2e2-52f1-4945-98ad-c52737a80373         live     create_vm     4m
stemcell   stemcell-9020756a-0200-407a-ad29-d07d6880594e   live     imported      2h
"""

AT_160 = """\
cloud IDs in /home/someone/.local/state/cpictl/sessions/default.jsonl (live; --all shows every one)
kind       cid                                             status   created by    when        attached to
─────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────────
disk       disk-c99d9978-228c-40cf-b30c-56ce45ffc416       live     create_disk   3 min ago   vm-bb96e2e2-52f1-4945-98ad-c52737a80373
vm         vm-bb96e2e2-52f1-4945-98ad-c52737a80373         live     create_vm     4 min ago
stemcell   stemcell-9020756a-0200-407a-ad29-d07d6880594e   live     imported      2 h ago
"""  # noqa: E501 (the golden text of a 160-column terminal)


def test_at_80_columns_secondary_details_move_under_the_cid_instead_of_vanishing() -> None:
    text = render(ids_table(RECORDS, TITLE, NOW), 80)
    assert text == AT_80
    assert "created by create_stemcell" not in text and "create_stemcell" not in text  # imported, not created


def test_in_between_when_and_attached_to_are_abbreviated() -> None:
    assert render(ids_table(RECORDS, TITLE, NOW), 100) == AT_100


def test_on_a_wide_terminal_every_column_is_in_full() -> None:
    assert render(ids_table(RECORDS, TITLE, NOW), 160) == AT_160


@pytest.mark.parametrize("width", [50, 60, 80, 100, 160])
def test_kind_and_status_are_shown_at_every_width(width: int) -> None:
    text = render(ids_table(RECORDS, TITLE, NOW), width)
    for line, record in zip([line for line in text.splitlines() if line.split()[0] in ("disk", "vm", "stemcell")],
                            RECORDS, strict=True):
        assert line.startswith(str(record.kind)) and "live" in line
    if width >= 80:
        for record in RECORDS:  # whole, on one line: what people copy
            assert record.cid in text


def test_ago_has_a_short_form() -> None:
    assert ago(minutes_ago(3), NOW) == "3 min ago" and ago(minutes_ago(3), NOW, short=True) == "3m"
    assert ago(minutes_ago(125), NOW, short=True) == "2h" and ago(minutes_ago(0), NOW, short=True) == "0s"
    assert ago(minutes_ago(3 * 1440), NOW, short=True) == "3d" and ago(None, NOW, short=True) == "-"


def test_an_empty_live_list_says_that_deleted_ids_exist(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    image = tmp_path / "image"
    image.write_bytes(b"x")
    assert main(["ids", "-o", "table"]) == 0
    assert capsys.readouterr().out.strip() == "no cloud IDs recorded in this session"
    assert main(["call", "create_stemcell", str(image), "{}", "-o", "json"]) == 0
    assert main(["call", "delete_stemcell", "${stemcell}", "-o", "json"]) == 0
    capsys.readouterr()
    assert main(["ids", "-o", "table"]) == 0
    assert capsys.readouterr().out.strip() == "no live cloud IDs (1 deleted or gone; --all shows them)"
    assert main(["ids", "--all", "-o", "table"]) == 0
    assert "deleted" in capsys.readouterr().out


@pytest.mark.parametrize("width", [50, 80, 120])
def test_cleanup_rows_keep_each_cloud_id_on_one_line(width):
    from cpictl.render.ids_view import outcome_table

    rows = [("vm", f"delete_vm {VM}", "failed", "Bosh::Clouds::CloudError: the IaaS said no, at some length " * 2),
            ("stemcell", f"delete_stemcell {STEMCELL}", "skipped", f"vm {VM} was not deleted and was created from it")]
    lines = render(outcome_table(rows, "cleanup"), width).splitlines()
    assert any(VM in line for line in lines) and any(STEMCELL in line for line in lines)
    assert all(len(line.rstrip()) <= width for line in lines)
