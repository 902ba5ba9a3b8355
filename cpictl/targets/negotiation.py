"""Which api_version a caller would send a CPI, from the CPI's `info` answer — and when it would send nothing.

`negotiate(profile, info, preferred)` is the callers' rule as a pure function (see `profiles.py` for where each
step comes from in their code); `Negotiation` carries the outcome with the sentence cpictl shows in every header
("api_version 3 — negotiated: the CPI reports 3, the director prefers 3"). `NegotiationCache` keeps a target's
outcome beside the session's journal, so one operation costs one CPI process, not the two a caller spends on it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpictl.protocol.callers import DIRECTOR_NO_VERSION as DIRECTOR_UNREPORTED
from cpictl.protocol.callers import director_refuses_version
from cpictl.targets.profiles import CallerProfile


@dataclass(frozen=True)
class InfoAnswer:
    """What `info` answered, as far as negotiation cares: its result, or that it answered NotImplemented, or
    that it gave no usable answer at all (`problem`: crashed, not JSON, an error other than NotImplemented)."""

    result: Any = None
    not_implemented: bool = False
    problem: str | None = None

    @classmethod
    def from_response(cls, response: dict[str, Any] | None, problem: str | None = None) -> InfoAnswer:
        if response is None:
            return cls(problem=problem or "no usable answer")
        error = response.get("error")
        if isinstance(error, dict):
            kind, message = str(error.get("type", "")), str(error.get("message", ""))
            if kind == "Bosh::Clouds::NotImplemented" or message.startswith("Invalid Method:"):
                return cls(not_implemented=True)
            return cls(problem=f"{kind}: {message}")
        return cls(result=response.get("result"))


@dataclass(frozen=True)
class Negotiation:
    """The outcome: `version` to send, or `refusal` (the caller's own message) when it would send nothing."""

    caller: str
    version: int | float | None  # the director sends a float as it got it (2.0); create-env truncates
    reported: Any  # what info said (None when it said nothing)
    preferred: int | None
    refusal: str | None = None
    how: str = ""  # the rule that gave `version`, in words
    other: str = ""  # what the other caller would do with the same info ("create-env would send api_version 1")

    def header(self) -> str:
        """`negotiated: the CPI reports 3, the director prefers 3 → 3`, for every call's header."""
        if self.refusal:
            from cpictl.targets.profiles import spoken

            return f"{spoken(self.caller)} refuses this CPI: {self.refusal}"
        return f"negotiated: {self.how}"

    def as_dict(self) -> dict[str, Any]:
        return {"caller": self.caller, "api_version": self.version, "reported": self.reported,
                "preferred": self.preferred, "refusal": self.refusal, "how": self.how, "other": self.other}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Negotiation:
        return cls(caller=str(data.get("caller", "")), version=data.get("api_version"),
                   reported=data.get("reported"), preferred=data.get("preferred"), refusal=data.get("refusal"),
                   how=str(data.get("how", "")), other=str(data.get("other", "")))


def negotiate_both(profile: CallerProfile, info: InfoAnswer, preferred: int) -> Negotiation:
    """`negotiate` for `profile`, with `other` saying what the other caller would do with the same answer."""
    from dataclasses import replace

    from cpictl.targets.profiles import PROFILES

    ours = negotiate(profile, info, preferred)
    theirs = next(negotiate(other, info, preferred) for name, other in PROFILES.items() if name != profile.name)
    if theirs.refusal == ours.refusal:
        said = f"so would {theirs.caller}"
    elif theirs.refusal:
        said = f"{theirs.caller} would refuse it too: {theirs.refusal}"
    else:
        said = f"{theirs.caller} would send api_version {_shown(theirs.version)} (`--as {theirs.caller}`)"
    return replace(ours, other=said)


def negotiate(profile: CallerProfile, info: InfoAnswer, preferred: int) -> Negotiation:
    """What `profile` sends after `info` answered as it did (`preferred`: the director's preferred version)."""
    if info.problem is not None:
        return Negotiation(profile.name, None, None, preferred,
                           refusal=f"its info call gives no usable answer ({info.problem})", how="")
    if profile.min_version is None:
        return _create_env(profile, info)
    return _director(profile, info, preferred)


def _director(profile: CallerProfile, info: InfoAnswer, preferred: int) -> Negotiation:
    """cloud_factory.rb: `(info || {}).fetch('api_version')`, then `[reported, preferred].min`, then the wrapper's
    check of the minimum."""
    def refused(reason: str, reported: Any = None, how: str = "") -> Negotiation:
        return Negotiation(profile.name, None, reported, preferred, refusal=reason, how=how)

    result = info.result
    if info.not_implemented or result is None or (isinstance(result, dict) and "api_version" not in result):
        said = "answers NotImplemented to info" if info.not_implemented else "reports no api_version in info"
        return refused(DIRECTOR_UNREPORTED, how=f"the CPI {said}")
    if not isinstance(result, dict):
        return refused(f"info's result is {_kind(result)}, not an object: the director's lookup of api_version in "
                       "it raises (an internal error, not a CPI error)")
    reported = result["api_version"]
    if isinstance(reported, bool) or not isinstance(reported, (int, float)):
        return refused(f"info's api_version {_shown(reported)} is not a number: the director cannot compare it "
                       f"with its preferred {preferred} and raises", reported)
    chosen = min(reported, preferred)  # Ruby's [a, b].min: 2.0 stays 2.0 and is sent as 2.0
    how = f"the CPI reports {_shown(reported)}, the director prefers {preferred} → {_shown(chosen)}"
    if profile.min_version is not None and chosen < profile.min_version:
        return refused(director_refuses_version(_shown(chosen)), reported, how)
    return Negotiation(profile.name, chosen, reported, preferred, how=how)


def _create_env(profile: CallerProfile, info: InfoAnswer) -> Negotiation:
    """cloud.go `Info` and `infoParser`: NotImplemented means 1; the result must be an object whose
    stemcell_formats is an array (of strings: anything else panics) and whose api_version, when present, a
    number (truncated to an integer); above 2 it is capped."""
    def refused(reason: str, reported: Any = None) -> Negotiation:
        return Negotiation(profile.name, None, reported, None, refusal=reason, how="info's result is unusable")

    unusable = "Unmarshalling 'info' method response failed"
    if info.not_implemented:
        version = profile.version_when_unreported
        return Negotiation(profile.name, version, None, None,
                           how=f"the CPI answers NotImplemented to info, so create-env assumes {version}")
    result = info.result
    if not isinstance(result, dict):
        return refused(f"{unusable}: its result is {_kind(result)}, not an object")
    formats = result.get("stemcell_formats")
    if not isinstance(formats, list):
        return refused(f"{unusable}: stemcell_formats is {_kind(formats)}, not an array")
    if not all(isinstance(item, str) for item in formats):
        return refused("create-env crashes (a Go panic) on a stemcell_formats item that is not a string")
    if "api_version" not in result:
        version = profile.version_when_unreported
        return Negotiation(profile.name, version, None, None,
                           how=f"the CPI reports no api_version in info, so create-env assumes {version}")
    reported = result["api_version"]
    if isinstance(reported, bool) or not isinstance(reported, (int, float)):
        return refused(f"{unusable}: api_version {_shown(reported)} is not a number", reported)
    version = int(reported)  # Go: int(float64)
    chosen = min(version, profile.max_version)
    cap = f", create-env speaks at most {profile.max_version}" if version > profile.max_version else ""
    return Negotiation(profile.name, chosen, reported, None,
                       how=f"the CPI reports {_shown(reported)}{cap} → {chosen}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(type(value), "a number")


def _shown(version: Any) -> str:
    return json.dumps(version)


class NegotiationCache:
    """Negotiated versions per target, in `<journal>.negotiated.json` (0600): kept until the target changes.

    The key is the target's fingerprint (`key`): everything that could change what `info` answers or what the
    caller makes of it, the CPI executable's size and modification time included, so a new CPI build renegotiates."""

    def __init__(self, journal_path: Path) -> None:
        self.path = Path(f"{journal_path}.negotiated.json")

    def get(self, key: str) -> Negotiation | None:
        entry = self._read().get(key)
        return Negotiation.from_dict(entry) if isinstance(entry, dict) else None

    def put(self, key: str, negotiation: Negotiation) -> None:
        entries = self._read()
        entries[key] = negotiation.as_dict()
        _write_private(self.path, json.dumps(entries, indent=1, sort_keys=True))

    def forget(self, key: str) -> None:
        entries = self._read()
        if entries.pop(key, None) is not None:
            _write_private(self.path, json.dumps(entries, indent=1, sort_keys=True))

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return {}  # none yet, or unreadable: negotiate again rather than fail the call
        return data if isinstance(data, dict) else {}


def _write_private(path: Path, text: str) -> None:
    """Replace the file atomically, 0600; a cache that cannot be written only costs a renegotiation."""
    # one temporary file per thread: `cpictl bench --negotiate every-call` writes from several threads at once
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    try:
        missing = [parent for parent in (path.parent, *path.parent.parents) if not parent.exists()]
        for directory in reversed(missing):  # made 0700, as the journal's directories are
            directory.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
