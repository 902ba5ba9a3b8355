"""Checks that need context beyond the schema, and the compiled plan of one call step.

For each call step: the method exists, the arguments fit the catalogue at the step's api_version (a value holding a
`${...}` is type-checked only after resolution, at run time, but names and arity are checked now), every reference
names something that will exist when the step runs, and every JMESPath and regex compiles (and no `when` or
`until` negates a dotted path without parentheses: `!a.b` is `(!a).b`, always null; no `when`, `until` or `save`
name does something else than it says, see `name_checks`). Problems are collected, not raised, so one run of the
loader reports them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jmespath
import jmespath.exceptions

from cpictl.protocol.arguments import ArgumentProblem, bind_arguments
from cpictl.protocol.catalogue import METHOD_NAMES, MethodSpec, get_method
from cpictl.protocol.kinds import KIND_NAMES
from cpictl.recipes.name_checks import check_save_name, check_until_names, check_when_names
from cpictl.recipes.plan import (
    CompiledPath,
    ExpectPlan,
    Origin,
    Phase,
    PlannedStep,
    ResultCheckPlan,
    RetryPlan,
    VarLayer,
)
from cpictl.recipes.positions import DataPath
from cpictl.recipes.problems import RecipeProblem
from cpictl.recipes.schema import PREDICATE_KEYS, CallStep, Expect
from cpictl.recipes.validation import did_you_mean
from cpictl.store.references import BadReference, parse_reference

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")  # what `${NAME}` and `${steps.NAME...}` can refer to
NAME_RULE = "letters, digits, '_' and '-'"


@dataclass
class KnownNames:
    """What a reference may name at one point of the run."""

    variables: set[str] = field(default_factory=set)
    saved: dict[str, str] = field(default_factory=dict)  # saved name -> the name of the step that saves it
    steps: list[str] = field(default_factory=list)  # ids of the steps that run earlier
    later_saved: dict[str, str] = field(default_factory=dict)  # for "… is saved by a later step" hints
    later_steps: set[str] = field(default_factory=set)  # ids
    declared: set[str] = field(default_factory=set)  # every variable the recipe declares, wherever
    step_notes: dict[str, str] = field(default_factory=dict)  # a step name that is no id: why (`step_ids`)


def strings_in(value: Any, path: DataPath) -> Iterator[tuple[str, DataPath]]:
    """Every string inside a value that contains `${`, with its data path (dict keys are never templated)."""
    if isinstance(value, str):
        if "${" in value:
            yield value, path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings_in(item, (*path, index))


def has_references(value: Any) -> bool:
    return next(strings_in(value, ()), None) is not None


def check_references(value: Any, origin: Origin, subpath: DataPath, names: KnownNames) -> list[RecipeProblem]:
    """Problems for malformed references and references that name nothing known at this point."""
    from cpictl.store.references import find_references

    problems: list[RecipeProblem] = []
    for text, path in strings_in(value, subpath):
        try:
            refs = [parse_reference(ref) for ref, _ in find_references(text)]
        except BadReference as error:
            problems.append(origin.problem(str(error), *path))
            continue
        for ref in refs:
            message = _undefined(ref.form, ref.name, ref.text, names)
            if message:
                problems.append(origin.problem(message, *path))
    return problems


def _undefined(form: str, name: str, text: str, names: KnownNames) -> str | None:
    if form == "env":
        return None  # read from the environment at run time
    if form == "step":
        if name in names.steps:
            return None
        if name in names.later_steps:
            return f"undefined reference ${{{text}}}: step '{name}' runs later than this one"
        if name in names.step_notes:
            return f"undefined reference ${{{text}}}: {names.step_notes[name]}"
        return (f"undefined reference ${{{text}}}: no earlier step with the id '{name}'"
                f"{did_you_mean(name, names.steps)}")
    if name in names.variables or name in names.saved or name in KIND_NAMES:
        return None
    if name in names.later_saved:
        return (f"undefined reference ${{{text}}}: '{name}' is saved by step '{names.later_saved[name]}', "
                "which runs later")
    candidates = sorted(names.variables | set(names.saved) | set(KIND_NAMES))
    return (f"undefined reference ${{{text}}}: no variable, saved value or cloud-ID kind "
            f"({', '.join(KIND_NAMES)}) named '{name}'{did_you_mean(name, candidates)}")


def compile_jmespath(text: str, origin: Origin, subpath: DataPath,
                     problems: list[RecipeProblem]) -> CompiledPath | None:
    try:
        return CompiledPath(text, jmespath.compile(text))
    except jmespath.exceptions.JMESPathError as error:
        detail = re.sub(r"^(invalid|bad) jmespath expression: ", "", str(error).splitlines()[0].rstrip(":"),
                        flags=re.IGNORECASE)
        problems.append(origin.problem(f"invalid JMESPath expression {text!r}: {detail}", *subpath))
    except (ValueError, TypeError, RecursionError) as error:  # the jmespath lexer's own surprises
        problems.append(origin.problem(f"invalid JMESPath expression {text!r}: {error}", *subpath))
    return None


_PATH_TOKENS = {"unquoted_identifier", "quoted_identifier", "dot"}


def check_negated_path(text: str, origin: Origin, subpath: DataPath, problems: list[RecipeProblem]) -> None:
    """`!a.b` parses as `(!a).b` in JMESPath (`!` binds tighter than `.`), which is null whatever `a` holds, so a
    `when: "!steps.x || ..."` never holds. Refuse it and suggest `!(a.b)`."""
    from jmespath.lexer import Lexer

    tokens = list(Lexer().tokenize(text))
    for index, token in enumerate(tokens):
        if token["type"] != "not" or tokens[index + 1]["type"] not in ("unquoted_identifier", "quoted_identifier"):
            continue
        end, first_dot, depth = index + 1, None, 0
        while end < len(tokens):
            kind = tokens[end]["type"]
            if kind == "lbracket":
                depth += 1
            elif kind == "rbracket" and depth:
                depth -= 1
            elif depth == 0 and kind not in _PATH_TOKENS:
                break
            if kind == "dot" and depth == 0 and first_dot is None:
                first_dot = tokens[end]["start"]
            end += 1
        if first_dot is None:
            continue
        start = tokens[index + 1]["start"]
        path = text[start:tokens[end]["start"] if end < len(tokens) else len(text)].rstrip()
        negated, rest = text[start:first_dot].rstrip(), text[first_dot:start + len(path)]
        fixed = text[:start] + "(" + path + ")" + text[start + len(path):]
        whole = f", i.e. {fixed!r}" if fixed != f"!({path})" else ""  # only when there is more than the fix
        problems.append(origin.problem(
            f"`!{path}` reads as `(!{negated}){rest}` in JMESPath (`!` binds tighter than `.`), which is always "
            f"null; write `!({path})`{whole}", *subpath))
        return


def compile_regex(text: str, origin: Origin, subpath: DataPath,
                  problems: list[RecipeProblem]) -> re.Pattern[str] | None:
    try:
        return re.compile(text)
    except (re.error, RecursionError, OverflowError) as error:
        problems.append(origin.problem(f"invalid regular expression {text!r}: {error}", *subpath))
        return None


def check_name(name: str, what: str, origin: Origin, subpath: DataPath, problems: list[RecipeProblem], *,
               key: bool = False) -> None:
    if not NAME_PATTERN.fullmatch(name):
        problems.append(origin.problem(f"{what} {name!r} cannot be referenced as ${{...}}: use only {NAME_RULE}",
                                       *subpath, key=key))


@dataclass
class StepContext:
    """Everything `plan_call_step` needs to know about the step's place in the recipe."""

    index: int
    phase: Phase
    id: str
    name: str
    layers: tuple[VarLayer, ...]
    names: KnownNames
    default_api_version: int | None


