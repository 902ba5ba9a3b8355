"""Where named targets are configured, and which of those files exist — found without reading them.

Two files, both optional, both YAML (`config.py` reads them):
- the project's `./cpictl.yml`, in the current directory only: parents are not searched, because a config holds
  the argv cpictl runs and the credentials it hands over, and one picked up from some directory above (a shared
  checkout, /tmp) would run a CPI nobody named here;
- the user's `$XDG_CONFIG_HOME/cpictl/config.yml` (`~/.config/cpictl/config.yml`).
A target defined in both is the project's (whole, not merged key by key); the project's `default:` wins too.

Start-up is a measured goal: a command that runs a CPI and has no config pays two `stat` calls here and nothing
more — this module imports neither YAML nor pydantic.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_FILE = "cpictl.yml"
USER_FILE = "config.yml"
#: The environment variable that names the target of every command that runs a CPI (like `--target`).
TARGET_ENV = "CPICTL_TARGET"


@dataclass(frozen=True)
class ConfigFile:
    """One config file: `scope` is "project" or "user"."""

    scope: str
    path: Path


def project_config_path() -> Path:
    return Path(PROJECT_FILE)


def user_config_path() -> Path:
    from cpictl.userdirs import config_dir

    return config_dir() / USER_FILE


def config_files() -> list[ConfigFile]:
    """Both places, the project's first (it wins), whether or not they exist."""
    return [ConfigFile("project", project_config_path()), ConfigFile("user", user_config_path())]


def existing_config_files() -> list[ConfigFile]:
    """The config files that exist, the project's first. A path that exists but is not a regular file is listed
    too: reading it says what is wrong with it, instead of silently using no config."""
    found = []
    for file in config_files():
        try:
            os.stat(file.path)
        except OSError:
            continue
        found.append(file)
    return found


def selected_target_name() -> str | None:
    """The target `CPICTL_TARGET` names, if it names one (empty counts as unset)."""
    return os.environ.get(TARGET_ENV) or None
