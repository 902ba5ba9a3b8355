"""Which names a recipe reads: the `${name}` references in its values and the `vars.X` / `steps.X` paths of its
`when` and `retry.until` expressions.

The loader uses these to refuse what can only be a typo — a `--var` or an include's `vars:` key that nothing
reads, `when: vars.flga` — instead of letting it read as null at run time. A JMESPath expression is walked only
where it reads the document it is given (`{vars, steps}` for `when`, `{result, error, log}` for `until`): inside
a projection, a filter, the right side of a pipe or an `&expression`, names belong to other data and are not
judged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import jmespath

from cpictl.recipes.plan import VarLayer
from cpictl.recipes.problems import RecipeProblem
from cpictl.recipes.validation import did_you_mean

#: Nodes whose first child is read from the same data as the node itself (the rest from what it selects).
_LEFT_ONLY = frozenset({"index_expression", "projection", "value_projection", "filter_projection", "flatten",
                        "pipe"})
#: Nodes whose children are all read from the same data as the node itself.
_ALL_CHILDREN = frozenset({"and_expression", "or_expression", "not_expression", "comparator", "multi_select_list",
                           "multi_select_dict", "key_val_pair", "function_expression"})


def root_paths(node: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    """`(first, second)` for every path the expression reads from its data: `vars.size` gives ("vars", "size"),
    `steps.vm.result[0]` ("steps", "vm"), `flag` ("flag", None). `node` is a compiled expression's `parsed`."""
    kind, children = node.get("type"), node.get("children", [])
    if kind == "field":
        yield node["value"], None
    elif kind == "subexpression":
        head, rest = children[0], children[1:]
        if head.get("type") == "current" and rest:  # `@.vars.x` reads as `vars.x`
            yield from root_paths({"type": "subexpression", "children": rest} if len(rest) > 1 else rest[0])
        elif head.get("type") == "field":
            yield head["value"], _first_field(rest[0]) if rest else None
        else:
            yield from root_paths(head)
    elif kind in _LEFT_ONLY and children:
        yield from root_paths(children[0])
    elif kind in _ALL_CHILDREN:
        for child in children:
            if child.get("type") != "expref":  # `&name` is read from each element, not from the data
                yield from root_paths(child)


def _first_field(node: dict[str, Any]) -> str | None:
    """The name a path segment starts with: `a` in `a`, `a[0]`, `a.b`; None for `*`, `[0]`, `{…}` and the like."""
    while node.get("type") in ("index_expression", "subexpression"):
        node = node["children"][0]
    return node["value"] if node.get("type") == "field" else None


def variables_read(expression: Any) -> set[str]:
    """The `vars.X` names a compiled `when` expression reads (None, a boolean: none)."""
    parsed = getattr(expression, "parsed", None)
    if parsed is None:
        return set()
    return {second for first, second in root_paths(parsed) if first == "vars" and second is not None}


def referenced_names(value: Any) -> set[str]:
    """The `${name}` references (variables and saved values, not kinds, steps or env) inside a value."""
    from cpictl.protocol.kinds import KIND_NAMES
    from cpictl.recipes.checks import strings_in
    from cpictl.store.references import BadReference, find_references, parse_reference

    names: set[str] = set()
    for text, _ in strings_in(value, ()):
        try:
            refs = [parse_reference(ref) for ref, _ in find_references(text)]
        except BadReference:
            continue  # reported where the value is checked
        names.update(ref.name for ref in refs if ref.form == "name" and ref.name not in KIND_NAMES)
    return names


def variables_read_by(raws: Iterable[Any], exclude: VarLayer | None = None) -> set[str]:
    """The variable names steps read — `${NAME}` in their values and include layers, `vars.NAME` in `when`.
    `raws` are the loader's steps (`.step`, a CallStep, and `.layers`); `exclude` is a layer not to count."""
    names: set[str] = set()
    layers: dict[int, VarLayer] = {}
    for raw in raws:
        step = raw.step
        expect = step.expect.model_dump(exclude_unset=True) if step.expect is not None else None
        names |= referenced_names([step.args, step.context, expect])
        if isinstance(step.when, str):
            with contextlib.suppress(Exception):  # an expression that does not compile is reported elsewhere
                names |= variables_read(jmespath.compile(step.when))
        layers.update((id(layer), layer) for layer in raw.layers if layer is not exclude)
    for layer in layers.values():
        names |= referenced_names(layer.values)
    return names


def recipe_variables(raws: list[Any], layers: list[VarLayer]) -> set[str]:
    """Every variable the recipe declares in `layers` (its global variables) or reads anywhere."""
    declared = {name for layer in layers for name in layer.values}
    return declared | variables_read_by(raws) | {name for layer in layers for name in referenced_names(layer.values)}


def cli_var_problems(cli_vars: Mapping[str, Any], raws: list[Any], layers: list[VarLayer], *,
                     unread_ok: bool = False) -> list[RecipeProblem]:
    """A `--var` that nothing reads is a typo: refuse it rather than run with the default (unless `unread_ok`: the
    values serve several recipes). One that names a value a step saves would be replaced half-way through the
    run. `layers` are the recipe's global variables."""
    declared = {name for layer in layers for name in layer.values}
    read = recipe_variables(raws, layers)
    saved = {name: raw.step.name or raw.step.call for raw in raws for name in raw.step.save}
    problems = []
    for name in cli_vars:
        if not isinstance(name, str) or not name:
            continue  # refused as an invalid name
        if name in saved:
            problems.append(RecipeProblem(
                f"--var {name}", None, None, f"'{name}' is a value the recipe saves (step '{saved[name]}'), not a "
                "variable; a --var would be replaced half-way through the run"))
        elif name not in read and not unread_ok:
            problems.append(RecipeProblem(
                f"--var {name}", None, None, f"the recipe has no variable '{name}'{did_you_mean(name, sorted(read))}; "
                f"its variables: {', '.join(sorted(declared)) or 'none'}"))
    return problems
