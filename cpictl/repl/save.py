"""`:save FILE.yml`: the calls made in this REPL (since it started) as a recipe that `cpictl run FILE.yml` replays.

Cloud IDs become references again, so the replay uses the IDs *it* creates: an ID created by an earlier saved
step is written `${vm}` (`${disk}` …) when it is the newest live ID of its kind at that point — exactly what the
runner will resolve `${vm}` to — and `${steps.STEP.result…}` otherwise (deleted meanwhile, or an older one).
The runner's `${kind}` also sees IDs the store held before the run, but those are older than anything the run
creates, so "newest created by a saved step and still live" is the same ID. An ID no saved step created (made
before this REPL session, or imported) stays literal, and the header says so.

What is written: the target of the first call (the bundled reference CPI is the default and is left out), one
step per finished call with arguments by parameter name (defaults left out), the settings each call ran with —
api_version, stemcell_api_version, timeout where they differ from the target, and the context keys not every call
shared — and `expect: {error: TYPE}` for calls the CPI answered with an error: a replay should meet the same answer.
`finally:` steps delete what the saved steps create, so a replay cleans up after itself (see save_cleanup.py).
Calls where the CPI misbehaved are left out (a runner fails on them whatever the expectation); interrupted calls
never finished and are not history at all. What a step cannot carry (another CPI, directory or environment: `:cpi`,
`:run`) gets one comment per run of such steps, see save_origins.py.

Local paths sent in arguments (a `*_path` string: create_stemcell's image_path) were resolved by the CPI in the
directory it ran in, which `:run` sets to the recipe's own; so they are written to name the same file from where
the replay starts the CPI: `./…` inside that directory, else absolute.

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
from cpictl.repl.save_cleanup import CleanupSteps
from cpictl.repl.save_origins import OriginNote, origin_notes
from cpictl.repl.state import HistoryEntry
from cpictl.store.references import escape_references

NOTHING_TO_SAVE = "nothing to save: no finished calls in this REPL since it started"


@dataclass
class SavedRecipe:
    text: str
    steps: int
    notes: list[str] = field(default_factory=list)  # in the header, or (where steps ran) a comment at the step
    warnings: list[str] = field(default_factory=list)  # the replay will differ; also a comment at the step
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
        return escape_references(cid)

    def created_reference(self, kind: str, cid: str) -> str:
        """`${steps.NAME.result…}` of the saved step that created the ID (a finally step names exactly that one),
        else the ID itself."""
        creator = self.creator.get((kind, cid))
        return "${" + creator + "}" if creator is not None else escape_references(cid)

    def apply(self, changes: CloudIdChanges, step: str | None, path: str | None) -> None:
        apply_changes(self.live, changes)  # the same bookkeeping the recipe runner does, so `${kind}` agrees
        if step is not None and path is not None:
            for kind, cid in changes.created:
                self.creator[(str(kind), cid)] = f"steps.{step}.{path}"


def _created_path(spec: MethodSpec, api_version: int | None) -> str | None:
    """Where the created CID sits in the result: `result` or `result[N]`."""
    if spec.creates is None:
        return None
    index = spec.creates.index_v2 if (api_version or 1) >= 2 else spec.creates.index_v1
    return "result" if index is None else f"result[{index}]"


def _local_path(value: Any, ran_in: str, replay_cwd: Path) -> Any:
    """A path the CPI resolved in `ran_in`, written to name the same file when the CPI runs in `replay_cwd`."""
    if not isinstance(value, str) or not value or os.path.isabs(value) or value.startswith("~"):
        return value
    path = Path(os.path.normpath(os.path.join(os.path.abspath(ran_in), value)))
    if path.is_relative_to(replay_cwd):
        return "./" + str(path.relative_to(replay_cwd)) if path != replay_cwd else "."
    return str(path)


def _arguments(entry: HistoryEntry, spec: MethodSpec, refs: _References, replay_cwd: Path) -> dict[str, Any]:
    args: dict[str, Any] = {}
    for param, value in zip(spec.params_for(entry.api_version), entry.arguments, strict=False):
        if not param.required and value == param.default:
            continue
        if param.kind is not None:
            value = refs.reference(str(param.kind), value)
        elif param.item_kind is not None and isinstance(value, list):
            value = [refs.reference(str(param.item_kind), item) for item in value]
        elif param.name.endswith("_path") and param.type == "string":
            value = escape_references(_local_path(value, entry.cwd, replay_cwd))
        else:
            value = escape_references(value)
        args[param.name] = value
    return args


def _target_section(first: HistoryEntry, context: dict[str, Any], recipe_dir: Path) -> dict[str, Any]:
    """The first call's target; `context` is the part of it every saved call shared."""
    target = first.target
    section: dict[str, Any] = {}
    if not target.is_reference:
        argv = list(target.argv)
        if "/" in argv[0] and not os.path.isabs(argv[0]):
            argv[0] = os.path.abspath(os.path.join(first.cwd, argv[0]))
        section["cpi"] = argv
    section["api_version"] = target.api_version
    section["stemcell_api_version"] = target.stemcell_api_version
    if context:
        section["context"] = escape_references(context)
    if target.env:
        section["env"] = escape_references(dict(target.env))
    if target.timeout is not None:
        section["timeout"] = target.timeout
    directory, cwd = recipe_dir.resolve(), Path(first.cwd).resolve()
    if cwd != directory:  # the CPI resolves relative paths (an image_path) where it ran in the session
        section["cwd"] = str(cwd.relative_to(directory)) if cwd.is_relative_to(directory) else str(cwd)
    return section


