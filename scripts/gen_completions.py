"""Write the shell completion scripts in completions/ from typer's own templates.

Run `python scripts/gen_completions.py` after changing the command name; a test checks the files are current.
The scripts ask `cpictl` itself for completions at run time, so new commands and options need no regeneration.
"""

from __future__ import annotations

import sys
from pathlib import Path

from typer._completion_shared import get_completion_script

SHELLS = {"bash": "cpictl.bash", "zsh": "_cpictl", "fish": "cpictl.fish"}
OUT = Path(__file__).resolve().parent.parent / "completions"


def scripts() -> dict[str, str]:
    return {file: get_completion_script(prog_name="cpictl", complete_var="_CPICTL_COMPLETE", shell=shell) + "\n"
            for shell, file in SHELLS.items()}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for file, text in scripts().items():
        (OUT / file).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
