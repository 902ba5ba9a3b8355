"""The recipe file format as pydantic models: what a user may write, and nothing else (`extra="forbid"`).

These models check shape and types only; the loader adds what needs context (methods, arguments, references,
JMESPath, regexes, includes) and maps every error back to file:line:column. `recipe_json_schema()` is the JSON
Schema behind `cpictl recipe schema`, for editor completion.

A file holds `name`, `description`, `tags`, `target` (a named target or a mapping), `as`, `vars`, `steps` and
`finally`. A step is either a call (`call: METHOD`) or an include (`include: PATH`), told apart by that key.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    field_validator,
    model_validator,
)

JsonType = Literal["string", "integer", "number", "boolean", "object", "array", "null"]
PREDICATE_KEYS = ("equals", "not_equals", "contains", "matches", "type", "exists", "length")
CALL_TAG, INCLUDE_TAG = "call-step", "include-step"  # pydantic puts these in error locations; the loader drops them


class _Model(BaseModel):
    # strict: a recipe says `timeout: 5`, not `timeout: "5"`; YAML already gives numbers and booleans their types.
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


def _no_nul(value: Any) -> Any:
    """No path or argv word can hold a NUL (the OS ends strings there): refused here, with the recipe's line,
    instead of as a ValueError deep in the file system or process calls."""
    if any(isinstance(item, str) and "\0" in item for item in (value if isinstance(value, list) else [value])):
        raise ValueError("contains a NUL character, which no path or command-line word can hold")
    return value


class TargetSpec(_Model):
    """Which CPI to run and how. Every key is optional; an explicit `null` api_version omits it from requests,
    `auto` sends what the caller negotiates with the CPI's info."""

    cpi: list[Annotated[str, Field(min_length=1)]] | Annotated[str, Field(min_length=1)] | None = Field(
        None, description="argv of the CPI (a list), or one executable path; './x' and '../x' items resolve "
                          "against the recipe's directory")
    api_version: Literal["auto"] | Annotated[int, Field(ge=1)] | None = Field(
        2, description="contract version to send: a number, auto (negotiated from the CPI's info) or null (omitted)")
    stemcell_api_version: int | None = Field(2, ge=1, description="context.vm.stemcell.api_version; null: not sent")
    context: dict[str, Any] = Field(default_factory=dict, description="extra context keys (cpi-config properties)")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment variables for the CPI")
    timeout: float | None = Field(None, gt=0, description="seconds before a call is killed")
    cwd: str | None = Field(None, description="working directory of the CPI (default: the recipe's directory)")
    as_: Literal["director", "create-env"] | None = Field(None, alias="as", description="call the CPI as this "
                                                                                        "caller would")
    env_mode: Literal["director", "create-env", "inherit"] | None = Field(
        None, description="the CPI's environment (default: the caller's)")
    preferred_api_version: Literal[2, 3] | None = Field(None, description="the director's preferred version")
    director_uuid: str | None = Field(None, description="context.director_uuid")

    @field_validator("cpi")
    @classmethod
    def _non_empty_argv(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("needs at least the executable")  # shown after "cpi: "
        return _no_nul(value)

    @field_validator("cwd")
    @classmethod
    def _cwd_path(cls, value: Any) -> Any:
        return _no_nul(value)


class ResultCheck(_Model):
    """One predicate over the result: `path` (JMESPath; omitted = the whole result) plus one or more checks."""

    path: str | None = Field(None, description="JMESPath over the result; omitted means the whole result")
    equals: Any = None
    not_equals: Any = None
    contains: Any = Field(None, description="substring of a string, element of an array, key of an object")
    matches: str | None = Field(None, description="regular expression, searched in a string value")
    type: JsonType | None = None
    exists: bool | None = Field(None, description="true: the path finds a non-null value; false: it finds null")
    length: int | None = Field(None, ge=0, description="length of a string, array or object")

    @model_validator(mode="after")
    def _at_least_one(self) -> ResultCheck:
        if not any(key in self.model_fields_set for key in PREDICATE_KEYS):
            raise ValueError(f"a result check needs one of {', '.join(PREDICATE_KEYS)} beside path")
        return self


class Expect(_Model):
    """What the call should answer. Omitted entirely: `{ok: true}`."""

    ok: bool | Literal["any"] | None = Field(None, description="true: success; false: a CPI error; any: either "
                                                              "(still failing a CPI that breaks the contract)")
    error: str | None = Field(None, min_length=1, description="expected error type, full or last segment")
    ok_to_retry: bool | None = None
    message: str | None = Field(None, description="regular expression searched in the error message")
    result: list[ResultCheck] = Field(default_factory=list)
    skip_on: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="error types (full or short) that mean the CPI does not do this — "
                                          "NotImplemented, NotSupported: the step is skipped, not failed")
    settings: Literal["clean"] | None = Field(
        None, description="clean: the agent settings the CPI wrote (create_vm, attach_disk, detach_disk) have no "
                          "mistakes, as `cpictl metadata show` checks them; skipped where cpictl cannot see them")

    @field_validator("ok", mode="before")
    @classmethod
    def _ok_values(cls, value: Any) -> Any:
        if value is not None and not isinstance(value, bool) and value != "any":
            raise ValueError(f"must be true, false or any, not {value!r}")  # shown after "ok: "
        return value


