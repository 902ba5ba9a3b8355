"""`cpictl methods` at 80 columns (a pipe, CI) and wider, without colour: no parameter split mid-word."""

from __future__ import annotations

import re

import pytest

from cpictl.protocol.catalogue import METHODS
from cpictl.render.catalogue_view import methods_table
from tests.render.screen import render

UPDATE_DISK_AT_80 = """\
update_disk            disk_cid: disk cid           v1: null (nothing)
                       new_size: integer            v2/v3: new cloud ID string,
                       [cloud_properties: object]   or null to keep the CID
"""


def test_at_80_columns_one_parameter_per_line_and_one_result_column() -> None:
    text = render(methods_table(), 80)
    assert re.search(r"^method +parameters +result$", text, re.MULTILINE)
    assert UPDATE_DISK_AT_80 in text
    assert "create_vm              agent_id: string             v1: cloud ID string\n" in text
    assert "has_vm                 vm_cid: vm cid               boolean\n" in text  # the same in every version: once
    assert "calculate_vm_cloud_    desired_instance_size:       object\nproperties" in text


def method_column(text: str) -> list[str]:
    """The method names as read down the first column (rows are separated by a blank line)."""
    body = text.split("─\n", 1)[1]
    return ["".join(line.split()[0] for line in block.splitlines() if not line.startswith(" "))
            for block in body.split("\n\n") if block.strip()]


@pytest.mark.parametrize("width", [80, 100, 160])
def test_every_parameter_name_and_method_reads_whole(width: int) -> None:
    text = render(methods_table(), width)
    assert method_column(text) == list(METHODS)
    for spec in METHODS.values():
        for param in spec.params:
            assert re.search(rf"(^|[ \[]){re.escape(param.name)}: ", text, re.MULTILINE), (spec.name, param.name)


def test_on_a_wide_terminal_each_api_version_has_its_result_column() -> None:
    text = render(methods_table(), 160)
    assert re.search(r"^method +parameters +result v1 +result v2/v3$", text, re.MULTILINE)
    assert re.search(r"^update_disk +disk_cid: disk cid +null \(nothing\) +new cloud ID string, or null to keep the "
                     r"CID$", text, re.MULTILINE)
    assert "calculate_vm_cloud_properties" in text


# -- every width a user may have: 40 (a split pane, a phone), 60, 80 (a pipe, CI), 120 -------------------------------

UPDATE_DISK_AT_40 = """\
update_disk  disk_cid: disk cid
  new_size: integer
  [cloud_properties: object]
  → v1: null (nothing)
  → v2/v3: new cloud ID string, or null
           to keep the CID
"""


def test_at_40_columns_each_method_is_a_block_with_nothing_dropped() -> None:
    text = render(methods_table(), 40)
    assert UPDATE_DISK_AT_40 in text
    assert "\ncalculate_vm_cloud_properties\n  desired_instance_size: object\n  → object\n" in text
    assert "\nhas_vm  vm_cid: vm cid\n  → boolean\n" in text  # the same in every version: once, unlabelled


def result_reading(text: str) -> str:
    """The results as a reader follows them, blanks and line breaks collapsed: in a table down each result column
    in turn (the parameters beside them left out); stacked, the text as it stands."""
    header = re.search(r"^method +parameters +result.*$", text, re.MULTILINE)
    if header is None:
        return " ".join(text.split())
    starts = [match.start() for match in re.finditer(r"result", header.group())]
    body = text[header.end():].split("\n")[2:]  # after the header's rule
    columns = [" ".join(line[start:end] for line in body)
               for start, end in zip(starts, [*starts[1:], None], strict=True)]
    return " | ".join(" ".join(column.split()) for column in columns)


# At 80 the table's method column is 20 wide: a longer name folds there at `_` (asserted above), no name shorter.
LONGEST_WHOLE = {40: None, 60: None, 80: 20, 120: None}


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_every_method_reads_whole_with_all_its_results(width: int) -> None:
    text = render(methods_table(), width)  # fails if a line is wider than `width`
    limit = LONGEST_WHOLE[width]
    for name in METHODS:
        if limit is None or len(name) <= limit:
            assert re.search(rf"(^|\s){re.escape(name)}(\s|$)", text, re.MULTILINE), (width, name)
    reading = result_reading(text)
    for spec in METHODS.values():
        v1 = spec.result_v1.describe()
        v2 = "— (not part of api_version 2 and 3)" if spec.deprecated else spec.result_v2.describe()
        for result in (v1, v2):
            assert " ".join(result.split()) in reading, (width, spec.name, result)
