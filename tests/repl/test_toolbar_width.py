"""The bottom toolbar fits the terminal: at 80 columns the live-ID counts and API versions survive, and the target
is named (its name, else its executable's basename), not spelled out as its argv."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cpictl.repl.state import ReplState
from cpictl.repl.toolbar import continuation_fragments, make_toolbar, toolbar_fragments
from cpictl.session import REFERENCE_CPI_LABEL, Target, reference_cpi_argv
from cpictl.store import CloudIdStore

OPENSTACK = ["/var/vcap/jobs/openstack_cpi/bin/cpi", "--config", "/var/vcap/jobs/openstack_cpi/config/cpi.json"]


class Counts:
    """What the toolbar reads of the live-ID index."""

    def __init__(self, counts: dict[str, int]) -> None:
        self._counts = counts

    def counts(self) -> dict[str, int]:
        return self._counts


def state(tmp_path: Path, argv: list[str], label: str = "", session: str = "default", **settings: Any
          ) -> ReplState:
    target = Target(argv=argv, director_uuid="d", label=label, **settings)
    return ReplState(target=target, store=CloudIdStore(tmp_path / "journal.jsonl"), session_label=session)


def shown(fragments: list[tuple[str, str]]) -> str:
    return "".join(text for _, text in fragments)


def test_at_160_columns_the_toolbar_says_everything_in_full(tmp_path: Path) -> None:
    text = shown(toolbar_fragments(state(tmp_path, OPENSTACK), Counts({"vm": 2, "disk": 1}), 160))
    assert text == " cpi │ api_version 2 │ stemcell api 2 │ session default │ vm 2 · disk 1 "
    reference = state(tmp_path, reference_cpi_argv(), REFERENCE_CPI_LABEL)
    text = shown(toolbar_fragments(reference, Counts({"vm": 2, "disk": 1}), 160))
    assert text == " bundled reference CPI │ api_version 2 │ stemcell api 2 │ session default │ vm 2 · disk 1 "


@pytest.mark.parametrize("argv, label", [(OPENSTACK, ""), (reference_cpi_argv(), REFERENCE_CPI_LABEL),
                                         (["/opt/cpi"], "a label someone chose that is far too long to fit here")])
def test_at_80_columns_counts_and_versions_survive_and_the_target_is_shortened(tmp_path: Path, argv: list[str],
                                                                             label: str) -> None:
    repl = state(tmp_path, argv, label, session="default", stemcell_api_version=None)
    text = shown(toolbar_fragments(repl, Counts({"vm": 2, "disk": 1, "stemcell": 1}), 80))
    assert len(text) <= 80
    assert text.startswith(" vm 2 disk 1 stemcell 1 │ api 2/stemcell none │ session default │ ")
    assert text.endswith(("│ cpi ", "│ reference CPI ", "… "))
    assert "/var/vcap" not in text


def test_a_named_target_is_shown_by_its_name_with_caller_and_versions(tmp_path: Path) -> None:
    named = state(tmp_path, OPENSTACK, name="openstack-prod", caller="create-env")
    text = shown(toolbar_fragments(named, Counts({"vm": 2}), 160))
    assert text == " openstack-prod │ as create-env api_version 2 │ stemcell api 2 │ session default │ vm 2 "
    text = shown(toolbar_fragments(named, Counts({"vm": 2}), 80))
    assert text == " vm 2 │ create-env api 2/stemcell 2 │ session default │ openstack-prod "
    many = Counts({"vm": 12, "disk": 3, "stemcell": 1})
    text = shown(toolbar_fragments(named, many, 80))  # the whole name outlasts the session
    assert text == " vm 12 disk 3 stemcell 1 │ create-env api 2/stemcell 2 │ openstack-prod "
    assert "/var/vcap" not in shown(toolbar_fragments(named, many, 60))


def test_the_basename_of_an_unnamed_cpi_names_it(tmp_path: Path) -> None:
    text = shown(toolbar_fragments(state(tmp_path, OPENSTACK), Counts({"vm": 2}), 80))
    assert text == " cpi │ api_version 2 │ stemcell api 2 │ session default │ vm 2 "


def test_very_narrow_the_session_then_the_target_give_way(tmp_path: Path) -> None:
    repl = state(tmp_path, OPENSTACK, session="a-long-session-name")
    text = shown(toolbar_fragments(repl, Counts({"vm": 2, "disk": 1}), 48))
    assert len(text) <= 48 and "session" not in text and text.startswith(" vm 2 disk 1 │ api 2/stemcell 2 │ ")
    text = shown(toolbar_fragments(repl, Counts({"vm": 2, "disk": 1}), 36))
    assert text == " vm 2 disk 1 │ api 2/stemcell 2 "


def test_no_live_ids_is_said_at_any_width(tmp_path: Path) -> None:
    for width in (80, 160):
        text = shown(toolbar_fragments(state(tmp_path, OPENSTACK), Counts({}), width))
        assert "no live IDs" in text and len(text) <= width


def test_make_toolbar_asks_the_terminal_for_its_width(tmp_path: Path) -> None:
    repl = state(tmp_path, OPENSTACK)
    narrow = shown(make_toolbar(repl, Counts({"vm": 1}), width=lambda: 50)())  # type: ignore[arg-type]
    wide = shown(make_toolbar(repl, Counts({"vm": 1}), width=lambda: 160)())  # type: ignore[arg-type]
    assert len(narrow) <= 50 and "vm 1" in narrow and "api 2/stemcell 2" in narrow
    assert "api_version 2 │ stemcell api 2" in wide and wide.endswith("│ vm 1 ")


def test_the_continuation_toolbar_keeps_how_to_get_out_at_80_columns() -> None:
    typed = "create_vm a sc {} {default:\n"
    text = shown(continuation_fragments(typed, 80))
    assert len(text) <= 80 and "'{' from line 1, column 19 is open" in text and "Ctrl-C cancels" in text
    text = shown(continuation_fragments(typed, 160))
    assert "close it to send" in text and "a line starting with : cancels and runs that command" in text
