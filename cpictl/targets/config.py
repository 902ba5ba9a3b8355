"""Named targets: reading the config files, checking them, and turning one target into a layer of settings.

Files (`config_files`): `./cpictl.yml` over `$XDG_CONFIG_HOME/cpictl/config.yml`. A file holds::

    default: aws                      # optional: the target used when none is named
    targets:
      aws:
        cpi: [./bin/cpi, ./cpi.json]  # argv; relative paths resolve against this file's directory
        env: {AWS_PROFILE: dev}
        context: {access_key_id: "${env.AWS_ACCESS_KEY_ID}"}

`config_reader` reads one file with the recipe loader's machinery: bounded input, problems at file:line:column
that never quote a secret (every `context` value counts as one). A target defined in both files is the
project's, whole; the project's `default:` wins.

A target's layer (`NamedTarget.layer`) is made when it is used, not when the file is read: its `${env.NAME}`
references resolve then, so a variable one target needs does not break commands that use another.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from cpictl.recipes.positions import SourceMap
from cpictl.recipes.problems import MAX_SHOWN, RecipeError, RecipeProblem
from cpictl.targets.config_files import ConfigFile, existing_config_files
from cpictl.targets.config_schema import ConfigFileModel, TargetEntry
from cpictl.targets.layers import TargetLayer, registry_endpoint

__all__ = ["ConfigError", "LoadedFile", "NamedTarget", "TargetNotFound", "TargetsConfig", "load_config"]

CONTEXT_PUBLIC_KEYS = frozenset({"director_uuid", "request_id", "vm"})  # as the director leaves them unmasked


class ConfigError(RecipeError):
    """A config file that cannot be used: every problem found, each with file:line:column (a RecipeError, so it
    is shown and exits as a bad recipe does: 2)."""

    def format(self, visible: Callable[[str], str] = str) -> str:
        count = len(self.problems)
        head = "invalid config" if count == 1 else f"invalid config: {count:,} problems"
        shown = [problem.format(visible) for problem in self.problems[:MAX_SHOWN]]
        if count > MAX_SHOWN:
            shown.append(f"… and {count - MAX_SHOWN:,} more")
        return head + "\n" + "\n".join(shown)


class TargetNotFound(LookupError):
    """A target name that no config file defines (a usage error: exit 2)."""


@dataclass
class LoadedFile:
    """One config file, checked."""

    file: ConfigFile
    model: ConfigFileModel
    source: SourceMap

    @property
    def directory(self) -> Path:
        return self.file.path.absolute().parent


@dataclass
class NamedTarget:
    """One target as a config file defines it."""

    name: str
    entry: TargetEntry
    loaded: LoadedFile

    @property
    def file(self) -> ConfigFile:
        return self.loaded.file

    def location(self) -> str:
        """`~/.config/cpictl/config.yml:12`: where the target is defined."""
        span = self.loaded.source.span(("targets", self.name), key=True)
        return f"{self.file.path}:{span.line + 1}" if span is not None else str(self.file.path)

    def problem(self, message: str, *path: str | int) -> RecipeProblem:
        return self.loaded.source.problem(("targets", self.name, *path), message)

    def argv(self) -> list[str]:
        """The CPI's argv with the file's relative paths made absolute (see `resolve_word`)."""
        directory = self.loaded.directory
        return [resolve_word(word, directory, first=index == 0) for index, word in enumerate(self.entry.argv())]

    def layer(self, environ: Mapping[str, str] | None = None, source: str | None = None) -> TargetLayer:
        """The settings this target gives, `${env.NAME}` resolved from `environ` (default: the process's).
        Raises ConfigError naming the line of a reference that cannot be resolved."""
        entry, given = self.entry, self.entry.model_fields_set
        directory = self.loaded.directory
        values: dict[str, Any] = {"argv": self.argv(), "label": "", "name": self.name}
        if entry.env:
            values["env"] = {key: str(self._resolved(value, environ, "env", key)) for key, value in entry.env.items()}
        if entry.context:
            values["context"] = {key: self._resolved(value, environ, "context", key)
                                 for key, value in entry.context.items()}
        for name, setting in (("env_mode", "env_mode"), ("as_", "caller"), ("timeout", "timeout"),
                              ("preferred_api_version", "preferred_api_version"),
                              ("director_uuid", "director_uuid")):
            if getattr(entry, name) is not None:
                values[setting] = getattr(entry, name)
        for name in ("cwd", "packages_dir", "jobs_dir"):
            if getattr(entry, name) is not None:
                values[name] = resolve_path(getattr(entry, name), directory)
        if "api_version" in given:
            values["api_version"] = entry.api_version
        if "stemcell_api_version" in given:
            values["stemcell_api_version"] = entry.stemcell_api_version
        if entry.negotiate is not None:
            values["negotiate_every_call"] = entry.negotiate == "every-call"
        if entry.registry is not None:
            spec = entry.registry.model_dump()
            for key in ("user", "password"):
                spec[key] = str(self._resolved(spec[key], environ, "registry", key))
            values["registry"] = registry_endpoint(spec)
        if entry.secrets:
            values["secrets"] = tuple(entry.secrets)
        return TargetLayer(source or f"target '{self.name}' ({self.location()})", values)

    def _resolved(self, value: Any, environ: Mapping[str, str] | None, *path: str) -> Any:
        """`value` with `${env.NAME}` references resolved; ConfigError at its line when one cannot be."""
        import json

        if "${" not in (value if isinstance(value, str) else json.dumps(value, default=str)):
            return value
        from cpictl.store import StoreState
        from cpictl.store.references import ReferenceProblem, Resolver

        resolver = Resolver(StoreState(), {}, {}, os.environ if environ is None else environ)
        try:
            return resolver.resolve(value, f"targets.{self.name}.{'.'.join(path)}")
        except ReferenceProblem as problem:
            raise ConfigError([self.problem(f"{problem} (a config resolves only ${{env.NAME}}; write $${{ for a "
                                            "literal ${)", *path)]) from None


def resolve_word(word: str, directory: Path, *, first: bool) -> str:
    """An argv word as the CPI gets it: `~/x` from your home; `./x`, `../x` (also after `--opt=`) and a relative
    executable with a `/` from the config file's directory; anything else (a bare executable name, looked up on
    PATH; a flag; a value) as written."""
    if word.startswith("~/"):
        return os.path.expanduser(word)
    if os.path.isabs(word):
        return word
    if word.startswith(("./", "../")) or (first and "/" in word):
        return os.path.normpath(directory / word)
    option, equals, value = word.partition("=")
    if equals and option.startswith("-") and value.startswith(("./", "../", "~/")):
        return f"{option}={resolve_word(value, directory, first=False)}"
    return word


def resolve_path(path: str, directory: Path) -> str:
    """A directory setting (`cwd`, `packages_dir`, `jobs_dir`): relative to the config file's directory."""
    expanded = os.path.expanduser(path)
    return expanded if os.path.isabs(expanded) else os.path.normpath(directory / expanded)


