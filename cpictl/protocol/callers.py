"""The two callers as data for the verdicts: the methods each calls, and their own messages, quoted.

Read in their code (contract §13): the director is cloudfoundry/bosh v283.1.6 (96f913526a18), create-env is
cloudfoundry/bosh-cli 19ee1a8d9ade. A verdict names a caller's message only from these constants, so each one is
checked once, here:

- director: `src/bosh-director/lib/clouds/external_cpi.rb` (`parsed_response`, `validate_response`, `handle_error`),
  `external_cpi_response_wrapper.rb` (api_version refusal, "No disk_hint"), `lib/bosh/director/cloud_factory.rb`
  (`info` before every operation, "CPI must report api_version via info");
- create-env: `cloud/cpi_cmd_runner.go` (exit status, "Unmarshalling external CPI command output"), `cloud/cloud.go`
  (`info` before every method, result type assertions, `infoParser`), `cloud/errors.go` (full type names).
"""

from __future__ import annotations

from cpictl.protocol.violations import Reaction, ignores

DIRECTOR_PARSER_ERROR = "Invalid CPI response - ParserError"
DIRECTOR_SCHEMA_ERROR = "Invalid CPI response - SchemaValidationError"
DIRECTOR_NO_VERSION = "CPI must report api_version via info"
DIRECTOR_NO_DISK_HINT = "AttachDiskResponseError 'No disk_hint'"
CREATE_ENV_UNMARSHAL = "Unmarshalling external CPI command output"
CREATE_ENV_UNEXPECTED = "Unexpected external CPI command result"
CREATE_ENV_INFO = "Unmarshalling 'info' method response failed"
CREATE_ENV_EXEC = "Executing external CPI command"


def director_refuses_version(version: object) -> str:
    """The director's NotSupported message for a CPI below api_version 2 (Ruby interpolates the number as is)."""
    return f"CPI API version {version} is not supported. Minimum required version is 2."


#: The methods create-env calls (the `Cloud` interface of cloud/cloud.go); `info` precedes each of them.
CREATE_ENV_CALLS = frozenset({"info", "create_stemcell", "delete_stemcell", "create_vm", "delete_vm", "has_vm",
                              "set_vm_metadata", "set_disk_metadata", "create_disk", "attach_disk", "detach_disk",
                              "delete_disk"})
#: Catalogue methods today's director never calls (`ping` never was; `configure_networks` went with v1).
DIRECTOR_NEVER_CALLS = frozenset({"ping", "configure_networks"})


def create_env_calls(method: str) -> bool:
    return method in CREATE_ENV_CALLS


def director_calls(method: str, api_version: int | None = 2) -> bool:
    """Whether the director sends this request: never below api_version 2 (v283+ refuses such CPIs), except
    `info`, which it sends without a version to negotiate."""
    if method in DIRECTOR_NEVER_CALLS:
        return False
    return method == "info" or (api_version or 1) >= 2


def not_called_by_director(method: str, api_version: int | None = 2) -> Reaction:
    if method in DIRECTOR_NEVER_CALLS:
        return ignores(f"the director never calls {method}")
    return ignores(f"the director never sends {method} at api_version {api_version or 1}: v283+ refuses CPIs "
                   "below 2")


def not_called_by_create_env(method: str) -> Reaction:
    return ignores(f"create-env never calls {method}")
