"""The config file format as pydantic models: what a user may write, and nothing else (`extra="forbid"`).

A config file holds `targets:` (name → target) and optionally `default:` (a target name). A target says which
CPI to run and how, with the same words as the command-line options (`cpi` is `--cpi` plus `--cpi-arg`, `as` is
`--as` …). These models check shape and types only; `config.py` resolves relative paths and `${env.NAME}`
references and maps every error back to file:line:column. `config_json_schema()` is `cpictl target schema`.

Strict, as recipes are: `timeout: 5`, not `timeout: "5"`. `api_version` is `auto` (the default: what the caller
negotiates with the CPI's info), a number (sent as it is), or null (the key left out of requests).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

#: A target's name: what `--target`, `CPICTL_TARGET`, `target:` and `:target` take (no blanks, no slash).
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
TargetName = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=100)]
Word = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, strict=True)


def _no_nul(value: Any) -> Any:
    """No path or argv word can hold a NUL (the OS ends strings there): refused with the file's line."""
    if any(isinstance(item, str) and "\0" in item for item in (value if isinstance(value, list) else [value])):
        raise ValueError("contains a NUL character, which no path or command-line word can hold")
    return value


class RegistrySpec(_Model):
    """Where the embedded registry listens for a registry-mode CPI, which reads its registry's endpoint and
    credentials from its own config file: the same host, port and credentials as that file names."""

    host: str = Field("127.0.0.1", min_length=1, description="address to listen on (default 127.0.0.1)")
    port: int = Field(ge=1, le=65535, description="port the CPI's config names")
    user: str = Field(min_length=1, description="basic-auth user the CPI's config names")
    password: str = Field(min_length=1, description="basic-auth password the CPI's config names")
    serve: bool = Field(False, description="start the registry for every command that runs this target "
                                           "(default: only with --registry)")


class TargetEntry(_Model):
    """One named target. Every key but `cpi` is optional."""

    description: str | None = Field(None, description="one line for `cpictl target list`")
    cpi: list[Word] | Word = Field(description="the CPI's argv (a list: executable, then its arguments such as its "
                                               "config file), or one executable path; relative paths ('./x', "
                                               "'../x', a relative executable with a '/') resolve against the "
                                               "config file's directory, '~/' against your home")
    env: dict[str, str] = Field(default_factory=dict, description="extra environment variables for the CPI "
                                                                  "(values may use ${env.NAME})")
    env_mode: Literal["director", "create-env", "inherit"] | None = Field(
        None, description="the CPI's environment (default: the caller's)")
    as_: Literal["director", "create-env"] | None = Field(
        None, alias="as", description="call the CPI as this caller would (default: director)")
    cwd: str | None = Field(None, description="working directory of the CPI (relative: to the config file)")
    timeout: float | None = Field(None, gt=0, description="seconds before a call is killed (default: none)")
    api_version: Literal["auto"] | Annotated[int, Field(ge=1)] | None = Field(
        "auto", description="auto (negotiated from the CPI's info), a number to force, or null to omit the key")
    preferred_api_version: Literal[2, 3] | None = Field(
        None, description="the director's preferred_cpi_api_version (default 3)")
    negotiate: Literal["once", "every-call"] | None = Field(
        None, description="once (default): info once per target and session; every-call: before every call")
    stemcell_api_version: Annotated[int, Field(ge=1)] | None = Field(
        None, description="context.vm.stemcell.api_version (default: 2 as the director, 1 as create-env); "
                          "null: not sent")
    director_uuid: str | None = Field(None, description="context.director_uuid (default: cpictl's own)")
    context: dict[str, Any] = Field(default_factory=dict, description="cpi-config properties merged into every "
                                                                      "request's context (masked in every view)")
    packages_dir: str | None = Field(None, description="BOSH_PACKAGES_DIR as create-env (relative: to the file)")
    jobs_dir: str | None = Field(None, description="BOSH_JOBS_DIR as create-env (relative: to the file)")
    registry: RegistrySpec | None = Field(None, description="fixed endpoint of the embedded registry")
    secrets: list[Word] = Field(default_factory=list, description="extra keys (context, env) whose values are "
                                                                  "secrets, masked like passwords")

    @field_validator("cpi")
    @classmethod
    def _argv(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("needs at least the executable")
        return _no_nul(value)

    @field_validator("cwd", "packages_dir", "jobs_dir")
    @classmethod
    def _path(cls, value: Any) -> Any:
        return _no_nul(value)

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name, item in value.items():
            if not name or "=" in name or "\0" in name or "\0" in item:
                raise ValueError(f"{name!r}: an environment variable's name has no '=' and neither holds a NUL")
        return value

    def argv(self) -> list[str]:
        return [self.cpi] if isinstance(self.cpi, str) else list(self.cpi)


class ConfigFileModel(_Model):
    """One config file as written."""

    default: TargetName | None = Field(None, description="the target used when none is named")
    targets: dict[TargetName, TargetEntry] = Field(default_factory=dict, description="named targets")


#: Keys allowed at each kind of place, for "did you mean" hints.
FIELDS_BY_PLACE: dict[str, tuple[str, ...]] = {
    "config": tuple(ConfigFileModel.model_fields),
    "target": tuple(field.alias or name for name, field in TargetEntry.model_fields.items()),
    "registry": tuple(RegistrySpec.model_fields),
}


def config_json_schema() -> dict[str, Any]:
    """JSON Schema of a config file (draft 2020-12), for `cpictl target schema` and editors."""
    schema = ConfigFileModel.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cpictl config (named targets)"
    return schema
