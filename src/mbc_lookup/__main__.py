"""`mbc` and `python -m mbc_lookup`: the process entry point.

Importing the command line (typer) takes tens of milliseconds; a Ctrl-C in that time must
end the run like any other Ctrl-C, with one line and exit 130, not a traceback.
"""

import sys  # already loaded by the interpreter: this module imports nothing that takes time


def main() -> None:
    try:
        from mbc_lookup.process import reraise_lost_signals  # small: os, io, signal and sys

        reraise_lost_signals()  # a Ctrl-C that lands while the CLI is imported is not lost
        # What a one-shot command makes (the imported modules, the table, the reader, one
        # answer) lives until the process ends, so the cyclic garbage collector, run again and
        # again while it is made, frees nothing: it stays off from here, before typer is
        # imported. `batch`, which runs as long as its input lasts, turns it on again once the
        # table is loaded. (`gc` is imported only now: an import before the line above is time
        # in which a Ctrl-C could land in the import system's callbacks and be lost.)
        import gc

        gc.disable()
        from mbc_lookup.cli import main as run

        run()
    except KeyboardInterrupt:  # before `cli` installed its signal handlers
        _end("mbc: interrupted", 130)
    except (Exception, SystemExit):
        raise
    except BaseException as error:
        # `process.Interrupted` from a signal that landed after `cli.main`'s own catch, in
        # the instant before it ignores further signals
        from mbc_lookup.process import Interrupted

        if not isinstance(error, Interrupted):
            raise
        _end(error.message, error.exit_code)


def _end(message: str, code: int) -> None:
    import contextlib  # only now: the run is ending

    with contextlib.suppress(AttributeError, OSError, ValueError):  # no standard error to write to
        sys.stderr.write(message + "\n")
    raise SystemExit(code) from None


if __name__ == "__main__":
    main()
