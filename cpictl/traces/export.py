"""A traced call taken out of cpictl: a shell one-liner, the request document, or a recipe step.

- The one-liner is the one `call --dry-run` prints (`targets.shell_line` makes both) —
  `printf '%s' '<request>' | <env> <argv>` — for the call's own CPI, environment mode, directory and the
  target's own `env:` settings as the trace kept them. Each masked value becomes a shell variable the user sets
  (`"$CONTEXT_SECRET_ACCESS_KEY"`; a masked environment value by its own name, `"$AWS_SECRET_ACCESS_KEY"`, a
  URL's masked credentials as `"$HTTPS_PROXY_USERINFO"`); the line starts `: "${CONTEXT_SECRET_ACCESS_KEY?}" &&`,
  so with one unset the shell stops before the CPI runs instead of sending it an empty value.
  The value lands inside the JSON string the mask held, so with the variables set the CPI reads the very bytes
  the original call sent (`"` and `\\` in a value must be written `\\"` and `\\\\`, as in JSON).
- The request is the document as the trace keeps it, in the bytes a caller sends (one line, no newline).
- The recipe is a complete recipe file with the one step: arguments by parameter name, the call's versions, its
  caller, and the expectation of what the CPI answered then; masked values become `${vars}` of the run.
`--var` values given to an export are written in instead (the user asked for them there).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

from cpictl.protocol.redaction import MASK
from cpictl.traces.masked import Key, MaskedValue, filled, masked_values
from cpictl.traces.reading import entry_status, error_type, request_of


@dataclass
class Exported:
    """What an export prints, and the masked values it left for the user to fill (`variables`)."""

    text: str
    variables: list[MaskedValue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def request_bytes(document: dict[str, Any]) -> bytes:
    """The bytes a caller writes for this document: what `encode_request` wrote for the original call."""
    from cpictl.protocol.codec import RawRequest, encode_request

    method, arguments, context, _ = request_of({"request": document})
    return encode_request(RawRequest(method, arguments, context, document=document))


def export_request(entry: dict[str, Any], values: dict[tuple[Key, ...], Any]) -> Exported:
    masked = masked_values(entry["request"])
    document = filled(entry["request"], values, masked)
    left = [value for value in masked if value.keys not in values]
    return Exported(request_bytes(document).decode("utf-8", errors="replace"), left)


def export_shell(entry: dict[str, Any], values: dict[tuple[Key, ...], Any]) -> Exported:
    """The one-liner; see the module docstring."""
    import dataclasses

    from cpictl.targets.shell_line import shell_line
    from cpictl.traces.rebuild import target_from_entry

    masked = masked_values(entry["request"])
    document = filled(entry["request"], values, masked)
    left = [value for value in masked if value.keys not in values]
    tokens = {value.variable: _token(index) for index, value in enumerate(left)}
    for value in left:  # the token takes the mask's place, inside the JSON string that held it
        parent = document
        for key in value.keys[:-1]:
            parent = parent[key]
        parent[value.keys[-1]] = parent[value.keys[-1]].replace(MASK, tokens[value.variable])
    env = kept_environment(entry)
    for value in kept_env_values(entry, masked):  # the same for the target's own environment
        name = str(value.keys[1])
        if value.keys in values:
            env[name] = env[name].replace(MASK, str(values[value.keys]))
        else:
            left.append(value)
            tokens[value.variable] = _token(len(tokens))
            env[name] = env[name].replace(MASK, tokens[value.variable])
    target = target_from_entry(entry)
    if env:
        target = dataclasses.replace(target, env=env)
    child = target.child_environment()
    cleared = target.env_mode == "director"
    added = {name: value for name, value in child.items() if cleared or os.environ.get(name) != value}
    line = shell_line(request_bytes(document).decode("utf-8", errors="replace"), target.argv, env=added,
                      clear_env=cleared, cwd=target.cwd, blanks={token: name for name, token in tokens.items()})
    notes = []
    if target.env_mode != "inherit":
        kept = "with the target's own env: settings the trace kept" if "env" in (entry.get("target") or {}) \
            else "without the target's own env: settings (this trace did not keep them)"
        notes.append(f"the CPI's environment is rebuilt for its mode from this shell's, {kept}")
    return Exported(line, left, notes)


def _token(index: int) -> str:
    """A placeholder no request or environment holds, for `shell_line` to read from a variable."""
    return f"@@cpictl-{secrets.token_hex(8)}-{index}@@"


def kept_environment(entry: dict[str, Any]) -> dict[str, str]:
    """The target's own environment settings the entry kept (masked values as `<redacted>`)."""
    target = entry.get("target")
    env = target.get("env") if isinstance(target, dict) else None
    return {str(name): str(value) for name, value in env.items()} if isinstance(env, dict) else {}


