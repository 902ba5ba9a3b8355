"""`cpictl target doctor`: is this target usable, and how would each caller talk to it? One finding per check.

Checks, in order: where the target is defined (and whether that file is readable by others while it holds
secrets); the executable exists and may be run; every argv word that is an existing path (the CPI's config file)
is readable, and one readable by others that holds secrets (by key, `redaction.secret_key`) draws a warning; the
CPI runs and `info` answers (one call, in the target's caller's form, through `CallSession`); which api_version
the director and create-env would send and why (`negotiation.negotiate`, fed the same answer); the stemcell
formats it reports; the time of that one call; and, for a target with a fixed registry endpoint, whether its
port is free. Nothing is written: no session journal, no negotiation cache.

Levels: `ok`, `note` (worth knowing), `warn` (works, but fix it), `fail` (does not work), `skip` (could not be
checked because an earlier check failed). The verdict is the worst level; `exit_code` maps it (0 ok or note,
1 warn, 3 fail).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cpictl.session import CallOutcome
    from cpictl.targets.config import NamedTarget
    from cpictl.targets.target import Target

LEVELS = ("ok", "note", "skip", "warn", "fail")  # by rank: the worst decides the verdict
_READ_LIMIT = 1024 * 1024  # a CPI config file is small; a larger file is not parsed for secrets


@dataclass(frozen=True)
class Finding:
    check: str
    level: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "level": self.level, "detail": self.detail}


@dataclass(frozen=True)
class Diagnosis:
    target: Target
    findings: list[Finding]

    @property
    def worst(self) -> str:
        return max((finding.level for finding in self.findings), key=LEVELS.index, default="ok")

    @property
    def verdict(self) -> str:
        counts = {level: sum(f.level == level for f in self.findings) for level in ("fail", "warn")}
        if counts["fail"]:
            return f"not usable: {_plural(counts['fail'], 'check')} failed" + (
                f", {_plural(counts['warn'], 'warning')}" if counts["warn"] else "")
        if counts["warn"]:
            return f"usable, with {_plural(counts['warn'], 'warning')}"
        return "healthy"

    @property
    def exit_code(self) -> int:
        return {"fail": 3, "warn": 1}.get(self.worst, 0)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def diagnose(target: Target, named: NamedTarget | None = None) -> Diagnosis:
    findings: list[Finding] = []
    if named is not None:
        findings += list(_definition(named))
    runnable = _executable(target)
    findings.append(runnable)
    findings += list(_argv_files(target))
    if runnable.level == "fail":
        findings += [Finding(check, "skip", "the executable cannot be run") for check in _CALL_CHECKS]
    else:
        findings += list(_call(target))
    if target.registry is not None:
        findings.append(_registry_port(target))
    return Diagnosis(target, findings)


_CALL_CHECKS = ("runs", "info", "api_version as director", "api_version as create-env", "stemcell formats", "time")


# -- files ------------------------------------------------------------------------------------------------------------

def _definition(named: NamedTarget) -> Iterator[Finding]:
    yield Finding("defined", "ok", named.location())
    path = named.file.path
    secrets = _entry_secrets(named)
    mode = _mode(str(path))
    if mode is not None and mode & 0o077 and secrets:
        yield Finding("config permissions", "warn", f"{path} is readable by others (mode {mode:04o}) and holds "
                      f"secrets ({', '.join(secrets[:3])}): chmod 600 {path}")


def _entry_secrets(named: NamedTarget) -> list[str]:
    """Where the target's own entry holds a secret written out (not a `${env.NAME}` reference)."""
    from cpictl.protocol.redaction import secret_env_name
    from cpictl.targets.config import CONTEXT_PUBLIC_KEYS

    entry = named.entry
    found = [f"context.{key}" for key, value in entry.context.items()
             if key not in CONTEXT_PUBLIC_KEYS and _written_out(value)]
    found += [f"env.{name}" for name, value in entry.env.items()
              if (secret_env_name(name) or name in entry.secrets) and _written_out(value)]
    if entry.registry is not None and _written_out(entry.registry.password):
        found.append("registry.password")
    return found


def _written_out(value: Any) -> bool:
    text = value if isinstance(value, str) else json.dumps(value)
    return bool(text) and not (text.startswith("${") and text.endswith("}") and text.count("${") == 1)


def _mode(path: str) -> int | None:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None


