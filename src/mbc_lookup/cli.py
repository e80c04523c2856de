"""The `mbc` command line: a thin typer shell over `mbc_lookup.api` and the renderers.

Exit codes (the same for every command):
  0  success: at least one site matched (symptoms, batch); the table is valid (validate)
  1  the command ran, but nothing matched
  2  usage error, the knowledge table could not be read or is invalid, or the output could
     not be written
 70  internal error: a bug (MBC_DEBUG=1 shows the traceback)
129  hangup (SIGHUP); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM)
141  the reader of the output went away (`mbc ... | head`), as for any program ended by SIGPIPE

Every way a run can end is turned into its exit code in one place, `_Mbc.main`, which hands
it to `writer.exit_code`. Commands only parse, load, compute, pick a view and hand the
document to `writer.show`.
"""

# No `from __future__ import annotations` here: typer would then re-evaluate every parameter's
# annotation from its string at start-up, which costs more than the rest of a lookup.
import gc
import math
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, NoReturn

import typer
from typer.core import TyperGroup

from . import __version__, writer
from .exit_codes import ERROR as EXIT_ERROR
from .exit_codes import INTERRUPTED as EXIT_INTERRUPTED
from .exit_codes import MATCHED as EXIT_MATCHED
from .exit_codes import NO_MATCH as EXIT_NO_MATCH
from .process import Interrupted, say

if TYPE_CHECKING:
    from rich.progress import Progress

    from .matching import Matcher
    from .model import Knowledge

EXIT_CODES_HELP = (
    "Exit codes: 0 a site matched (validate: the table is valid), 1 nothing matched, "
    "2 usage, data or output error, 70 internal error, 130 interrupted (129 SIGHUP, 143 SIGTERM), "
    "141 output pipe closed."
)