def plan_call_step(step: CallStep, origin: Origin, ctx: StepContext,
                   problems: list[RecipeProblem]) -> PlannedStep | None:
    """The compiled step, or None when its method is unknown (other problems are appended, and a step is still
    returned so later steps can be checked against its name and saves)."""
    spec = get_method(step.call)
    if spec is None and (step.unchecked or step.raw is not None):
        spec = unlisted_method(step.call)  # a probe of how the CPI answers a method it cannot know
    if spec is None:
        problems.append(origin.problem(f"unknown CPI method '{step.call}'{did_you_mean(step.call, METHOD_NAMES)}; "
                                       "`cpictl methods` lists them", "call"))
        return None
    fields = step.model_fields_set
    api_version = step.api_version if "api_version" in fields else ctx.default_api_version
    if step.raw is not None and step.args:
        problems.append(origin.problem("raw is the whole request, sent as written: leave args out", "args"))
    elif not step.unchecked and step.raw is None:
        _check_arguments(step, spec.name, api_version, origin, problems)
    for part in ("args", "context"):
        problems.extend(check_references(getattr(step, part), origin, (part,), ctx.names))
    expect = _plan_expect(step.expect, origin, ctx.names, problems)
    if expect.settings is not None and spec.name not in SETTINGS_METHODS:
        problems.append(origin.problem(f"expect.settings checks the agent settings a call writes: only "
                                       f"{', '.join(SETTINGS_METHODS)} write them, not {spec.name}",
                                       "expect", "settings"))
    overrides: dict[str, Any] = {key: getattr(step, key) for key in ("api_version", "stemcell_api_version",
                                                                     "timeout") if key in fields}
    save = {}
    for save_name, expression in step.save.items():
        check_name(save_name, "save name", origin, ("save", save_name), problems, key=True)
        check_save_name(save_name, origin, ("save", save_name), ctx.names.declared, problems)
        compiled = compile_jmespath(expression, origin, ("save", save_name), problems)
        if compiled is not None:
            save[save_name] = compiled
    retry = None
    if step.retry is not None:
        until = (compile_jmespath(step.retry.until, origin, ("retry", "until"), problems)
                 if step.retry.until is not None else None)
        if until is not None:
            check_negated_path(until.text, origin, ("retry", "until"), problems)
            check_until_names(until, origin, problems)
        retry = RetryPlan(step.retry.attempts, step.retry.delay, step.retry.backoff, until)
    when: CompiledPath | bool | None = step.when if isinstance(step.when, bool) else None
    if isinstance(step.when, str):
        when = compile_jmespath(step.when, origin, ("when",), problems)
        if when is not None:
            check_negated_path(step.when, origin, ("when",), problems)
            check_when_names(when, origin, ctx.names, problems)
    return PlannedStep(
        id=ctx.id, name=ctx.name, index=ctx.index, phase=ctx.phase, method=spec.name, spec=spec, args=step.args,
        expect=expect, origin=origin, description=step.description,
        context=step.context, overrides=overrides,
        save=save, retry=retry, when=when, layers=ctx.layers,
        args_have_references=has_references(step.args), context_has_references=has_references(step.context),
        expect_has_references=has_references([c.predicates for c in expect.checks] + [expect.message]),
        creates=spec.creates.kind.value if spec.creates else None,
        unchecked=step.unchecked or step.raw is not None, raw=step.raw,
    )


