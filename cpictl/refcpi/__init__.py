"""The bundled reference CPI: an ordinary CPI executable (`cpictl-refcpi`, `python -m cpictl.refcpi`) that keeps
its "cloud" in a directory.

It implements every method of `cpictl.protocol.catalogue` with the semantics real CPIs have, validates requests
like the Ruby CPI library, writes agent settings where a real CPI would (user-metadata or registry, by the
contract's version rule), and misbehaves on request (fault injection, see `faults`). It imports nothing of cpictl
but `cpictl.protocol`.

Entry points for the rest of cpictl:

* `handle_request(raw, env, state_dir) -> Reply` (from `service`) answers one request in-process;
  `Reply.response` is the response document, `Reply.stdout_bytes()` the exact stdout (with the `noise` fault's
  lines before the JSON), `Reply.fault` a process-level fault (hang, crash, garbage) the caller must act out or
  report.
* `read_vm_settings(state_dir, vm_cid) -> {"user_metadata": …, "registry": …}` and `read_state(state_dir)` (from
  `state`) read the directory without locking; `state_dir(env)` (from `config`) finds it.

All five are importable from `cpictl.refcpi` directly.

State directory (`--state-dir`, else `$CPICTL_REFCPI_DIR`, else `$XDG_STATE_HOME/cpictl/refcpi`, XDG_STATE_HOME
defaulting to ~/.local/state). Directories are 0700 and files 0600; every file is replaced atomically:

    state.lock                   flock'd by every call that reads or changes state
    state.json                   {"format": 1, "id_counter": N, "allocations": {...},
                                  "stemcells": {cid: {image_path, cloud_properties, tags}},
                                  "vms":       {cid: {agent_id, stemcell_cid, cloud_properties, networks, disk_cids,
                                                      environment, settings_mode, api_version,
                                                      stemcell_api_version, metadata, reboots}},
                                  "disks":     {cid: {size, type, cloud_properties, vm_locality, attached_to, hint,
                                                      metadata}},
                                  "snapshots": {cid: {disk_cid, size, metadata}},
                                  "networks":  {cid: {range, gateway, reserved, cloud_properties}}}
    user-metadata/<vm_cid>.json  what the VM's agent reads from IaaS metadata: the full agent settings
                                 (settings_mode "user-metadata") or bootstrap data pointing at the registry
                                 (settings_mode "registry"); written once by create_vm, like real user-data
    registry/<vm_cid>.json       full agent settings in registry mode, `disks.persistent` kept current by
                                 attach_disk/detach_disk; absent when CPICTL_REFCPI_REGISTRY_URL sends them to an
                                 HTTP registry instead
    faults/<method>.count        calls counted for `fail-first:N` faults
"""

from __future__ import annotations

from typing import Any

# Deliberately no eager imports: `python -m cpictl.refcpi` and the console script load this package first, and
# every import here would be paid by every CPI call (start-up time is a measured goal). The public names are
# resolved on first use instead (PEP 562).
_PUBLIC = {
    "handle_request": "cpictl.refcpi.service",
    "Reply": "cpictl.refcpi.service",
    "read_vm_settings": "cpictl.refcpi.state",
    "read_state": "cpictl.refcpi.state",
    "state_dir": "cpictl.refcpi.config",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_PUBLIC[name]), name)
