"""The registry of meta-commands (`:help`, `:save` …): one table that feeds dispatch, `:help` and completion.

Each command is data — name, aliases, argument synopsis, one-line help, longer details, the completion kind of
each argument position and its handler — in the manner of pgcli's special-command registry. The handlers live
in the `meta_*` modules, grouped by what they touch; `default_registry()` collects them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cpictl.repl.context import ReplContext

Handler = Callable[["ReplContext", list[str]], None]


@dataclass(frozen=True)
class MetaCommand:
    name: str
    args: str  # synopsis, e.g. "[METHOD]"
    help: str  # one line, shown by :help and beside the completion
    handler: Handler
    completion: tuple[str, ...] = ()  # per argument position; see cpictl.repl.suggest.suggest
    aliases: tuple[str, ...] = ()
    details: str = ""  # more text for `:help NAME`
    # It changes where or how the next calls go (the CPI, versions, context, timeout): when it fails, a piped script
    # stops there, because its next calls would reach a CPI or carry settings the script did not mean.
    steers: bool = False

    @property
    def usage(self) -> str:
        return f":{self.name}" + (f" {self.args}" if self.args else "")


class Registry:
    def __init__(self, commands: Iterable[MetaCommand]) -> None:
        self.commands = list(commands)
        self._by_name: dict[str, MetaCommand] = {}
        for command in self.commands:
            for name in (command.name, *command.aliases):
                if name in self._by_name:
                    raise ValueError(f"meta-command name {name!r} registered twice")
                self._by_name[name] = command

    def find(self, name: str) -> MetaCommand | None:
        return self._by_name.get(name.lstrip(":"))

    def lookup(self, name: str) -> MetaCommand:
        """The command, or a ReplError that suggests the closest name."""
        from cpictl.repl.context import ReplError

        command = self.find(name)
        if command is not None:
            return command
        close = difflib.get_close_matches(name.lstrip(":"), list(self._by_name), n=1, cutoff=0.5)
        hint = f" (did you mean ':{self._by_name[close[0]].name}'?)" if close else "; :help lists them"
        raise ReplError(f"unknown command ':{name.lstrip(':')}'{hint}")

    def steering(self) -> list[MetaCommand]:
        """The commands whose failure stops a piped script."""
        return [command for command in self.commands if command.steers]

    def completion_kinds(self) -> dict[str, tuple[str, ...]]:
        """Name (and alias) → completion kinds of its arguments, for `suggest`."""
        return {name: command.completion for name, command in self._by_name.items()}


def default_registry() -> Registry:
    from cpictl.repl import meta_actions, meta_info, meta_session, meta_settings, meta_target, meta_trace

    return Registry([*meta_info.COMMANDS, *meta_settings.COMMANDS, *meta_target.COMMANDS, *meta_session.COMMANDS,
                     *meta_trace.COMMANDS, *meta_actions.COMMANDS])
