"""The bottom toolbar fits the terminal: at 80 columns the live-ID counts and API versions survive."""

from __future__ import annotations

from pathlib import Path

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


def state(tmp_path: Path, argv: list[str], label: str = "", session: str = "default", **versions: int | None
          ) -> ReplState:
    target = Target(argv=argv, director_uuid="d", label=label, **versions)  # type: ignore[arg-type]
    return ReplState(target=target, store=CloudIdStore(tmp_path / "journal.jsonl"), session_label=session)


def shown(fragments: list[tuple[str, str]]) -> str:
    return "".join(text for _, text in fragments)


def test_at_160_columns_the_toolbar_says_everything_in_full(tmp_path: Path) -> None:
    text = shown(toolbar_fragments(state(tmp_path, OPENSTACK), Counts({"vm": 2, "disk": 1}), 160))
    assert text == (" /var/vcap/jobs/openstack_cpi/bin/cpi --config /var/vcap/jobs/openstack_cpi/config/cpi.json "
                    "│ api_version 2 │ stemcell api 2 │ session default │ vm 2 · disk 1 ")
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
    assert "…" in text or "reference CPI" in text


def test_the_path_of_a_long_cpi_keeps_its_executable_name(tmp_path: Path) -> None:
    text = shown(toolbar_fragments(state(tmp_path, OPENSTACK), Counts({"vm": 2}), 80))
    assert text == " vm 2 │ api 2/stemcell 2 │ session default │ …r/vcap/jobs/openstack_cpi/bin/cpi "
    text = shown(toolbar_fragments(state(tmp_path, OPENSTACK), Counts({"vm": 2}), 100))
    assert text == " vm 2 │ api 2/stemcell 2 │ session default │ /var/vcap/jobs/openstack_cpi/bin/cpi … "


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
    narrow = shown(make_toolbar(repl, Counts({"vm": 1}), width=lambda: 80)())  # type: ignore[arg-type]
    wide = shown(make_toolbar(repl, Counts({"vm": 1}), width=lambda: 160)())  # type: ignore[arg-type]
    assert len(narrow) <= 80 and "vm 1" in narrow and "api 2/stemcell 2" in narrow
    assert "api_version 2 │ stemcell api 2" in wide and wide.endswith("│ vm 1 ")


def test_the_continuation_toolbar_keeps_how_to_get_out_at_80_columns() -> None:
    typed = "create_vm a sc {} {default:\n"
    text = shown(continuation_fragments(typed, 80))
    assert len(text) <= 80 and "'{' from line 1, column 19 is open" in text and "Ctrl-C cancels" in text
    text = shown(continuation_fragments(typed, 160))
    assert "close it to send" in text and "a line starting with : cancels and runs that command" in text