class _Mbc(TyperGroup):
    """The `mbc` command group. Typer runs it in non-standalone mode, so every way a run can
    end reaches `main` here, the one place that turns it into an exit code and at most one
    line on standard error (`writer.exit_code`). In-process tests (typer's CliRunner) go
    through it too."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        def run() -> Any:
            return super(_Mbc, self).main(
                args, prog_name, complete_var, False, windows_expand_args=windows_expand_args, **extra
            )

        code = writer.exit_code(run)
        if not standalone_mode:
            return code
        sys.exit(code)


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="mbc",
        cls=_Mbc,
        help=(
            "Which sites of metastatic (stage IV) breast cancer typed symptoms are associated "
            "with. Informational only: never a diagnosis.\n\n"
            'Start with: mbc symptoms "headache, dizziness"\n\n' + EXIT_CODES_HELP
        ),
        rich_markup_mode=None,  # help text is plain: nothing in it is ever read as markup
        pretty_exceptions_enable=False,
        pretty_exceptions_show_locals=False,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


app = _new_app()


def fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """One clear line on stderr, then exit. Control characters in the message (a file name,
    typed text) are shown escaped, and bytes that are not UTF-8 as \\x escapes."""
    from .text import printable, visible

    say(f"mbc: error: {visible(printable(message))}")
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        writer.emit(f"mbc {__version__}\n{_table_version()}\n")
        raise typer.Exit(EXIT_MATCHED)


def _table_version() -> str:
    """The knowledge table in use (MBC_DATA, else the shipped one) and its version."""
    from .api import load_matcher
    from .table_file import KnowledgeError, display_name

    data = os.environ.get("MBC_DATA") or None
    try:
        knowledge = load_matcher(data, cache_dir=user_cache_dir()).knowledge
    except (KnowledgeError, OSError) as error:
        return f"knowledge table: cannot be read ({error})"
    where = f" ({display_name(Path(data))})" if data else ""
    return f"knowledge table {knowledge.knowledge_version}{where}"


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Show the tool and knowledge table versions and exit.",
        ),
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
        readable=False,  # an unreadable file is reported by mbc, in its own words
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print JSON (schema version 1) and nothing else: --format json.")
]
FORMATS = ("table", "plain", "markdown", "html", "json")


def _choice(allowed: tuple[str, ...]) -> Any:
    def check(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        callback=_choice(FORMATS),
        metavar="[table|plain|markdown|html|json]",
        help="Output format. Default: table at a terminal, plain when piped or redirected.",
        show_default=False,
    ),
]
ColorOption = Annotated[
    str | None,
    typer.Option(
        "--color",
        callback=_choice(("auto", "always", "never")),
        metavar="[auto|always|never]",
        help="Colour the table: auto (default) colours at a terminal unless NO_COLOR, CLICOLOR=0 or "
        "TERM=dumb; CLICOLOR_FORCE=1 or FORCE_COLOR=1 force it.",
        show_default=False,
    ),
]
SeedOnlyOption = Annotated[
    bool,
    typer.Option(
        "--seed-only",
        help="Use only the source article's own rows: no rows, links or patterns from other sources.",
    ),
]


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):  # nan passes the 0-100 range check
        raise typer.BadParameter(f"{value} is not a number from 0 to 100")
    return value


ThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--threshold",
        callback=_finite,
        min=0.0,
        max=100.0,
        help="Fuzzy-match cutoff, 0-100: higher is stricter. Default 75.",
        show_default=False,
    ),
]


def user_cache_dir() -> Path | None:
    """Where the CLI keeps compiled tables: MBC_CACHE_DIR (empty: none), else the user cache
    folder of the platform (platformdirs; on Linux the same XDG rule without importing it)."""
    configured = os.environ.get("MBC_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # unset, or relative (which the XDG spec says to ignore)
            home = os.path.expanduser("~")
            if not os.path.isabs(home):  # no HOME and no home directory: no cache, no "./~"
                return None
            base = os.path.join(home, ".cache")
        return Path(base) / "mbc-lookup"
    import platformdirs

    return Path(platformdirs.user_cache_dir("mbc-lookup", appauthor=False))


def _matcher(data: Path | None, threshold: float | None = None, seed_only: bool = False) -> "Matcher":
    """The table to use, checked and indexed (from the compiled-table cache when possible)."""
    from .api import load_matcher
    from .table_file import KnowledgeError

    try:
        return load_matcher(data, threshold, seed_only=seed_only, cache_dir=user_cache_dir())
    except KnowledgeError as error:
        more = len(error.problems) - 1
        suffix = f" (and {more} more problems; run 'mbc validate' to see them all)" if more > 0 else ""
        fail(f"{error.problems[0]}{suffix}")


def _load(data: Path | None, seed_only: bool = False) -> "Knowledge":
    return _matcher(data, seed_only=seed_only).knowledge


def _complete_site(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion for site names: the ids of the table in use."""
    from .api import load_matcher
    from .table_file import KnowledgeError

    try:
        data = ctx.params.get("data") or os.environ.get("MBC_DATA") or None
        knowledge = load_matcher(data, cache_dir=user_cache_dir()).knowledge
    except (KnowledgeError, OSError):
        return []  # nothing to offer; the command itself will report the problem
    return [site.id for site in knowledge.sites if site.id.startswith(incomplete.casefold())]


@app.command(epilog=EXIT_CODES_HELP)
def symptoms(
    text: Annotated[
        list[str] | None,
        typer.Argument(
            help='Symptoms as a comma list ("headache, dizziness") or in your own words '
            '("my head has hurt for a week and I keep being sick"). Several words are joined into '
            'one text, so quotes are optional. With none (or "-"), standard input is read.',
            show_default=False,
        ),
    ] = None,
    output_format: FormatOption = None,
    json_output: JsonOption = False,
    color: ColorOption = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain", help="Also show how each item was read: normalised text, phrase, method, score."
        ),
    ] = False,
    threshold: ThresholdOption = None,
    seed_only: SeedOnlyOption = False,
    data: DataOption = None,
) -> None:
    """Show which sites the given symptoms are associated with, and why.

    \b
    Examples:
      mbc symptoms headache, dizziness
      mbc symptoms "yellow skin; itching" --json | jq '.sites[0].site'
      mbc symptoms "coughing up blood" --format markdown > message.md
      echo "cough, wheezing" | mbc symptoms
    """
    from .api import lookup_text
    from .text import split_parts, without_surrogates

    words = text or []
    if words in ([], ["-"]):
        words = [_read_stdin(explicit=words == ["-"])]
    joined = without_surrogates(" ".join(words))
    if not split_parts(joined):
        fail(
            'nothing to look up: give symptoms separated by commas, e.g. "headache, dizziness" '
            "(see 'mbc symptoms --help')"
        )
    matcher = _matcher(data, threshold, seed_only)
    result = lookup_text(joined, matcher)
    from .render_json import result_to_dict

    fmt = writer.pick_format(output_format, json_output)
    sources = None
    if fmt in ("markdown", "html"):
        from .views.document import source_map

        sources = source_map(matcher.knowledge)
    writer.show(result_to_dict(result, matcher.knowledge), fmt, color, explain=explain, sources=sources)
    raise typer.Exit(EXIT_MATCHED if result.sites else EXIT_NO_MATCH)