def _shared_context(entries: list[HistoryEntry]) -> dict[str, Any]:
    """The context keys every call sent with the same value: the target's. A step's context can only add keys
    (it merges over the target's), so a key `:context -k` removed half-way must not be in the target."""
    first, *rest = entries
    missing = object()
    return {key: value for key, value in first.target.context.items()
            if all(entry.target.context.get(key, missing) == value for entry in rest)}


def _overrides(entry: HistoryEntry, base: HistoryEntry, context: dict[str, Any]) -> dict[str, Any]:
    """The settings `entry` ran with that differ from the target's (`base`'s, with the shared `context`). An
    explicit null is kept: on a step it means "omit the key" (versions) or "wait forever" (timeout)."""
    step: dict[str, Any] = {}
    for key in ("api_version", "stemcell_api_version", "timeout"):
        if getattr(entry.target, key) != getattr(base.target, key):
            step[key] = getattr(entry.target, key)
    own = {key: value for key, value in entry.target.context.items() if key not in context}
    if own:
        step["context"] = escape_references(own)
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


def _replay_cwd(target: dict[str, Any], recipe_dir: Path) -> Path:
    """The directory `cpictl run` will start the CPI in: target.cwd, else the recipe's directory."""
    return (recipe_dir / target["cwd"]).resolve() if "cwd" in target else recipe_dir.resolve()


def session_recipe(entries: Iterable[HistoryEntry], recipe_path: Path, session_label: str) -> SavedRecipe:
    """The recipe text for a session's history. Raises ValueError when there is nothing to save."""
    history = list(entries)
    saved = [e for e in history if e.status in ("ok", "cpi-error") and get_method(e.method) is not None]
    if not saved:
        raise ValueError(NOTHING_TO_SAVE)
    notes = [f"left out: {e.method} (the CPI misbehaved)" for e in history if e.status == "misbehaved"]
    base, refs, cleanup, taken = saved[0], _References(), CleanupSteps(), set()
    context = _shared_context(saved)
    target = _target_section(base, context, recipe_path.parent)
    replay_cwd = _replay_cwd(target, recipe_path.parent)
    steps: list[dict[str, Any]] = []
    for entry in saved:
        spec = get_method(entry.method)
        assert spec is not None
        step: dict[str, Any] = {}
        created = [str(kind) for kind, _ in entry.changes.created]
        if created:
            step["name"] = _step_name(created[0], taken)
        elif cleanup.needs_name(entry.changes):  # a finally step's `when` asks whether it ran
            step["name"] = _step_name(entry.method.replace("_", "-"), taken)
        step["call"] = entry.method
        args = _arguments(entry, spec, refs, replay_cwd)
        if args:
            step["args"] = args
        step.update(_overrides(entry, base, context))
        if entry.status == "cpi-error" and entry.error_type:
            step["expect"] = {"error": entry.error_type}
        steps.append(step)
        path = _created_path(spec, entry.api_version)
        refs.apply(entry.changes, step.get("name"), path)
        cleanup.apply(entry.changes, step.get("name"), path)
    final = cleanup.finally_steps(refs.created_reference, lambda base: _step_name(base, taken))
    if refs.literal:
        notes.append("kept literally (not created by a saved step): " + ", ".join(sorted(refs.literal)))
    origins = origin_notes(saved, base.target, replay_cwd)
    document = {"name": recipe_path.stem, "description": f"saved from cpictl repl (session {session_label})",
                "target": target, "steps": steps, "finally": final}
    text = _render(document, notes, origins, recipe_path.name)  # origin notes stand at their steps only
    notes += [note.text for note in origins if not note.warning]
    return SavedRecipe(text, len(steps), list(dict.fromkeys(notes)),
                       [note.text for note in origins if note.warning], masked_by_default(saved))


def _render(document: dict[str, Any], notes: list[str], origins: list[OriginNote], file_name: str) -> str:
    """The header, then the document; each step is dumped on its own so a comment can stand above it."""
    import yaml

    def dump(value: Any) -> str:
        return yaml.safe_dump(value, sort_keys=False, default_flow_style=None, width=110, allow_unicode=True)

    header = [f"# Saved by `cpictl repl` (:save). Replay it with: cpictl run {file_name}",
              "# It holds this session's secrets UNMASKED (cloud_properties, context, env.bosh passwords, private",
              "# keys …), as a replay must send them: treat it like a credentials file (it was written mode 0600)."]
    header += [f"# Note: {note}" for note in dict.fromkeys(notes)]
    steps, final = document.pop("steps"), document.pop("finally")
    body = [dump(document), "steps:\n"]
    for position, step in enumerate(steps):
        body += [f"# {'Warning' if o.warning else 'Note'}: {o.text}\n" for o in origins if o.step == position]
        body.append(dump([step]))
    if final:
        body += ["\n", FINALLY_COMMENT, "finally:\n", dump(final)]
    return "\n".join(header) + "\n" + "".join(body)


FINALLY_COMMENT = """\
# Deletes what the steps above create, newest first, also when the run stops half-way: a step whose reference
# names nothing (its create never ran) is skipped, and so is one whose `when` says a step above deleted it.
"""
