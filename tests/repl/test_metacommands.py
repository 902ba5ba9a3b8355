"""The meta-command registry: one table behind dispatch, :help and completion."""

from __future__ import annotations

import pytest

from cpictl.repl.context import ReplError
from cpictl.repl.metacommands import MetaCommand, Registry, default_registry

REQUIRED = {"help", "methods", "describe", "ids", "last", "log", "stderr", "set", "context", "cpi", "env", "again",
            "edit", "run", "save", "cleanup", "quit"}


def test_every_command_the_repl_promises_is_registered_with_help() -> None:
    registry = default_registry()
    names = {command.name for command in registry.commands}
    assert names >= REQUIRED
    assert all(command.help for command in registry.commands)


def test_aliases_find_their_command() -> None:
    registry = default_registry()
    assert registry.lookup("exit").name == "quit"
    assert registry.lookup(":q").name == "quit"


def test_unknown_names_suggest_the_closest() -> None:
    registry = default_registry()
    with pytest.raises(ReplError, match=r"unknown command ':sav' \(did you mean ':save'\?\)"):
        registry.lookup("sav")
    with pytest.raises(ReplError, match=r":help lists them"):
        registry.lookup("zzzzzz")


def test_a_name_cannot_be_registered_twice() -> None:
    def noop(ctx: object, args: list[str]) -> None:
        return None

    with pytest.raises(ValueError, match="registered twice"):
        Registry([MetaCommand("a", "", "x", noop), MetaCommand("b", "", "y", noop, aliases=("a",))])


def test_completion_kinds_come_from_the_table() -> None:
    kinds = default_registry().completion_kinds()
    assert kinds["run"] == ("recipe",) and kinds["save"] == ("file",)
    assert kinds["describe"] == ("method",)
    assert kinds["exit"] == kinds["quit"] == ()


def test_help_lists_every_command_and_explains_one(repl) -> None:
    listing = repl.run(":help")
    for command in repl.ctx.registry.commands:
        assert command.usage in listing
    assert "METHOD ARG" in listing
    one = repl.run(":help save")
    assert ":save FILE.yml" in one and "${vm}" in one


def test_set_as_create_env_takes_that_callers_whole_form(repl) -> None:
    repl.run(":set as create-env")
    target = repl.ctx.state.target
    assert (target.caller, target.env_mode, target.stemcell_api_version) == ("create-env", "create-env", 1)
    repl.run(":set api_version auto")
    assert repl.ctx.state.target.negotiate
    repl.run(":set api_version 2")
    assert not repl.ctx.state.target.negotiate and repl.ctx.state.target.api_version == 2
    assert "expected director or create-env" in repl.run(":set as dierctor")
