"""The shell side of completion: the scripts in `completions/`, and the classes that answer their Tabs.

typer's machinery does both: a `ShellComplete` class per shell renders its script (`source()`, what
`make completions` writes) and answers it (`_CPICTL_COMPLETE=complete_bash|zsh|fish`). cpictl registers
subclasses of typer's classes that fix what real shells showed (`tests/completion`):

* zsh: typer's `_cpictl`, autoloaded from `$fpath`, only registers itself on the first Tab and completes from the
  second; here it also completes when autoloaded, as click's own zsh script does;
* zsh, fish: typer passes every description through rich (~50 ms of imports on each Tab); cpictl's descriptions
  are plain text, so they are only escaped;
* an item click's file types return to mean "complete a file name here" (its value is the word typed, so a shell
  would insert that word back) is left out: with nothing to offer, each script falls back to the shell's own file
  completion (bash `-o default`, zsh `_files`, fish `__fish_complete_path`);
* fish: typer's script runs cpictl twice per Tab; this one runs it once.

The scripts hold no command names: each Tab asks `cpictl`, so new commands and options complete without new
scripts. `cpictl.cli.main` calls `use_cpictl_classes` once typer has registered its own (it does so while
building the command), so `--show-completion` and `--install-completion` print and install these same scripts.
`command_being_completed` tells it which single command a Tab is in, so only that one is built.
"""

from __future__ import annotations

import os
import re
from collections.abc import Container
from typing import Any

from typer import _completion_classes as typer_classes
from typer import _completion_shared as typer_scripts

PROG_NAME = "cpictl"
COMPLETE_VAR = "_CPICTL_COMPLETE"
#: The committed scripts, by shell: how each shell finds them is in completions/README.md.
SCRIPT_FILES = {"bash": "cpictl.bash", "zsh": "_cpictl", "fish": "cpictl.fish"}

# An autoloaded function's first run only defines it; click's zsh script tells that case by `zsh_eval_context`.
_ZSH_AUTOLOADED = """
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  # autoloaded from $fpath by this very Tab: complete now, not from the next Tab on
  %(complete_func)s "$@"
fi
"""
_WHITESPACE = re.compile(r"\s")  # fish reads one completion a line, its description after a tab

# typer's fish script asks cpictl twice per Tab (`--condition`: is there anything? then `--arguments`: what?), two
# processes of ~100 ms each; this one asks once and falls back to fish's own file completion when nothing came.
_FISH_SCRIPT = """\
function __%(prog_name)s_complete
    set -l offered (env %(autocomplete_var)s=complete_fish _TYPER_COMPLETE_FISH_ACTION=get-args \\
        _TYPER_COMPLETE_ARGS=(commandline -cp) %(prog_name)s | string match -v '')
    if set -q offered[1]
        printf '%%s\\n' $offered
    else
        __fish_complete_path (commandline -ct)
    end
end
complete --command %(prog_name)s --no-files --arguments "(__%(prog_name)s_complete)"
"""


def _plain(items: list[Any]) -> list[Any]:
    return [item for item in items if item.type == "plain"]


def _whole_words(items: list[Any], incomplete: str) -> list[Any]:
    """zsh and fish replace the whole word being completed: for `--print=res` click offers the value (`result`),
    which must come back as the word, `--print=result`."""
    option, equals, _ = incomplete.partition("=")
    if not (equals and option.startswith("--")):
        return items
    return [type(item)(f"{option}={item.value}", type=item.type, help=item.help) for item in items]


class BashComplete(typer_classes.BashComplete):
    #: What bash's current word holds before the value being completed: `=` right after `--print=`.
    value_prefix = ""

    def get_completion_args(self) -> tuple[list[str], str]:
        """bash breaks words at `=` (COMP_WORDBREAKS): `--print=res<Tab>` arrives as `--print`, `=`, `res`, and
        `--print=<Tab>` as `--print` with `=` the word being completed. Joined again, click completes the option's
        value; bash puts it in place of `res`, or of the `=` (so each value comes back with it)."""
        args, incomplete = super().get_completion_args()
        if len(args) >= 2 and args[-1] == "=" and args[-2].startswith("--"):
            return args[:-2], f"{args[-2]}={incomplete}"
        if args and args[-1].startswith("--") and incomplete == "=":
            self.value_prefix = "="
            return args[:-1], f"{args[-1]}="
        return args, incomplete

    def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
        return _plain(super().get_completions(args, incomplete))

    def format_completion(self, item: Any) -> str:
        return f"{self.value_prefix}{item.value}"


class ZshComplete(typer_classes.ZshComplete):
    source_template = typer_scripts.COMPLETION_SCRIPT_ZSH.rstrip() + "\n" + _ZSH_AUTOLOADED

    def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
        return _whole_words(_plain(super().get_completions(args, incomplete)), incomplete)

    def format_completion(self, item: Any) -> str:
        """typer's format, without rich."""
        def escape(text: str) -> str:
            return (text.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`")
                    .replace(":", r"\\:"))

        value = f'"{escape(item.value)}"'
        return f'{value}:"{escape(item.help)}"' if item.help else value


class FishComplete(typer_classes.FishComplete):
    source_template = _FISH_SCRIPT

    def get_completions(self, args: list[str], incomplete: str) -> list[Any]:
        return _whole_words(_plain(super().get_completions(args, incomplete)), incomplete)

    def format_completion(self, item: Any) -> str:
        """typer's format, without rich."""
        return f"{item.value}\t{_WHITESPACE.sub(' ', item.help)}" if item.help else f"{item.value}"


CLASSES: dict[str, type[Any]] = {"bash": BashComplete, "zsh": ZshComplete, "fish": FishComplete}


def use_cpictl_classes() -> None:
    """Answer Tabs, `--show-completion` and `--install-completion` with cpictl's classes and scripts."""
    templates = getattr(typer_scripts, "_completion_scripts", {})  # what --show/--install-completion read
    for shell, cls in CLASSES.items():
        typer_classes.add_completion_class(cls, shell)  # from the click typer uses (its own copy, or click)
        templates[shell] = cls.source_template


def script(shell: str, command: Any = None) -> str:
    """The completion script for `shell`, as `make completions` writes it into completions/."""
    return CLASSES[shell](command, {}, PROG_NAME, COMPLETE_VAR).source().strip() + "\n"


def command_being_completed(commands: Container[str]) -> str | None:
    """The command a Tab is completing inside (`cpictl --debug call delete_vm <Tab>` → call): the first word
    before the one being completed that is not an option. None when the Tab is on the command's name itself, or
    outside a command: then every command is needed."""
    instruction = os.environ.get(COMPLETE_VAR, "")
    cls = CLASSES.get(instruction.partition("_")[2])
    if cls is None:
        return None
    try:
        args, _ = cls(None, {}, PROG_NAME, COMPLETE_VAR).get_completion_args()
    except (KeyError, ValueError):  # a hand-made call without the variables a script sets
        return None
    first = next((word for word in args if not word.startswith("-")), None)
    return first if first in commands else None