@dataclass
class TargetsConfig:
    """The config files that exist, merged: a project target hides a user one of the same name."""

    files: list[LoadedFile]
    targets: dict[str, NamedTarget]
    default: str | None
    default_file: LoadedFile | None

    def get(self, name: str, what: str = "--target") -> NamedTarget:
        """The target called `name`; TargetNotFound naming the choices otherwise."""
        found = self.targets.get(name)
        if found is not None:
            return found
        _not_found(name, what, list(self.targets), [loaded.file for loaded in self.files])

    def default_target(self) -> NamedTarget | None:
        """The `default:` target, if one is set; ConfigError at the `default:` line when it names none."""
        if self.default is None or self.default_file is None:
            return None
        found = self.targets.get(self.default)
        if found is None:
            from cpictl.recipes.validation import did_you_mean

            hint = did_you_mean(self.default, list(self.targets))
            raise ConfigError([self.default_file.source.problem(
                ("default",), f"default: no target named '{self.default}'{hint}; defined: "
                f"{', '.join(self.targets) or 'none'}")])
        return found

    def shadowed(self) -> list[NamedTarget]:
        """User targets hidden by a project target of the same name."""
        return [NamedTarget(name, entry, loaded) for loaded in self.files[1:] for name, entry in
                loaded.model.targets.items() if self.targets[name].loaded is not loaded]


def _not_found(name: str, what: str, names: list[str], files: list[ConfigFile]) -> NoReturn:
    from cpictl.recipes.validation import did_you_mean

    if not files:
        from cpictl.targets.config_files import config_files

        where = " or ".join(str(file.path) for file in config_files())
        raise TargetNotFound(f"{what} {name}: no config file defines targets ({where}); `cpictl target add "
                             f"{name} --cpi PATH` creates one")
    raise TargetNotFound(f"{what} {name}: no such target{did_you_mean(name, names)}; defined: "
                         f"{', '.join(sorted(names)) or 'none'} (in {', '.join(str(f.path) for f in files)})")


def not_found(name: str, what: str = "--target") -> NoReturn:
    """Raise TargetNotFound for `name` when there is no config at all."""
    _not_found(name, what, [], [])


def load_config(files: list[ConfigFile] | None = None) -> TargetsConfig | None:
    """The config files that exist (default: `existing_config_files()`), read and merged; None when there are
    none. Raises ConfigError listing the problems of every file."""
    files = existing_config_files() if files is None else files
    if not files:
        return None
    loaded: list[LoadedFile] = []
    problems: list[RecipeProblem] = []
    from cpictl.targets.config_reader import read_config_file

    for file in files:
        try:
            loaded.append(read_config_file(file))
        except ConfigError as error:
            problems.extend(error.problems)
    if problems:
        raise ConfigError(problems)
    targets: dict[str, NamedTarget] = {}
    for each in reversed(loaded):  # the user's first, so the project's replace them
        targets.update({name: NamedTarget(name, entry, each) for name, entry in each.model.targets.items()})
    default_file = next((each for each in loaded if each.model.default is not None), None)
    return TargetsConfig(loaded, targets, default_file.model.default if default_file else None, default_file)




def target_names() -> list[tuple[str, str]]:
    """(name, a few words on it) of every configured target, for completion; nothing at all when the config cannot
    be read (completion must never fail loudly)."""
    try:
        config = load_config()
    except Exception:
        return []
    if config is None:
        return []
    from cpictl.targets.secret_places import shown_argv, shown_setting

    return [(name, shown_setting(named, "description", named.entry.description)
             or f"{' '.join(shown_argv(named))} ({named.file.scope})")
            for name, named in sorted(config.targets.items())]
