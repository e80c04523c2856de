"""The `mbc` command line: a thin typer shell over `mbc_lookup.api`.

Exit codes (the same for every command):
  0  at least one site matched
  1  the command ran, but nothing matched
  2  usage error, the knowledge table could not be read or is invalid, or the output could
     not be written
130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from . import __version__

EXIT_MATCHED = 0
EXIT_NO_MATCH = 1
EXIT_ERROR = 2

app = typer.Typer(
    name="mbc",
    help=(
        "Which sites of metastatic (stage IV) breast cancer typed symptoms are associated "
        "with. Informational only: never a diagnosis.\n\n"
        "Exit codes: 0 a site matched, 1 nothing matched, 2 usage or data error."
    ),
    rich_markup_mode=None,  # help text is plain: nothing in it is ever read as markup
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """One clear line on stderr, then exit."""
    sys.stderr.write(f"mbc: error: {message}\n")
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"mbc {__version__}\n")
        raise typer.Exit(EXIT_MATCHED)


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Which sites of metastatic breast cancer symptoms are associated with."""


DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        envvar="MBC_DATA",
        help="Use this knowledge table instead of the shipped one (same format). Env: MBC_DATA.",
        show_default=False,
    ),
]


@app.command()
def symptoms(
    text: Annotated[
        str,
        typer.Argument(
            help='Symptoms separated by commas, semicolons or newlines, e.g. "headache, dizziness". '
            'Use "-" to read them from standard input.',
            show_default=False,
        ),
    ],
    json_output: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (schema version 1) and nothing else.")
    ] = False,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Also show how each item was read: normalised text, phrase, method, score."
        ),
    ] = False,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            min=0.0,
            max=100.0,
            help="Fuzzy-match cutoff, 0-100: higher is stricter. Default 75.",
            show_default=False,
        ),
    ] = None,
    data: DataOption = None,
) -> None:
    """Show which sites the given symptoms are associated with, and why.

    Examples:

      mbc symptoms "headache, dizziness"

      mbc symptoms "yellow skin; itching" --json | jq '.sites[0].site'

      echo "cough, wheezing" | mbc symptoms -
    """
    from .api import lookup_items
    from .knowledge import KnowledgeError, load_knowledge
    from .matching import Matcher
    from .text import split_items

    if text == "-":
        text = _read_stdin()
    items = split_items(text)
    if not items:
        fail('nothing to look up: give symptoms separated by commas, e.g. "headache, dizziness"')
    try:
        knowledge = load_knowledge(data)
    except KnowledgeError as error:
        more = len(error.problems) - 1
        suffix = f" (and {more} more problems; run 'mbc validate' to see them all)" if more > 0 else ""
        fail(f"{error.problems[0]}{suffix}")
    matcher = Matcher(knowledge) if threshold is None else Matcher(knowledge, cutoff=threshold)
    result = lookup_items(items, matcher)
    if json_output:
        from .render_json import dumps, result_to_dict

        _write(dumps(result_to_dict(result, knowledge)) + "\n")
    else:
        from .render_table import make_console, render

        render(result, knowledge, make_console(sys.stdout), explain=explain)
    raise typer.Exit(EXIT_MATCHED if result.sites else EXIT_NO_MATCH)


def _read_stdin() -> str:
    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    return data.decode("utf-8", errors="replace")


def _write(text: str) -> None:
    """Machine output: always UTF-8, whatever the locale."""
    stream = getattr(sys.stdout, "buffer", None)
    if stream is not None:
        stream.write(text.encode("utf-8"))
        stream.flush()
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:  # during start-up, before typer's own handler is in place
        sys.stderr.write("mbc: interrupted\n")
        sys.exit(130)
    except OSError as error:  # stdout that cannot be written, e.g. "> /dev/full"
        # Point stdout at devnull so the interpreter's final flush cannot fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.stderr.write(f"mbc: error: cannot write the output: {error.strerror or error}\n")
        sys.exit(EXIT_ERROR)
