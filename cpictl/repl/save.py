"""`:save FILE.yml`: this session's calls as a recipe that `cpictl run FILE.yml` replays.

Cloud IDs become references again, so the replay uses the IDs *it* creates: an ID created by an earlier saved
step is written `${vm}` (`${disk}` …) when it is the newest live ID of its kind at that point — exactly what the
runner will resolve `${vm}` to — and `${steps.STEP.result…}` otherwise (deleted meanwhile, or an older one).
The runner's `${kind}` also sees IDs the store held before the run, but those are older than anything the run
creates, so "newest created by a saved step and still live" is the same ID. An ID no saved step created (made
before this REPL session, or imported) stays literal, and the header says so.

What is written: the target of the first call (the bundled reference CPI is the default and is left out), one
step per finished call with arguments by parameter name (defaults left out), per-step api_version /
stemcell_api_version / context where they differ from the target, and `expect: {error: TYPE}` for calls the CPI
answered with an error — a replay should meet the same answer. Calls where the CPI misbehaved are left out
(a runner fails on them whatever the expectation); interrupted calls never finished and are not history at all.

Values are written as they were sent — cloud_properties, context, env.bosh passwords, certificates' private keys
— because a replay must send the same requests. So the header says the file holds the session's secrets unmasked
and is to be kept like a credentials file, `:save` writes it mode 0600, and `secrets` names what in it the
`Redactor` would have masked, for a one-line warning.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.protocol.catalogue import CloudIdChanges, MethodSpec, get_method
from cpictl.recipes.scope import apply_changes
from cpictl.repl.state import HistoryEntry


@dataclass
class SavedRecipe:
    text: str
    steps: int
    notes: list[str] = field(default_factory=list)  # also written into the file's header
    secrets: list[str] = field(default_factory=list)  # what in it is masked by default: `cloud_properties of …`


class _References:
    """Replays the saved steps' cloud-ID changes to know, at each step, what `${kind}` would resolve to."""

    def __init__(self) -> None:
        self.live: dict[str, list[str]] = {}  # kind -> CIDs created by saved steps, still live, newest first
        self.creator: dict[tuple[str, str], str] = {}  # (kind, cid) -> "steps.NAME.result…"
        self.literal: set[str] = set()

    def reference(self, kind: str, cid: Any) -> Any:
        if not isinstance(cid, str):
            return cid
        live = self.live.get(kind)
        if live and live[0] == cid:
            return "${" + kind + "}"
        if (kind, cid) in self.creator:
            return "${" + self.creator[(kind, cid)] + "}"
        self.literal.add(cid)
        return _escape(cid)

    def apply(self, changes: CloudIdChanges, step: str | None, path: str | None) -> None:
        apply_changes(self.live, changes)  # the same bookkeeping the recipe runner does, so `${kind}` agrees
        if step is not None and path is not None:
            for kind, cid in changes.created:
                self.creator[(str(kind), cid)] = f"steps.{step}.{path}"


