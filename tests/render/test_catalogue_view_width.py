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
