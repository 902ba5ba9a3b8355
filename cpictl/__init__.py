"""cpictl: an interactive debugger for BOSH Cloud Provider Interfaces (CPIs).

Kept import-free on purpose: `cpictl-refcpi` and every one-shot command import this package first, and start-up
time is a measured goal (see `make bench`).
"""

__version__ = "0.1.0"
