"""Before the first step runs: resolve every reference that can be known up front and type-check what it gives.

A missing `${env.NAME}`, or `--var size=abc` filling an integer parameter, would otherwise only show when its step
runs — after earlier steps created cloud resources. So before anything is sent, each step that will run (the main
steps inside --from/--to, and the finally steps unless they are turned off) is resolved against what is known
now: the recipe's variables (recipe `vars`, included files' `vars`, the vars file, `--var`), include `vars:`
layers, and the environment. What only a run can tell stays open: `${vm}` and the other kinds, `${steps.…}`, and
any name a step saves (a saved value wins over a variable of the same name). An argument that resolves completely
is checked against the catalogue at the step's api_version, as the run would check it.

Every problem becomes a RecipeProblem at the value that holds the reference (file:line:column); all of them are
raised together as one RecipeError, and nothing has run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cpictl.protocol.arguments import ArgumentProblem, bind_arguments
from cpictl.recipes.checks import argument_problem
from cpictl.recipes.plan import LoadedRecipe, Origin, PlannedStep, VarLayer
from cpictl.recipes.positions import DataPath
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.store.references import ReferenceProblem, Resolver, parse_reference

_Resolve = Callable[[str, DataPath], tuple[Any, bool]]


class _UpFront(Resolver):
    """Resolves variables it knows and the environment; anything else is left as `${...}` and noted as open."""

    def __init__(self, variables: Mapping[str, Any], environ: Mapping[str, str]) -> None:
        super().__init__(None, variables, {}, environ)
        self.open = False

    def lookup(self, ref: str, where: str = "") -> Any:
        parsed = parse_reference(ref, where)
        if parsed.form == "env" or (parsed.form == "name" and parsed.name in self.variables):
            return super().lookup(ref, where)
        self.open = True  # a kind, a step or a saved value: known only at run time
        return "${" + ref + "}"


def check_before_run(recipe: LoadedRecipe, steps: Iterable[PlannedStep], global_vars: Mapping[str, Any],
                     api_version: int | None, environ: Mapping[str, str]) -> None:
    """Raise RecipeError for every problem the given steps would meet that is knowable now. `global_vars` are
    the recipe's resolved variables; `api_version` the target's (a step's own override wins)."""
    saved = {name for step in recipe.all_steps for name in step.save}
    known = {name: value for name, value in global_vars.items() if name not in saved}
    problems: list[RecipeProblem] = []
    layer_cache: dict[tuple[int, ...], dict[str, Any]] = {}
    for step in steps:
        if not (step.args_have_references or step.context_has_references or step.expect_has_references):
            continue
        variables = _with_layers(step.layers, known, environ, layer_cache, problems)
        resolver = _UpFront(variables, environ)
        resolve = _resolver(resolver, step.origin, problems)
        if step.context_has_references:
            _walk(step.context, ("context",), resolve)
        if step.expect_has_references:
            _walk(step.expect.message, ("expect", "message"), resolve)
            for check in step.expect.checks:
                for key, value in check.predicates.items():
                    _walk(value, ("expect", "result", check.index, key), resolve)
        if step.args_have_references:
            if step.unchecked:  # sent as written: only its references must resolve
                _walk(step.args, ("args",), resolve)
            else:
                _check_arguments(step, resolve, api_version, problems)
    if problems:
        raise RecipeError(problems)


def check_recipe(recipe: LoadedRecipe, api_version: int | None, environ: Mapping[str, str]) -> None:
    """`cpictl recipe check`: raise RecipeError for everything `run` would refuse before its first step — a
    missing `${env.X}`, a `--var` of the wrong type — over every step, main and finally, with the same messages.
    Without a session, a variable that names a cloud-ID kind stays open, as kinds do in the steps."""
    problems: list[RecipeProblem] = []
    variables = _with_layers(recipe.layers, {}, environ, {}, problems, place=_layer_place)
    if problems:
        raise RecipeError(problems)
    check_before_run(recipe, recipe.all_steps, variables, api_version, environ)


def _layer_place(layer: VarLayer, name: str) -> str:
    from cpictl.recipes.scope import layer_place
    from cpictl.store.reference_syntax import child_place

    return child_place(layer_place(layer), name)


def _with_layers(layers: tuple[VarLayer, ...], known: dict[str, Any], environ: Mapping[str, str],
                 cache: dict[tuple[int, ...], dict[str, Any]], problems: list[RecipeProblem], *,
                 place: Callable[[VarLayer, str], str] | None = None) -> dict[str, Any]:
    """The known variables under a step's include `vars:` layers; a layer value that needs the run is dropped
    (so references to it stay open). `place(layer, name)` names where a value stands in messages, as the run's
    own resolution of the recipe's variables does."""
    key = tuple(id(layer) for layer in layers)
    if key in cache:
        return cache[key]
    variables = known
    for layer in layers:
        below, variables = variables, dict(variables)
        for name, value in layer.values.items():
            resolve = (_resolver(_UpFront(below, environ), layer.origin, problems,
                                 place(layer, name) if place else "") if layer.origin else None)
            resolved, complete = _walk(value, (name,), resolve) if resolve else (value, True)
            if complete:
                variables[name] = resolved
            else:
                variables.pop(name, None)
    cache[key] = variables
    return variables


def _resolver(resolver: _UpFront, origin: Origin, problems: list[RecipeProblem], where: str = "") -> _Resolve:
    def resolve(text: str, path: DataPath) -> tuple[Any, bool]:
        resolver.open = False
        try:
            value = resolver.resolve(text, where)
        except ReferenceProblem as problem:
            problems.append(origin.problem(str(problem), *path))
            return text, False
        return value, not resolver.open

    return resolve


def _walk(value: Any, path: DataPath, resolve: _Resolve) -> tuple[Any, bool]:
    """`value` with what is known resolved, and whether nothing is left open."""
    if isinstance(value, str):
        return resolve(value, path) if "${" in value else (value, True)
    if isinstance(value, dict):
        items = {key: _walk(item, (*path, key), resolve) for key, item in value.items()}
        return {key: item for key, (item, _) in items.items()}, all(done for _, done in items.values())
    if isinstance(value, list):
        pairs = [_walk(item, (*path, index), resolve) for index, item in enumerate(value)]
        return [item for item, _ in pairs], all(done for _, done in pairs)
    return value, True


def _check_arguments(step: PlannedStep, resolve: _Resolve, api_version: int | None,
                     problems: list[RecipeProblem]) -> None:
    """Type-check the arguments as the run would, with an example value standing in for each one still open."""
    version = step.overrides.get("api_version", api_version)  # an explicit null (omit it) wins too
    params = step.spec.params_for(version)
    by_name = {param.name: param for param in step.spec.params}
    pairs: list[tuple[Any, Any]] = (list(step.args.items()) if isinstance(step.args, dict)
                                    else list(enumerate(step.args)))
    given: dict[Any, Any] = {}
    for key, original in pairs:
        resolved, complete = _walk(original, ("args", key), resolve)
        param = by_name.get(key) if isinstance(key, str) else (params[key] if key < len(params) else None)
        given[key] = resolved if complete or param is None else param.example
    args: Any = given if isinstance(step.args, dict) else list(given.values())
    try:
        bind_arguments(step.spec, args, version)
    except ArgumentProblem as problem:
        originals = dict(pairs)

        def note(key: Any) -> str:
            original = originals.get(key)
            return f" (the value of {original})" if isinstance(original, str) and "${" in original else ""

        problems.append(argument_problem(problem, step.method, step.args, params, step.origin, version, note=note))
