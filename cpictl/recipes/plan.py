"""A loaded recipe, ready to run: includes spliced in, names given, expressions compiled, origins remembered.

The loader builds these once; the runner only reads them, so a 500-step recipe is validated once, not per step.
Every planned step keeps its origin (file and data path) so a run-time problem can still point at the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cpictl.protocol.catalogue import MethodSpec
from cpictl.recipes.positions import DataPath, SourceMap
from cpictl.recipes.problems import RecipeProblem
from cpictl.recipes.schema import TargetSpec

Phase = Literal["main", "finally"]
OkExpectation = bool | Literal["any"]


@dataclass(frozen=True)
class Origin:
    """Where something was written: a file's source map and the data path inside it."""

    source: SourceMap
    path: DataPath

    @property
    def file(self) -> str:
        return self.source.file

    @property
    def line(self) -> int | None:
        span = self.source.span(self.path)
        return span.line + 1 if span else None

    def problem(self, message: str, *subpath: str | int, key: bool = False) -> RecipeProblem:
        return self.source.problem((*self.path, *subpath), message, key=key)


@dataclass(frozen=True)
class CompiledPath:
    """A JMESPath expression compiled once; `text` as written, for messages."""

    text: str
    compiled: Any  # jmespath.parser.ParsedResult

    def search(self, data: Any) -> Any:
        return self.compiled.search(data)


@dataclass(frozen=True)
class ResultCheckPlan:
    """One `expect.result` item: where to look and the predicates to apply (values may hold references)."""

    path: CompiledPath | None
    predicates: dict[str, Any]  # only the predicates the user wrote, in PREDICATE_KEYS order
    regex: re.Pattern[str] | None  # `matches`, compiled when it holds no reference
    index: int  # position in expect.result, for messages and origins


@dataclass(frozen=True)
class ExpectPlan:
    ok: OkExpectation
    error: str | None = None
    ok_to_retry: bool | None = None
    message: str | None = None  # a regex, possibly with references
    checks: tuple[ResultCheckPlan, ...] = ()
    skip_on: tuple[str, ...] = ()  # error types that skip the step: the CPI does not do this
    settings: str | None = None  # "clean": the agent settings the call wrote have no mistakes

    @property
    def wants_error(self) -> bool:
        return self.ok is False


@dataclass(frozen=True)
class RetryPlan:
    attempts: int
    delay: float
    backoff: float
    until: CompiledPath | None

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt number `attempt` (2, 3, …): delay × backoff^(attempt-2)."""
        return self.delay * self.backoff ** (attempt - 2)


@dataclass(frozen=True)
class VarLayer:
    """One layer of variables; later layers win. Values with `${` are resolved at run time against the layers
    below, so an include's `vars:` may use what the including steps saved."""

    values: dict[str, Any]
    has_references: bool
    origin: Origin | None = None  # None: the command line


@dataclass(frozen=True)
class PlannedStep:
    """One step as it will run. `name` is what a person reads (free text, default: the method); `id` is what
    references, `--from`/`--to` and the runner's bookkeeping use — unique in the recipe (see the loader)."""

    id: str
    name: str
    index: int  # 1-based position in run order (main steps, then finally steps)
    phase: Phase
    method: str
    spec: MethodSpec
    args: list[Any] | dict[str, Any]
    expect: ExpectPlan
    origin: Origin
    description: str | None = None
    context: dict[str, Any] = field(default_factory=dict)  # merged over the target's context (may hold refs)
    overrides: dict[str, Any] = field(default_factory=dict)  # api_version etc. for Target.with_overrides
    save: dict[str, CompiledPath] = field(default_factory=dict)
    retry: RetryPlan | None = None
    when: CompiledPath | bool | None = None
    layers: tuple[VarLayer, ...] = ()  # include `vars:` layers, outermost first
    args_have_references: bool = False
    context_has_references: bool = False
    expect_has_references: bool = False
    creates: str | None = None  # kind of cloud ID the method creates, for dry runs
    unchecked: bool = False  # sent as written, without the catalogue's checks (`method` may be outside it)
    raw: str | None = None  # the exact stdin, instead of the encoded request

    @property
    def label(self) -> str:
        """`create the VM (create_vm)`, or only the method when the step has no name of its own."""
        return f"{self.name} ({self.method})" if self.name != self.method else self.name


@dataclass
class LoadedRecipe:
    """A recipe with every file read and checked."""

    name: str
    file: Path
    description: str | None
    target: TargetSpec
    target_origin: Origin | None
    steps: list[PlannedStep]
    finally_steps: list[PlannedStep]
    #: Included files' own `vars` (defaults), then the recipe's `vars`, then the vars file, then --var.
    layers: tuple[VarLayer, ...]
    files: list[Path] = field(default_factory=list)
    #: `target: NAME`: a named target from the config files (then `target` is empty).
    target_name: str | None = None
    #: The recipe's `as:` (the caller profile), over its target's.
    caller: str | None = None
    #: Its `tags:`, for `cpictl run --tag`.
    tags: tuple[str, ...] = ()
    #: Every variable the recipe declares or reads: a `--var` given to several recipes must be read by one of them.
    variables_read: frozenset[str] = frozenset()

    @property
    def directory(self) -> Path:
        return self.file.parent

    @property
    def all_steps(self) -> list[PlannedStep]:
        return [*self.steps, *self.finally_steps]

    def step(self, key: str) -> PlannedStep | None:
        """The step with this id, else the one step with this name (None when none, or several, have it)."""
        found = next((step for step in self.all_steps if step.id == key), None)
        if found is not None:
            return found
        named = [step for step in self.all_steps if step.name == key]
        return named[0] if len(named) == 1 else None
