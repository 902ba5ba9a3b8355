"""`make completions`: write the shell completion scripts in completions/ from the live command-line definition.

Each script is what typer's completion machinery renders for the whole `cpictl` command, through the classes
`cpictl.cli.shell_complete` registers (the same text `cpictl --show-completion SHELL` prints);
`tests/completion/test_scripts.py` fails when a committed file differs from what this would write.
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "completions"


def scripts() -> dict[str, str]:
    """{file name in completions/: its text}, rendered from the command tree as it is now."""
    import typer

    from cpictl.cli.main import build_app
    from cpictl.cli.shell_complete import SCRIPT_FILES, script

    command = typer.main.get_command(build_app())
    return {file: script(shell, command) for shell, file in SCRIPT_FILES.items()}


def main() -> int:
    OUT.mkdir(exist_ok=True)
    for file, text in scripts().items():
        path = OUT / file
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote completions/{file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
