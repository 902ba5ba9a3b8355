"""Apply a recipe's `target:` section to the target the CLI would otherwise use.

Paths in a recipe are relative to the recipe file: a `cpi` argv item written `./x` or `../x` (and a relative
executable containing a `/`) is resolved against the recipe's directory, and the CPI runs with its working
directory set to the recipe's directory (or `target.cwd`, itself relative to the recipe) unless the caller's
target already names one. That is how `image_path: ./assets/image.tgz` in a bundled recipe finds its file,
whatever directory `cpictl run` was started from. `${env.X}` and `${var}` references in `context` and `env`
are resolved here, once, so a secret can come from the environment instead of the recipe file; the secrets of
`env` are registered for masking here too (`redaction.register_environment`), as every target's are.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cpictl.protocol.redaction import register_environment
from cpictl.recipes.plan import LoadedRecipe
from cpictl.recipes.problems import RecipeError
from cpictl.recipes.scope import LiveIds, layer_problem, resolve_layers
from cpictl.session import Target
from cpictl.store.references import ReferenceProblem, Resolver


def _resolve_argv_item(item: str, directory: Path, first: bool) -> str:
    if os.path.isabs(item):
        return item
    if item.startswith(("./", "../")) or (first and "/" in item):
        return str((directory / item).resolve())
    return item


def recipe_argv(recipe: LoadedRecipe) -> list[str] | None:
    """The recipe's `cpi` as an argv with recipe-relative paths made absolute; None when it names none."""
    cpi = recipe.target.cpi
    if cpi is None:
        return None
    items = [cpi] if isinstance(cpi, str) else list(cpi)
    directory = recipe.directory.resolve()
    return [_resolve_argv_item(item, directory, index == 0) for index, item in enumerate(items)]


def target_for(recipe: LoadedRecipe, base: Target, environ: Mapping[str, str] | None = None) -> Target:
    """`base` with the recipe's target settings applied. Keys the recipe does not set keep `base`'s values; the
    CLI applies its own explicit flags after this, so they win over the recipe. Raises RecipeError when a
    reference in `target.context`/`target.env` cannot be resolved."""
    spec = recipe.target
    fields = spec.model_fields_set
    changes: dict[str, Any] = {}
    argv = recipe_argv(recipe)
    if argv is not None:
        changes["argv"] = argv
        changes["label"] = ""
    for name in ("api_version", "stemcell_api_version", "timeout"):
        if name in fields:
            changes[name] = getattr(spec, name)
    if "api_version" in fields:  # the recipe names the version: it is sent as given, not negotiated
        changes["negotiate"] = False
    if spec.context or spec.env:
        context, env = _resolved(recipe, environ)
        changes["context"] = {**base.context, **context}
        changes["env"] = {**base.env, **{key: str(value) for key, value in env.items()}}
        register_environment(changes["env"])  # the CPI may echo them: masked wherever it does
    if spec.cwd is not None:
        changes["cwd"] = str((recipe.directory / spec.cwd).resolve())
    elif base.cwd is None:
        changes["cwd"] = str(recipe.directory.resolve())
    return dataclasses.replace(base, **changes)


def _resolved(recipe: LoadedRecipe, environ: Mapping[str, str] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """target.context and target.env with references resolved, key by key so a problem names its line."""
    live = LiveIds()
    try:
        variables = resolve_layers(recipe.layers, {}, live, {}, environ)
    except ReferenceProblem as problem:  # a var such as `${env.MISSING}`: point at it
        raise RecipeError([layer_problem(problem, str(recipe.file))]) from None
    resolver = Resolver(live.as_state(), variables, {}, os.environ if environ is None else environ)
    resolved: dict[str, dict[str, Any]] = {"context": {}, "env": {}}
    for part in resolved:
        for key, value in getattr(recipe.target, part).items():
            try:
                resolved[part][key] = resolver.resolve(value, f"target.{part}.{key}")
            except ReferenceProblem as problem:
                origin = recipe.target_origin
                assert origin is not None  # a target with context or env was written in the file
                raise RecipeError([origin.problem(str(problem), part, key)]) from None
    return resolved["context"], resolved["env"]
