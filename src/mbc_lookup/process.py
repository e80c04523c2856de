"""The process around a command: its standard streams and signals, and the two ways a run
can end that are not the command's own answer (a signal, output that cannot be written).

`prepare()` runs once, first thing in the real process (never in tests that run the app
in-process):

- A standard stream the caller closed (`mbc ... >&-`) is reopened on the null device before
  anything else is opened, so no file ever lands on fd 0, 1 or 2. A closed standard output
  is reopened read-only: writing the answer then fails and is reported like a full disk.
- Standard output and standard error never fail to encode: a character the stream's
  encoding cannot hold is written as an escape (`\\xe9`), as `PYTHONIOENCODING=ascii` or a
  Windows redirect (cp1252) would otherwise crash half-way through a table.
- A failed write to standard output raises `OutputError`, which nothing between the write
  and `cli` catches. Standard error is where failures are reported, so a failed write there
  is dropped: the exit code still says what happened.
- SIGINT, SIGTERM and SIGHUP raise `Interrupted`, which ends the run with 128 + the signal's
  number; `batch` holds them while it writes a line, so its output is whole lines. One that
  lands in a callback CPython cannot raise from is raised again at the next Python call
  (`reraise_lost_signals`, which `__main__` installs before the CLI is even imported).
"""

from __future__ import annotations

import io
import os
import signal
import sys

# Not `typing` at run time (as in `__init__`): `__main__` imports this module before the
# Ctrl-C cover (`reraise_lost_signals`) is in place, and every import is time uncovered.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any, BinaryIO, TextIO

SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Interrupted(BaseException):
    """A signal asked the run to stop. A BaseException, like KeyboardInterrupt, so that no
    `except Exception` (typer's included) can swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def message(self) -> str:
        if self.signum == signal.SIGINT:
            return "mbc: interrupted"
        return f"mbc: interrupted ({signal.Signals(self.signum).name})"


class OutputError(Exception):
    """The output (standard output or `--output`) could not be written."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))
        self.error = error

    @property
    def pipe_closed(self) -> bool:
        """The reader went away (`mbc ... | head`): not an error, the run just ends."""
        return isinstance(self.error, BrokenPipeError)


def interrupt(signum: int, frame: FrameType | None) -> None:
    """The signal handler for SIGNALS. The run is ending: a second signal while it reports
    the first is ignored, so it cannot turn into a traceback."""
    ignore_signals()
    raise Interrupted(signum)


def reraise_lost_signals() -> None:
    """Make `_unraisable` the `sys.unraisablehook`."""
    sys.unraisablehook = _unraisable


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    """`sys.unraisablehook`. A signal whose handler ran inside a callback CPython cannot raise
    from (a weakref callback while a module is imported, a `__del__`) would be printed as an
    ignored exception, with a traceback, and the run would carry on as if it never came. It is
    raised again instead, at the next Python call: `Interrupted` from our handler, or, before
    `prepare` installed it, the KeyboardInterrupt of Python's own (Python 3.13's import
    system runs such callbacks while the CLI is being imported)."""
    error = info.exc_value
    if isinstance(error, Interrupted):
        signum = error.signum
    elif isinstance(error, KeyboardInterrupt):
        signum = signal.SIGINT
    else:
        sys.__unraisablehook__(info)
        return
    previous = sys.gettrace()

    def again(frame: FrameType, event: str, arg: Any) -> None:
        sys.settrace(previous)
        if signal.getsignal(signum) == signal.SIG_IGN:  # `interrupt` ran: the run is ending
            raise Interrupted(signum)
        signal.raise_signal(signum)  # through the handler in force (batch may hold it)

    sys.settrace(again)


def ignore_signals() -> None:
    """From now on SIGNALS change nothing: the run has ended, or is ending."""
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


class _Output(io.TextIOWrapper):
    """Standard output: write errors become `OutputError`."""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OSError as error:
            raise OutputError(error) from None

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as error:
            raise OutputError(error) from None


class _Messages(io.TextIOWrapper):
    """Standard error: a message that cannot be written is dropped."""

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OSError:
            return len(text)

    def flush(self) -> None:
        try:
            super().flush()
        except OSError:
            return


def write_output(stream: BinaryIO, data: bytes) -> None:
    """Write and flush bytes to an output stream; a failure becomes `OutputError`."""
    try:
        stream.write(data)
        stream.flush()
    except OSError as error:
        raise OutputError(error) from None


def say(line: str) -> None:
    """One line on standard error, whatever state standard error is in."""
    try:
        if sys.stderr is not None:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
    except (OSError, ValueError):
        return


def silence_stdout() -> None:
    """Point fd 1 at the null device, so no later flush (the interpreter's own, at exit) can
    fail a second time after the output failed or its reader went away."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
    except OSError:
        return


def _reopen_if_closed(fd: int, flags: int) -> bool:
    if _is_open(fd):
        return False
    null = os.open(os.devnull, flags)
    if null != fd:
        os.dup2(null, fd)
        os.close(null)
    return True


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _wrap(kind: type[io.TextIOWrapper], current: TextIO | None, fd: int) -> io.TextIOWrapper:
    if isinstance(current, io.TextIOWrapper):
        return kind(
            current.buffer,
            encoding=current.encoding,
            errors="backslashreplace",
            line_buffering=current.line_buffering,
            write_through=current.write_through,
        )
    buffer = open(fd, "wb", closefd=False)  # noqa: SIM115  # the stream lives as long as the process
    return kind(buffer, encoding="utf-8", errors="backslashreplace", line_buffering=True)


def prepare() -> None:
    """Make the standard streams and signals safe; see the module's docstring."""
    if _reopen_if_closed(0, os.O_RDONLY) or sys.stdin is None:
        sys.stdin = open(0, encoding="utf-8", errors="surrogateescape", closefd=False)  # noqa: SIM115
    _reopen_if_closed(1, os.O_RDONLY)  # read-only: writing the answer fails, and is reported
    _reopen_if_closed(2, os.O_WRONLY)
    sys.stdout = _wrap(_Output, sys.stdout, 1)
    sys.stderr = _wrap(_Messages, sys.stderr, 2)
    reraise_lost_signals()
    for signum in SIGNALS:
        signal.signal(signum, interrupt)
