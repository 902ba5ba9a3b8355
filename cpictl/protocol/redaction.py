"""Masking secrets in requests, results and free text before cpictl shows or writes them (contract §9).

The rules follow the director's own log redaction and go a little further, as the guide asks:
- context: every key but `director_uuid`, `request_id` and `vm` (cpi-config properties carry credentials);
- every `cloud_properties` argument (all methods), each network's `cloud_properties` in create_vm/configure_networks
  arguments and in a v2 create_vm result;
- create_vm `environment`: everything but `bosh.group`, `bosh.groups` and `bosh.tags`.
Masked string values are then also replaced wherever they appear in the CPI's `log` and stderr.
"""

from __future__ import annotations

import copy
from typing import Any

from cpictl.protocol.catalogue import get_method

MASK = "<redacted>"
CONTEXT_PUBLIC_KEYS = frozenset({"director_uuid", "request_id", "vm"})
ENV_BOSH_PUBLIC_KEYS = frozenset({"group", "groups", "tags"})
_MIN_SECRET_LENGTH = 4  # shorter values would blank out ordinary words in logs


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

    def request(self, document: dict[str, Any]) -> dict[str, Any]:
        """A masked copy of a request document `{method, arguments, context, api_version}`."""
        masked = dict(document)
        masked["context"] = self._mask_values(document.get("context"), CONTEXT_PUBLIC_KEYS)
        masked["arguments"] = self.arguments(str(document.get("method")), document.get("arguments"))
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


def mask_request(document: dict[str, Any]) -> dict[str, Any]:
    """Convenience: a masked copy of one request document."""
    return Redactor().request(document)
