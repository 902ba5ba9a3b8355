"""Which main steps a run covers: `--from` and `--to` by step name (finally steps always run)."""

from __future__ import annotations

from cpictl.recipes.plan import LoadedRecipe
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.recipes.validation import did_you_mean


class StepRange:
    """Positions `first`..`last` (inclusive) of the recipe's main steps. Raises RecipeError for a name that is
    not a main step, or a --from after the --to."""

    def __init__(self, recipe: LoadedRecipe, from_step: str | None = None, to_step: str | None = None) -> None:
        self.recipe = recipe
        names = [step.name for step in recipe.steps]
        self.first = self._position("--from", from_step, names, 0)
        self.last = self._position("--to", to_step, names, len(names) - 1)
        if self.first > self.last:
            raise self._error(f"--from {from_step} comes after --to {to_step}")

    def _position(self, flag: str, name: str | None, names: list[str], default: int) -> int:
        if name is None:
            return default
        if name in names:
            return names.index(name)
        finally_names = [step.name for step in self.recipe.finally_steps]
        detail = " (a finally step; those always run)" if name in finally_names else did_you_mean(name, names)
        raise self._error(f"{flag}: no step named '{name}'{detail}; steps: {', '.join(names)}")

    def _error(self, message: str) -> RecipeError:
        return RecipeError([RecipeProblem(str(self.recipe.file), None, None, message)])

    def outside(self, position: int) -> str | None:
        """Why the main step at `position` is not in the range, or None."""
        if position < self.first:
            return f"before --from {self.recipe.steps[self.first].name}"
        if position > self.last:
            return f"after --to {self.recipe.steps[self.last].name}"
        return None
