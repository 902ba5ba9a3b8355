"""`Redactor.text` over stderr-like lines: how long masking takes per line with a few secrets to hunt.

Run: `.venv/bin/python bench/redaction_text_bench.py`. 10,000 lines of 200 characters (log-like words, JSON and
URL fragments, one line in fifty echoing a secret), 5 secrets of the usual kinds; prints the pattern's build time
and the best of five passes over all lines, for lines without a line break's JSON escape (most stderr) and for
lines with one (JSON logs), which `secret_forms` matches with base64 line wrapping allowed. Not a goal of
`make bench`: a figure to compare before and after a change to `secret_forms`.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cpictl.protocol.redaction import Redactor  # after the path line above

SECRETS = ["hunter2-Pa55word", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AKIAIOSFODNN7EXAMPLE",
           "p@ss w\"rd/é<1>&", "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"]
WORDS = ["INFO", "-- cpi:", "creating", "vm", "m5.large", "subnet-0a1b2c", '{"key":', '"value"}', "%2F",
         "https://example.com/a?b=c", "eu-west-1a", "done", "in", "0.25s", "YWJjZGVm", "\\u003c", "[req_id 123]"]


def lines(words: list[str], count: int = 10_000, width: int = 200) -> list[str]:
    chooser = random.Random(7)
    made = []
    for number in range(count):
        line = ""
        while len(line) < width:
            line += chooser.choice(words) + " "
        line = line[:width]
        if number % 50 == 0:
            line = line[: width - 45] + " " + SECRETS[number % len(SECRETS)]
        made.append(line)
    return made


def timed(redactor: Redactor, text: list[str]) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for line in text:
            redactor.text(line)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    redactor = Redactor()
    redactor.request({"method": "create_vm", "context": {f"secret_{i}": s for i, s in enumerate(SECRETS)},
                      "arguments": []})
    for name, words in (("plain", WORDS), ("with \\n", [*WORDS, "\\n"])):
        text = lines(words)
        started = time.perf_counter()
        redactor.text(text[1])  # builds the pattern these lines need
        built = time.perf_counter() - started
        best = timed(redactor, text)
        print(f"{name:>9} lines: pattern built in {built * 1000:5.1f} ms; 10,000 lines in {best * 1000:5.1f} ms "
              f"({best / len(text) * 1e6:.2f} µs per line)")


if __name__ == "__main__":
    main()
