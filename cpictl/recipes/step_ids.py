"""Step ids: what `${steps.ID…}`, `when: steps.ID…` and `--from`/`--to` name, given to every step once.

A step's `name` is free text for people ("create the VM"); its `id` is for references and the runner's
bookkeeping. The rules:

- an explicit `id:` must be a valid identifier (letters, digits, `_`, `-`) and unique in the recipe with its
  includes spliced in; a duplicate is refused at its line, naming where the first one is;
- a step without an `id` whose name is a valid identifier goes by its name, so `name: vm` … `${steps.vm.result}`
  keeps working — unless another step has the same name or claims it as its id. Such a name is then nobody's id,
  and a reference to it is refused with the steps that share it and the advice to give the one meant an `id`
  (free-text names may repeat: two steps may both be called "check the disk");
- any other step goes by `METHOD-N`, N its 1-based position in run order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cpictl.recipes.checks import NAME_PATTERN, check_name
from cpictl.recipes.plan import Origin
from cpictl.recipes.problems import RecipeProblem
from cpictl.recipes.schema import CallStep


@dataclass
class StepIds:
    """Every step's id in run order, and what to say about a name that is not an id (`notes`)."""

    ids: list[str]
    notes: dict[str, str] = field(default_factory=dict)


def assign_ids(steps: Sequence[tuple[CallStep, Origin]], problems: list[RecipeProblem]) -> StepIds:
    """The ids of `steps` (in run order, main then finally), refusing bad and duplicate explicit ids."""
    first_at: dict[str, Origin] = {}
    for step, origin in steps:
        if step.id is None:
            continue
        check_name(step.id, "step id", origin, ("id",), problems)
        first = first_at.setdefault(step.id, origin)
        if first is not origin:
            problems.append(origin.problem(f"duplicate step id '{step.id}' (first at {first.file}:{first.line})"
                                           + _twice_hint(first, origin), "id"))
    by_name: dict[str, list[Origin]] = {}
    for step, origin in steps:
        if step.id is None and step.name is not None and NAME_PATTERN.fullmatch(step.name):
            by_name.setdefault(step.name, []).append(origin)
    notes: dict[str, str] = {}
    for name, origins in by_name.items():
        if len(origins) > 1 and name not in first_at:  # (an explicit id wins: the reference means that step)
            notes[name] = (f"{len(origins)} steps are named '{name}' ({', '.join(map(_at, origins))}): give the one "
                           "you mean an `id` and refer to that")
    for step, origin in steps:  # a name that is an identifier, on a step that has an id of its own
        if step.id is not None and step.name is not None and step.name != step.id and step.name not in first_at \
                and step.name not in by_name and NAME_PATTERN.fullmatch(step.name):
            notes.setdefault(step.name, f"the step named '{step.name}' ({_at(origin)}) has the id '{step.id}': "
                                        "refer to it by that")
    ids: list[str] = []
    taken = set(first_at) | {name for name, origins in by_name.items() if len(origins) == 1}
    for index, (step, _) in enumerate(steps, start=1):
        if step.id is not None:
            ids.append(step.id)
        elif step.name is not None and len(by_name.get(step.name, ())) == 1 and step.name not in first_at:
            ids.append(step.name)
        else:
            auto = f"{step.call}-{index}"
            while auto in taken:  # a step someone named `has_vm-6` keeps that id; this one goes by another
                auto += "_"
            taken.add(auto)
            ids.append(auto)
    return StepIds(ids, notes)


def _at(origin: Origin) -> str:
    return f"{origin.file}:{origin.line}"


def _twice_hint(first: Origin, again: Origin) -> str:
    if first.source is again.source and first.path == again.path:
        return " (its file is included more than once; a step with an id can appear only once)"
    return ""
