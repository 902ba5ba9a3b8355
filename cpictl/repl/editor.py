"""`:edit` and `:again edit`: a request as a commented YAML file in $VISUAL/$EDITOR, and back.

The file holds `method:` and `arguments:` by parameter name, each with a comment saying its type, whether it is
required, what it is for and an example (from the catalogue). A new request is a form: required values start
empty (`size:  # fill in`) — except a cloud-ID parameter, which starts as `${kind}` when the session has a live
one of that kind — and optional ones start at their defaults, the example only in the comment, so a form saved
blindly cannot create a resource. A form the session filled in completely (`attach_disk` with `${vm}` and
`${disk}`) is sent when it is saved, even unchanged; one still missing a value is not.

Saving is told from quitting by the file itself: it is back-dated before the editor opens, so any write (even of
the same bytes) shows as a new modification time or a new file. Quitting without saving, emptying the file,
dropping `method:`, or saving the last request unchanged (`:again` sends that) cancels.

A saved request that cannot be sent — not valid YAML, an unknown method, a required value left empty, a value of
the wrong type, an undefined `${...}` — is not thrown away: the editor opens again on the user's text with the
error written above it as a comment (as `kubectl edit` does), until the request is valid or the user empties the
file or quits without saving; nothing is sent before. The comment is taken off again before the text is read, and
a line number in the error names the line in the file the user then sees.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpictl.input_limits import read_regular_file
from cpictl.protocol.catalogue import MethodSpec, Param
from cpictl.wordargs import InputError, load_yaml_text

FILL_IN = "# fill in (required)"

HEADER = """\
# {method}: {summary}
{how}
# Values are YAML. ${{vm}}, ${{disk}}, ${{stemcell}} … take the session's newest live cloud ID of that kind.
"""
NEW_REQUEST = """\
# Fill in the values marked `# fill in` (if any), then save and quit to send this request.
# Quit without saving, or empty the file, to send nothing."""
LAST_REQUEST = """\
# Change what you need, then save and quit to send this request.
# Saving it unchanged or empty sends nothing (:again sends the last call as it was)."""


ERROR_MARK = "# error: this request was not sent: "
ERROR_HINT = "# Fix it below and save to send it; empty the file, or quit without saving, to send nothing."
_LINE_NUMBER = re.compile(r"\bline (\d+)")


@dataclass(frozen=True)
class Edited:
    """What the editor left: the text, and whether the user saved it (else they quit without saving)."""

    text: str
    saved: bool = True


