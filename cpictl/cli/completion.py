"""What a shell's Tab offers, per argument: the callbacks typer calls for `autocompletion=`.

* method names (`call`, `describe`), with their summaries;
* for `call`, the session's live cloud IDs of the kind the next argument slot takes, read from the catalogue —
  `cpictl call delete_vm <Tab>` offers VM IDs only, `attach_disk VM <Tab>` disk IDs; `metadata show` the VMs,
  `ids forget` every live ID and the unanswered calls;
* target names, session names (`--session`), recipe files and directories and the shipped recipes' names
  (`run`, `recipe check`; `recipe show|copy` the names only), trace call numbers (`trace show|export|replay|diff`,
  `call --from-trace`).

Rules:

* Every Tab is a new cpictl process (the scripts in `completions/`, `cpictl.cli.shell_complete`), so each
  callback imports only what it needs, and never rich: live IDs come from the journal's small index
  (`cpictl.store.live_index`), not from a replay of the whole journal.
* Completion never fails loudly: a problem reading a session, a trace or a directory yields no suggestions.
* A value a shell could not show or insert as one word (a cloud ID or a file name with a control character or a
  line break) is not offered; descriptions have such characters replaced by spaces (for IDs, the index does it).
"""

from __future__ import annotations

import os
import re
from typing import Any

Suggestions = list[tuple[str, str]]

_UNSHOWABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def complete_method(incomplete: str) -> Suggestions:
    from cpictl.protocol.catalogue import METHODS

    return [(name, spec.summary) for name, spec in METHODS.items() if name.startswith(incomplete)]


def complete_call_argument(ctx: Any, incomplete: str) -> Suggestions:
    """IDs of the slot's kind (newest first, with who created them), or parameter names for `name=`."""
    from cpictl.protocol.catalogue import get_method

    spec = get_method(ctx.params.get("method") or "")
    if spec is None:
        return []
    params = spec.params_for(2)
    if "=" in incomplete or not params:
        return []
    slot = len(ctx.params.get("args") or [])  # click leaves the word being completed out of the parsed args
    names = [(f"{p.name}=", p.help) for p in params if f"{p.name}=".startswith(incomplete) and incomplete]
    if slot >= len(params) or params[slot].kind is None:
        return names
    return _live_ids(ctx, str(params[slot].kind), incomplete) + names


def complete_vm_id(ctx: Any, incomplete: str) -> Suggestions:
    return _live_ids(ctx, "vm", incomplete)


def complete_live_id(ctx: Any, incomplete: str) -> Suggestions:
    """Every live ID, and the calls that may have created something (`ids forget` dismisses those too)."""
    return _live_ids(ctx, None, incomplete, calls=True)


def _live_ids(ctx: Any, kind: str | None, incomplete: str, *, calls: bool = False) -> Suggestions:
    try:
        from cpictl.store.live_index import live_ids

        found = live_ids(_journal(ctx))
        offered = [(record.cid, f"{'' if kind else f'{record.kind} '}{record.origin} {record.created_at}".strip())
                   for record in found.matching(kind, incomplete)]  # the index holds only what a shell can show
        if calls:
            offered += [(call.call, f"{call.method} that may have created something ({call.reason})")
                        for call in found.calls(incomplete)]
        return offered
    except Exception:  # a broken journal must not break the user's shell
        return []


def _journal(ctx: Any) -> Any:
    from cpictl.cli.options import journal_path

    return journal_path(ctx.params.get("session"), ctx.params.get("state"))


def _shown(text: str) -> str:
    return _UNSHOWABLE.sub(" ", text).strip()


def complete_target_name(incomplete: str) -> Suggestions:
    """The named targets of the config files (`--target`, `target show|use|remove|doctor`), with where each is
    defined."""
    from cpictl.targets.config import target_names

    return [(name, about) for name, about in target_names() if name.startswith(incomplete)]


def complete_session(incomplete: str) -> Suggestions:
    """The sessions that have a journal (`--session`)."""
    try:
        from cpictl.store.paths import session_names

        return [(name, "session") for name in session_names() if name.startswith(incomplete)]
    except Exception:
        return []


def complete_trace_number(ctx: Any, incomplete: str) -> Suggestions:
    """The trace's last 20 calls (`--file`'s, else the session's), newest first, with their method and outcome."""
    try:
        from cpictl.traces.reading import entries_backwards, entry_status, error_type, request_of, trace_for

        files = ctx.params.get("file")
        file = files[0] if isinstance(files, list) and files else files
        trace = trace_for(_journal(ctx), file)
        offered = []
        for entry in entries_backwards(trace):
            if str(entry["n"]).startswith(incomplete):
                status = entry_status(entry)
                if status == "cpi-error":
                    status = (error_type(entry) or "error").rsplit("::", 1)[-1]
                offered.append((str(entry["n"]), _shown(f"{request_of(entry)[0]} {status}")))
                if len(offered) >= 20:
                    break
        return offered
    except Exception:  # a broken trace must not break the user's shell
        return []


RECIPE_SUFFIXES = (".yml", ".yaml")


def complete_recipe_path(incomplete: str) -> Suggestions:
    """Recipe files (`*.yml`, `*.yaml`) and directories under what is typed. A lone directory is opened at once
    (its entries are offered), so no shell puts a space after `recipes/` and the next Tab goes on inside it."""
    try:
        offered = _recipe_entries(incomplete)
        for _ in range(8):  # bounded: a symbolic link may lead back into its own directory
            if len(offered) != 1 or not offered[0][0].endswith("/"):
                break
            inside = _recipe_entries(offered[0][0])
            if not inside:
                break
            offered = inside
        return offered
    except Exception:
        return []


def complete_recipe(incomplete: str) -> Suggestions:
    """`cpictl run`, `recipe check`: what `complete_recipe_path` offers, and the names of the shipped recipes that
    are not a path here (`cpictl run walkthrough`). With a name to offer too, no lone directory is opened."""
    try:
        names = complete_shipped_name(incomplete)
        if not names:
            return complete_recipe_path(incomplete)
        try:
            paths = _recipe_entries(incomplete)
        except OSError:  # `check/v`: no directory `check` here, only names
            paths = []
        return paths + [(name, about) for name, about in names if name not in {path for path, _ in paths}]
    except Exception:
        return []


def complete_shipped_name(incomplete: str) -> Suggestions:
    """The shipped recipes' names (`recipe show|copy`), with their kind: read from directory listings, no YAML."""
    try:
        from cpictl.recipes.shipped import shipped_recipes

        return [(recipe.name, f"{recipe.kind} recipe" if recipe.kind == "example" else "check group")
                for recipe in shipped_recipes() if recipe.name.startswith(incomplete)]
    except Exception:
        return []


def _recipe_entries(incomplete: str) -> Suggestions:
    folder, _, start = incomplete.rpartition("/")
    prefix = f"{folder}/" if folder or incomplete.startswith("/") else ""
    listed = os.path.expanduser(prefix) or "."
    offered = []
    with os.scandir(listed) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if not entry.name.startswith(start) or (entry.name.startswith(".") and not start.startswith(".")):
                continue
            if entry.is_dir():
                offered.append((f"{prefix}{entry.name}/", "directory"))
            elif entry.name.endswith(RECIPE_SUFFIXES):
                offered.append((f"{prefix}{entry.name}", "recipe"))
    return [(value, about) for value, about in offered if not _UNSHOWABLE.search(value)]
