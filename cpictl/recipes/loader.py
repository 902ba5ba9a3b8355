"""Read a recipe file (and the files it includes) into a `LoadedRecipe`, or raise one `RecipeError` listing every
problem with file:line:column.

Order of work: parse YAML with positions → validate the shape (pydantic) → splice includes (relative to the
including file; cycles refused) → give the steps their ids (`step_ids`) → check each step in run order (methods,
arguments, references, JMESPath, regexes). Nothing is run and nothing but the recipe files is read.

Variables, lowest priority first: the `vars` of included files (defaults; the first included wins), the recipe's
`vars`, the vars file, `--var`. An include's own `vars:` are a layer over those for its steps only. A saved value
sits above the global vars and below include layers (and may not reuse a variable's name).

A `--var` or an include's `vars:` key that nothing would read is refused (with a did-you-mean): `--var sise=1`
would otherwise run with the default size. "Read" means declared in a `vars:` (of the recipe, an included file or
an include step), referenced as `${NAME}` or read as `vars.NAME` in a `when`. A `--var` naming a value a step
saves is refused too (the save would replace it half-way). A vars file is not judged this way: one file may serve
several recipes.

Included files' `finally` steps run after the including recipe's own `finally`, the last included first (like a
stack of cleanups: the stemcell uploaded first is deleted last).

Includes nest at most MAX_INCLUDE_DEPTH deep and a recipe expands to at most MAX_STEPS steps: a chain of thousands
of files, or files that include each other twice over (the include form of a "billion laughs"), is refused with
the chain, instead of exhausting the stack or memory.

A file that is not a recipe at all — not UTF-8, not YAML, or YAML without a single recipe key (a credentials file,
/etc/shadow reached through `../` or a symlink) — is named with its line but none of its lines are quoted, so an
include never copies someone's secrets into a terminal or a CI log. Lines of real recipes are quoted with their
secret values masked (`positions`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpictl.recipes.checks import (
    KnownNames,
    StepContext,
    check_name,
    check_references,
    has_references,
    plan_call_step,
)
from cpictl.recipes.names import cli_var_problems, recipe_variables, variables_read_by
from cpictl.recipes.plan import LoadedRecipe, Origin, Phase, PlannedStep, VarLayer
from cpictl.recipes.positions import SourceMap, parse_yaml
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.recipes.schema import FIELDS_BY_MODEL, CallStep, IncludeStep, RecipeFile, TargetSpec
from cpictl.recipes.sources import (
    decode_recipe,
    parse_var_assignment,
    read_recipe_bytes,
    read_vars_file,
    resolve_path,
    unquoted,
)
from cpictl.recipes.step_ids import assign_ids
from cpictl.recipes.validation import did_you_mean, validate_recipe_file

__all__ = ["MAX_INCLUDE_DEPTH", "MAX_STEPS", "load_recipe", "load_recipe_text", "parse_var_assignment"]

CLI_VARS_FILE = "--var"
MAX_INCLUDE_DEPTH = 32  # real recipes nest includes a few levels; deeper is a generated chain or a disguised cycle
MAX_STEPS = 10_000  # after splicing includes in; far beyond any recipe a person writes (checking one takes ~1 ms)
RECIPE_KEYS = FIELDS_BY_MODEL["recipe"]
_RECIPE_KEY_LINE = re.compile(r"(?m)^[\s{]*[\"']?(?:" + "|".join(RECIPE_KEYS) + r")[\"']?[ \t]*:(?:\s|$)")
_NOT_A_RECIPE = ("a recipe is a YAML mapping with `steps` and optionally `name`, `description`, `tags`, `target`, "
                 "`vars`, `finally`")


@dataclass(frozen=True)
class _RawStep:
    step: CallStep
    origin: Origin
    layers: tuple[VarLayer, ...]


@dataclass
class _File:
    model: RecipeFile
    source: SourceMap
    real: Path


def load_recipe(path: Path | str, *, cli_vars: Mapping[str, Any] | None = None, vars_file: Path | str | None = None,
                default_api_version: int | None = 2, shared_cli_vars: bool = False) -> LoadedRecipe:
    """Load and check a recipe. `cli_vars` are `--var` values (already parsed, see `parse_var_assignment`).
    `shared_cli_vars`: the `--var` values serve several recipes, so one this recipe does not read is not refused
    here (the caller checks that some recipe reads it, with `LoadedRecipe.variables_read`)."""
    path = Path(path)
    loader = _Loader(default_api_version, shared_cli_vars)
    top = loader.read(path, str(path), None)
    return loader.finish(top, path, cli_vars, vars_file)


def load_recipe_text(text: str, file: str = "<recipe>", *, base_dir: Path | str | None = None,
                     cli_vars: Mapping[str, Any] | None = None, default_api_version: int | None = 2) -> LoadedRecipe:
    """Load a recipe from text (tests, stdin); includes resolve against `base_dir` (default: the current one)."""
    directory = Path(base_dir) if base_dir is not None else Path.cwd()
    loader = _Loader(default_api_version)
    top = loader.parse(text, file, directory / Path(file).name)
    return loader.finish(top, directory / Path(file).name, cli_vars, None)


class _Loader:
    def __init__(self, default_api_version: int | None, shared_cli_vars: bool = False) -> None:
        self.default_api_version = default_api_version
        self.shared_cli_vars = shared_cli_vars
        self.problems: list[RecipeProblem] = []
        self.cache: dict[Path, _File | None] = {}
        self.files: list[Path] = []
        self.default_layers: list[VarLayer] = []  # included files' vars, in inclusion order
        self.spliced = 0  # steps expanded so far, includes counted each time they are spliced in
        self.too_many_steps = False

    # -- reading ------------------------------------------------------------------------------------------------

    def read(self, real: Path, display: str, site: tuple[Origin, tuple[str | int, ...]] | None) -> _File | None:
        resolved = resolve_path(real)
        if resolved not in self.cache:
            self.cache[resolved] = self._read(real, resolved, display, site)
        return self.cache[resolved]

    def _read(self, real: Path, resolved: Path, display: str,
              site: tuple[Origin, tuple[str | int, ...]] | None) -> _File | None:
        included_from = f" (included from {site[0].file}:{site[0].line})" if site else ""
        try:
            raw = read_recipe_bytes(real)
            text = decode_recipe(raw, display)
        except OSError as error:
            message = f"cannot read {display}: {error.strerror or error}"
            self.problems.append(site[0].problem(message, *site[1]) if site else
                                 RecipeProblem(display, None, None, message))
            return None
        except RecipeError as error:
            recipe_like = _RECIPE_KEY_LINE.search(raw.decode("utf-8", "replace")) is not None
            self.problems.extend(error.problems if recipe_like else unquoted(
                error.problems, f"not a recipe: the file is not UTF-8 text{included_from}"))
            return None
        return self.parse(text, display, resolved, included_from)

    def parse(self, text: str, display: str, real: Path, included_from: str = "") -> _File | None:
        """The file's model, or None with its problems noted. Lines are quoted only from files that look like
        recipes (see the module docstring)."""
        self.files.append(real)
        try:
            data, source = parse_yaml(text, display)
        except RecipeError as error:
            recipe_like = _RECIPE_KEY_LINE.search(text) is not None
            self.problems.extend(error.problems if recipe_like else unquoted(
                error.problems, f"not a recipe: the file is not valid YAML{included_from}; {_NOT_A_RECIPE}"))
            return None
        if not isinstance(data, dict):
            what = "empty" if data is None else f"a {type(data).__name__}, not a mapping"
            self.problems.extend(unquoted([source.problem((), "")],
                                          f"the recipe is {what}{included_from}; {_NOT_A_RECIPE}"))
            return None
        if data and not any(key in RECIPE_KEYS or did_you_mean(key, RECIPE_KEYS) for key in data):
            self.problems.extend(unquoted([source.problem((next(iter(data)),), "", key=True)],
                                          f"not a recipe: none of its keys is a recipe key{included_from}; "
                                          f"{_NOT_A_RECIPE}"))
            return None
        model, problems = validate_recipe_file(data, source)
        self.problems.extend(problems)
        return _File(model, source, resolve_path(real)) if model is not None else None

    # -- includes -----------------------------------------------------------------------------------------------

    def expand(self, file: _File, layers: tuple[VarLayer, ...],
               stack: tuple[Path, ...]) -> tuple[list[_RawStep], list[_RawStep]]:
        """(main steps, finally steps) of a file with its includes spliced in."""
        main: list[_RawStep] = []
        deferred: list[list[_RawStep]] = []
        for position, step in enumerate(file.model.steps):
            origin = Origin(file.source, ("steps", position))
            if isinstance(step, CallStep):
                self.spliced += 1
                main.append(_RawStep(step, origin, layers))
            else:
                included = self.include(step, origin, file, layers, stack)
                if included:
                    main.extend(included[0])
                    deferred.append(included[1])
        final: list[_RawStep] = []
        for position, step in enumerate(file.model.finally_):
            origin = Origin(file.source, ("finally", position))
            if isinstance(step, CallStep):
                self.spliced += 1
                final.append(_RawStep(step, origin, layers))
            else:
                included = self.include(step, origin, file, layers, stack)
                if included:
                    final.extend(included[0] + included[1])
        for block in reversed(deferred):
            final.extend(block)
        return main, final

    def include(self, step: IncludeStep, origin: Origin, parent: _File, layers: tuple[VarLayer, ...],
                stack: tuple[Path, ...]) -> tuple[list[_RawStep], list[_RawStep]] | None:
        real = parent.real.parent / step.include
        display = os.path.normpath(os.path.join(os.path.dirname(parent.source.file), step.include))
        if resolve_path(real) in stack:
            chain = " → ".join([*(p.name for p in stack[stack.index(resolve_path(real)):]), real.name])
            self.problems.append(origin.problem(f"include cycle: {chain}", "include"))
            return None
        if len(stack) > MAX_INCLUDE_DEPTH:
            self.problems.append(origin.problem(
                f"includes nest more than {MAX_INCLUDE_DEPTH} deep: {_chain(stack, real)} (a cycle through "
                "different file names?)", "include"))
            return None
        if self.spliced > MAX_STEPS:
            if not self.too_many_steps:  # said once: every later include would say the same
                self.too_many_steps = True
                self.problems.append(origin.problem(
                    f"the recipe expands to more than {MAX_STEPS} steps (files that include other files several "
                    "times over?)", "include"))
            return None
        included = self.read(real, display, (origin, ("include",)))
        if included is None:
            return None
        model = included.model
        for key in ("target", "as"):
            if getattr(model, "as_" if key == "as" else key) is not None:
                self.problems.append(Origin(included.source, (key,)).problem(
                    f"{key} is read only from the top-level recipe; move it there", key=True))
        for name in step.vars:
            check_name(name, "variable", origin, ("vars", name), self.problems, key=True)
        for name in model.vars:
            check_name(name, "variable", Origin(included.source, ("vars",)), (name,), self.problems, key=True)
        if model.vars and not any(layer.values is model.vars for layer in self.default_layers):
            self.default_layers.append(VarLayer(model.vars, has_references(model.vars),
                                                Origin(included.source, ("vars",))))
        layer = None
        if step.vars:
            layer = VarLayer(step.vars, has_references(step.vars), Origin(origin.source, (*origin.path, "vars")))
            layers = (*layers, layer)
        expanded = self.expand(included, layers, (*stack, included.real))
        if layer is not None:
            self._check_include_vars(step, origin, layer, included, expanded)
        return expanded

    def _check_include_vars(self, step: IncludeStep, origin: Origin, layer: VarLayer, included: _File,
                            expanded: tuple[list[_RawStep], list[_RawStep]]) -> None:
        """An include's `vars:` apply to its steps only: a key they neither declare nor read has no effect."""
        raws = expanded[0] + expanded[1]
        used = self._declared_in(included, set()) | variables_read_by(raws, exclude=layer)
        for name in step.vars:
            if name not in used:
                self.problems.append(origin.problem(
                    f"include vars: {step.include} neither declares nor reads a variable '{name}', so this value would "
                    f"have no effect{did_you_mean(name, sorted(used))}", "vars", name, key=True))

    def _declared_in(self, file: _File, seen: set[Path]) -> set[str]:
        """Variables declared by a file and the files it includes (`vars:` and include steps' `vars:`)."""
        if file.real in seen:
            return set()
        seen.add(file.real)
        names = set(file.model.vars)
        for step in [*file.model.steps, *file.model.finally_]:
            if isinstance(step, IncludeStep):
                names |= set(step.vars)
                child = self.cache.get(resolve_path(file.real.parent / step.include))
                if child is not None:
                    names |= self._declared_in(child, seen)
        return names

    # -- the whole recipe ---------------------------------------------------------------------------------------

    def finish(self, top: _File | None, path: Path, cli_vars: Mapping[str, Any] | None,
               vars_file: Path | str | None) -> LoadedRecipe:
        if top is None:
            raise RecipeError(self.problems)
        model = top.model
        target_name = model.target if isinstance(model.target, str) else None
        target = model.target if isinstance(model.target, TargetSpec) else TargetSpec.model_validate({})
        if "api_version" in target.model_fields_set and target.api_version != "auto":
            self.default_api_version = target.api_version
        main, final = self.expand(top, (), (top.real,))
        if self.spliced > MAX_STEPS and not self.too_many_steps:  # one file of that many steps
            self.problems.append(top.source.problem(("steps",), f"the recipe has more than {MAX_STEPS} steps",
                                                    key=True))
            self.too_many_steps = True
        if self.too_many_steps:  # checking each of that many steps would only take long to say the same
            raise RecipeError(self.problems)
        recipe_origin = Origin(top.source, ("vars",))
        for name in model.vars:
            check_name(name, "variable", recipe_origin, (name,), self.problems, key=True)
        global_layers = [*reversed(self.default_layers), VarLayer(model.vars, has_references(model.vars),
                                                                  recipe_origin)]
        # what the recipe files declare (a vars file may serve several recipes, --var is checked on its own)
        in_files = {name for layer in global_layers for name in layer.values}
        file_layers = list(global_layers)
        if vars_file is not None:
            layer = self.read_vars_file(Path(vars_file))
            if layer is not None:
                global_layers.append(layer)
        if cli_vars:
            for name in cli_vars:
                if not isinstance(name, str) or not name:
                    self.problems.append(RecipeProblem(CLI_VARS_FILE, None, None, f"invalid variable name {name!r}"))
            self.problems.extend(cli_var_problems(cli_vars, main + final, global_layers,
                                                  unread_ok=self.shared_cli_vars))
            global_layers.append(VarLayer(dict(cli_vars), has_references(dict(cli_vars)), None))
        if not model.steps and not model.finally_:
            self.problems.append(top.source.problem((), "the recipe has no steps"))
        steps = self.plan(main, final, global_layers, in_files)
        if self.problems:
            raise RecipeError(self.problems)
        return LoadedRecipe(
            name=model.name or path.stem, file=path, description=model.description, target=target,
            target_origin=Origin(top.source, ("target",)) if model.target is not None else None,
            steps=[s for s in steps if s.phase == "main"], finally_steps=[s for s in steps if s.phase == "finally"],
            layers=tuple(global_layers), files=list(dict.fromkeys(self.files)), target_name=target_name,
            caller=model.as_, tags=tuple(model.tags),
            variables_read=frozenset(recipe_variables(main + final, file_layers)),
        )

    def read_vars_file(self, path: Path) -> VarLayer | None:
        try:
            return read_vars_file(path)
        except RecipeError as error:
            self.problems.extend(error.problems)
            return None

    def plan(self, main: list[_RawStep], final: list[_RawStep], global_layers: list[VarLayer],
             in_files: set[str]) -> list[PlannedStep]:
        """Give every step its id and check it in run order, knowing what runs (and is saved) before it. `in_files`:
        the variables the recipe files declare, which no save may shadow."""
        ordered: list[tuple[_RawStep, Phase]] = [(raw, "main") for raw in main] + [(raw, "finally") for raw in final]
        step_ids = assign_ids([(raw.step, raw.origin) for raw, _ in ordered], self.problems)
        ids = step_ids.ids
        names = [raw.step.name or raw.step.call for raw, _ in ordered]
        all_saves: dict[str, str] = {}
        for (raw, _), name in zip(ordered, names, strict=True):
            for save_name in raw.step.save:
                all_saves.setdefault(save_name, name)
        global_names = self._check_global_layers(global_layers)
        declared = in_files | {name for raw, _ in ordered for layer in raw.layers for name in layer.values}
        checked_layers: set[int] = set()
        saved: dict[str, str] = {}
        planned: list[PlannedStep] = []
        for position, ((raw, phase), name) in enumerate(zip(ordered, names, strict=True)):
            known = KnownNames(variables=set(global_names) | {n for layer in raw.layers for n in layer.values},
                               saved=dict(saved), steps=ids[:position],
                               later_saved={k: v for k, v in all_saves.items() if k not in saved},
                               later_steps=set(ids[position:]), declared=declared, step_notes=step_ids.notes)
            self._check_include_layers(raw, global_names, known, checked_layers)
            context = StepContext(position + 1, phase, ids[position], name, raw.layers, known,
                                  self.default_api_version)
            step = plan_call_step(raw.step, raw.origin, context, self.problems)
            if step is not None:
                planned.append(step)
            for saved_name in raw.step.save:
                saved[saved_name] = name
        return planned

    def _check_global_layers(self, layers: list[VarLayer]) -> set[str]:
        names: set[str] = set()
        for layer in layers:
            if layer.origin is not None:
                self.problems.extend(check_references(layer.values, layer.origin, (), KnownNames(variables=names)))
            names |= set(layer.values)
        return names

    def _check_include_layers(self, raw: _RawStep, global_names: set[str], known: KnownNames,
                              checked: set[int]) -> None:
        for depth, layer in enumerate(raw.layers):
            if id(layer) in checked or layer.origin is None:
                continue
            checked.add(id(layer))
            below = set(global_names) | {n for outer in raw.layers[:depth] for n in outer.values}
            names = KnownNames(variables=below, saved=known.saved, steps=known.steps, later_saved=known.later_saved,
                               later_steps=known.later_steps, step_notes=known.step_notes)
            self.problems.extend(check_references(layer.values, layer.origin, (), names))


def _chain(stack: tuple[Path, ...], last: Path) -> str:
    """`a.yml → b.yml → c.yml → … → y.yml → z.yml`: where a long include chain starts and where it ended up."""
    names = [*(path.name for path in stack), last.name]
    shown = names if len(names) <= 6 else [*names[:3], "…", *names[-2:]]
    return " → ".join(shown)