def _executable(target: Target) -> Finding:
    executable = target.argv[0]
    if "/" not in executable:
        path = (target.child_environment().get("PATH") or os.environ.get("PATH") or "")
        found = shutil.which(executable, path=path)
        if found is None:
            return Finding("executable", "fail", f"'{executable}' is not found on the CPI's PATH")
        executable = found
    elif target.cwd and not os.path.isabs(executable):
        executable = os.path.join(target.cwd, executable)
    if not os.path.exists(executable):
        return Finding("executable", "fail", f"{executable}: no such file")
    if not os.path.isfile(executable):
        return Finding("executable", "fail", f"{executable}: not a regular file")
    if not os.access(executable, os.X_OK):
        return Finding("executable", "fail", f"{executable}: not executable (chmod +x)")
    return Finding("executable", "ok", executable)


def _argv_files(target: Target) -> Iterator[Finding]:
    """Every argv word (after the executable; also the value of `--opt=PATH`) that names an existing path."""
    for word in target.argv[1:]:
        candidate = word.partition("=")[2] if word.startswith("-") and "=" in word else word
        if not candidate or candidate.startswith("-"):
            continue
        path = candidate if os.path.isabs(candidate) or not target.cwd else os.path.join(target.cwd, candidate)
        if not os.path.exists(path):
            if os.sep in candidate and os.path.splitext(candidate)[1] in (".json", ".yml", ".yaml", ".conf"):
                yield Finding("argv file", "warn", f"{candidate}: no such file (an argument that looks like the "
                              "CPI's config file)")
            continue
        yield from _argv_file(path, target)


def _argv_file(path: str, target: Target) -> Iterator[Finding]:
    if os.path.isdir(path):
        return
    try:
        with open(path, "rb") as handle:
            head = handle.read(_READ_LIMIT + 1)
    except OSError as error:
        yield Finding("argv file", "fail", f"{path}: not readable ({error.strerror or error})")
        return
    yield Finding("argv file", "ok", f"{path}: readable")
    mode = _mode(path)
    secrets = _secret_keys(head, target.secrets) if len(head) <= _READ_LIMIT else []
    if mode is not None and mode & 0o077 and secrets:
        yield Finding("argv file permissions", "warn", f"{path} is readable by others (mode {mode:04o}) and holds "
                      f"secrets ({', '.join(secrets[:3])}): chmod 600 {path}")


def _secret_keys(raw: bytes, extra: tuple[str, ...]) -> list[str]:
    """The dotted keys of a JSON or YAML document under which a non-empty secret value sits."""
    from cpictl.targets.secrets import is_secret

    document = _document(raw)
    found: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{path}.{key}" if path else str(key)
                if is_secret(key, extra) and item not in (None, "", [], {}) and not isinstance(item, bool):
                    found.append(where)
                else:
                    walk(item, where)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]")

    walk(document, "")
    return found


def _document(raw: bytes) -> Any:
    """A config file's data (JSON, else YAML, with every input's limits); None when it is neither."""
    from cpictl.input_limits import InputLimitError

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        pass
    from cpictl.recipes.positions import parse_yaml
    from cpictl.recipes.problems import RecipeError

    try:
        return parse_yaml(text, "<cpi config>")[0]
    except (RecipeError, InputLimitError):
        return None


# -- the call ---------------------------------------------------------------------------------------------------------

def _call(target: Target) -> Iterator[Finding]:
    from cpictl.session import CallSession
    from cpictl.transport import CpiNotRunnable, CpiWorkdirUnusable

    try:
        outcome = CallSession(target).call("info", [])
    except (CpiNotRunnable, CpiWorkdirUnusable) as error:
        yield Finding("runs", "fail", str(error))
        yield from (Finding(check, "skip", "the CPI did not run") for check in _CALL_CHECKS[1:])
        return
    yield _ran(outcome)
    yield _answered(outcome, target.caller)
    yield from _api_versions(target, outcome)
    yield _formats(outcome)
    run = outcome.run
    if run is None:
        yield Finding("time", "skip", "no call was made")
    elif run.timed_out:  # the runs line says it, with the limit: one cause, said once
        yield Finding("time", "skip", "no answer (see runs; --timeout sets the limit)")
    else:
        yield Finding("time", "ok", f"{run.duration_s * 1000:.0f} ms for one info call")


def _ran(outcome: CallOutcome) -> Finding:
    run = outcome.run
    if run is None:
        return Finding("runs", "skip", outcome.failure or "not run")
    if outcome.failure:
        return Finding("runs", "fail", outcome.failure)
    how = f"killed by signal {run.signal}" if run.signal is not None else f"exit {run.exit_code}"
    return Finding("runs", "ok", f"pid {run.pid}, {how}")


