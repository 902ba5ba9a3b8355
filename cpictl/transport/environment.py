"""The child environment a CPI sees, reproducing how each real caller starts it (contract §1, caller differences).

- "director": the director spawns with `unsetenv_others: true` and only PATH, TMPDIR and HOME, so a CPI that works
  under `bosh create-env` may fail on a director because a variable it relied on is gone.
- "create-env": the bosh CLI passes its whole environment plus BOSH_PACKAGES_DIR and BOSH_JOBS_DIR.
- "inherit": cpictl's own environment, unchanged.

`extra` is merged last in every mode, so a user can always add or override a variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

ENV_MODES = ("inherit", "director", "create-env")

#: The fixed PATH the director gives a CPI (dir: src/bosh-director/lib/clouds/external_cpi.rb).
DIRECTOR_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"

#: Variables the director copies from its own environment when they are set.
DIRECTOR_PASSED_THROUGH = ("TMPDIR", "HOME")


def build_environment(
    mode: str,
    *,
    extra: dict[str, str] | None = None,
    packages_dir: str | None = None,
    jobs_dir: str | None = None,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return a new, complete environment for a CPI process; `base` defaults to `os.environ` and is not changed.

    `packages_dir` and `jobs_dir` only mean something to `create-env` and are ignored in the other modes.
    """
    source = os.environ if base is None else base
    if mode == "director":
        env = {"PATH": DIRECTOR_PATH}
        env.update({name: source[name] for name in DIRECTOR_PASSED_THROUGH if name in source})
    elif mode == "create-env":
        env = dict(source)
        if packages_dir is not None:
            env["BOSH_PACKAGES_DIR"] = packages_dir
        if jobs_dir is not None:
            env["BOSH_JOBS_DIR"] = jobs_dir
    elif mode == "inherit":
        env = dict(source)
    else:
        raise ValueError(f"unknown environment mode {mode!r}; expected one of: {', '.join(ENV_MODES)}")
    if extra:
        env.update(extra)
    return env
