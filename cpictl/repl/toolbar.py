"""The bottom toolbar: which target, which versions, which session, how many live IDs of each kind and, when not
the default, how calls are shown (`json`, `quiet`) — or, while the input continues over several lines, what keeps
it open and how to get out.

The target is named, not spelled out: a named target by its name (the word the user chose and types to
`:target`), else the bundled reference CPI, a label, or the executable's basename. Its argv is long, mostly a
path the user knows already, and at 80 columns it pushed out everything else; `:env` shows it whole.

It fits the terminal's width instead of being cut at the right edge: the full wording when there is room, else
abbreviated (`api 2/stemcell 2`, `vm 2 disk 1`), the session left out before the name is cut, then the name cut
to the room that is left, then left out. The live-ID counts and the API versions are what a user steers by:
they are the last to go.

prompt_toolkit redraws it often; the counts come from the live-ID index, which only recounts when the journal
changed, so a redraw costs one `stat`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from rich.cells import cell_len

from cpictl.repl.lines import is_incomplete, open_description
from cpictl.repl.live_ids import LiveIdIndex
from cpictl.repl.state import ReplState
from cpictl.session import Target

FormattedText = list[tuple[str, str]]
TARGET_MIN = 8  # a target cut shorter than this says nothing: leave it out instead


def width_of(fragments: FormattedText) -> int:
    return sum(cell_len(text) for _, text in fragments)


def toolbar_fragments(state: ReplState, ids: LiveIdIndex, width: int | None = None) -> FormattedText:
    """The toolbar in at most `width` cells (None: the full wording, however long)."""
    target = state.target
    counts = ids.counts()
    live = " · ".join(f"{kind} {count}" for kind, count in counts.items()) or "no live IDs"
    version = "auto" if target.negotiate else "omitted" if target.api_version is None else str(target.api_version)
    stemcell = "not sent" if target.stemcell_api_version is None else str(target.stemcell_api_version)
    caller = f"as {target.caller} " if target.caller != "director" else ""
    full = [("bold", f" {target_name(target)} "), ("", f"│ {caller}api_version {version} "),
            ("", f"│ stemcell api {stemcell} "), ("", f"│ session {state.session_label} "), ("", f"│ {live} ")]
    shown = shown_settings(state)
    if shown:
        full.append(("", f"│ {shown} "))
    if width is None or width_of(full) <= width:
        return full
    return _compact(state, counts, width)


def shown_settings(state: ReplState) -> str:
    """`json quiet`: the output settings that are not the default (the calls then look unlike a plain `cpictl
    call`, and this says why); empty when both are."""
    return " ".join(word for word, default in ((state.output, "table"), (state.detail.level, "normal"))
                    if word != default)


def _compact(state: ReplState, counts: dict[str, int], width: int) -> FormattedText:
    target = state.target
    live = " ".join(f"{kind} {count}" for kind, count in counts.items()) or "no live IDs"
    version = "auto" if target.negotiate else "none" if target.api_version is None else str(target.api_version)
    stemcell = "none" if target.stemcell_api_version is None else str(target.stemcell_api_version)
    caller = "create-env " if target.caller == "create-env" else ""
    vital = [("bold", f" {live} "), ("", f"│ {caller}api {version}/stemcell {stemcell} ")]
    if shown_settings(state):  # a few letters, and what explains the calls' look: kept with the vital part
        vital.append(("", f"│ {shown_settings(state)} "))
    session = ("", f"│ session {state.session_label} ")
    name = cell_len(short_target(target, width))
    # the whole name before the session (the name says which cloud a call goes to; the session rarely changes),
    # but a name too long for either is cut beside the session
    for rest, least in (([session], name), ([], name), ([session], TARGET_MIN), ([], TARGET_MIN)):
        room = width - width_of(vital) - width_of(rest) - len("│  ")
        if room >= least:
            return [*vital, *rest, ("", f"│ {short_target(target, room)} ")]
    return vital  # too narrow for anything else: prompt_toolkit cuts what still does not fit


def target_name(target: Target) -> str:
    """The target as the toolbar names it: its name; else the bundled reference CPI, its label, or its
    executable's basename."""
    if target.name:
        return target.name
    if target.is_reference:
        return "bundled reference CPI"
    if target.label:
        return target.label
    return os.path.basename(target.argv[0].rstrip("/")) or target.argv[0] if target.argv else "?"


def short_target(target: Target, room: int) -> str:
    """`target_name` in at most `room` cells (the reference CPI in fewer words; another name cut at its end)."""
    if target.is_reference and not target.name:
        return "reference CPI" if room >= len("reference CPI") else "refcpi"
    name = target_name(target)
    return name if cell_len(name) <= room else name[: room - 1] + "…"


def continuation_fragments(text: str, width: int | None = None) -> FormattedText:
    """What keeps the input open and how to get out; the hints least needed are left out when narrow."""
    opened = ("bold", f" continuing: {open_description(text)} is open ")
    hints = [("", "│ close it to send "), ("bold", "│ Ctrl-C cancels "),
             ("", "│ a line starting with : cancels and runs that command ")]
    for keep in ((0, 1, 2), (0, 1), (1,), ()):
        fragments = [opened, *(hint for index, hint in enumerate(hints) if index in keep)]
        if width is None or width_of(fragments) <= width:
            return fragments
    return [opened]


def terminal_width() -> int | None:
    """The width of the running prompt_toolkit application's output; None outside one."""
    from prompt_toolkit.application.current import get_app_or_none

    app = get_app_or_none()
    return None if app is None else app.output.get_size().columns


def make_toolbar(state: ReplState, ids: LiveIdIndex, input_text: Callable[[], str] = lambda: "",
                 width: Callable[[], int | None] = terminal_width) -> Callable[[], FormattedText]:
    def fragments() -> FormattedText:
        text = input_text()
        columns = width()
        if "\n" in text and is_incomplete(text):
            return continuation_fragments(text, columns)
        return toolbar_fragments(state, ids, columns)

    return fragments
