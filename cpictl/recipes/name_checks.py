"""Names in a step that would quietly do the wrong thing, refused by the loader with file:line like its other errors.

- `when` reads `{vars, steps}`: `vars.flga` (a typo of `flag`) or `steps.nosuch.result` is null, and the step is
  skipped as if the condition were false. Every `vars.X` must name a variable (or a value saved earlier) and every
  `steps.X` an earlier step's id, as `${X}` and `${steps.X}` in arguments must. `retry.until` reads
  `{result, error, log}` and nothing else.
- A `save:` name must not shadow what `${NAME}` already means: a cloud-ID kind (`${vm}` in a finally step would
  then delete whatever was saved — the guarantee that cleanup touches only this run's IDs is gone), `env` and
  `steps` (reference forms of their own), or a variable (its meaning would change half-way through the run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cpictl.protocol.kinds import KIND_NAMES
from cpictl.recipes.names import root_paths
from cpictl.recipes.plan import CompiledPath, Origin
from cpictl.recipes.positions import DataPath
from cpictl.recipes.problems import RecipeProblem
from cpictl.recipes.validation import did_you_mean

if TYPE_CHECKING:
    from cpictl.recipes.checks import KnownNames

WHEN_DATA = ("vars", "steps")
UNTIL_DATA = ("result", "error", "log")


def check_when_names(when: CompiledPath, origin: Origin, names: KnownNames, problems: list[RecipeProblem]) -> None:
    """Problems for `vars.X` / `steps.X` in a `when` that name nothing at this point of the run."""
    for first, second in dict.fromkeys(root_paths(when.compiled.parsed)):
        message = _when_name(first, second, names)
        if message:
            problems.append(origin.problem(f"when: {message}", "when"))


def _when_name(first: str, second: str | None, names: KnownNames) -> str | None:
    if first not in WHEN_DATA:
        return (f"`{first}` is neither `vars` nor `steps` (a `when` reads {{vars, steps}}), so it is always null"
                f"{did_you_mean(first, list(WHEN_DATA))}")
    if second is None:
        return None
    if first == "vars":
        if second in names.variables or second in names.saved:
            return None
        if second in names.later_saved:
            return f"vars.{second} is saved by step '{names.later_saved[second]}', which runs later"
        candidates = sorted(names.variables | set(names.saved))
        return f"vars.{second}: no variable or saved value named '{second}'{did_you_mean(second, candidates)}"
    if second in names.steps:
        return None
    if second in names.later_steps:
        return f"steps.{second}: step '{second}' runs later than this one"
    if second in names.step_notes:
        return f"steps.{second}: {names.step_notes[second]}"
    return f"steps.{second}: no earlier step with the id '{second}'{did_you_mean(second, names.steps)}"


def check_until_names(until: CompiledPath, origin: Origin, problems: list[RecipeProblem]) -> None:
    """`retry.until` reads the call's `{result, error, log}`: any other top-level name is always null."""
    for first, _ in dict.fromkeys(root_paths(until.compiled.parsed)):
        if first not in UNTIL_DATA:
            problems.append(origin.problem(
                f"retry.until: `{first}` is not one of result, error, log (what `until` reads), so it is always "
                f"null{did_you_mean(first, list(UNTIL_DATA))}", "retry", "until"))


def check_save_name(name: str, origin: Origin, subpath: DataPath, declared: set[str],
                    problems: list[RecipeProblem]) -> None:
    """A save name that would shadow a kind, a reference form or a variable (module docstring)."""
    if name in KIND_NAMES:
        message = (f"save name '{name}' is a cloud-ID kind: `${{{name}}}` would then name the saved value, not "
                   f"the {name} IDs (in finally, not only what this run created); choose another name")
    elif name in ("env", "steps"):
        message = f"save name '{name}' is reserved for `${{{name}.…}}` references; choose another name"
    elif name in declared:
        message = (f"save name '{name}' is already a variable: `${{{name}}}` would change meaning after this step; "
                   "choose another name")
    else:
        return
    problems.append(origin.problem(message, *subpath, key=True))
