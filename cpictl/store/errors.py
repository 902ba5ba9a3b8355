"""The store's one error type: bad input or an unusable journal, with a message a user can act on."""

from __future__ import annotations


class StoreError(Exception):
    """A journal or state file cannot be used; the message names the file and what is wrong with it."""


class InvalidSessionName(StoreError, ValueError):
    """A session name that cannot be a journal file name (also a ValueError: it is bad input)."""
