"""Agent settings at 80 columns (a pipe, CI) and wider, without colour: a network's name, IP and MAC are never cut."""

from __future__ import annotations

import re
from typing import Any

import pytest
from rich.panel import Panel

from cpictl.protocol.agent_settings import version_matrix
from cpictl.render.metadata_view import comparison_table, render_matrix, settings_table
from tests.render.screen import render

LONG_NAME = "private-network-with-a-long-name"
SETTINGS: dict[str, Any] = {
    "agent_id": "agent-6f1c2d3e",
    "vm": {"name": "vm-bb96e2e2-52f1-4945-98ad-c52737a80373"},
    "networks": {"default": {"type": "manual", "ip": "10.254.0.117", "netmask": "255.255.255.0",
                             "gateway": "10.254.0.1", "mac": "fa:16:3e:12:34:56", "default": ["dns", "gateway"]},
                 LONG_NAME: {"type": "dynamic", "ip": "<chosen by the CPI: an address of the network>",
                             "default": []}},
    "disks": {"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {}},
    "env": {"bosh": {"group": "deployment"}},
    "mbus": "https://mbus:***@0.0.0.0:6868", "ntp": [], "blobstore": {"provider": "local"},
}


def panel() -> Panel:
    """As after a create_vm: the settings table in a panel that is no wider than it needs."""
    return Panel(settings_table(SETTINGS), title="agent settings of vm-1 (user-metadata)", title_align="left",
                 expand=False)


AT_80 = """\
╭─ agent settings of vm-1 (user-metadata) ─────────────────────────────────────╮
│  agent_id           agent-6f1c2d3e                                           │
│  vm.name            vm-bb96e2e2-52f1-4945-98ad-c52737a80373                  │
│  networks           default                                                  │
│                       type manual  ip 10.254.0.117  mac fa:16:3e:12:34:56    │
│                       default dns, gateway                                   │
│                     private-network-with-a-long-name                         │
│                       type dynamic                                           │
│                       ip <chosen by the CPI: an address of the network>      │
│                       default []                                             │
│  disks.system       /dev/sda                                                 │
│  disks.ephemeral    /dev/sdb                                                 │
│  disks.persistent   {}                                                       │
│  env.bosh           group: deployment                                        │
│  mbus               https://mbus:***@0.0.0.0:6868                            │
│  ntp                []                                                       │
│  blobstore          provider: local                                          │
╰──────────────────────────────────────────────────────────────────────────────╯
"""


def test_at_80_columns_each_network_is_stacked_with_nothing_cut() -> None:
    text = render(panel(), 80)
    assert text == AT_80
    assert "…" not in text


def test_on_a_wide_terminal_the_networks_are_a_table() -> None:
    text = render(panel(), 160)
    header = next(line for line in text.splitlines() if "name" in line and "mac" in line)
    assert header.split("│")[1].split()[1:] == ["name", "type", "ip", "mac", "default"]
    assert any("default" in line and "manual" in line and "10.254.0.117" in line and "fa:16:3e:12:34:56" in line
               and "dns, gateway" in line for line in text.splitlines())
    assert LONG_NAME in text and "…" not in text


@pytest.mark.parametrize("width", [60, 80, 100, 120, 160])
def test_names_ips_and_macs_are_whole_at_every_width(width: int) -> None:
    text = render(panel(), width)
    for value in (LONG_NAME, "10.254.0.117", "fa:16:3e:12:34:56", "dns, gateway"):
        assert value in text
    assert "…" not in text


def test_the_comparison_stacks_networks_and_names_their_other_keys() -> None:
    text = render(comparison_table(SETTINGS, SETTINGS, "user-metadata"), 80)
    for value in ("10.254.0.117", "fa:16:3e:12:34:56", "default dns, gateway", "(+ netmask, gateway)"):
        assert text.count(value) == 2  # expected and found, side by side
    wide = render(comparison_table(SETTINGS, SETTINGS, "user-metadata"), 200)
    assert wide.count("type manual  ip 10.254.0.117  mac fa:16:3e:12:34:56") == 2


# -- the version matrix (`cpictl metadata matrix`) -----------------------------------------------------------------

MATRIX_LABELS = ("director", "CPI", "stemcell", "update registry", "full settings in user-metadata")

LAST_ROW_AT_40 = """\
director: 2  CPI: 2  stemcell: 2
  update registry: no
  full settings in user-metadata: yes
"""


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_matrix_headers_read_whole_at_every_width(width: int) -> None:
    text = render(render_matrix(version_matrix()), width)  # fails if a line is wider than `width`
    assert "…" not in text
    lines = text.splitlines()
    for label in MATRIX_LABELS:
        assert any(re.search(rf"(^|\s){re.escape(label)}(:|\s|$)", line) for line in lines), (width, label)
    if width >= 80:
        assert re.search(r"^ director +CPI +stemcell +update registry +full settings in user-metadata$", text,
                         re.MULTILINE)
        assert re.search(r"^ +2 +2 +2 +no +yes$", text, re.MULTILINE)
    else:
        assert LAST_ROW_AT_40 in text
        assert text.count("full settings in user-metadata: ") == len(version_matrix())
