"""`-o yaml` writes a string of several lines as a block scalar (`|`), in every command's output, and stays strict:
it holds only what JSON holds and reads back as the same document, whatever the string."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cpictl.cli.main import main
from cpictl.render.yaml_output import strict_yaml
from tests.cli.test_run import RECIPES

LOG = "I, [2026-01-01T00:00:00 #1]  INFO -- cpi: Starting create_vm...\nI, [2026] Finished in 0.1 s\n"


def test_a_multi_line_string_is_a_block_scalar():
    text = strict_yaml({"log": LOG, "one": "line", "lines": ["a\nb"]})
    assert text == ("log: |\n"
                    "  I, [2026-01-01T00:00:00 #1]  INFO -- cpi: Starting create_vm...\n"
                    "  I, [2026] Finished in 0.1 s\n"
                    "one: line\n"
                    "lines:\n"
                    "- |-\n"
                    "  a\n"
                    "  b\n")


def test_strings_a_block_cannot_hold_exactly_stay_quoted():
    for value in ("trailing space \nx", "a\r\nb", "\x1b[31mred\nx", "ends with blanks\n  "):
        text = strict_yaml({"s": value})
        assert "|" not in text and yaml.safe_load(text) == {"s": value}, text
    assert yaml.safe_load(strict_yaml({"a\nb": 1})) == {"a\nb": 1}  # a key of several lines: a complex key


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_every_string_reads_back_as_itself(value):
    document = {"value": value, "list": [value, {"nested": value}]}
    assert yaml.safe_load(strict_yaml(document)) == document
    assert yaml.safe_load(strict_yaml(document, ascii_only=True)) == document


def test_every_commands_yaml_output_uses_blocks(capsys):
    assert main(["call", "info", "-o", "yaml"]) == 0
    out = capsys.readouterr().out
    assert "\n  log: |" in out and json.dumps(yaml.safe_load(out))  # the CPI's log, as its lines; and JSON-able
    assert main(["run", str(RECIPES / "walkthrough.yml"), "-o", "yaml"]) == 0
    out = capsys.readouterr().out
    assert "\n  stderr: |\n" in out and "\n    log: |\n" in out and yaml.safe_load(out)["status"] == "passed"
