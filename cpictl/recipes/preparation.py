"""Turn a planned step into the request it sends, at the moment it runs.

A step's references see the recipe's variables, the values saved so far, the steps finished so far and the live
cloud IDs at that moment; the preparer owns that view (`saved`, `step_data`, `live`) and the runner feeds it each
outcome. Anything that stops a step before it is sent — a reference naming nothing, an argument of the wrong type
once resolved, a `when` that cannot be evaluated — is a `NotPrepared` with the reason, the reference problem (the
runner asks whether a skipped step would have provided it) and where in the recipe it stands: the value holding
the reference (`args.stemcell_cid`), not the step's `call:` line.

A `finally` step's `${vm}` (and the other kinds) names only an ID this run created and has not deleted (see
`cpictl.recipes.scope`); without one the step is skipped with the reason "no vm created by this run". So does a
main step's, once an earlier step of this run creates that kind.

A `when` that does not hold is a `WhenSkipped` saying so in words, with the expression: "its `when` was false (…)", or
"its `when` found nothing (… is null)", because a value that is not there (a key the result lacks, a step that has
not run) is not the same news as one that is false.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from cpictl.protocol.arguments import ArgumentProblem
from cpictl.protocol.codec import RawRequest, Request
from cpictl.recipes.events import StepPlanned
from cpictl.recipes.expectations import is_truthy, short_json
from cpictl.recipes.plan import LoadedRecipe, PlannedStep
from cpictl.recipes.positions import DataPath
from cpictl.recipes.problems import RecipeError, RecipeProblem
from cpictl.recipes.scope import (
    LiveIds,
    NotCreatedByRun,
    StepResolver,
    layer_problem,
    own_kinds_before,
    resolve_layers,
)
from cpictl.session import CallSession, Target, UnknownMethod
from cpictl.store.reference_syntax import child_place
from cpictl.store.references import ReferenceProblem


class NotPrepared(Exception):
    """The step cannot be sent. `status` "skipped": a reference names nothing (a finally step is then skipped,
    a main step is invalid); "invalid": the recipe is wrong for what it met at run time."""

    def __init__(self, status: Literal["invalid", "skipped"], reason: str, *,
                 problem: ReferenceProblem | None = None, location: RecipeProblem | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason
        self.problem = problem  # the reference that could not be resolved, if that is why
        self.location = location  # the recipe line it is about (None: the step's `call:` line)


@dataclass(frozen=True)
class WhenSkipped:
    """The step's `when` does not hold; `reason` says what it found."""

    reason: str


@dataclass(frozen=True)
class Prepared:
    """A step ready to send: the variables it saw (expectations resolve against them too) and its request."""

    variables: Mapping[str, Any]
    target: Target
    args: Any
    request: Request

    @property
    def stdin(self) -> bytes | None:
        """The exact bytes a `raw` step sends (None: the encoded request)."""
        return raw_bytes(self.request)


