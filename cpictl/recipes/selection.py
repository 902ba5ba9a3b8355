"""Which main steps a run covers: `--from` and `--to` by step id, or by a name only one step has (finally steps
always run)."""

from __future__ import annotations

from cpictl.recipes.plan import LoadedRecipe
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.recipes.validation import did_you_mean


class StepRange:
    """Positions `first`..`last` (inclusive) of the recipe's main steps. Raises RecipeError for a step that is
    not a main step, a name several steps share, or a --from after the --to."""

    def __init__(self, recipe: LoadedRecipe, from_step: str | None = None, to_step: str | None = None) -> None:
        self.recipe = recipe
        self.keys = (from_step, to_step)  # as the user gave them: a reason quotes the flag as it was typed
        self.first = self._position("--from", from_step, 0)
        self.last = self._position("--to", to_step, len(recipe.steps) - 1)
        if self.first > self.last:
            raise self._error(f"--from {from_step} comes after --to {to_step}")

    def _position(self, flag: str, key: str | None, default: int) -> int:
        if key is None:
            return default
        steps = self.recipe.steps
        ids = [step.id for step in steps]
        if key in ids:
            return ids.index(key)
        named = [position for position, step in enumerate(steps) if step.name == key]
        if len(named) == 1:
            return named[0]
        if named:
            raise self._error(f"{flag}: {len(named)} steps are named '{key}'; give their id: "
                              f"{', '.join(steps[position].id for position in named)}")
        finally_keys = {key for step in self.recipe.finally_steps for key in (step.id, step.name)}
        detail = " (a finally step; those always run)" if key in finally_keys else did_you_mean(key, ids)
        raise self._error(f"{flag}: no step '{key}'{detail}; steps: {', '.join(ids)}")

    def _error(self, message: str) -> RecipeError:
        return RecipeError([RecipeProblem(str(self.recipe.file), None, None, message)])

    def outside(self, position: int) -> str | None:
        """Why the main step at `position` is not in the range, or None."""
        if position < self.first:
            return f"before --from {self.keys[0]}"
        if position > self.last:
            return f"after --to {self.keys[1]}"
        return None