#: The calls that write agent settings (`expect.settings` applies to these only).
SETTINGS_METHODS = ("create_vm", "attach_disk", "detach_disk")


def unlisted_method(name: str) -> MethodSpec:
    """A method outside the catalogue, for an `unchecked` or `raw` step: no parameters the loader could check, and
    no result shape (whatever the CPI answers is judged by the envelope alone), creating and deleting nothing."""
    from cpictl.protocol import shapes

    return MethodSpec(name, "not in the catalogue", (), shapes.ANYTHING, shapes.ANYTHING, category="unlisted")


def _check_arguments(step: CallStep, method: str, api_version: int | None, origin: Origin,
                     problems: list[RecipeProblem]) -> None:
    """Names, arity and (for values without references) JSON types, by the catalogue's own binder."""
    spec = get_method(method)
    assert spec is not None
    params = {p.name: p for p in spec.params}
    # A value holding a reference gets its parameter's example in its place: right type, so only the arity and
    # the names are judged now; the real value is checked after resolution.
    if isinstance(step.args, dict):
        given: Any = {k: (params[k].example if k in params and has_references(v) else v) for k, v in step.args.items()}
    else:
        ordered = spec.params_for(api_version)
        given = [ordered[i].example if i < len(ordered) and has_references(v) else v for i, v in enumerate(step.args)]
    try:
        bind_arguments(spec, given, api_version)
    except ArgumentProblem as problem:
        problems.append(argument_problem(problem, step.call, step.args, spec.params_for(api_version), origin,
                                         api_version))