class StepPreparer:
    """Resolves and builds steps against one session, with the run's variables, saves and finished steps."""

    def __init__(self, recipe: LoadedRecipe, session: CallSession, live: LiveIds, environ: Mapping[str, str] | None,
                 *, lenient: bool = False, in_run: Callable[[int], bool] | None = None) -> None:
        self.recipe = recipe
        self.session = session
        self.live = live
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.saved: dict[str, Any] = {}
        self.step_data: dict[str, dict[str, Any]] = {}  # by step id, for `${steps.ID...}` and `when`
        # per main step: kinds an earlier step of this run creates, where `${kind}` means only this run's own
        self.own_kinds = own_kinds_before(recipe.steps, in_run or (lambda position: True))
        try:
            self.global_vars = resolve_layers(recipe.layers, {}, live, {}, self.environ, lenient=lenient)
        except ReferenceProblem as problem:  # a var such as `${env.MISSING}`; the message names which
            raise RecipeError([layer_problem(problem, str(recipe.file))]) from None

    def prepare(self, step: PlannedStep) -> Prepared | WhenSkipped:
        """The step's request, or why its `when` skips it. Raises NotPrepared."""
        variables = self.variables(step)
        skipped = self.when(step, variables)
        if skipped is not None:
            return skipped
        target = self.target(step, variables)
        args = self.resolve(step.args, step, variables, "args")
        return Prepared(variables, target, args, self.build(step, target, args))

    def variables(self, step: PlannedStep, *, lenient: bool = False) -> dict[str, Any]:
        base = {**self.global_vars, **self.saved} if self.saved else self.global_vars
        if not step.layers:
            return base
        try:
            return resolve_layers(step.layers, base, self.live, self.step_data, self.environ, lenient=lenient,
                                  finally_phase=step.phase == "finally", own_kinds=self._own_kinds(step))
        except NotCreatedByRun as problem:
            raise NotPrepared("skipped", problem.reason, problem=problem) from None
        except ReferenceProblem as problem:
            raise NotPrepared("skipped", f"cannot resolve include vars: {problem}", problem=problem,
                              location=layer_problem(problem, str(self.recipe.file))) from None

    def resolver(self, variables: Mapping[str, Any], step: PlannedStep, *, lenient: bool = False) -> StepResolver:
        return StepResolver(self.live, variables, self.step_data, self.environ,
                            finally_phase=step.phase == "finally", lenient=lenient, own_kinds=self._own_kinds(step))

    def _own_kinds(self, step: PlannedStep) -> Mapping[str, str] | None:
        return self.own_kinds.get(step.id) if step.phase == "main" else None

    def resolve(self, value: Any, step: PlannedStep, variables: Mapping[str, Any], part: str) -> Any:
        if not (step.args_have_references if part == "args" else step.context_has_references):
            return value  # most values hold no reference: skip the walk
        where = f"{step.id}.{part}"
        try:
            return self.resolver(variables, step).resolve(value, where)
        except ReferenceProblem as problem:
            # NotCreatedByRun: nothing of this run's to clean up (finally), or this run's create failed (main)
            reason = problem.reason if isinstance(problem, NotCreatedByRun) else f"cannot resolve {problem}"
            path = data_path_of(value, where, problem.where)
            location = step.origin.problem(reason, part, *path) if path is not None else None
            raise NotPrepared("skipped", reason, problem=problem, location=location) from None

    def when(self, step: PlannedStep, variables: Mapping[str, Any]) -> WhenSkipped | None:
        """None when the step is to run; else why not."""
        if step.when is None or step.when is True:
            return None
        if step.when is False:
            return WhenSkipped("its `when` is false")
        try:
            value = step.when.search({"vars": dict(variables), "steps": self.step_data})
        except Exception as error:  # a JMESPath function applied to the wrong type: the recipe's problem
            reason = f"when: {step.when.text}: {error}"
            raise NotPrepared("invalid", reason, location=step.origin.problem(reason, "when")) from None
        if is_truthy(value):
            return None
        if value is None:  # not the same news as false: a key the result lacks, a step that has not run
            return WhenSkipped(f"its `when` found nothing ({step.when.text} is null)")
        if value is False:
            return WhenSkipped(f"its `when` was false ({step.when.text})")
        return WhenSkipped(f"its `when` was false ({step.when.text} is {short_json(value)}, which counts as false)")

    def target(self, step: PlannedStep, variables: Mapping[str, Any]) -> Target:
        if not step.overrides and not step.context:
            return self.session.target
        context = self.resolve(step.context, step, variables, "context") if step.context else None
        return self.session.target.with_overrides(context=context, **step.overrides)

    def build(self, step: PlannedStep, target: Target, args: Any) -> Request:
        """A fresh request (and request_id) from resolved arguments, checked against the catalogue — unless the
        step is `unchecked` (sent as written) or `raw` (its text is the request)."""
        if step.raw is not None:
            return raw_request(step.method, step.raw)
        try:
            return self.session.prepare(step.method, args, target=target, validate=not step.unchecked)
        except (ArgumentProblem, UnknownMethod) as problem:
            raise NotPrepared("invalid", str(problem)) from None

    def plan(self, step: PlannedStep, skipped: str | None) -> StepPlanned:
        """Dry run: the request with what can be resolved now; the rest stays as `${...}` text."""
        variables = self.variables(step, lenient=True)
        resolver = self.resolver(variables, step, lenient=True)
        args = resolver.resolve(step.args, f"{step.id}.args")
        context = resolver.resolve(step.context, f"{step.id}.context") if step.context else None
        target = self.session.target.with_overrides(context=context, **step.overrides)
        problems: list[str] = []
        if step.raw is not None:
            return StepPlanned(step, raw_request(step.method, step.raw), [], [], skipped)
        try:
            request = self.session.prepare(step.method, args, target=target, validate=not step.unchecked)
        except (ArgumentProblem, UnknownMethod) as problem:
            if not resolver.unresolved:
                problems.append(str(problem))  # a real problem, not just a value not known yet
            request = self.session.prepare(step.method, args, target=target, validate=False)
        unresolved = list(dict.fromkeys("${" + problem.name + "}" for problem in resolver.unresolved))
        return StepPlanned(step, request, unresolved, problems, skipped)


@dataclass(frozen=True)
class _RawStepRequest(RawRequest):
    """A `raw` step's request: the text it sends, and what the checks and views read of it."""

    text: str = ""


def raw_request(method: str, text: str) -> Request:
    """The request of a `raw` step: its text sent as written; the method, arguments and version read from it where
    it is a JSON object (else the step's `call:` names it), for the checks, the journal and the views."""
    import json

    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    document = parsed if isinstance(parsed, dict) else None
    fields = document or {}
    sent, arguments, context, version = (fields.get(key) for key in ("method", "arguments", "context",
                                                                     "api_version"))
    return _RawStepRequest(sent if isinstance(sent, str) else method,
                           arguments if isinstance(arguments, list) else [],
                           context if isinstance(context, dict) else {},
                           version if isinstance(version, int) and not isinstance(version, bool) else None,
                           document=document, text=text)


def raw_bytes(request: Request) -> bytes | None:
    """What a `raw` step's request sends on stdin; None for any other request (its encoding is sent)."""
    return request.text.encode("utf-8", "surrogateescape") if isinstance(request, _RawStepRequest) else None


def data_path_of(value: Any, where: str, place: str) -> DataPath | None:
    """The data path (inside `value`) of the string a resolver reported at `place`, where `value` itself is at
    `where`; built with the resolver's own `child_place`, so the two always agree. None if no string is there."""
    if place == where:
        return ()
    if isinstance(value, dict):
        items: list[tuple[Any, Any]] = list(value.items())
    elif isinstance(value, (list, tuple)):
        items = list(enumerate(value))
    else:
        return None
    for key, item in items:
        child = child_place(where, key)
        if place == child or place.startswith(child):  # a prefix test first: a cheap way to skip siblings
            found = data_path_of(item, child, place)
            if found is not None:
                return (key, *found)
    return None
