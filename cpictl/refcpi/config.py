"""What the reference CPI reads from its environment: versions, state directory, agent-settings values, registry.

Every setting is an environment variable, because callers start a CPI with no argv (contract §1) and cpictl sets
them per target. The director gives its CPI almost no environment (only PATH, TMPDIR, HOME), so every value has a
default. A bad value is a configuration error: a `CpiError` response, never a traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from cpictl.protocol.shapes import json_type_name
from cpictl.refcpi.failures import cpi_error

ENV_DIR = "CPICTL_REFCPI_DIR"
ENV_API_VERSION = "CPICTL_REFCPI_API_VERSION"
ENV_SEED = "CPICTL_REFCPI_SEED"
ENV_FAULTS = "CPICTL_REFCPI_FAULTS"
ENV_REGISTRY_URL = "CPICTL_REFCPI_REGISTRY_URL"
ENV_MBUS = "CPICTL_REFCPI_MBUS"
ENV_NTP = "CPICTL_REFCPI_NTP"
ENV_BLOBSTORE = "CPICTL_REFCPI_BLOBSTORE"

SUPPORTED_API_VERSIONS = (1, 2, 3)
DEFAULT_API_VERSION = 2
STEMCELL_FORMATS = ("refcpi-raw", "refcpi-light")
DEFAULT_MBUS = "nats://nats.bosh-internal:4222"
DEFAULT_NTP = ("0.pool.ntp.org", "1.pool.ntp.org")
DEFAULT_BLOBSTORE: dict[str, Any] = {"provider": "dav", "options": {"endpoint": "http://blobstore.bosh-internal:25250"}}


def state_dir(env: Mapping[str, str], override: str | None = None) -> str:
    """`--state-dir`, else `$CPICTL_REFCPI_DIR`, else `$XDG_STATE_HOME/cpictl/refcpi` (~/.local/state by default)."""
    if override:
        return os.path.abspath(override)
    if env.get(ENV_DIR):
        return os.path.abspath(env[ENV_DIR])
    base = env.get("XDG_STATE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".local", "state")
    return os.path.join(os.path.abspath(base), "cpictl", "refcpi")


def cpi_api_version(env: Mapping[str, str]) -> int:
    """The highest contract version this CPI implements, reported by `info`."""
    raw = env.get(ENV_API_VERSION, "").strip()
    if not raw:
        return DEFAULT_API_VERSION
    if raw not in {str(v) for v in SUPPORTED_API_VERSIONS}:
        raise cpi_error(f"{ENV_API_VERSION} must be 1, 2 or 3, got {raw!r}")
    return int(raw)


def seed(env: Mapping[str, str]) -> str | None:
    return env.get(ENV_SEED) or None


def registry_url(env: Mapping[str, str]) -> str | None:
    return env.get(ENV_REGISTRY_URL) or None


def mbus(env: Mapping[str, str]) -> str:
    return env.get(ENV_MBUS) or DEFAULT_MBUS


def ntp(env: Mapping[str, str]) -> list[str]:
    raw = env.get(ENV_NTP)
    if raw is None:
        return list(DEFAULT_NTP)
    return [server.strip() for server in raw.split(",") if server.strip()]


def blobstore(env: Mapping[str, str]) -> dict[str, Any]:
    """`CPICTL_REFCPI_BLOBSTORE` is a JSON object such as `{"provider": "dav", "options": {...}}`."""
    raw = env.get(ENV_BLOBSTORE)
    if not raw:
        return {"provider": DEFAULT_BLOBSTORE["provider"], "options": dict(DEFAULT_BLOBSTORE["options"])}  # a copy
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise cpi_error(f"{ENV_BLOBSTORE} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise cpi_error(f"{ENV_BLOBSTORE} must be a JSON object, got {json_type_name(value)}")
    return value
