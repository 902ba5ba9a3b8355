"""The two callers of a CPI and the form of the requests each sends (contract §13, read against their code).

director (cloudfoundry/bosh, `cloud_factory.rb`, `external_cpi.rb`, `external_cpi_response_wrapper.rb`):
  `info` without `api_version` before every operation; the version sent is `min(info.api_version, preferred)`,
  `preferred` 2..3 (default 3); below 2, or no version in `info`, it refuses every call. Every request carries
  `request_id` (`cpi-NNNNNN`); `vm.stemcell.api_version` goes in the context of create_vm, delete_vm, attach_disk,
  detach_disk (and of the `info` before them) when the stemcell declares one; cpi-config properties merge at the
  top of the context. The CPI sees only PATH, TMPDIR and HOME.
create-env (cloudfoundry/bosh-cli, `cloud/cloud.go`, `cloud/cpi_cmd_runner.go`):
  `info` with `"api_version": 1` before every method; a missing version or NotImplemented means 1, anything above
  2 is capped at 2, and v2 result shapes are read only at exactly 2. The context is always
  `{director_uuid, vm: {stemcell: {api_version}}}` (the stemcell's version, default 1), with no `request_id`. The
  CPI gets the CLI's whole environment plus BOSH_PACKAGES_DIR and BOSH_JOBS_DIR.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The versions a director's `preferred_cpi_api_version` may take (director.yml.erb; 3 is its default).
PREFERRED_VERSIONS = (2, 3)


@dataclass(frozen=True)
class CallerProfile:
    """How one caller forms requests and settles on an api_version."""

    name: str
    #: The environment mode of `transport.build_environment` the caller gives a CPI.
    env_mode: str
    #: `api_version` sent with the negotiating `info` (None: the key is left out).
    info_api_version: int | None
    #: The highest version the caller speaks (create-env caps at 2; the director at its preferred version).
    max_version: int
    #: Below this the caller refuses every call (the director since v283); None: it uses whatever it gets.
    min_version: int | None
    #: The version assumed when `info` answers NotImplemented or reports none (None: the caller refuses instead).
    version_when_unreported: int | None
    sends_request_id: bool
    #: The context carries vm.stemcell.api_version on every method (create-env), not only where the director sends it.
    stemcell_on_every_method: bool
    #: The stemcell api_version assumed when none is given (create-env's default when the stemcell manifest lacks one).
    default_stemcell_api_version: int


DIRECTOR = CallerProfile(name="director", env_mode="director", info_api_version=None, max_version=3, min_version=2,
                         version_when_unreported=None, sends_request_id=True, stemcell_on_every_method=False,
                         default_stemcell_api_version=2)
CREATE_ENV = CallerProfile(name="create-env", env_mode="create-env", info_api_version=1, max_version=2,
                           min_version=None, version_when_unreported=1, sends_request_id=False,
                           stemcell_on_every_method=True, default_stemcell_api_version=1)
PROFILES = {profile.name: profile for profile in (DIRECTOR, CREATE_ENV)}
PROFILE_NAMES = tuple(PROFILES)


def profile_named(name: str) -> CallerProfile:
    """The profile called `name`; ValueError naming the choices otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown caller profile '{name}': expected {' or '.join(PROFILE_NAMES)}") from None


def spoken(caller: str) -> str:
    """The caller as a sentence names it: "the director", but "create-env" (a command, not a thing)."""
    return "the director" if caller == "director" else caller
