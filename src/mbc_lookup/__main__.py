"""`mbc` and `python -m mbc_lookup`: the process entry point.

Importing the command line (typer) takes tens of milliseconds; a Ctrl-C in that time must
end the run like any other Ctrl-C, with one line and exit 130, not a traceback.
"""

import contextlib
import sys


def main() -> None:
    try:
        from mbc_lookup.cli import main as run
    except KeyboardInterrupt:
        with contextlib.suppress(AttributeError, OSError):  # no standard error to write to
            sys.stderr.write("mbc: interrupted\n")
        raise SystemExit(130) from None
    run()


if __name__ == "__main__":
    main()