@app.command(epilog=EXIT_CODES_HELP)
def batch(
    file: Annotated[
        str,
        typer.Argument(
            help='A file with one symptom list per line; "-" (the default) reads standard input.',
            show_default=False,
        ),
    ] = "-",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the results to this file instead of standard output."),
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="At the end, print line counts per site on standard error.")
    ] = False,
    input_format: Annotated[
        str,
        typer.Option(
            "--input-format",
            callback=_choice(("lines", "csv", "tsv", "jsonl")),
            metavar="[lines|csv|tsv|jsonl]",
            help="lines: one symptom list per line. csv/tsv: a header, then one record per row. "
            "jsonl: one JSON object per line.",
        ),
    ] = "lines",
    text_column: Annotated[
        str | None,
        typer.Option(
            "--text-column",
            help="csv/tsv/jsonl: the column (header name or number from 1) or key holding the text. "
            'Default: "text".',
            show_default=False,
        ),
    ] = None,
    id_column: Annotated[
        str | None,
        typer.Option(
            "--id-column",
            help="csv/tsv/jsonl: the column or key holding each record's id; it is carried into every "
            "output row.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            callback=_choice(("ndjson", "csv", "tsv")),
            metavar="[ndjson|csv|tsv]",
            help="ndjson: one lookup document per line. csv/tsv: one row per input line: id, line, "
            "top site, all sites, triage level (or urgent flag), matched symptom ids.",
        ),
    ] = "ndjson",
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes; default: all cores (one for a file under 256 kB). 1 runs in "
            "this process alone. The output is the same whatever the number.",
            show_default=False,
        ),
    ] = None,
    threshold: ThresholdOption = None,
    seed_only: SeedOnlyOption = False,
    data: DataOption = None,
) -> None:
    """Look up many symptom lists: one list per input line (or CSV/TSV/JSON Lines record), one
    result per output line.

    Each NDJSON output line is the same object as 'mbc symptoms --json' prints, plus "line"
    (the input line number) and "id" when --id-column is given, in input order. Blank lines
    are skipped; a line that is not UTF-8 is reported on standard error with its number, and
    the rest goes on. Memory stays flat whatever the input size. A progress bar is shown on
    standard error only when it is a terminal and the input is a file. Exit 0 when any line
    matched a site, 1 when none did.

    \b
    Examples:
      mbc batch lists.txt > results.ndjson
      cat lists.txt | mbc batch - | jq -r '.sites[0].site // "none"'
      mbc batch lists.txt --output results.ndjson --summary
      mbc batch notes.csv --input-format csv --id-column patient --text-column note --format csv
      mbc batch lists.txt --jobs 4 > results.ndjson
    """
    matcher = _matcher(data, threshold, seed_only)
    gc.enable()  # `__main__` turned it off for start-up; a long run makes garbage (and workers fork)
    knowledge = matcher.knowledge
    source = _open_input(file)
    if output is not None and _same_file(source, output):
        name = "standard input" if file == "-" else file
        fail(f"{output}: is the input file ({name}); writing to it would destroy it")
    sink = _open_output(output)
    show_progress = file != "-" and sys.stderr.isatty()
    from .batch_input import InputFormatError
    from .batch_parallel import WorkerFailed, start

    run, read = start(
        matcher, source, sink, flush_each_line=not _is_regular_file(source), fmt=output_format,
        input_format=input_format, text_column=text_column, id_column=id_column,
        jobs=jobs, data=data, threshold=threshold, seed_only=seed_only, cache_dir=user_cache_dir(),
    )  # fmt: skip
    with writer.held_interrupts() as hold:
        try:
            if show_progress:
                with _progress() as progress:
                    task = progress.add_task("mbc batch", total=os.fstat(source.fileno()).st_size)
                    run.process(read, hold, lambda done: progress.update(task, completed=done))
            else:
                run.process(read, hold)
        except InputFormatError as error:
            with hold():
                run.flush()
            fail(f"{'standard input' if file == '-' else file}: {error}")
        except OSError as error:  # writes fail as OutputError: this is the input
            fail(f"{'standard input' if file == '-' else file}: cannot read: {error.strerror or error}")
        except WorkerFailed as error:
            fail(str(error))
        except (KeyboardInterrupt, Interrupted) as stop:
            with hold():
                run.flush()
            say("mbc: interrupted; the lines written so far are complete")
            code = stop.exit_code if isinstance(stop, Interrupted) else EXIT_INTERRUPTED
            raise typer.Exit(code) from None
    if summary:
        sys.stderr.write(run.summary_text(knowledge))
    raise typer.Exit(EXIT_MATCHED if run.matched_lines else EXIT_NO_MATCH)


