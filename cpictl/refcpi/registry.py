"""The registry that holds full agent settings in registry mode: local files, or an HTTP registry (contract §8.2).

With `CPICTL_REFCPI_REGISTRY_URL` (`http://user:password@host:port`) the CPI talks to it exactly as the Ruby
registry client did: `PUT /instances/<vm_cid>/settings` with the settings as JSON body, `GET` answering
`{"settings": "<json string>"}`, `DELETE` on delete_vm, HTTP basic auth from the URL's userinfo. Without it the
settings go to `registry/<vm_cid>.json` in the state directory. `urllib` is imported only on the HTTP path: it
costs more start-up time than the whole rest of the CPI.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from cpictl.refcpi.failures import cloud_error, cpi_error
from cpictl.refcpi.state import REGISTRY_DIR, StateStore, registry_file

HTTP_TIMEOUT_SECONDS = 10.0


class Registry(Protocol):
    endpoint: str  # what bootstrap user-metadata tells the agent

    def read(self, vm_cid: str) -> dict[str, Any]: ...

    def write(self, vm_cid: str, settings: dict[str, Any]) -> None: ...

    def delete(self, vm_cid: str) -> None: ...


class LocalRegistry:
    """Registry entries as files in the state directory (the caller holds the state lock)."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self.endpoint = "file://" + store.path(REGISTRY_DIR)

    def read(self, vm_cid: str) -> dict[str, Any]:
        settings = self._store.read_json(registry_file(vm_cid))
        if not isinstance(settings, dict):
            raise cloud_error(f"Cannot read settings for '{vm_cid}': no registry entry in {self.endpoint}")
        return settings

    def write(self, vm_cid: str, settings: dict[str, Any]) -> None:
        self._store.write_json(registry_file(vm_cid), settings)

    def delete(self, vm_cid: str) -> None:
        self._store.remove(registry_file(vm_cid))


class HttpRegistry:
    """A BOSH registry over HTTP, e.g. the one cpictl embeds."""

    def __init__(self, url: str) -> None:
        from urllib.parse import unquote, urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise cpi_error(f"CPICTL_REFCPI_REGISTRY_URL must be an http(s) URL, got {url!r}")
        self.endpoint = url  # AWS puts the URL, userinfo included, into the bootstrap user-data
        self._base = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path.rstrip('/')}"
        self._auth = None
        if parts.username is not None:
            import base64

            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            self._auth = "Basic " + base64.b64encode(pair.encode()).decode()

    def _send(self, method: str, vm_cid: str, body: bytes | None, ok: tuple[int, ...]) -> bytes | None:
        from urllib.error import HTTPError, URLError
        from urllib.parse import quote
        from urllib.request import Request, urlopen

        url = f"{self._base}/instances/{quote(vm_cid, safe='')}/settings"
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._auth:
            headers["Authorization"] = self._auth
        try:
            with urlopen(Request(url, data=body, method=method, headers=headers), timeout=HTTP_TIMEOUT_SECONDS) as r:
                return bytes(r.read())
        except HTTPError as exc:
            if exc.code in ok:
                return None
            action = {"GET": "read", "PUT": "update", "DELETE": "delete"}[method]
            raise cloud_error(f"Cannot {action} settings for '{vm_cid}', got HTTP {exc.code} from {url}") from None
        except (URLError, OSError) as exc:
            raise cloud_error(f"Cannot reach the registry at {url}: {getattr(exc, 'reason', exc)}") from None

    def read(self, vm_cid: str) -> dict[str, Any]:
        body = self._send("GET", vm_cid, None, ())
        try:
            settings = json.loads(json.loads(body or b"{}")["settings"])
        except (ValueError, KeyError, TypeError) as exc:
            raise cloud_error(f"Cannot read settings for '{vm_cid}': malformed registry answer ({exc})") from None
        if not isinstance(settings, dict):
            raise cloud_error(f"Cannot read settings for '{vm_cid}': registry settings are not an object")
        return settings

    def write(self, vm_cid: str, settings: dict[str, Any]) -> None:
        self._send("PUT", vm_cid, json.dumps(settings).encode("utf-8"), ())

    def delete(self, vm_cid: str) -> None:
        # 404: the entry is already gone (registry restarted, or a retried delete_vm); that is what we wanted.
        self._send("DELETE", vm_cid, None, (404,))


def open_registry(url: str | None, store: StateStore) -> Registry:
    return HttpRegistry(url) if url else LocalRegistry(store)
