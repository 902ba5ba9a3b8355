"""The prompt_toolkit completer: each kind of suggestion (cpictl.repl.suggest) mapped to its matcher.

Matchers read the catalogue (methods, parameters), the meta-command registry, the live-ID index (IDs of one
kind, newest first; for attach_disk/detach_disk the disks the call can work on first) and the sticky context;
file paths go to prompt_toolkit's PathCompleter (a recipe: only .yml/.yaml files, then directories). Nothing here
decides *what* belongs at the cursor — that is `suggest`'s job.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from cpictl.protocol.catalogue import METHODS, Param
from cpictl.protocol.kinds import KIND_NAMES
from cpictl.repl.live_ids import LiveIdIndex
from cpictl.repl.metacommands import Registry
from cpictl.repl.state import ReplState
from cpictl.repl.suggest import (
    Choice,
    CloudIdOf,
    ContextKey,
    FilePath,
    MetaName,
    MethodName,
    ParamName,
    ReferenceName,
    SessionName,
    Suggestion,
    TargetName,
    TraceCall,
    suggest,
)

#: How many of the trace's last calls `:replay <Tab>` offers.
TRACE_CALLS_OFFERED = 20


class ReplCompleter(Completer):
    """Completion for the main prompt."""

    def __init__(self, state: ReplState, registry: Registry, ids: LiveIdIndex | None = None) -> None:
        self.state = state
        self.registry = registry
        self.ids = ids or LiveIdIndex(lambda: state.store)
        self._paths = PathCompleter(expanduser=True)
        self._meta_args = registry.completion_kinds()
        self._matchers: dict[type, Callable[[Any, CompleteEvent], Iterable[Completion]]] = {
            MethodName: self._methods, MetaName: self._metas, CloudIdOf: self._cloud_ids,
            ParamName: self._params, ReferenceName: self._references, FilePath: self._files,
            Choice: self._choices, ContextKey: self._context_keys, TargetName: self._targets,
            SessionName: self._sessions, TraceCall: self._trace_calls,
        }

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not complete_event.completion_requested and (not text or text[-1].isspace()):
            # Typing a blank opens no menu: Tab does. Otherwise Tab pressed together with the blank (typed ahead
            # while a call ran, pasted, or fast) is lost: prompt_toolkit starts a completion for the blank,
            # and Tab's own request, arriving while that one is pending, finds a menu already there and inserts
            # nothing — `delete_vm <Tab>` showed the VMs but never completed to one.
            return
        suggestions: list[Suggestion] = suggest(text, api_version=self.state.target.api_version,
                                                meta_args=self._meta_args)
        for suggestion in suggestions:
            yield from self._matchers[type(suggestion)](suggestion, complete_event)

    def _methods(self, s: MethodName, _: CompleteEvent) -> Iterable[Completion]:
        return [Completion(name, -len(s.word), display_meta=spec.summary,
                           style="fg:ansibrightblack" if spec.deprecated else "")
                for name, spec in METHODS.items() if name.startswith(s.word)]

    def _metas(self, s: MetaName, _: CompleteEvent) -> Iterable[Completion]:
        colon = ":" if s.colon else ""
        return [Completion(colon + cmd.name, -len(s.word) - len(colon), display_meta=cmd.help)
                for cmd in self.registry.commands if cmd.name.startswith(s.word)]

    def _cloud_ids(self, s: CloudIdOf, _: CompleteEvent) -> Iterable[Completion]:
        if s.relation is not None:
            return self.ids.disks_for(s.relation, self._vm_cid(s.vm), s.word)
        return self.ids.completions(s.kind, s.word)

    def _vm_cid(self, word: str | None) -> str | None:
        """The VM a typed word names: a CID as it is, `${vm}` the newest live VM, `${name}` a value `:run` saved."""
        if word is None or "${" not in word:
            return word
        match = re.fullmatch(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", word)
        if match is None:
            return None
        name = match.group(1)
        value = self.ids.latest(name) if name in KIND_NAMES else self.state.variables.get(name)
        return value if isinstance(value, str) else None

    def _params(self, s: ParamName, _: CompleteEvent) -> Iterable[Completion]:
        spec = METHODS[s.method]
        return [Completion(f"{p.name}=", -len(s.word), display_meta=f"{p.type_label} — {p.help}")
                for p in spec.params_for(self.state.target.api_version)
                if p.name not in s.given and p.name.startswith(s.word)]

    def _references(self, s: ReferenceName, _: CompleteEvent) -> Iterable[Completion]:
        start = -len(s.word)
        for kind in KIND_NAMES:
            if kind.startswith(s.word):
                latest = self.ids.latest(kind)
                if latest:
                    meta = f"newest live {kind}: {latest}"
                elif self.ids.counts().get(kind):
                    meta = f"only imported {kind} IDs are live; name one explicitly"
                else:
                    meta = f"no live {kind} yet"
                yield Completion(kind + "}", start, display=kind, display_meta=meta)
        for name in self.state.variables:
            if name.startswith(s.word) and name not in KIND_NAMES:
                yield Completion(name + "}", start, display=name, display_meta="saved by :run")
        if "env.".startswith(s.word) and s.word != "env.":
            yield Completion("env.", start, display_meta="an environment variable")
        elif s.word.startswith("env."):
            wanted = s.word[len("env."):]
            for name in sorted(os.environ):
                if name.startswith(wanted):
                    yield Completion(f"env.{name}}}", start, display=f"env.{name}")

    def _files(self, s: FilePath, event: CompleteEvent) -> Iterable[Completion]:
        found = self._paths.get_completions(Document(s.word, len(s.word)), event)
        if not s.extensions:
            return found
        # A recipe: its files first, then directories to look in; nothing else (README.md, image.tgz) can be run.
        files, directories = [], []
        for completion in found:
            if completion.display_text.endswith("/"):
                directories.append(completion)
            elif completion.display_text.endswith(s.extensions):
                files.append(completion)
        return files + directories

    def _choices(self, s: Choice, _: CompleteEvent) -> Iterable[Completion]:
        return [Completion(choice, -len(s.word)) for choice in s.choices if choice.startswith(s.word)]

    def _context_keys(self, s: ContextKey, _: CompleteEvent) -> Iterable[Completion]:
        keys = list(self.state.target.context)
        candidates = [f"-{key}" for key in keys] + [f"{key}=" for key in keys]
        return [Completion(c, -len(s.word), display_meta="remove" if c.startswith("-") else "change")
                for c in candidates if c.startswith(s.word)]

    def _targets(self, s: TargetName, _: CompleteEvent) -> Iterable[Completion]:
        from cpictl.targets.config import target_names  # reads the config files; nothing when they are broken

        return [Completion(name, -len(s.word), display_meta=about) for name, about in target_names()
                if name.startswith(s.word)]

    def _sessions(self, s: SessionName, _: CompleteEvent) -> Iterable[Completion]:
        from cpictl.repl.meta_session import known_sessions

        return [Completion(name, -len(s.word), display_meta="current" if name == self.state.session_label else "")
                for name in known_sessions() if name.startswith(s.word)]

    def _trace_calls(self, s: TraceCall, _: CompleteEvent) -> Iterable[Completion]:
        """The session's last calls, newest first (read from the trace's end: a long trace costs nothing more)."""
        from cpictl.render.trace_view import outcome_word, when
        from cpictl.traces.reading import entries_backwards, request_of
        from cpictl.traces.trace_file import TraceError, session_trace

        try:
            entries = []
            for entry in entries_backwards(session_trace(self.state.store.path)):
                if str(entry["n"]).startswith(s.word):
                    entries.append(entry)
                    if len(entries) >= TRACE_CALLS_OFFERED:
                        break
        except TraceError:
            return []
        return [Completion(str(entry["n"]), -len(s.word),
                           display_meta=f"{request_of(entry)[0]}  {outcome_word(entry)}  {when(entry)}")
                for entry in entries]


class ParamValueCompleter(Completer):
    """Completion while one parameter is asked for: the main completer, as if `METHOD name=` were typed first,
    so a cloud-ID parameter offers IDs of its kind, `[`… offers item IDs and `${` offers references."""

    def __init__(self, main: ReplCompleter, method: str, param: Param) -> None:
        self.main = main
        self.prefix = f"{method} {param.name}="

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        text = self.prefix + document.text_before_cursor
        yield from self.main.get_completions(Document(text, len(text)), complete_event)
