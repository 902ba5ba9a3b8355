"""Layer 1: run one CPI process and report what it did (or run a fake CPI in-process, for tests).

Uses only the standard library (and may use `cpictl.protocol`); nothing here prints or formats. A CPI that starts
and misbehaves is data in `RunResult`; only failing to start (`CpiNotRunnable`) and Ctrl-C (`CpiInterrupted`)
are exceptions.
"""

from .command import CpiCommand, RunResult
from .environment import ENV_MODES, build_environment
from .errors import CpiInterrupted, CpiNotRunnable, CpiWorkdirUnusable
from .inprocess import CpiHandler, run_in_process
from .runner import run_cpi

__all__ = [
    "ENV_MODES",
    "CpiCommand",
    "CpiHandler",
    "CpiInterrupted",
    "CpiNotRunnable",
    "CpiWorkdirUnusable",
    "RunResult",
    "build_environment",
    "run_cpi",
    "run_in_process",
]
