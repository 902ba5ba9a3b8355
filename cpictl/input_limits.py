"""The limits on everything cpictl parses from a person, and the one reader for the files and streams they name.

Recipes, vars files, `@file` arguments, `--args-file`, `--raw`, `--context`, `--var` and REPL input all obey the
same three limits: at most MAX_INPUT_BYTES of text, values nested at most MAX_DEPTH deep and (YAML, after its
aliases are expanded) at most MAX_NODES values. `cpictl.recipes.positions.parse_yaml` enforces the last two while it
parses YAML, `json_value` here for JSON. Bounded sizes are also what keeps Ctrl-C working: the C parts (json,
regular expressions) finish in a fraction of a second on anything this size, and the rest is Python, which runs
signal handlers between bytecodes.

`read_regular_file` opens only regular files: a FIFO, /dev/zero or a terminal is refused by `stat` before it is
opened for reading, and opening is non-blocking, so a FIFO swapped in after that check cannot block either. `-`
(stdin) is read with the same size cap by `read_stream`. `open_regular_file` is that check alone, for files with
no size cap of their own (the session journal).

Nothing here imports YAML: `cpictl call` with plain arguments must not pay for it.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path
from typing import Any, BinaryIO, TextIO

MAX_INPUT_BYTES = 16 * 1024 * 1024  # a recipe or an argument file; far above any real one
MAX_DEPTH = 64  # CPI arguments nest a handful of levels; the director's own parsers stop far deeper
MAX_NODES = 200_000  # after YAML alias expansion: a "billion laughs" document stops here
#: One REPL input (a line and its continuation lines). Smaller than a file: the REPL's word splitter keeps a list
#: of characters and the prompt redraws its buffer; a value bigger than this belongs in an @file.
MAX_LINE_CHARS = 1024 * 1024
_CHUNK = 1024 * 1024


class InputLimitError(Exception):
    """Input beyond one of the limits; the message says which, without quoting the input."""


def size_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"


def read_regular_file(path: str | Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. Raises OSError whose `strerror` says what is wrong
    (no such file, not a regular file, too large …), fit to follow "cannot read PATH: "."""
    descriptor = open_regular_file(path)
    try:
        if os.fstat(descriptor).st_size > limit:
            raise OSError(0, f"larger than {size_text(limit)}")
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            return read_stream(stream, limit)
    except InputLimitError:
        raise OSError(0, f"larger than {size_text(limit)}") from None
    finally:
        os.close(descriptor)


def open_regular_file(path: str | Path) -> int:
    """A descriptor open for reading on `path`, which must be a regular file: a FIFO, /dev/zero or a terminal is
    refused before it is opened, and the open does not block. Raises OSError (FileNotFoundError when there is no
    such file) whose `strerror` says what is wrong, fit to follow "cannot read PATH: "."""
    try:
        status = os.stat(path)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(0, f"not a regular file ({_file_kind(status.st_mode)}); cpictl reads only regular files")
        descriptor = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
                             | getattr(os, "O_NOCTTY", 0))
    except ValueError:  # an embedded NUL: no file can have that name
        raise OSError(0, "the path contains a NUL character") from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):  # replaced between the stat and the open
        os.close(descriptor)
        raise OSError(0, "not a regular file; cpictl reads only regular files")
    return descriptor


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def read_stream(stream: BinaryIO, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Everything a binary stream holds, refused (InputLimitError) as soon as it passes `limit` bytes: a pipe
    that never ends costs at most `limit` of memory. Interruptible: each read returns to Python."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise InputLimitError(f"more than {size_text(limit)}")


def bounded_lines(stream: TextIO, limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The lines of a text stream, each cut at `limit + 1` characters: a line longer than `limit` shows as one
    of exactly `limit + 1` characters without its newline (the caller refuses it), never as unbounded memory."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        yield line


def check_text_size(text: str | bytes, limit: int = MAX_INPUT_BYTES) -> None:
    """InputLimitError when `text` (as UTF-8) is larger than `limit` bytes."""
    # len() first: the encoding (a copy) is only needed when the text could be over the limit
    if len(text) > limit or (isinstance(text, str) and len(text) * 4 > limit
                             and len(text.encode("utf-8", "surrogatepass")) > limit):
        raise InputLimitError(f"larger than {size_text(limit)}")


def json_value(text: str | bytes) -> Any:
    """JSON text as a value, within the limits: ValueError (json.JSONDecodeError) when it is not JSON,
    InputLimitError when it is too large or nested deeper than MAX_DEPTH."""
    check_text_size(text)
    if isinstance(text, bytes):  # as json.loads reads bytes: UTF-8, -16 or -32
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    try:
        value = json.loads(text)
    except RecursionError:  # the C decoder stops near the interpreter's recursion limit (~1,000 deep)
        raise InputLimitError(f"values nested more than {MAX_DEPTH} deep") from None
    if isinstance(value, (list, dict)) and json_depth(text) > MAX_DEPTH:
        raise InputLimitError(f"values nested more than {MAX_DEPTH} deep")
    return value


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep the brackets of valid JSON text nest (`[]` is 1). Regular expressions and itertools, so a 16 MiB
    document takes a fraction of a second, where a walk over the decoded value in Python would take seconds."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)
