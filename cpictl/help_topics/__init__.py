"""The help topics: `cpictl help TOPIC` prints one, and `make docs` copies each into the README sections that
carry it, so the offline help and the README say the same words (tests/docs/test_help_topics.py holds them equal).

Each topic is a Markdown file beside this module, shipped as package data: a `# Title` line, then a lead paragraph
whose first sentence is the topic's summary in `cpictl help`'s list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

TOPICS_DIR = Path(__file__).resolve().parent

#: Other words people type for a topic (`cpictl help exit codes`, `help config`).
ALIASES = {
    "exit": "exit-codes", "exit-code": "exit-codes", "exitcodes": "exit-codes", "codes": "exit-codes",
    "config": "targets", "configuration": "targets", "target": "targets",
    "secrets": "masking", "secret": "masking", "redaction": "masking",
    "recipe": "recipes", "reference": "references", "refs": "references", "vars": "references",
    "completions": "completion", "shell": "completion",
}


@dataclass(frozen=True)
class Topic:
    name: str
    title: str
    summary: str
    text: str


def topic_names() -> list[str]:
    """Every topic, in a reading order: the recipe format first, the reference material after."""
    order = ["recipes", "references", "targets", "masking", "exit-codes", "completion"]
    found = sorted(path.stem for path in TOPICS_DIR.glob("*.md"))
    return [name for name in order if name in found] + [name for name in found if name not in order]


def canonical_name(word: str) -> str | None:
    """The topic a word names (`Exit_Codes`, `exit codes`, `config`), or None."""
    key = re.sub(r"[\s_]+", "-", word.strip().lower())
    key = ALIASES.get(key, key)
    return key if key in topic_names() else None


def load_topic(name: str) -> Topic:
    text = (TOPICS_DIR / f"{name}.md").read_text(encoding="utf-8")
    title_line, _, body = text.partition("\n")
    lead = body.strip().split("\n\n", 1)[0].replace("\n", " ")
    summary = re.split(r"(?<=\.)\s", lead, maxsplit=1)[0].rstrip(".")
    return Topic(name=name, title=title_line.removeprefix("# ").strip(), summary=summary, text=text)


def as_section(topic: Topic, level: int) -> str:
    """The topic as a section of a larger document whose headings start at `level` (2: `## Title`): every heading
    of the topic moves down by `level - 1`; lines inside code blocks are left alone (a `# comment` there)."""
    shift = "#" * (level - 1)
    lines, in_code = [], False
    for line in topic.text.rstrip("\n").split("\n"):
        if line.startswith("```"):
            in_code = not in_code
        lines.append(shift + line if line.startswith("#") and not in_code else line)
    return "\n".join(lines)
