"""Named moments where a test can find, and stop, a real cpictl process — instead of guessing with sleeps.

With `CPICTL_TEST_PAUSE` set, cpictl writes `cpictl: test point NAME` to stderr at each point it passes; at the
point the variable names it then waits (up to a minute) for a signal. Tests of start-up and parsing signal the
process exactly there (`start`: handlers installed, nothing imported; `imported`: the CLI's libraries loaded;
`parse`: an argument's YAML about to be parsed), or after the announcement while it carries on
(`CPICTL_TEST_PAUSE=none`). Unset, a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import sys
import time

ENV = "CPICTL_TEST_PAUSE"
_WAIT_SECONDS = 60.0


def pause_point(name: str) -> None:
    wanted = os.environ.get(ENV)
    if wanted is None:
        return
    try:
        sys.stderr.write(f"cpictl: test point {name}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # stderr closed: nobody is watching
        return
    if wanted == name:
        time.sleep(_WAIT_SECONDS)  # a signal's handler raises out of the sleep
