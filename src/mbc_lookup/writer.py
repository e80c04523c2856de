"""The one place output leaves `mbc`: what goes on standard output, in which format and
colours, and how each way a run can end becomes its exit code.

- `emit` writes a view's text. Machine and file formats (JSON, CSV, Markdown, HTML) are always
  UTF-8; the screen formats (table, plain) follow the terminal's encoding, and what it cannot
  show is written as escapes (see `process`).
- `pick_format` and `use_color` decide once per run (the precedence is in the README).
- `exit_code` runs the command and maps its ending (a result, a usage error, a closed pipe, a
  full disk, Ctrl-C or another signal, a bug) to the documented code, with at most one line on
  standard error. `cli._Mbc.main` is its only caller.
- `held_interrupts` lets `batch` finish writing a line before a signal ends the run.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

from .exit_codes import ERROR, INTERNAL, INTERRUPTED, MATCHED, PIPE_CLOSED
from .process import SIGNALS, Interrupted, OutputError, say, silence_stdout, write_output

if TYPE_CHECKING:
    import typer

DEBUG_VARIABLE = "MBC_DEBUG"  # set to 1: an internal error also prints its traceback
COLOR_CHOICES = ("auto", "always", "never")


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (ValueError, OSError):
        return False


def pick_format(requested: str | None, json_flag: bool) -> str:
    """--json, else --format, else table on a terminal and plain anywhere else."""
    if json_flag:
        return "json"
    if requested:
        return requested
    return "table" if stdout_is_terminal() else "plain"


def use_color(flag: str | None, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether to colour, first rule that applies: --color always/never; NO_COLOR (set, not
    empty) never; CLICOLOR_FORCE or FORCE_COLOR (set, not empty or "0") always; CLICOLOR=0
    never; TERM=dumb never; else only when standard output is a terminal."""
    if flag == "always":
        return True
    if flag == "never" or environ.get("NO_COLOR"):
        return False
    if environ.get("CLICOLOR_FORCE", "0") not in ("", "0") or environ.get("FORCE_COLOR", "0") not in (
        "",
        "0",
    ):
        return True
    if environ.get("CLICOLOR") == "0" or environ.get("TERM") == "dumb":
        return False
    return stdout_is_terminal()


def width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def emit(text: str, utf8: bool = True) -> None:
    """Write `text` to standard output and flush it; a failure is raised as `OutputError`."""
    stream = getattr(sys.stdout, "buffer", None)
    if utf8 and stream is not None:
        write_output(stream, text.encode("utf-8"))
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as error:
        raise OutputError(error) from None


def show(document: Mapping[str, Any], fmt: str, color: str | None = None, **options: Any) -> None:
    """Render `document` in format `fmt` and write it."""
    from . import views

    settings = views.Options(color=fmt == "table" and use_color(color), width=width(), **options)
    emit(views.get(fmt)(document, settings), utf8=fmt in views.UTF8_FORMATS)


def exit_code(run: Callable[[], Any]) -> int:
    """Run; map how it ended to an exit code, writing at most one line on standard error."""
    import typer

    try:
        code = run()
        if sys.stdout is not None:
            sys.stdout.flush()  # output still buffered must be written before "success"
        return code if isinstance(code, int) else MATCHED
    except typer.TyperException as error:  # a usage error found by typer's parser
        say(_usage_line(error))
        return ERROR
    except OutputError as error:
        silence_stdout()
        if error.pipe_closed:
            return PIPE_CLOSED  # quietly, as for any program the closed pipe stops
        say(f"mbc: error: cannot write the output: {error}")
        return ERROR
    except BrokenPipeError:  # in-process runs, whose stdout is not wrapped
        silence_stdout()
        return PIPE_CLOSED
    except Interrupted as interrupted:
        say(interrupted.message)
        return interrupted.exit_code
    except (KeyboardInterrupt, typer.Abort):
        say("mbc: interrupted")
        return INTERRUPTED
    except SystemExit as done:  # shell completion
        return done.code if isinstance(done.code, int) else (MATCHED if done.code is None else ERROR)
    except Exception as error:
        _internal_error(error)
        return INTERNAL


def _usage_line(error: typer.TyperException) -> str:
    from .text import visible

    message = error.format_message()
    if "\n" in message:  # a bare `mbc`: the "error" is the help itself
        return message.rstrip("\n")
    context = getattr(error, "ctx", None)
    hint = f" (see '{visible(context.command_path)} --help')" if context is not None else ""
    return f"mbc: error: {visible(message)}{hint}"


def _internal_error(error: Exception) -> None:
    """A bug: one line, and the traceback only when asked for."""
    from .text import visible

    if os.environ.get(DEBUG_VARIABLE):
        import traceback

        say("".join(traceback.format_exception(error)).rstrip("\n"))
    detail = visible(f"{type(error).__name__}: {error}")
    if len(detail) > 300:
        detail = detail[:300] + "..."
    say(f"mbc: internal error: {detail} (set {DEBUG_VARIABLE}=1 to see the traceback)")


@contextmanager
def held_interrupts() -> Iterator[Callable[[], AbstractContextManager[None]]]:
    """Ctrl-C, SIGTERM or SIGHUP while output is being written waits until the write is done,
    so the output never ends in half a line; at any other moment it interrupts at once."""
    state = {"holding": False, "pending": 0}

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if state["holding"]:
            state["pending"] = state["pending"] or signum
        else:
            raise Interrupted(signum)

    @contextmanager
    def hold() -> Iterator[None]:
        state["holding"] = True
        try:
            yield
        finally:
            state["holding"] = False
        if state["pending"]:
            signum, state["pending"] = state["pending"], 0
            raise Interrupted(signum)

    previous = {signum: signal.signal(signum, on_signal) for signum in SIGNALS}
    try:
        yield hold
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
