"""Where the create_vm behind a VM's expected settings comes from: a request, a recipe step, or the session.

The computation itself is `cpictl.protocol.settings_check.expected_settings`; this module finds its inputs:

* a built create_vm `Request` (and its result, whose v2 networks win over the requested ones);
* a recipe step (`--recipe FILE --step NAME`), its `${...}` references resolved leniently like a dry run;
* the session journal, which keeps a VM's agent_id, networks and versions but not its environment, so `env` is
  then `<unknown: …>` and not judged;
* as a last resort for the reference CPI, its own record of the create_vm it answered.

The versions in force for a VM are those of its create_vm: the director sends the stemcell version stored with the
VM on every later call, and a CPI decides placement once, at creation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cpictl.protocol.agent_settings import stemcell_api_version_from_context
from cpictl.protocol.codec import Request
from cpictl.protocol.kinds import CloudIdKind
from cpictl.protocol.settings_check import ExpectedSettings, expected_settings, unknown

if TYPE_CHECKING:
    from cpictl.session import Target
    from cpictl.store import CloudIdRecord, StoreState

ENV_NOT_JOURNALLED = unknown("environment; the session journal does not keep it")


class MetadataError(ValueError):
    """A user-facing problem: no such VM, no create_vm to start from, settings cpictl cannot read."""


@dataclass(frozen=True)
class ExpectedFor:
    """Expected settings and a phrase saying what they were computed from."""

    expected: ExpectedSettings
    source: str


def vm_cid_of_result(result: Any) -> str | None:
    if isinstance(result, list) and result and isinstance(result[0], str):
        return result[0]
    return result if isinstance(result, str) and result else None


def expected_from_request(request: Request, result: Any = None,
                          persistent: Mapping[str, Any] | None = None) -> ExpectedSettings:
    """The settings a create_vm request asks for; `result` (when it ran) supplies the VM CID and v2 networks."""
    networks = result[1] if isinstance(result, list) and len(result) > 1 and isinstance(result[1], dict) else None
    return expected_settings(request.arguments, request.api_version,
                             stemcell_api_version_from_context(request.context), vm_cid_of_result(result),
                             networks, persistent=persistent)


def attached_hints(state: StoreState, vm_cid: str) -> dict[str, Any]:
    """Disks the session has attached to a VM: cid → the hint attach_disk returned (None under v1)."""
    return {record.cid: record.disk_hint for record in state.attached_disks(vm_cid)}


def expected_from_record(record: CloudIdRecord, state: StoreState,
                         fallback_api_version: int | None = 2) -> ExpectedSettings:
    """The settings of a VM the session journal knows. An imported VM has no create_vm api_version: the target's."""
    api_version = record.api_version if record.method == "create_vm" else fallback_api_version
    networks = record.networks if isinstance(record.networks, dict) else {}
    arguments: list[Any] = [record.agent_id, None, None, networks, [], ENV_NOT_JOURNALLED]
    # The journal keeps the v2 result's networks (the v1 request's when there was no result networks).
    result_networks = networks if (api_version or 1) >= 2 and record.method == "create_vm" else None
    return expected_settings(arguments, api_version, record.stemcell_api_version, record.cid, result_networks,
                             persistent=attached_hints(state, record.cid))


def expected_from_refcpi_record(vm_cid: str, vm: Mapping[str, Any], state: StoreState | None) -> ExpectedSettings:
    """The reference CPI's own record of a create_vm (used when the session never saw it)."""
    networks = vm.get("networks") if isinstance(vm.get("networks"), dict) else {}
    arguments = [vm.get("agent_id"), vm.get("stemcell_cid"), {}, networks, vm.get("disk_cids") or [],
                 vm.get("environment", {})]
    api_version = vm.get("api_version") if isinstance(vm.get("api_version"), int) else None
    persistent = attached_hints(state, vm_cid) if state is not None else None
    return expected_settings(arguments, api_version, vm.get("stemcell_api_version"), vm_cid,
                             networks if (api_version or 1) >= 2 else None, persistent=persistent)


def latest_created_vm(state: StoreState) -> CloudIdRecord | None:
    """The session's newest live VM that it created (not imported), else its newest live VM."""
    live = state.live(CloudIdKind.VM)
    return next((record for record in live if record.method == "create_vm"), live[0] if live else None)


def expected_from_journal(journal: Path, vm_cid: str | None = None) -> ExpectedFor:
    """Expected settings of a VM of the session (default: its latest create_vm). Raises MetadataError."""
    from cpictl.store import CloudIdStore

    state = CloudIdStore(journal).replay()
    record = state.get(vm_cid, CloudIdKind.VM) if vm_cid else latest_created_vm(state)
    if record is None:
        what = f"VM '{vm_cid}'" if vm_cid else "live VM"
        raise MetadataError(f"the session ({journal}) has no {what}; give create_vm arguments, or --recipe and "
                            "--step")
    return ExpectedFor(expected_from_record(record, state), f"the session journal's create_vm of {record.cid}")


def request_from_recipe_step(path: Path, step_name: str, base: Target, cli_vars: Mapping[str, Any],
                             journal: Path, overrides: Mapping[str, Any] | None = None) -> Request:
    """The create_vm request a recipe step would send, references resolved leniently (unknown ones stay as text).
    `overrides` (explicit command-line versions) win over the recipe's. Raises RecipeError (bad recipe) or
    MetadataError (no such step, not a create_vm)."""
    from cpictl.protocol.arguments import ArgumentProblem
    from cpictl.recipes import load_recipe
    from cpictl.recipes.scope import LenientResolver, LiveIds, resolve_layers
    from cpictl.recipes.targets import target_for
    from cpictl.store import CloudIdStore

    recipe = load_recipe(path, cli_vars=cli_vars)
    step = recipe.step(step_name)
    if step is None:
        names = ", ".join(s.id for s in recipe.all_steps)
        raise MetadataError(f"--step: {path} has no step named '{step_name}'; its steps: {names}")
    if step.method != "create_vm":
        raise MetadataError(f"--step: step '{step_name}' calls {step.method}, not create_vm")
    live = LiveIds(CloudIdStore(journal).replay())
    variables = resolve_layers([*recipe.layers, *step.layers], {}, live, {}, lenient=True)
    resolver = LenientResolver(live.as_state(), variables, {})
    args = resolver.resolve(step.args, f"{step.id}.args")
    context = resolver.resolve(step.context, f"{step.id}.context") if step.context else None
    target = target_for(recipe, base).with_overrides(context=context, **{**step.overrides, **(overrides or {})})
    from cpictl.session import build_request

    try:
        return build_request(target, step.method, args)
    except ArgumentProblem:
        return build_request(target, step.method, args, validate=False)