def kept_env_values(entry: dict[str, Any], masked: list[MaskedValue]) -> list[MaskedValue]:
    """The masked values of the kept environment, as `--var` and an export name them (`env.NAME`): a whole value
    by the variable's own name (`AWS_SECRET_ACCESS_KEY`), a URL's masked credentials as `NAME_USERINFO`."""
    used = {value.variable for value in masked}
    found = []
    for name, value in kept_environment(entry).items():
        if MASK not in value:
            continue
        variable = name if value == MASK else f"{name}_USERINFO"
        while variable in used:
            variable += "_"
        used.add(variable)
        found.append(MaskedValue(("env", name), f"env.{name}", f"env.{name}", variable, value == MASK))
    return found


def export_recipe(entry: dict[str, Any], values: dict[tuple[Key, ...], Any]) -> Exported:
    """A recipe file with the call as its one step; see the module docstring."""
    import yaml

    from cpictl.protocol.catalogue import get_method
    from cpictl.store.references import escape_references

    masked = masked_values(entry["request"], arguments_only=True)
    # every value is literal text in the recipe (`${` written `$${`): only the references put in below are live
    document = escape_references(filled(entry["request"], values, masked))
    left = [value for value in masked if value.keys not in values]
    for value in left:
        parent = document
        for key in value.keys[:-1]:
            parent = parent[key]
        reference = "${" + value.variable.lower() + "}"
        parent[value.keys[-1]] = reference if value.whole else parent[value.keys[-1]].replace(
            "<redacted>", reference)
    method, arguments, context, api_version = request_of({"request": document})
    spec = get_method(method)
    params = spec.params_for(api_version if isinstance(api_version, int) else None) if spec else ()
    args: Any = dict(zip((p.name for p in params), arguments, strict=False)) if len(arguments) <= len(params) \
        else arguments
    step: dict[str, Any] = {"name": f"{method}-{entry.get('n')}", "call": method}
    if isinstance(api_version, int) and not isinstance(api_version, bool) and api_version >= 1:
        step["api_version"] = api_version
    stemcell = (context.get("vm") or {}).get("stemcell") if isinstance(context.get("vm"), dict) else None
    if isinstance(stemcell, dict) and isinstance(stemcell.get("api_version"), int):
        step["stemcell_api_version"] = stemcell["api_version"]
    step["args"] = args
    notes = []
    status = entry_status(entry)
    if status == "cpi-error":
        step["expect"] = {"error": error_type(entry)}
    elif status != "ok":
        notes.append("the CPI misbehaved on this call then: the step fails until it answers within the contract")
    caller = (entry.get("target") or {}).get("as") or "director"
    recipe = {"name": f"trace {entry.get('n')}: {method}", "as": caller, "steps": [step]}
    head = [f"# cpictl trace {entry.get('n')} ({entry.get('time')}), {method} as the {caller}"]
    if left:
        head.append("# masked in the trace; give them to the run: "
                    + " ".join(f"--var {value.variable.lower()}=…" for value in left))
    head += [f"# note: {note}" for note in notes]
    body = yaml.safe_dump(recipe, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return Exported("\n".join(head) + "\n" + body, left, notes)