class Retry(_Model):
    """Re-run the step: until `until` holds (JMESPath over {result, error, log}) or else the expectations pass."""

    attempts: int = Field(ge=1, le=1000, description="total attempts, the first included")
    delay: float = Field(1.0, ge=0, le=3600, description="seconds before the second attempt")
    backoff: float = Field(1.0, ge=1, le=100, description="the delay is multiplied by this after each attempt")
    until: str | None = Field(None, description="JMESPath over {result, error, log}; truthy ends the retries")


class CallStep(_Model):
    """One CPI call with its expectations."""

    name: str | None = Field(None, min_length=1, description="free text shown in the output (\"create the VM\"); "
                                                            "default: the method")
    id: str | None = Field(None, min_length=1, description="what references use: `${steps.ID.result}`, --from ID; "
                                                          "default: the name, when it is a valid identifier")
    description: str | None = None
    call: str = Field(description="CPI method name")
    args: list[Any] | dict[str, Any] = Field(default_factory=list,
                                             description="positional list or mapping by parameter name")
    api_version: int | None = Field(None, ge=1)
    stemcell_api_version: int | None = Field(None, ge=1)
    context: dict[str, Any] = Field(default_factory=dict)
    timeout: float | None = Field(None, gt=0)
    expect: Expect | None = None
    save: dict[str, str] = Field(default_factory=dict, description="name: JMESPath over the result")
    retry: Retry | None = None
    when: str | bool | None = Field(None, description="JMESPath over {vars, steps}; false skips the step")
    unchecked: bool = Field(False, description="send `call` and `args` as written, without the catalogue's checks "
                                               "(an unknown method, a wrong argument), as `cpictl call "
                                               "--no-validate` does")
    raw: str | None = Field(None, description="the exact text to send on stdin instead of the request (as `cpictl "
                                              "call --raw`): a malformed request; no ${} is resolved in it")


class IncludeStep(_Model):
    """Splice another recipe file's steps (and its finally steps) in here."""

    include: str = Field(min_length=1, description="path relative to the including file")
    vars: dict[str, Any] = Field(default_factory=dict, description="vars for the included steps")

    @field_validator("include")
    @classmethod
    def _include_path(cls, value: Any) -> Any:
        return _no_nul(value)


def _step_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if "include" in value:
            return INCLUDE_TAG
        if "call" in value:
            return CALL_TAG
        return None
    return CALL_TAG if isinstance(value, CallStep) else INCLUDE_TAG if isinstance(value, IncludeStep) else None


Step = Annotated[
    Annotated[CallStep, Tag(CALL_TAG)] | Annotated[IncludeStep, Tag(INCLUDE_TAG)],
    Discriminator(_step_tag, custom_error_type="step_kind",
                  custom_error_message="a step needs `call: METHOD` (or `include: FILE`)"),
]


TARGET_SPEC_TAG, TARGET_NAME_TAG = "target-mapping", "target-name"  # dropped from error locations like step tags
#: A named target (`cpictl target list`), as `--target` takes it.
TargetName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=100)]


def _target_tag(value: Any) -> str:
    return TARGET_NAME_TAG if isinstance(value, str) else TARGET_SPEC_TAG


Target = Annotated[
    Annotated[TargetName, Tag(TARGET_NAME_TAG)] | Annotated[TargetSpec, Tag(TARGET_SPEC_TAG)],
    Discriminator(_target_tag),
]


class RecipeFile(_Model):
    """One recipe file as written (includes not yet spliced in)."""

    name: str | None = Field(None, description="defaults to the file name")
    description: str | None = None
    tags: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="labels `cpictl run --tag T` selects recipes by")
    target: Target | None = Field(None, description="a named target (`cpictl target list`) or a mapping: which CPI "
                                                    "to run and how")
    as_: Literal["director", "create-env"] | None = Field(None, alias="as", description="call the CPI as this "
                                                                                        "caller would")
    vars: dict[str, Any] = Field(default_factory=dict)
    steps: list[Step] = Field(default_factory=list)
    finally_: list[Step] = Field(default_factory=list, alias="finally",
                                 description="always run, also after a failure or Ctrl-C")


#: Keys allowed at each kind of place, for "did you mean" hints.
FIELDS_BY_MODEL: dict[str, tuple[str, ...]] = {
    "recipe": ("name", "description", "tags", "target", "as", "vars", "steps", "finally"),
    "target": tuple(field.alias or name for name, field in TargetSpec.model_fields.items()),
    "call": tuple(CallStep.model_fields),
    "include": tuple(IncludeStep.model_fields),
    "expect": tuple(Expect.model_fields),
    "check": tuple(ResultCheck.model_fields),
    "retry": tuple(Retry.model_fields),
}


def recipe_json_schema() -> dict[str, Any]:
    """JSON Schema of a recipe file (draft 2020-12), for `cpictl recipe schema` and editors."""
    schema = RecipeFile.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cpictl recipe"
    return schema
