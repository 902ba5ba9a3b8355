"""`cpictl check --inputs FILE`: what a real cloud needs to be checked — a stemcell image, cloud_properties,
networks, disk sizes — as a YAML file with a schema.

Every key is optional: one left out keeps the shipped recipes' default (`recipes/parts/inputs.yml`), which fits the
bundled reference CPI, so that file stays the one place defaults are written. Each input sets one recipe variable
(`VARIABLES`); `cpictl run GROUP.yml --var NAME=VALUE` sets the same one for a group run on its own. Relative paths
(the stemcell image) are read against the inputs file's directory, as a recipe's are against the recipe's. A file
that does not fit is refused with file:line:column and the quoted line, worded as the recipe loader words its
problems; secret values are never quoted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cpictl.recipes.problems import RecipeError, RecipeProblem

Properties = dict[str, Any]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class StemcellInputs(_Model):
    """The stemcell create_stemcell uploads (one per group that needs a VM)."""

    image_path: NonEmpty | None = Field(None, description="the extracted stemcell's `image` file (relative to "
                                                            "this file); var `image`")
    cloud_properties: Properties | None = Field(None, description="the stemcell.MF cloud_properties (name, "
                                                                  "version, infrastructure, …); var "
                                                                  "`stemcell_properties`")


class InstanceSize(_Model):
    cpu: int = Field(ge=1)
    ram: int = Field(ge=1, description="MiB")
    ephemeral_disk_size: int = Field(ge=1, description="MB")


class VmInputs(_Model):
    """The VM every group that needs one creates."""

    cloud_properties: Properties | None = Field(None, description="create_vm cloud_properties (the VM type); var "
                                                                  "`vm_properties`")
    networks: Properties | None = Field(None, description="create_vm networks, by name (type manual, dynamic or "
                                                          "vip; ip, netmask, gateway, dns, default, "
                                                          "cloud_properties); var `networks`")
    env: Properties | None = Field(None, description="create_vm environment (env.bosh …); var `vm_env`")
    metadata: dict[str, str] | None = Field(None, description="set_vm_metadata tags; var `vm_metadata`")
    instance_size: InstanceSize | None = Field(None, description="calculate_vm_cloud_properties' desired size; "
                                                                 "var `instance_size`")


class DiskInputs(_Model):
    """The persistent disk the disks, errors and settings groups create."""

    size: int | None = Field(None, ge=1, description="create_disk size in MiB; var `disk_size`")
    cloud_properties: Properties | None = Field(None, description="create_disk cloud_properties; var "
                                                                  "`disk_properties`")
    new_size: int | None = Field(None, ge=1, description="resize_disk and update_disk size in MiB; var "
                                                         "`new_disk_size`")
    new_cloud_properties: Properties | None = Field(None, description="update_disk cloud_properties; var "
                                                                      "`new_disk_properties`")
    metadata: dict[str, str] | None = Field(None, description="set_disk_metadata tags; var `disk_metadata`")
    snapshot_metadata: Properties | None = Field(None, description="snapshot_disk metadata; var "
                                                                   "`snapshot_metadata`")


class UnknownIds(_Model):
    """IDs that name nothing in the cloud, for the errors group (a real CPI may refuse a malformed one with
    another error: give IDs of its own syntax)."""

    vm: NonEmpty | None = Field(None, description="var `unknown_vm`")
    disk: NonEmpty | None = Field(None, description="var `unknown_disk`")


class CheckInputs(_Model):
    """What `cpictl check` sends a real cloud. Every key is optional: a key left out keeps the default of the
    shipped recipes (cpictl/conformance/recipes/parts/inputs.yml), which fits the bundled reference CPI."""

    stemcell: StemcellInputs = Field(default_factory=StemcellInputs)
    vm: VmInputs = Field(default_factory=VmInputs)
    disk: DiskInputs = Field(default_factory=DiskInputs)
    unknown_ids: UnknownIds = Field(default_factory=UnknownIds)


#: Which recipe variable each input sets: (section, key) → variable.
VARIABLES: dict[tuple[str, str], str] = {
    ("stemcell", "image_path"): "image", ("stemcell", "cloud_properties"): "stemcell_properties",
    ("vm", "cloud_properties"): "vm_properties", ("vm", "networks"): "networks", ("vm", "env"): "vm_env",
    ("vm", "metadata"): "vm_metadata", ("vm", "instance_size"): "instance_size",
    ("disk", "size"): "disk_size", ("disk", "cloud_properties"): "disk_properties",
    ("disk", "new_size"): "new_disk_size", ("disk", "new_cloud_properties"): "new_disk_properties",
    ("disk", "metadata"): "disk_metadata", ("disk", "snapshot_metadata"): "snapshot_metadata",
    ("unknown_ids", "vm"): "unknown_vm", ("unknown_ids", "disk"): "unknown_disk",
}


def inputs_json_schema() -> dict[str, Any]:
    """JSON Schema of the inputs file, for `cpictl check --inputs-schema` and editors."""
    schema = CheckInputs.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "cpictl check inputs"
    return schema


def inputs_vars(inputs: CheckInputs, base_dir: Path) -> dict[str, Any]:
    """The recipe variables the inputs set (only those given); the image path made absolute against `base_dir`,
    since the CPI runs in the recipes' directory."""
    variables: dict[str, Any] = {}
    for (section, key), name in VARIABLES.items():
        value = getattr(getattr(inputs, section), key)
        if value is None:
            continue
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if name == "image":
            value = str((base_dir / value).resolve()) if not Path(value).is_absolute() else value
        variables[name] = value
    return variables