@app.command(epilog=EXIT_CODES_HELP)
def sites(
    output_format: FormatOption = None,
    json_output: JsonOption = False,
    color: ColorOption = None,
    seed_only: SeedOnlyOption = False,
    data: DataOption = None,
) -> None:
    """List the sites, how many symptoms each has, and the tests used to look for spread there.

    \b
    Examples:
      mbc sites
      mbc sites --json | jq -r '.sites[].site'
    """
    from .render_json import sites_to_dict

    document = sites_to_dict(_load(data, seed_only))
    writer.show(document, writer.pick_format(output_format, json_output), color)


@app.command(epilog=EXIT_CODES_HELP)
def site(
    name: Annotated[
        str,
        typer.Argument(
            help='A site: its id or name in any case ("lymph nodes", "lymph-nodes", "bones"); '
            "small typos are forgiven.",
            autocompletion=_complete_site,
            show_default=False,
        ),
    ],
    all_phrases: Annotated[bool, typer.Option("--all", help="Also list every known phrase.")] = False,
    output_format: FormatOption = None,
    json_output: JsonOption = False,
    color: ColorOption = None,
    seed_only: SeedOnlyOption = False,
    data: DataOption = None,
) -> None:
    """Show one site: every symptom with its codes, urgent flag and source, its tests, its sources.

    \b
    Examples:
      mbc site brain
      mbc site "lymph nodes" --all
      mbc site bone > bone.txt
      mbc site bones --json | jq '.symptoms[] | select(.urgent)'
    """
    from .api import UnknownSiteError, find_site
    from .render_json import site_to_dict

    knowledge = _load(data, seed_only)
    try:
        found = find_site(knowledge, name)
    except UnknownSiteError as error:
        fail(str(error))
    document = site_to_dict(knowledge, found, phrases=all_phrases)
    writer.show(document, writer.pick_format(output_format, json_output), color)


@app.command(epilog=EXIT_CODES_HELP)
def treatments(
    output_format: FormatOption = None,
    json_output: JsonOption = False,
    color: ColorOption = None,
    seed_only: SeedOnlyOption = False,
    data: DataOption = None,
) -> None:
    """Show the overview of treatments for metastatic breast cancer from the source article.

    \b
    Examples:
      mbc treatments
      mbc treatments --json | jq -r '.treatments[].name'
    """
    from .render_json import treatments_to_dict

    document = treatments_to_dict(_load(data, seed_only))
    writer.show(document, writer.pick_format(output_format, json_output), color)


@app.command(epilog="Exit codes: 0 the table is valid, 2 it has problems or cannot be read.")
def validate(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="The knowledge table to check. Default: --data / MBC_DATA, else the shipped table.",
            show_default=False,
            readable=False,  # an unreadable file is reported by mbc, in its own words
        ),
    ] = None,
    output_format: FormatOption = None,
    json_output: JsonOption = False,
    color: ColorOption = None,
    data: DataOption = None,
) -> None:
    """Check a knowledge table and report every problem, each with file, line and message.

    \b
    Examples:
      mbc validate my-table.yaml
      MBC_DATA=my-table.yaml mbc validate --json | jq '.problems[].message'
    """
    from .knowledge import KnowledgeError, Problem, default_path, load_knowledge
    from .table_file import display_name

    target = path or data or default_path()
    knowledge: Knowledge | None = None
    problems: list[Problem] = []
    sha256: str | None = None
    try:
        knowledge = load_knowledge(target)
        sha256 = knowledge.sha256
    except KnowledgeError as error:
        problems, sha256 = error.problems, error.sha256
    from .render_json import validation_to_dict

    document = validation_to_dict(display_name(target), knowledge, problems, sha256)
    writer.show(document, writer.pick_format(output_format, json_output), color)
    raise typer.Exit(EXIT_MATCHED if knowledge is not None else EXIT_ERROR)


