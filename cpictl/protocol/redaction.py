"""Masking secrets in requests, results and free text before cpictl shows or writes them (contract §9).

The rules follow the director's own log redaction and go a little further, as the guide asks:
- context: every key but `director_uuid`, `request_id` and `vm` (cpi-config properties carry credentials);
- every `cloud_properties` argument (all methods), each network's `cloud_properties` in create_vm/configure_networks
  arguments and in a v2 create_vm result;
- create_vm `environment`: everything but `bosh.group`, `bosh.groups` and `bosh.tags`.
Masked string values are then also replaced wherever they appear in the CPI's `log` and stderr.

Agent settings (user-metadata, registry entries; `Redactor.agent_settings`) keep their shape so a person can see
what a CPI wrote: env.bosh keys stay, but values under secret-sounding keys (password, keys, certificates, tokens,
credentials) are masked, as are env keys the agent does not define, network cloud_properties, blobstore credentials
and the userinfo of every URL (mbus, registry endpoint, blobstore endpoint).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from cpictl.protocol.catalogue import get_method

MASK = "<redacted>"
CONTEXT_PUBLIC_KEYS = frozenset({"director_uuid", "request_id", "vm"})
ENV_BOSH_PUBLIC_KEYS = frozenset({"group", "groups", "tags"})
_MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words in logs
#: Keys whose values are secrets wherever they appear in agent settings (`authorized_keys`, `private_key`, `ca` …).
SECRET_KEY = re.compile(r"pass|secret|private|key|token|cert|credential|^ca$|_ca$|^ca_", re.IGNORECASE)
#: Top-level env keys the agent defines besides `bosh` (agent settings.go `Env`); any other key may hold anything.
ENV_AGENT_KEYS = frozenset({"bosh", "persistent_disk_fs", "persistent_disk_mount_options",
                            "persistent_disk_partitioner"})
_URL_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]+)@")


def mask_url_userinfo(text: str) -> str:
    """`nats://user:pw@host:4222` → `nats://<redacted>@host:4222`, anywhere inside a text."""
    return _URL_USERINFO.sub(lambda match: f"{match['scheme']}{MASK}@", text)


class Redactor:
    """Masks one request (and what came back for it), remembering the secret strings it hid."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()

    def _mask_values(self, mapping: Any, keep: frozenset[str] = frozenset()) -> Any:
        if not isinstance(mapping, dict):
            return mapping
        masked = {}
        for key, value in mapping.items():
            if key in keep:
                masked[key] = value
            else:
                self._remember(value)
                masked[key] = MASK
        return masked

    def _remember(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= _MIN_SECRET_LENGTH:
            self.secrets.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                self._remember(item)
        elif isinstance(value, list):
            for item in value:
                self._remember(item)

    def _mask_networks(self, networks: Any) -> Any:
        if not isinstance(networks, dict):
            return networks
        return {name: ({**net, "cloud_properties": self._mask_values(net["cloud_properties"])}
                       if isinstance(net, dict) and "cloud_properties" in net else net)
                for name, net in networks.items()}

    def _mask_environment(self, env: Any) -> Any:
        if not isinstance(env, dict):
            return env
        masked = self._mask_values({k: v for k, v in env.items() if k != "bosh"})
        if "bosh" in env:
            masked["bosh"] = self._mask_values(env["bosh"], ENV_BOSH_PUBLIC_KEYS)
        return masked

    def _mask_secret_keys(self, value: Any) -> Any:
        """Mask values under secret-sounding keys, and URL userinfo in every string, keeping the shape."""
        if isinstance(value, dict):
            masked = {}
            for key, item in value.items():
                if SECRET_KEY.search(str(key)) and item is not None and not isinstance(item, bool):
                    self._remember(item)
                    masked[key] = MASK
                else:
                    masked[key] = self._mask_secret_keys(item)
            return masked
        if isinstance(value, list):
            return [self._mask_secret_keys(item) for item in value]
        if isinstance(value, str):
            for match in _URL_USERINFO.finditer(value):
                self._remember(match["userinfo"])
            return mask_url_userinfo(value)
        return value

    def agent_settings(self, document: Any) -> Any:
        """A masked copy of agent settings or bootstrap user-data, for showing what a CPI wrote."""
        if not isinstance(document, dict):
            return self._mask_secret_keys(document)
        masked = {}
        for key, value in document.items():
            if key == "networks":
                masked[key] = self._mask_secret_keys(self._mask_networks(value))
            elif key == "env" and isinstance(value, dict):
                masked[key] = {name: self._mask_secret_keys(item) if name in ENV_AGENT_KEYS
                               else self._mask_values({name: item})[name] for name, item in value.items()}
            else:
                masked[key] = self._mask_secret_keys(value)
        return masked

    def request(self, document: dict[str, Any]) -> dict[str, Any]:
        """A masked copy of a request document `{method, arguments, context, api_version}`."""
        masked = dict(document)
        if "context" in document:
            masked["context"] = self._mask_values(document["context"], CONTEXT_PUBLIC_KEYS)
        if "arguments" in document:
            masked["arguments"] = self.arguments(str(document.get("method")), document["arguments"])
        return masked

    def arguments(self, method: str, arguments: Any) -> Any:
        spec = get_method(method)
        if spec is None or not isinstance(arguments, list):
            return copy.deepcopy(arguments)
        masked = list(arguments)
        for position, param in enumerate(spec.params[: len(arguments)]):
            value = arguments[position]
            if param.name == "cloud_properties":
                masked[position] = self._mask_values(value)
            elif param.name == "networks":
                masked[position] = self._mask_networks(value)
            elif param.name == "environment":
                masked[position] = self._mask_environment(value)
            elif param.name == "network_definition" and isinstance(value, dict) and "cloud_properties" in value:
                masked[position] = {**value, "cloud_properties": self._mask_values(value["cloud_properties"])}
        return masked

    def result(self, method: str, result: Any) -> Any:
        """A masked result: network cloud_properties of a v2 create_vm, and any secret the CPI echoed back."""
        if method == "create_vm" and isinstance(result, list) and len(result) > 1:
            result = [result[0], self._mask_networks(result[1]), *result[2:]]
        return self.scrub(result)

    def scrub(self, value: Any) -> Any:
        """Hide remembered secrets anywhere inside a decoded JSON value (a CPI may echo them back)."""
        if not self.secrets:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        return value

    def text(self, text: str) -> str:
        """Hide every remembered secret value inside free text (the CPI's log, its stderr)."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, MASK)
        return text


_SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|CREDENTIAL|PRIVATE|(^|_)KEY($|_)|ACCESS_KEY", re.I)


def mask_secret_env(env: dict[str, str]) -> dict[str, str]:
    """Environment variables whose names say they hold a secret (AWS_SECRET_ACCESS_KEY, *_PASSWORD, *_TOKEN …),
    masked; the rest as they are."""
    return {name: MASK if _SECRET_NAME.search(name) and value else value for name, value in env.items()}


def mask_request(document: dict[str, Any]) -> dict[str, Any]:
    """Convenience: a masked copy of one request document."""
    return Redactor().request(document)
