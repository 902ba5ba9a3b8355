"""A recipe's `target:` section (a named target, or an inline mapping) and `as:`, as a layer of target settings.

Paths in a recipe are relative to the recipe file: a `cpi` argv item written `./x` or `../x` (and a relative
executable containing a `/`) is resolved against the recipe's directory, and the CPI runs with its working
directory set to the recipe's directory (or `target.cwd`, itself relative to the recipe) unless the caller's
target already names one. That is how `image_path: ./assets/image.tgz` in a bundled recipe finds its file,
whatever directory `cpictl run` was started from. `${env.X}` and `${var}` references in `context` and `env`
are resolved here, once, so a secret can come from the environment instead of the recipe file; the secrets of
`env` are registered for masking here too (`redaction.register_environment`), as every target's are.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cpictl.protocol.redaction import register_environment
from cpictl.recipes.plan import LoadedRecipe
from cpictl.recipes.problems import RecipeError
from cpictl.recipes.scope import LiveIds, layer_problem, resolve_layers
from cpictl.session import Target
from cpictl.store.references import ReferenceProblem, Resolver
from cpictl.targets.config import resolve_word
from cpictl.targets.layers import TargetLayer, apply


def recipe_argv(recipe: LoadedRecipe) -> list[str] | None:
    """The recipe's `cpi` as an argv with recipe-relative paths made absolute, as a config file's are; None when
    it names none."""
    cpi = recipe.target.cpi
    if cpi is None:
        return None
    items = [cpi] if isinstance(cpi, str) else list(cpi)
    directory = recipe.directory.resolve()
    return [resolve_word(item, directory, first=index == 0) for index, item in enumerate(items)]


def recipe_layer(recipe: LoadedRecipe, environ: Mapping[str, str] | None = None) -> TargetLayer:
    """The settings the recipe gives its target: its `target:` (a named target, or a mapping) and `as:`, and its
    directory as the CPI's working directory unless a higher layer or the target names one. Raises RecipeError
    when a reference in `target.context`/`target.env` cannot be resolved, or the named target does not exist."""
    values: dict[str, Any] = {"default_cwd": str(recipe.directory.resolve())}
    if recipe.target_name is not None:
        values.update(_named(recipe, environ))
    else:
        values.update(_inline(recipe, environ))
    travels = ["default_cwd"]  # the recipe's paths are relative to it, whichever CPI runs its steps
    if recipe.caller is not None:
        values["caller"] = recipe.caller
        travels.append("caller")  # `as:` says which caller the steps are written for
    return TargetLayer(f"the recipe's target ({recipe.file})", values, travels=tuple(travels))


def target_for(recipe: LoadedRecipe, base: Target, environ: Mapping[str, str] | None = None) -> Target:
    """`base` with the recipe's target settings applied (`recipe_layer`): keys the recipe does not set keep
    `base`'s values. `cpictl run` stacks the layers itself (flags and `--target` over the recipe); the REPL's
    `:run` and the metadata views apply the recipe over the target they have."""
    return apply(base, recipe_layer(recipe, environ))


def _named(recipe: LoadedRecipe, environ: Mapping[str, str] | None) -> dict[str, Any]:
    """`target: NAME`: that target's settings, or a problem at the recipe's `target:` line."""
    from cpictl.targets.config import ConfigError, TargetNotFound, load_config

    name = recipe.target_name
    assert name is not None
    origin = recipe.target_origin
    assert origin is not None  # a named target was written in the file
    try:
        config = load_config()
        named = config.get(name, "target:") if config is not None else None
        if named is None:
            from cpictl.targets.config import not_found

            not_found(name, "target:")
        assert named is not None
        return dict(named.layer(environ).values)
    except TargetNotFound as problem:
        raise RecipeError([origin.problem(str(problem))]) from None
    except ConfigError as error:  # the config file's own problems, at their own lines
        raise RecipeError(error.problems) from None


def _inline(recipe: LoadedRecipe, environ: Mapping[str, str] | None) -> dict[str, Any]:
    """An inline `target:` mapping: only the keys it sets, paths relative to the recipe."""
    spec = recipe.target
    fields = spec.model_fields_set
    values: dict[str, Any] = {}
    argv = recipe_argv(recipe)
    if argv is not None:
        values["argv"] = argv
        values["label"] = ""
    for name in ("api_version", "stemcell_api_version", "timeout", "env_mode", "preferred_api_version",
                 "director_uuid"):
        if name in fields:
            values[name] = getattr(spec, name)
    if spec.as_ is not None:
        values["caller"] = spec.as_
    if spec.context or spec.env:
        context, env = _resolved(recipe, environ)
        values["context"] = context
        values["env"] = {key: str(value) for key, value in env.items()}
        register_environment(values["env"])  # the CPI may echo them: masked wherever it does
    if spec.cwd is not None:
        values["cwd"] = str((recipe.directory / spec.cwd).resolve())
    return values


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
