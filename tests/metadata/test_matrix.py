"""The director/CPI/stemcell matrix of contract §5.6: computed from the rule, and equal to the documented truth."""

from __future__ import annotations

from itertools import product

import pytest

from cpictl.protocol.agent_settings import (
    negotiated_version,
    placement_for,
    settings_in_user_metadata,
    version_matrix,
)

# The documentation's table, typed in here (and only here) to check the computed one: only 2/2/2 is registry-less.
DOCUMENTED_REGISTRY_LESS = {(2, 2, 2)}


def test_the_matrix_has_the_eight_combinations_once_each() -> None:
    rows = version_matrix()
    assert [(r["director"], r["cpi"], r["stemcell"]) for r in rows] == list(product((1, 2), repeat=3))


@pytest.mark.parametrize("row", version_matrix(), ids=lambda r: f"{r['director']}/{r['cpi']}/{r['stemcell']}")
def test_each_row_follows_the_rule_and_the_documentation(row) -> None:
    key = (row["director"], row["cpi"], row["stemcell"])
    full = key in DOCUMENTED_REGISTRY_LESS
    assert row["full_settings_in_metadata"] is full
    assert row["registry"] is (not full)
    rule = settings_in_user_metadata(negotiated_version(row["director"], row["cpi"]), row["stemcell"])
    assert row["full_settings_in_metadata"] is rule
    assert placement_for(negotiated_version(row["director"], row["cpi"]), row["stemcell"]) == (
        "user-metadata" if full else "registry")


@pytest.mark.parametrize(("api_version", "stemcell", "placement"), [
    (None, 2, "registry"),  # an omitted api_version means 1
    (2, None, "registry"),  # no stemcell version in the context: 1, as the AWS CPI defaults it
    (3, 2, "user-metadata"),
    (2, 3, "user-metadata"),
])
def test_absent_versions_count_as_one(api_version, stemcell, placement) -> None:
    assert placement_for(api_version, stemcell) == placement


def test_cli_matrix_json_and_table(cli) -> None:
    code, rows = cli.json("metadata", "matrix")
    assert code == 0
    assert rows == version_matrix()
    assert set(rows[0]) == {"director", "cpi", "stemcell", "registry", "full_settings_in_metadata"}
    code, out = cli.table("metadata", "matrix")
    assert code == 0
    lines = [line.split() for line in out.splitlines() if line.strip()[:1] in ("1", "2")]
    assert len(lines) == 8
    assert [line for line in lines if line[3] == "no"] == [["2", "2", "2", "no", "yes"]]
