"""What may be typed at the cursor: a pure function from the text before the cursor to kinds of suggestion.

`suggest` says *what kind of thing* goes where the cursor is (a method name, a VM cloud ID, a parameter name, a
file path …) and which part of the text it would replace (`word`); it never looks anything up. The completer
maps each kind to the matching candidates (cpictl.repl.completer). Splitting this way (pgcli's sqlcompletion)
keeps the grammar testable with plain strings.

Argument slots follow `cpictl call`: positional words fill the method's parameters in order, `name=value` sets
one by name, a slot that takes a cloud ID suggests live IDs of that kind only, and a string parameter named like
a path (`image_path`, `path`) suggests file paths. The disk slot of attach_disk/detach_disk also carries the
relation and the VM word typed before it, so the completer can offer first the disks the call can work on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cpictl.protocol.catalogue import METHODS, MethodSpec, Param
from cpictl.protocol.kinds import KIND_NAMES
from cpictl.repl.lines import scan

_NAMED_WORD = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)
_FLOW_ITEM_START = "[, \n"
RECIPE_EXTENSIONS = (".yml", ".yaml")


@dataclass(frozen=True)
class MethodName:
    word: str


@dataclass(frozen=True)
class MetaName:
    word: str  # without the colon
    colon: bool = True  # False after `:help`, where the name is written bare


@dataclass(frozen=True)
class CloudIdOf:
    word: str
    kind: str  # a CloudIdKind value: vm, disk …
    relation: str | None = None  # the disk of attach_disk / detach_disk: "attach" or "detach" (the catalogue's)
    vm: str | None = None  # then: the VM word as typed (`${vm}`, a CID), if one was


@dataclass(frozen=True)
class ParamName:
    word: str
    method: str
    given: tuple[str, ...] = ()  # parameters already set by name or position


@dataclass(frozen=True)
class ReferenceName:
    word: str  # the text after `${`


@dataclass(frozen=True)
class FilePath:
    word: str
    extensions: tuple[str, ...] = ()  # only files ending so (and directories); empty: every file


@dataclass(frozen=True)
class Choice:
    word: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class ContextKey:
    word: str


@dataclass(frozen=True)
class TargetName:
    word: str


@dataclass(frozen=True)
class SessionName:
    word: str


@dataclass(frozen=True)
class TraceCall:
    word: str  # the number of a call in the session's trace (`:replay N`)


Suggestion = (MethodName | MetaName | CloudIdOf | ParamName | ReferenceName | FilePath | Choice | ContextKey
              | TargetName | SessionName | TraceCall)


def suggest(text_before_cursor: str, *, api_version: int | None = 2,
            meta_args: Mapping[str, Sequence[str]] | None = None) -> list[Suggestion]:
    """Kinds of suggestion for the cursor position. `meta_args` maps a meta-command name to the completion kinds
    of its arguments, one per position ("method", "meta", "file", "recipe" (a .yml/.yaml file), "context",
    "target" (a named target), "session" (a session's name), "kind", "choice:a,b"); a kind ending in `*` repeats
    for every later position."""
    scanned = scan(text_before_cursor)
    partial = scanned.partial or ""
    if scanned.partial_raw_length != len(partial):
        return []  # a quoted or escaped word: a completion could not replace it exactly
    words = scanned.words
    if not words:
        if partial.startswith(":"):
            return [MetaName(partial[1:])]
        return [MethodName(partial), MetaName("")] if not partial else [MethodName(partial)]
    reference = _open_reference(partial)
    if reference is not None:
        return [ReferenceName(reference)]
    first = words[0]
    if first.startswith(":"):
        return _meta_argument(first[1:], len(words) - 1, partial, meta_args or {}, words[-1])
    spec = METHODS.get(first)
    if spec is None:
        return []
    return _method_argument(spec, api_version, words[1:], partial, scanned.in_flow)


def _open_reference(partial: str) -> str | None:
    """The text after an unclosed `${` at the end of the word, or None."""
    start = partial.rfind("${")
    if start < 0 or "}" in partial[start:]:
        return None
    return partial[start + 2 :]


def _meta_argument(name: str, position: int, partial: str, meta_args: Mapping[str, Sequence[str]],
                   previous: str = "") -> list[Suggestion]:
    kinds = meta_args.get(name)
    if not kinds:
        return []
    if position < len(kinds):
        kind = kinds[position]
    elif kinds[-1].endswith("*"):
        kind = kinds[-1]
    else:
        return []
    kind = kind.rstrip("*")
    if kind.startswith("choice:"):
        return [Choice(partial, tuple(kind[len("choice:") :].split(",")))]
    if kind.startswith("choice-after:"):  # `KEY=a|b;…`: the choices follow the word before (`:set as <Tab>`)
        by_previous = dict(item.split("=", 1) for item in kind[len("choice-after:") :].split(";"))
        choices = by_previous.get(previous)
        return [Choice(partial, tuple(choices.split("|")))] if choices else []
    simple = {"method": MethodName, "file": FilePath, "context": ContextKey, "target": TargetName,
              "session": SessionName, "trace": TraceCall}
    if kind in simple:
        return [simple[kind](partial)]
    if kind == "meta":
        return [MetaName(partial.lstrip(":"), colon=False)]
    if kind == "kind":
        return [Choice(partial, KIND_NAMES)]
    if kind == "recipe":
        return [FilePath(partial, RECIPE_EXTENSIONS)]
    return []


def _method_argument(spec: MethodSpec, api_version: int | None, args: list[str], partial: str,
                     in_flow: bool) -> list[Suggestion]:
    params = spec.params_for(api_version)
    by_name = {p.name: p for p in params}
    named = [m.group(1) for word in args if (m := _NAMED_WORD.fullmatch(word)) and m.group(1) in by_name]
    positional = len(args) - len(named)
    given = tuple(p.name for p in params[:positional]) + tuple(named)
    match = _NAMED_WORD.fullmatch(partial)
    if match and match.group(1) in by_name:
        return _related(spec, args, _value_of(by_name[match.group(1)], match.group(2), in_flow))
    slot = params[positional] if not named and positional < len(params) else None  # positional after named: none
    if in_flow:
        return _value_of(slot, partial, True)
    suggestions = _related(spec, args, _value_of(slot, partial, False))
    # Parameter names where they help: not in a cloud-ID or path slot left empty (`delete_vm <Tab>` offers VMs only).
    if (slot is None or (slot.kind is None and not is_path_param(slot)) or partial) and len(given) < len(params):
        suggestions.append(ParamName(partial, spec.name, given))
    return suggestions


def _related(spec: MethodSpec, args: list[str], suggestions: list[Suggestion]) -> list[Suggestion]:
    """The disk slot of attach_disk/detach_disk, told the relation and the VM word (argument 0, or `vm_cid=`)."""
    if spec.relation is None:
        return suggestions
    vm = next((m.group(2) for word in args if (m := _NAMED_WORD.fullmatch(word)) and m.group(1) == "vm_cid"),
              None)
    if vm is None and args and not _NAMED_WORD.fullmatch(args[0]):
        vm = args[0]
    return [CloudIdOf(s.word, s.kind, spec.relation, vm or None) if isinstance(s, CloudIdOf) and s.kind == "disk"
            else s for s in suggestions]


def is_path_param(param: Param) -> bool:
    """A string parameter that names a file: `image_path` (create_stemcell), anything called `path` or `*_path`."""
    return param.type == "string" and param.kind is None and (param.name == "path" or param.name.endswith("_path"))


def _value_of(param: Param | None, text: str, in_flow: bool) -> list[Suggestion]:
    """What fits a parameter's value: its cloud-ID kind, inside `[...]` the kind of the array's items, or a file
    for a path parameter."""
    if param is None:
        return []
    if is_path_param(param) and not in_flow:
        return [FilePath(text)]
    if param.item_kind is not None and text.startswith("["):
        cut = max(text.rfind(ch) for ch in _FLOW_ITEM_START)  # the item being typed starts after this
        return [CloudIdOf(text[cut + 1 :], str(param.item_kind))]
    if param.kind is not None and not in_flow:
        return [CloudIdOf(text, str(param.kind))]
    return []