def _escape(value: Any) -> Any:
    """Literal text must not read as a reference in the recipe: `${` is written `$${` (dict keys are never read)."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {key: _escape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape(item) for item in value]
    return value


def _created_path(spec: MethodSpec, api_version: int | None) -> str | None:
    """Where the created CID sits in the result: `result` or `result[N]`."""
    if spec.creates is None:
        return None
    index = spec.creates.index_v2 if (api_version or 1) >= 2 else spec.creates.index_v1
    return "result" if index is None else f"result[{index}]"


def _arguments(entry: HistoryEntry, spec: MethodSpec, refs: _References) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for param, value in zip(spec.params_for(entry.api_version), entry.arguments, strict=False):
        if not param.required and value == param.default:
            continue
        if param.kind is not None:
            value = refs.reference(str(param.kind), value)
        elif param.item_kind is not None and isinstance(value, list):
            value = [refs.reference(str(param.item_kind), item) for item in value]
        else:
            value = _escape(value)
        args[param.name] = value
    return args


def _target_section(first: HistoryEntry, recipe_dir: Path) -> dict[str, Any]:
    target = first.target
    section: dict[str, Any] = {}
    if not target.is_reference:
        argv = list(target.argv)
        if "/" in argv[0] and not os.path.isabs(argv[0]):
            argv[0] = os.path.abspath(os.path.join(first.cwd, argv[0]))
        section["cpi"] = argv
    section["api_version"] = target.api_version
    section["stemcell_api_version"] = target.stemcell_api_version
    if target.context:
        section["context"] = _escape(dict(target.context))
    if target.env:
        section["env"] = _escape(dict(target.env))
    if target.timeout:
        section["timeout"] = target.timeout
    directory, cwd = recipe_dir.resolve(), Path(first.cwd).resolve()
    if cwd != directory:  # the CPI resolves relative paths (an image_path) where it ran in the session
        section["cwd"] = str(cwd.relative_to(directory)) if cwd.is_relative_to(directory) else str(cwd)
    return section


def _overrides(entry: HistoryEntry, base: HistoryEntry) -> dict[str, Any]:
    step: dict[str, Any] = {}
    for key in ("api_version", "stemcell_api_version"):
        if getattr(entry.target, key) != getattr(base.target, key):
            step[key] = getattr(entry.target, key)
    changed = {k: v for k, v in entry.target.context.items() if base.target.context.get(k, object()) != v}
    if changed:
        step["context"] = _escape(changed)
    return step


def _step_name(kind: str, taken: set[str]) -> str:
    name, number = kind, 1
    while name in taken:
        number += 1
        name = f"{kind}-{number}"
    taken.add(name)
    return name


def masked_by_default(entries: Iterable[HistoryEntry]) -> list[str]:
    """What in these calls the Redactor masks when it shows a request: `context`, `environment of create_vm` …"""
    from cpictl.protocol.redaction import Redactor

    found: dict[str, None] = {}
    for entry in entries:
        spec = get_method(entry.method)
        if spec is None:
            continue
        masked = Redactor().arguments(entry.method, entry.arguments)
        for param, sent, shown in zip(spec.params, entry.arguments, masked, strict=False):
            if sent != shown:
                found[f"{param.name} of {entry.method}"] = None
        if Redactor().request({"method": entry.method, "arguments": [], "context": entry.target.context}
                              )["context"] != entry.target.context:
            found["context"] = None
    return list(found)


def session_recipe(entries: Iterable[HistoryEntry], recipe_path: Path, session_label: str) -> SavedRecipe:
    """The recipe text for a session's history. Raises ValueError when there is nothing to save."""
    history = list(entries)
    saved = [e for e in history if e.status in ("ok", "cpi-error") and get_method(e.method) is not None]
    if not saved:
        raise ValueError("nothing to save: no finished calls in this REPL yet")
    notes = [f"left out: {e.method} (the CPI misbehaved)" for e in history if e.status == "misbehaved"]
    base, refs, taken = saved[0], _References(), set()
    steps: list[dict[str, Any]] = []
    for entry in saved:
        spec = get_method(entry.method)
        assert spec is not None
        step: dict[str, Any] = {}
        created = [str(kind) for kind, _ in entry.changes.created]
        if created:
            step["name"] = _step_name(created[0], taken)
        step["call"] = entry.method
        args = _arguments(entry, spec, refs)
        if args:
            step["args"] = args
        step.update(_overrides(entry, base))
        if entry.status == "cpi-error" and entry.error_type:
            step["expect"] = {"error": entry.error_type}
        steps.append(step)
        refs.apply(entry.changes, step.get("name"), _created_path(spec, entry.api_version))
        if entry.target.argv != base.target.argv:
            notes.append(f"{entry.method} ran against {' '.join(entry.target.argv)}; saved against the first CPI")
        if entry.cwd != base.cwd:
            notes.append(f"{entry.method} ran in {entry.cwd}; the recipe runs every step in one directory")
    if refs.literal:
        notes.append("kept literally (not created by a saved step): " + ", ".join(sorted(refs.literal)))
    document = {"name": recipe_path.stem, "description": f"saved from cpictl repl (session {session_label})",
                "target": _target_section(base, recipe_path.parent), "steps": steps}
    return SavedRecipe(_render(document, notes, recipe_path.name), len(steps), list(dict.fromkeys(notes)),
                       masked_by_default(saved))


def _render(document: dict[str, Any], notes: list[str], file_name: str) -> str:
    import yaml

    header = [f"# Saved by `cpictl repl` (:save). Replay it with: cpictl run {file_name}",
              "# It holds this session's secrets UNMASKED (cloud_properties, context, env.bosh passwords, private",
              "# keys …), as a replay must send them: treat it like a credentials file (it was written mode 0600)."]
    header += [f"# Note: {note}" for note in dict.fromkeys(notes)]
    body = yaml.safe_dump(document, sort_keys=False, default_flow_style=None, width=110, allow_unicode=True)
    return "\n".join(header) + "\n" + body