def _fails_for(violation: Any, caller: str) -> bool:
    """Whether the target's own caller fails on the violation (its reaction, where the violation says one; else
    its severity)."""
    reaction = getattr(violation, "create_env" if caller == "create-env" else "director", None)
    does = getattr(reaction, "does", None)
    return violation.severity == "error" if does is None else does != "ignores"


def _answered(outcome: CallOutcome, caller: str) -> Finding:
    from cpictl.targets.profiles import spoken

    errors = [v for v in outcome.violations if _fails_for(v, caller)]
    others = [v for v in outcome.violations if v.severity == "error" and v not in errors]
    warnings = [v for v in outcome.violations if v.severity != "error"]
    response = outcome.response
    if outcome.failure and outcome.run is not None and outcome.run.timed_out:
        return Finding("info", "fail", "no answer (see runs)")  # said once, on the runs line
    if errors or response is None:
        said = "; ".join(f"{v.code}: {v.message}" for v in errors[:2]) or outcome.failure or "no response"
        return Finding("info", "fail", said)
    if others:  # only the other caller fails on it: worth knowing, and the api_version lines say what it does
        return Finding("info", "note", f"answers, as {spoken(caller)} accepts; the other caller does not: "
                       + "; ".join(f"{v.code}: {v.message}" for v in others[:2]))
    error = response.get("error")
    if isinstance(error, dict):
        return Finding("info", "warn", f"answers with an error: {error.get('type')}: {error.get('message')}")
    result = response.get("result")
    version = result.get("api_version") if isinstance(result, dict) else None
    shown = "no api_version" if version is None else f"api_version {json.dumps(version)}"
    if warnings:
        return Finding("info", "warn", f"answers ({shown}), with {'; '.join(v.message for v in warnings[:2])}")
    return Finding("info", "ok", f"answers: {shown}")


def _info_answer(outcome: CallOutcome) -> Any:
    """What a caller makes of the answer: nothing at all when it could not read it (as `CallSession` judges)."""
    from cpictl.targets.negotiation import InfoAnswer

    unreadable = (outcome.failure or "").split(";")[0] or ", ".join(
        v.code for v in outcome.violations if v.severity == "error"
        and v.code.startswith(("stdout.", "response.", "json.", "process.", "exit.")))
    return InfoAnswer.from_response(None if unreadable else outcome.response, problem=unreadable or None)


def _api_versions(target: Target, outcome: CallOutcome) -> Iterator[Finding]:
    from cpictl.targets.negotiation import negotiate
    from cpictl.targets.profiles import PROFILES

    answer = _info_answer(outcome)
    timed_out = outcome.run is not None and outcome.run.timed_out
    for name, profile in PROFILES.items():
        result = negotiate(profile, answer, target.preferred_api_version)
        own = name == target.caller
        if result.refusal and timed_out:  # why is on the runs line
            level, detail = ("fail" if own else "note"), "refuses every call: info gave no answer (see runs)"
        elif result.refusal:
            level = "fail" if own else "note"
            detail = f"refuses every call: {result.refusal}" + (f" ({result.how})" if result.how else "")
        else:
            level = "ok"
            detail = f"sends api_version {json.dumps(result.version)} ({result.how})"
        if own and not target.negotiate:
            detail += f"; this target forces api_version {json.dumps(target.api_version)}"
        yield Finding(f"api_version as {name}", level, detail + ("" if own else f" (the target calls as "
                                                                         f"{target.caller})"))


def _formats(outcome: CallOutcome) -> Finding:
    response = outcome.response or {}
    result = response.get("result")
    if not isinstance(result, dict):
        return Finding("stemcell formats", "skip", "no info result")
    formats = result.get("stemcell_formats")
    if isinstance(formats, list) and formats:
        return Finding("stemcell formats", "ok", ", ".join(map(str, formats)))
    return Finding("stemcell formats", "note", "none reported: the director accepts any stemcell, create-env "
                   "fails to read info without the list")


def _registry_port(target: Target) -> Finding:
    import socket

    registry = target.registry
    assert registry is not None
    where = f"{registry.host}:{registry.port}"
    try:
        with socket.create_server((registry.host, registry.port)):
            pass
    except OSError as error:
        return Finding("registry", "warn", f"{where} cannot be listened on ({error.strerror or error}); "
                       "is another cpictl serving it?")
    serves = "every command" if registry.serve else "with --registry"
    return Finding("registry", "ok", f"{where} is free; the embedded registry listens there {serves}")
