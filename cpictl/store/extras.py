"""What the journal keeps beside each cloud ID a call made: a VM's agent_id, stemcell and networks, a disk's hint.

Shared by the live call path (`cpictl.session`) and the finishing of interrupted calls (`cpictl.store.interrupted`),
which see the same answers. The journal is a file cpictl writes, so the extras are masked: network
cloud_properties by where they sit, and anything the CPI echoed from the request's own secrets by value.
"""

from __future__ import annotations

from typing import Any


def journal_extras(method: str, arguments: list[Any], result: Any, redactor: Any = None) -> dict[str, Any]:
    """The extras of one call. `redactor`: a `Redactor` that has seen the request (None: a fresh one, which masks
    by key and place only — all an interrupted call's masked request allows)."""
    if method not in ("create_vm", "attach_disk"):
        return {}
    from cpictl.protocol.redaction import Redactor

    redactor = redactor if redactor is not None else Redactor()
    extras: dict[str, Any] = {}
    if method == "create_vm" and arguments:
        extras["agent_id"] = arguments[0]
        if len(arguments) > 1 and isinstance(arguments[1], str):
            extras["stemcell_cid"] = arguments[1]  # cleanup keeps a stemcell while a VM made from it stays
        if isinstance(result, list) and len(result) > 1 and isinstance(result[1], dict):
            networks = result[1]
        else:
            networks = arguments[3] if len(arguments) > 3 else None
        if networks is not None:
            extras["networks"] = redactor.result("create_vm", ["", networks])[1]
    if method == "attach_disk" and result is not None:
        # a hint may carry credentials (iscsi_settings.password): masked by key, as agent settings are
        extras["disk_hint"] = redactor.scrub(redactor.agent_settings({"hint": result})["hint"])
    return extras
