"""The `cpictl` console script: catches SIGINT, SIGTERM and SIGHUP before anything heavy is imported.

`cpictl.cli.main` imports typer, click and rich (~100 ms). A signal in that time used to end cpictl with a
KeyboardInterrupt traceback (SIGINT) or kill it without a word (SIGTERM, SIGHUP). This module imports nothing the
interpreter has not loaded already, and installs its handler the moment the console script imports it:

* until `main` runs, a signal is only noted (a KeyboardInterrupt there would escape the console script);
* from then on the first one raises KeyboardInterrupt, like Ctrl-C, wherever start-up is — importing, building
  the command, parsing a large argument (Python checks for signals between bytecodes, and every input is bounded
  so no single C call runs for long: `cpictl.input_limits`);
* once the CLI runs, SIGINT is Python's own again and `cpictl.cli.main` installs `cpictl.shutdown`'s handling of
  SIGTERM and SIGHUP; it turns an interrupt into its message and exit code. One that escapes it (a second
  signal while it reports) is reported here the same way.

The exit code is always 128 + the signal: 130 SIGINT, 143 SIGTERM, 129 SIGHUP — and never a traceback.

The handlers are installed through `_signal`, the interpreter's built-in module: `signal` itself imports enum and
collections (~20 ms), a window in which a Ctrl-C used to end in a traceback.

A KeyboardInterrupt that a handler raises where Python cannot pass it on — inside a weakref callback, a `__del__`,
the import system's clean-up of a module lock — is only printed ("Exception ignored in …") and the program carries
on: the signal was lost, and cpictl went on to wait for a CPI that never answers. `_redeliver` (the process's
`sys.unraisablehook`) sends the signal again instead; its handler then runs at the next bytecode outside that
callback.
"""

from __future__ import annotations

import _signal as signal
import _thread
import os
import sys

_ENDING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_received: int | None = None
_raising = False  # True from `main` on: the next signal raises KeyboardInterrupt (once)


def _on_signal(signum: int, frame: object) -> None:
    global _received, _raising
    if _received is None or _received == signal.SIGINT:  # SIGTERM/SIGHUP say more: they decide the exit code
        _received = signum
    if _raising:
        _raising = False  # at most one: a second signal must not interrupt the reporting of the first
        raise KeyboardInterrupt


def _redeliver(unraisable: object) -> None:
    """`sys.unraisablehook`: a swallowed KeyboardInterrupt becomes the same signal again (module docstring)."""
    global _raising
    if not isinstance(getattr(unraisable, "exc_value", None), KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)  # type: ignore[arg-type]
        return
    shutdown = sys.modules.get("cpictl.shutdown")
    signum = getattr(shutdown, "ending_signal", lambda: None)() or _received or signal.SIGINT
    if signal.getsignal(signum) is _on_signal:
        _raising = True  # it had spent its one raise on the interrupt that was lost
    # from another thread: raised here, the handler would run at once, inside this hook, and be swallowed again
    _thread.start_new_thread(os.kill, (os.getpid(), signum))


for _signum in (signal.SIGINT, *_ENDING):
    signal.signal(_signum, _on_signal)
sys.unraisablehook = _redeliver


def main() -> int:
    """Console-script entry point: the CLI, with every signal from start-up to exit ending it cleanly."""
    global _raising
    try:
        _raising = True
        if _received is not None:  # arrived between the import of this module and now
            raise KeyboardInterrupt
        from cpictl.pause_points import pause_point

        pause_point("start")
        from cpictl.cli.main import main as run_cli

        pause_point("imported")
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as the CLI (and the REPL) expect it
        code = run_cli()
        _raising = False
        return code
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted() -> int:
    """Report an interrupt nobody else reported; its exit code. Later signals are only noted from here on."""
    global _raising
    _raising = False
    signal.signal(signal.SIGINT, _on_signal)
    shutdown = sys.modules.get("cpictl.shutdown")
    signum = getattr(shutdown, "ending_signal", lambda: None)() or _received or signal.SIGINT
    what = {signal.SIGINT: "interrupted", getattr(signal, "SIGHUP", None): "hung up (the terminal closed)"}
    try:
        sys.stderr.write(f"error: {what.get(signum, 'terminated')}\n")
        sys.stderr.flush()
    except (OSError, ValueError):  # after SIGHUP the terminal may be gone
        pass
    return 128 + signum


if __name__ == "__main__":
    sys.exit(main())
