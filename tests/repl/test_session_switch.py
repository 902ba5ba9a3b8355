"""`:session NAME`: the REPL switches to another session's journal — calls, references, completion, the toolbar
and leaving follow it; `:session` alone says which one is in use."""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document

from cpictl.repl.completer import ReplCompleter
from cpictl.repl.live_ids import LiveIdIndex
from cpictl.repl.loop import run_piped
from cpictl.repl.terminal import Terminal
from cpictl.repl.toolbar import toolbar_fragments
from cpictl.store import CloudIdStore, default_journal_path
from tests.repl.conftest import Repl, cid_created


def live(session: str, kind: str) -> list[str]:
    return [record.cid for record in CloudIdStore(default_journal_path(session)).replay().live(kind)]


def test_calls_references_and_the_toolbar_follow_the_session(repl: Repl) -> None:
    ids = LiveIdIndex(lambda: repl.ctx.state.store)  # as the loop makes it, once, before any switch
    first = cid_created(repl.run("create_disk 1 {}"), "disk")
    output = repl.run(":session other")
    assert "still live in session test — `cpictl cleanup --session test` deletes them:" in output
    assert f"  disk      {first}" in output.splitlines()  # what the session left behind holds, named
    assert f"now in session other ({default_journal_path('other')}): no live cloud IDs" in output
    toolbar = "".join(text for _, text in toolbar_fragments(repl.ctx.state, ids))
    assert "session other" in toolbar and "no live IDs" in toolbar
    second = cid_created(repl.run("create_disk 2 {}"), "disk")
    assert live("other", "disk") == [second] and repl.live("disk") == [second]
    repl.run("has_disk ${disk}")
    assert repl.ctx.state.last.outcome.request.arguments == [second]  # ${disk}: the new session's
    assert "disk 1" in "".join(text for _, text in toolbar_fragments(repl.ctx.state, ids))
    assert "session other" in repl.run(":session") and "1 disk live" in repl.run(":session")
    assert "already in session other" in repl.run(":session other")
    repl.run(":session third")
    assert repl.live("disk") == []  # a third, empty session: nothing of the others leaks in


def test_leaving_names_the_ids_of_the_session_in_use(repl: Repl) -> None:
    repl.run(":session other")
    repl.ctx.term = Terminal(repl.term.console)
    run_piped(repl.ctx, ["create_disk 1 {}\n"])
    output = repl.term.take_output()
    assert "left live in session other — `cpictl cleanup --session other` deletes them:" in output


def test_completion_offers_the_sessions_with_a_journal(repl: Repl) -> None:
    for name in ("alpha", "beta"):
        repl.run(f":session {name}")
        repl.run("create_disk 1 {}")  # a journal exists once something was written to it
    completer = ReplCompleter(repl.ctx.state, repl.ctx.registry)
    tab = CompleteEvent(completion_requested=True)
    offered = [completion.text for completion in completer.get_completions(Document(":session "), tab)]
    assert offered == ["alpha", "beta"]  # not their trace files, spools or locks


def test_a_bad_name_or_a_served_registry_keeps_the_session(repl: Repl, journal: Path) -> None:
    assert "invalid session name '../x'" in repl.run(":session ../x")
    repl.ctx.state.registry = object()
    assert "serves an embedded registry for session test" in repl.run(":session other")
    assert repl.ctx.state.session_label == "test" and repl.ctx.state.store.path == journal
    repl.ctx.state.registry = None
    repl.ctx.term = Terminal(repl.term.console)
    assert run_piped(repl.ctx, [":session ../x\n", "create_disk 1 {}\n"]) == 2  # a script stops there
    assert "stopped at line 1: :session failed" in repl.term.take_output() and repl.live("disk") == []