@app.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) that every JSON output of mbc follows.

    \b
    Examples:
      mbc schema > mbc-schema.json
      mbc symptoms headache --json | check-jsonschema --schemafile mbc-schema.json -
    """
    from importlib import resources

    writer.emit(resources.files("mbc_lookup").joinpath("schema.json").read_text(encoding="utf-8"))


@app.command("help")
def help_command(
    ctx: typer.Context,
    command: Annotated[
        str | None, typer.Argument(help="The command to explain; none: the whole tool.", show_default=False)
    ] = None,
) -> None:
    """Show the help of mbc or of one command: 'mbc help symptoms' is 'mbc symptoms --help'.

    \b
    Examples:
      mbc help
      mbc help batch
    """
    from .reference import help_text

    try:
        writer.emit(help_text(ctx.find_root(), command))
    except LookupError as error:
        fail(str(error))


def _read_stdin(explicit: bool) -> str:
    """Standard input as text; a line that is not UTF-8 is reported and left out. At a
    terminal, `-` says how to finish; without `-` a terminal is never waited on."""
    from .batch import read_batch

    if sys.stdin is None or sys.stdin.isatty():
        if not explicit:
            fail("nothing to look up: give symptoms, e.g. mbc symptoms headache, dizziness (see --help)")
        say("mbc: type the symptoms, then Ctrl-D on a new line to look them up (Windows: Ctrl-Z, Enter)")

    texts = []
    try:
        for line in read_batch(sys.stdin.buffer, max_line_bytes=STDIN_MAX_LINE_BYTES):
            if line.text is None:
                say(f"mbc: warning: standard input line {line.line}: {line.problem}; skipped")
            else:
                texts.append(line.text)
    except OSError as error:
        fail(f"standard input: cannot read: {error.strerror or error}")
    return "\n".join(texts)


STDIN_MAX_LINE_BYTES = 64_000_000  # `symptoms -` answers one long line of many items too


def _open_input(file: str) -> BinaryIO:
    if file == "-":
        return sys.stdin.buffer
    try:
        if Path(file).is_dir():
            fail(f"{file}: is a directory, not a file of symptom lists")
        return open(file, "rb")  # closed when the process ends
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except OSError as error:
        fail(f"{file}: cannot read: {error.strerror or error}")


def _same_file(source: BinaryIO, output: Path) -> bool:
    """Whether `output` is the very file being read (named or as standard input): opening it
    for writing would empty it before it is read."""
    try:
        read, written = os.fstat(source.fileno()), os.stat(output)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(read.st_mode) and os.path.samestat(read, written)


def _open_output(output: Path | None) -> BinaryIO:
    if output is None:
        return sys.stdout.buffer
    try:
        return open(output, "wb")  # closed when the process ends
    except OSError as error:
        fail(f"{output}: cannot write: {error.strerror or error}")


def _is_regular_file(stream: BinaryIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError):
        return False


def _progress() -> "Progress":
    """A bar on standard error; it disappears when the run ends."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

    console = Console(stderr=True, markup=False, emoji=False, highlight=False)
    return Progress(BarColumn(), TaskProgressColumn(), TimeRemainingColumn(), console=console, transient=True)


def _app_for(args: list[str]) -> typer.Typer:
    """The app to run for these arguments. Typer builds every command's parser before it runs
    one; when the arguments name a command, a copy of the app holding just that command does
    the same work in a third of the time (start-up is most of a lookup's cost). Help for the
    whole tool and shell completion always get the full app."""
    name = args[0] if args else ""
    if os.environ.get("_MBC_COMPLETE") or name == "help":
        return app
    commands = [info for info in app.registered_commands if info.callback and info.callback.__name__ == name]
    if len(commands) != 1:
        return app
    slim = _new_app()
    slim.registered_callback = app.registered_callback
    slim.registered_commands = commands
    return slim


def main() -> None:
    """Run `mbc` in this process: make its streams and signals safe, then run the app, whose
    group (`_Mbc`) maps every ending to an exit code and exits with it. Once it has, later
    signals are ignored: the answer is written and its exit code decided."""
    from .process import ignore_signals, prepare

    try:
        prepare()
        _app_for(sys.argv[1:])()
    except Interrupted as stop:  # a signal before (or after) the group's own handling
        say(stop.message)
        raise SystemExit(stop.exit_code) from None
    except KeyboardInterrupt:  # Ctrl-C before `prepare` installed the handlers
        say("mbc: interrupted")
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        ignore_signals()