def argument_problem(problem: ArgumentProblem, method: str, args: list[Any] | dict[str, Any],
                     params: tuple[Any, ...], origin: Origin, api_version: int | None, *,
                     note: Any = None) -> RecipeProblem:
    """An ArgumentProblem of a step's `args` as a recipe problem at the offending argument. `note(key)` may add
    to the message for the argument at `key` (the preflight says which reference gave the value)."""
    version = f" (api_version {api_version if api_version is not None else 'omitted'})"
    names = [p.name for p in params]
    param = problem.param

    def at(message: str, key: str | int) -> RecipeProblem:
        return origin.problem(message + (note(key) if note else ""), "args", key)

    if isinstance(args, dict):
        if param in args and param not in names:
            hint = did_you_mean(param, names)
            return origin.problem(f"{method} has no parameter '{param}'{version}{hint}; parameters: "
                                  f"{', '.join(names) or 'none'}", "args", param, key=True)
        if param in args:
            return at(str(problem), param)
        return origin.problem(f"{problem}; parameters: {', '.join(names)}", "args")
    if param in names and names.index(param) < len(args):
        return at(str(problem), names.index(param))
    message = str(problem).replace("at this api_version", f"at api_version {api_version}")
    if param is None and len(args) > len(names):
        return origin.problem(message, "args", len(names))
    return origin.problem(message, "args")


def _plan_expect(expect: Expect | None, origin: Origin, names: KnownNames,
                 problems: list[RecipeProblem]) -> ExpectPlan:
    if expect is None:
        return ExpectPlan(ok=True)
    fields = expect.model_fields_set
    wants_error = expect.error is not None or expect.ok_to_retry is not None or expect.message is not None
    ok = expect.ok if expect.ok is not None else (not wants_error)
    if ok is True and wants_error:
        key: str = next(k for k in ("error", "ok_to_retry", "message") if k in fields)
        problems.append(origin.problem(f"expect.{key} describes an error, but expect.ok is true", "expect", key))
    if ok is False and expect.result:
        problems.append(origin.problem("expect.result checks a result, but expect.ok is false (an error has no "
                                       "result)", "expect", "result"))
    if ok is False and expect.settings is not None:
        problems.append(origin.problem("expect.settings checks what a successful call wrote, but expect.ok is false",
                                       "expect", "settings"))
    if expect.error is not None:
        from cpictl.protocol.errors import error_type_matches

        for position, skipping in enumerate(expect.skip_on):
            if error_type_matches(skipping, expect.error):
                problems.append(origin.problem(f"expect.skip_on lists {skipping}, the error this step expects",
                                               "expect", "skip_on", position))
    problems.extend(check_references(expect.message, origin, ("expect", "message"), names))
    if expect.message is not None and not has_references(expect.message):
        compile_regex(expect.message, origin, ("expect", "message"), problems)
    checks = []
    for position, check in enumerate(expect.result):
        where = ("expect", "result", position)
        path = compile_jmespath(check.path, origin, (*where, "path"), problems) if check.path is not None else None
        predicates = {key: getattr(check, key) for key in PREDICATE_KEYS if key in check.model_fields_set}
        for key, value in predicates.items():
            problems.extend(check_references(value, origin, (*where, key), names))
        regex = None
        if isinstance(check.matches, str) and not has_references(check.matches):
            regex = compile_regex(check.matches, origin, (*where, "matches"), problems)
        checks.append(ResultCheckPlan(path, predicates, regex, position))
    return ExpectPlan(ok, expect.error, expect.ok_to_retry, expect.message, tuple(checks), tuple(expect.skip_on),
                      expect.settings)