def load_inputs(path: Path) -> CheckInputs:
    """The inputs file, checked; raises RecipeError with every problem at its file:line:column."""
    from cpictl.recipes.positions import parse_yaml
    from cpictl.recipes.sources import read_recipe_text

    try:
        text = read_recipe_text(path, str(path))
    except OSError as error:
        raise RecipeError([RecipeProblem(str(path), None, None,
                                         f"cannot read the inputs file: {error.strerror or error}")]) from None
    data, source = parse_yaml(text, str(path))
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError([source.problem((), "the inputs file is a mapping: stemcell, vm, disk, unknown_ids "
                                              "(`cpictl check --inputs-schema`)")])
    try:
        return CheckInputs.model_validate(data)
    except ValidationError as error:
        raise RecipeError(_problems(error, data, source)) from None


_SECTIONS = {"": CheckInputs, "stemcell": StemcellInputs, "vm": VmInputs, "disk": DiskInputs,
             "unknown_ids": UnknownIds, "instance_size": InstanceSize}


def _problems(error: ValidationError, data: Any, source: Any) -> list[RecipeProblem]:
    """Pydantic's errors as problems at the key or value, in the recipe loader's words."""
    from cpictl.recipes.validation import did_you_mean, value_at, walk
    from cpictl.targets.config_problems import error_message

    problems: list[RecipeProblem] = []
    for details in error.errors(include_url=False):
        path, _rest = walk(data, details["loc"])
        kind = details["type"]
        if kind == "extra_forbidden" and path:
            owner = next((str(part) for part in reversed(path[:-1]) if isinstance(part, str)), "")
            allowed = tuple(_SECTIONS.get(owner, CheckInputs).model_fields)
            key = str(path[-1])
            where = f"'{owner}'" if owner else "the inputs file"
            problems.append(source.problem(path, f"unknown key '{key}' in {where}{did_you_mean(key, allowed)}; "
                                                 f"allowed: {', '.join(allowed)}", key=True))
            continue
        field = next((str(part) for part in reversed(path) if isinstance(part, str)), "")
        if kind == "missing":
            name = str(details["loc"][-1])
            problems.append(source.problem(path, f"{field + ': ' if field else ''}missing required key '{name}'"))
            continue
        message = error_message([dict(details)], value_at(data, path))
        problems.append(source.problem(path, f"{field}: {message}" if field else message))
    return problems
