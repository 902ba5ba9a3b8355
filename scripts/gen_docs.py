"""`make docs`: copy each help topic (`cpictl/help_topics/NAME.md`, what `cpictl help NAME` prints) into the
sections of README.md and completions/README.md that carry it, so the offline help and the documents never drift.

A carried section sits between two markers, written once by hand where the section belongs:

    <!-- cpictl help NAME: generated from cpictl/help_topics/NAME.md by `make docs`; edit that file -->
    <!-- end of cpictl help NAME -->

Its headings move down one level (the topic's `# Title` becomes `## Title`). `--check` changes nothing and exits 1
when a document is stale; tests/docs/test_help_topics.py runs the same comparison.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cpictl.help_topics import as_section, load_topic  # noqa: E402  (after the path is set, for a bare checkout)

DOCUMENTS = ("README.md", "completions/README.md")
REGION = re.compile(r"(<!-- cpictl help (?P<name>[a-z-]+): generated from [^\n]*-->\n)(?P<body>.*?)"
                    r"(<!-- end of cpictl help (?P=name) -->)", re.DOTALL)


def rendered(text: str) -> str:
    """`text` with every carried section replaced by its topic's current words."""
    return REGION.sub(lambda match: match.group(1) + as_section(load_topic(match["name"]), level=2) + "\n"
                      + match.group(4), text)


def carried_topics(text: str) -> list[str]:
    return [match["name"] for match in REGION.finditer(text)]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name in DOCUMENTS:
        path = ROOT / name
        text = path.read_text(encoding="utf-8")
        new = rendered(text)
        if new != text:
            stale.append(name)
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print(f"stale: {', '.join(stale)} (run `make docs`)", file=sys.stderr)
        return 1
    for name in stale:
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
