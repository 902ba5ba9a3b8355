"""What a CPI actually wrote for a VM: its user-metadata and its registry entry, wherever cpictl can see them.

* The bundled reference CPI keeps user-metadata (and, in registry mode without an HTTP registry, the registry
  entries) in its state directory; we find that directory exactly as the CPI process would: from its argv
  (`--state-dir`), else the environment the target gives the CPI (`CPICTL_REFCPI_DIR`, XDG_STATE_HOME, HOME),
  relative paths taken from the CPI's working directory.
* Registry entries a CPI sent to cpictl's embedded registry come from the capture file next to the session journal
  (`cpictl.metadata.registry_log`), so they are visible in a later process.
* Any other CPI's user-metadata lives in a real IaaS cpictl cannot read: `user_metadata_known` is False and the diff
  does not judge it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpictl.metadata.registry_log import captured_entry, registry_log_path
from cpictl.protocol.settings_check import ActualSettings, looks_like_full_settings

if TYPE_CHECKING:
    from cpictl.session import Target

REFCPI_MODULE = "cpictl.refcpi"
REFCPI_EXECUTABLE = "cpictl-refcpi"
#: How `registry_source` names the embedded registry's capture file (`is_from_capture` reads it back).
CAPTURE_SOURCE = "embedded registry capture "


def is_reference_cpi(target: Target) -> bool:
    """The bundled reference CPI, whichever way it is started (module, console script, extra arguments)."""
    argv = target.argv
    if target.is_reference or (argv[1:3] == ["-m", REFCPI_MODULE]):
        return True
    return bool(argv) and os.path.basename(argv[0]) == REFCPI_EXECUTABLE


def _state_dir_argument(argv: list[str]) -> str | None:
    for position, arg in enumerate(argv):
        if arg == "--state-dir" and position + 1 < len(argv):
            return argv[position + 1] or None
        if arg.startswith("--state-dir="):
            return arg.partition("=")[2] or None
    return None


def reference_state_dir(target: Target) -> str:
    """The reference CPI's state directory for this target, resolved the way the CPI process resolves it."""
    from cpictl.refcpi import state_dir

    env = target.child_environment()
    chosen = _state_dir_argument(target.argv) or env.get("CPICTL_REFCPI_DIR") or None
    if chosen and not os.path.isabs(chosen) and target.cwd:
        chosen = os.path.join(target.cwd, chosen)
    return state_dir(env, chosen)


def _bootstrap_endpoint(user_metadata: Any) -> str | None:
    if looks_like_full_settings(user_metadata) or not isinstance(user_metadata, dict):
        return None
    registry = user_metadata.get("registry")
    endpoint = registry.get("endpoint") if isinstance(registry, dict) else None
    return endpoint if isinstance(endpoint, str) else None


def capture_source(store_path: Path | str) -> str:
    return f"{CAPTURE_SOURCE}{registry_log_path(store_path)}"


def is_from_capture(actual: ActualSettings) -> bool:
    """The registry entry judged is what the embedded registry captured (not the reference CPI's own file)."""
    return actual.registry is not None and actual.registry_source.startswith(CAPTURE_SOURCE)


def actual_settings(target: Target, vm_cid: str, store_path: Path | str | None, *,
                    registry_attached: bool = False) -> ActualSettings | None:
    """What the CPI wrote for `vm_cid`; None when cpictl can see neither its user-metadata nor a registry entry.

    `registry_attached`: the embedded registry was attached when the VM was created (`cpictl.metadata.
    registry_runs`), so a missing entry is something cpictl saw, not something it could not see."""
    captured = captured_entry(store_path, vm_cid) if store_path is not None else None
    source = capture_source(store_path) if store_path is not None else ""
    if not is_reference_cpi(target):
        if captured is None and not registry_attached:
            return None
        return ActualSettings(None, captured.settings() if captured else None, user_metadata_known=False,
                              registry_known=True, registry_source=source if captured else f"{source} (no entry)")
    from cpictl.refcpi import read_vm_settings

    directory = reference_state_dir(target)
    files = read_vm_settings(directory, vm_cid)
    metadata_source = os.path.join(directory, "user-metadata", f"{vm_cid}.json")
    if files["registry"] is not None:
        return ActualSettings(files["user_metadata"], files["registry"], True, True, metadata_source,
                              os.path.join(directory, "registry", f"{vm_cid}.json"))
    if captured is not None:
        return ActualSettings(files["user_metadata"], captured.settings(), True, True, metadata_source, source)
    if registry_attached:
        return ActualSettings(files["user_metadata"], None, True, True, metadata_source, f"{source} (no entry)")
    # No entry anywhere we look. If the CPI says it used an HTTP registry we did not capture, we cannot tell.
    endpoint = _bootstrap_endpoint(files["user_metadata"])
    http = endpoint is not None and endpoint.startswith(("http://", "https://"))
    return ActualSettings(files["user_metadata"], None, True, not http, metadata_source,
                          f"{directory}/registry (no entry)" if not http else "")


def reference_vm_record(target: Target, vm_cid: str) -> dict[str, Any] | None:
    """The reference CPI's state.json record of a VM, or None (not the reference CPI, or no such VM)."""
    if not is_reference_cpi(target):
        return None
    from cpictl.refcpi import read_state

    vm = read_state(reference_state_dir(target)).get("vms", {}).get(vm_cid)
    return vm if isinstance(vm, dict) else None
