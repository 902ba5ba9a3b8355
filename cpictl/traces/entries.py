"""The trace entry of one call cpictl made: its `-o json` document (masked), where it ran and when.

The document is exactly what `cpictl call -o json` prints (`session.outcome_as_dict`), so a trace entry is read by
the same code as a saved call; strings that can be huge (a CPI's log, its stderr) are cut to their last
`KEPT_TEXT` characters, and say so. What a call changed in cloud IDs is not stored: it follows from the request and
the response, and the journal is its one record.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

#: The most of a log or stderr a trace keeps (its end: where a CPI says what went wrong).
KEPT_TEXT = 64 * 1024


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def call_entry(document: dict[str, Any], target: Any, *, call: str | None = None, source: str = "cpictl",
               time: str | None = None) -> dict[str, Any]:
    """The entry for one call: `document` is its masked `-o json` form, `target` the Target it ran against;
    `time` when it was made, if not now (an imported call's, from its log)."""
    exchange = {key: value for key, value in document.items() if key != "cloud_ids"}
    exchange["stderr"] = _cut(exchange.get("stderr"))
    response = exchange.get("response")
    if isinstance(response, dict) and isinstance(response.get("log"), str):
        exchange["response"] = {**response, "log": _cut(response["log"])}
    return {"time": now() if time is None else time, "source": source, "call": call,
            "target": target_summary(target), **exchange}


def target_summary(target: Any) -> dict[str, Any]:
    """What a trace keeps of a target: enough to say where a call ran and to run it there again, nothing secret.
    `env` is the target's own environment settings (a named target's `env:`, `--env`), masked as every view
    masks them and every secret the process knows hunted in them: an export asks for what is masked."""
    summary = {"argv": list(target.argv), "label": target.label, "name": getattr(target, "name", "") or "",
               "as": target.caller, "env_mode": target.env_mode, "cwd": target.cwd,
               "stemcell_api_version": target.stemcell_api_version}
    env = getattr(target, "env", None)
    if env:
        from cpictl.protocol.redaction import Redactor
        from cpictl.targets.secrets import mask_env

        redactor = Redactor()
        summary["env"] = {name: redactor.text(value) for name, value in
                          mask_env(env, getattr(target, "secrets", ())).items()}
    return summary


def _cut(text: Any) -> Any:
    if not isinstance(text, str) or len(text) <= KEPT_TEXT:
        return text
    return f"[{len(text) - KEPT_TEXT:,} characters cut] " + text[-KEPT_TEXT:]
