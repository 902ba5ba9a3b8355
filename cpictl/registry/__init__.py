"""The embedded BOSH registry: an HTTP server on 127.0.0.1 for CPIs that still write agent settings to a registry.

`server` keeps the registry's state, answers requests and records what it saw (the capture file beside the
journal, read by `cpictl.metadata.registry_log`); `http` is its HTTP side, with the limits that keep it bounded
whatever a client sends. Import `embedded_registry` and `RegistryUnavailable` from `cpictl.registry.server`.
"""