def _flow(value: Any) -> str:
    """One value as a single line of YAML (flow style), safe to put after `name: `."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, allow_unicode=True, sort_keys=False)
    text = text.strip()
    return text[: -len("...")].strip() if text.endswith("...") else text  # scalars end with a document marker


def _comment(param: Param, example: Any) -> str:
    optional = "required" if param.required else f"optional, default {json.dumps(param.default)}"
    since = f", only at api_version ≥ {param.since_api}" if param.since_api > 1 else ""
    return f"  # {param.type_label}, {optional}{since} — {param.help}; e.g. {_flow(example)}"


def _value_line(param: Param, values: Mapping[str, Any] | None, live_kinds: frozenset[str]) -> str:
    """`  name: VALUE`: the given value, else a live `${kind}`, else the default; a required one left empty."""
    if values is not None and param.name in values:
        return f"  {param.name}: {_flow(values[param.name])}"
    if param.kind is not None and str(param.kind) in live_kinds and param.required:
        return f"  {param.name}: {_flow('${' + str(param.kind) + '}')}"
    if not param.required:
        return f"  {param.name}: {_flow(param.default)}"
    return f"  {param.name}:  {FILL_IN}"


def request_template(spec: MethodSpec, api_version: int | None, values: Mapping[str, Any] | None = None,
                     live_kinds: frozenset[str] = frozenset()) -> str:
    """The YAML file for one request: `values` by parameter name (the last request), else a blank form."""
    how = NEW_REQUEST if values is None else LAST_REQUEST
    lines = [HEADER.format(method=spec.name, summary=spec.summary, how=how).rstrip("\n"), f"method: {spec.name}"]
    params = spec.params_for(api_version)
    if not params:
        return "\n".join([*lines, "arguments: {}", ""])
    lines.append("arguments:")
    for param in params:
        live = param.kind is not None and str(param.kind) in live_kinds
        example = "${" + str(param.kind) + "}" if live else param.example
        lines += [_comment(param, example), _value_line(param, values, live_kinds)]
    return "\n".join([*lines, ""])


def empty_required(spec: MethodSpec, api_version: int | None, arguments: Any) -> list[str]:
    """The required parameters an edited request left empty (`name:` with nothing after it is YAML null)."""
    if not isinstance(arguments, dict):
        return []
    return [p.name for p in spec.params_for(api_version)
            if p.required and not p.nullable and p.name in arguments and arguments[p.name] is None]


def parse_request_text(text: str) -> tuple[str, Any] | None:
    """(method, arguments) from an edited file; None when the user cancelled; InputError for a bad file."""
    document = load_yaml_text(text, "the edited request")
    if document is None:
        return None
    if not isinstance(document, dict):
        raise InputError("the edited request: expected a mapping with `method:` and `arguments:`")
    method = document.get("method")
    if method is None:
        return None
    if not isinstance(method, str) or not method:
        raise InputError("the edited request: `method:` must be a method name")
    unknown = sorted(set(document) - {"method", "arguments"})
    if unknown:
        raise InputError(f"the edited request: unknown key(s) {', '.join(unknown)}; only method and arguments")
    arguments = document.get("arguments")
    if arguments is None:
        arguments = []
    if not isinstance(arguments, (list, dict)):
        raise InputError("the edited request: `arguments:` must be a mapping by parameter name or a list")
    return method, arguments


def with_error(text: str, message: str) -> str:
    """`text` (the user's request, without an earlier error comment) under a comment saying why it was not sent.
    A `line N` in `message` counts in `text`: it is moved down by the comment's own lines."""
    lines = message.splitlines() or [""]
    height = len(lines) + 2  # the hint and the blank comment line below it
    lines = [_LINE_NUMBER.sub(lambda match: f"line {int(match.group(1)) + height}", line) for line in lines]
    block = [ERROR_MARK + lines[0], *(f"#   {line}" for line in lines[1:]), ERROR_HINT, "#"]
    return "\n".join(block) + "\n" + text


def without_error(text: str) -> str:
    """`text` without the error comment `with_error` put above it (what the user left of it: comments only)."""
    if not text.startswith(ERROR_MARK):
        return text
    lines = text.split("\n")
    end = 0
    while end < len(lines) and lines[end].startswith("#"):
        end += 1
        if lines[end - 1].strip() == "#":  # the block's last line
            break
    return "\n".join(lines[end:])


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else vi — split like a shell would, so `code --wait` works."""
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def open_in_editor(text: str, report: Callable[[str], None]) -> Edited | None:
    """Let the user edit `text`; what they left, or None (after `report`ing why) when the editor failed."""
    descriptor, name = tempfile.mkstemp(prefix="cpictl-request-", suffix=".yml")  # 0600: requests hold secrets
    path = Path(name)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
        untouched = _backdate(path)
        command = [*editor_command(), str(path)]
        try:
            finished = subprocess.run(command, check=False)
        except OSError as error:
            report(f"cannot start the editor {command[0]!r}: {error.strerror or error} (set $EDITOR)")
            return None
        if finished.returncode != 0:
            report(f"the editor exited with status {finished.returncode}; nothing was sent")
            return None
        return Edited(_read_edited(path), saved=_signature(path) != untouched)
    finally:
        path.unlink(missing_ok=True)


def _read_edited(path: Path) -> str:
    """The file as the editor left it, read like every input (a regular file within the size limit, UTF-8)."""
    try:
        return read_regular_file(path).decode("utf-8")
    except OSError as error:
        raise InputError(f"the edited request: cannot read it: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"the edited request is not UTF-8 text (byte {error.start})") from None


def _signature(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_ino, status.st_mtime_ns


def _backdate(path: Path) -> tuple[int, int]:
    """Set the file's modification time a minute back, so that a save — which stamps it with the current time,
    however coarse the clock, or replaces the file — always changes its signature."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns - 60 * 10**9))
    return _signature(path)
