"""The `mbc` command line: a thin typer shell over `mbc_lookup.api` and the renderers.

Exit codes (the same for every command):
  0  success: at least one site matched (symptoms, batch); the table is valid (validate)
  1  the command ran, but nothing matched
  2  usage error, the knowledge table could not be read or is invalid, or the output could
     not be written
 70  internal error: a bug (MBC_DEBUG=1 shows the traceback)
129  hangup (SIGHUP); 130 interrupted (Ctrl-C); 143 terminated (SIGTERM)
141  the reader of the output went away (`mbc ... | head`), as for any program ended by SIGPIPE

Every way a run can end is turned into its exit code in one place, `_Mbc.main`.
"""

# No `from __future__ import annotations` here: typer would then re-evaluate every parameter's
# annotation from its string at start-up, which costs more than the rest of a lookup.
import math
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, NoReturn

import typer
from typer.core import TyperGroup

from . import __version__
from .exit_codes import ERROR as EXIT_ERROR
from .exit_codes import INTERNAL as EXIT_INTERNAL
from .exit_codes import INTERRUPTED as EXIT_INTERRUPTED
from .exit_codes import MATCHED as EXIT_MATCHED
from .exit_codes import NO_MATCH as EXIT_NO_MATCH
from .exit_codes import PIPE_CLOSED as EXIT_PIPE_CLOSED
from .process import SIGNALS, Interrupted, OutputError, say, silence_stdout, write_output

if TYPE_CHECKING:
    from rich.progress import Progress

    from .matching import Matcher
    from .model import Knowledge

EXIT_CODES_HELP = (
    "Exit codes: 0 a site matched (validate: the table is valid), 1 nothing matched, "
    "2 usage, data or output error, 70 internal error, 130 interrupted (129 SIGHUP, 143 SIGTERM), "
    "141 output pipe closed."
)
DEBUG_VARIABLE = "MBC_DEBUG"  # set to 1: an internal error also prints its traceback


class _Mbc(TyperGroup):
    """The `mbc` command group. Typer runs it in non-standalone mode, so every way a run can
    end reaches `main` here, the one place that turns it into an exit code and at most one
    line on standard error. In-process tests (typer's CliRunner) go through it too."""

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

        code = _exit_code(run)
        if not standalone_mode:
            return code
        sys.exit(code)


def _exit_code(run: Callable[[], Any]) -> int:
    """Run; map how it ended to an exit code, writing at most one line on standard error."""
    try:
        code = run()
        if sys.stdout is not None:
            sys.stdout.flush()  # output still buffered must be written before "success"
        return code if isinstance(code, int) else EXIT_MATCHED
    except typer.TyperException as error:  # a usage error found by typer's parser
        say(_usage_line(error))
        return EXIT_ERROR
    except OutputError as error:
        silence_stdout()
        if error.pipe_closed:
            return EXIT_PIPE_CLOSED  # quietly, as for any program the closed pipe stops
        say(f"mbc: error: cannot write the output: {error}")
        return EXIT_ERROR
    except BrokenPipeError:  # in-process runs, whose stdout is not wrapped
        silence_stdout()
        return EXIT_PIPE_CLOSED
    except Interrupted as interrupted:
        say(interrupted.message)
        return interrupted.exit_code
    except (KeyboardInterrupt, typer.Abort):
        say("mbc: interrupted")
        return EXIT_INTERRUPTED
    except SystemExit as done:  # shell completion, rich's closed-pipe handler
        return (
            done.code if isinstance(done.code, int) else (EXIT_MATCHED if done.code is None else EXIT_ERROR)
        )
    except Exception as error:
        _internal_error(error)
        return EXIT_INTERNAL


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
        _write(f"mbc {__version__}\n")
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
        readable=False,  # an unreadable file is reported by mbc, in its own words
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (schema version 1) and nothing else.")]
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


def _matcher(data: Path | None, threshold: float | None = None, seed_only: bool = False) -> "Matcher":
    """The table to use, checked and indexed (from the compiled-table cache when possible)."""
    from .api import load_matcher
    from .table_file import KnowledgeError

    try:
        return load_matcher(data, threshold, seed_only=seed_only)
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
        knowledge = load_matcher(ctx.params.get("data") or os.environ.get("MBC_DATA") or None).knowledge
    except (KnowledgeError, OSError):
        return []  # nothing to offer; the command itself will report the problem
    return [site.id for site in knowledge.sites if site.id.startswith(incomplete.casefold())]


@app.command(epilog=EXIT_CODES_HELP)
def symptoms(
    text: Annotated[
        str,
        typer.Argument(
            help='Symptoms as a comma list ("headache, dizziness") or in your own words '
            '("my head has hurt for a week and I keep being sick"). '
            'Use "-" to read them from standard input.',
            show_default=False,
        ),
    ],
    json_output: JsonOption = False,
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
      mbc symptoms "headache, dizziness"
      mbc symptoms "yellow skin; itching" --json | jq '.sites[0].site'
      echo "cough, wheezing" | mbc symptoms -
    """
    from .api import lookup_text
    from .text import split_parts, without_surrogates

    if text == "-":
        text = _read_stdin()
    text = without_surrogates(text)
    if not split_parts(text):
        fail('nothing to look up: give symptoms separated by commas, e.g. "headache, dizziness"')
    matcher = _matcher(data, threshold, seed_only)
    knowledge = matcher.knowledge
    result = lookup_text(text, matcher)
    if json_output:
        from .render_json import dumps, result_to_dict

        _write(dumps(result_to_dict(result, knowledge)) + "\n")
    else:
        from .render_table import make_console, render

        render(result, knowledge, make_console(sys.stdout), explain=explain)
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
    threshold: ThresholdOption = None,
    seed_only: SeedOnlyOption = False,
    data: DataOption = None,
) -> None:
    """Look up many symptom lists: one list per input line, one JSON result per output line.

    Each output line is the same object as 'mbc symptoms --json' prints, plus "line" (the
    input line number), in input order (NDJSON). Blank lines are skipped; a line that is not
    UTF-8 is reported on standard error with its number, and the rest goes on. Memory stays
    flat whatever the input size. A progress bar is shown on standard error only when it is
    a terminal and the input is a file. Exit 0 when any line matched a site, 1 when none did.

    \b
    Examples:
      mbc batch lists.txt > results.ndjson
      cat lists.txt | mbc batch - | jq -r '.sites[0].site // "none"'
      mbc batch lists.txt --output results.ndjson --summary
    """
    matcher = _matcher(data, threshold, seed_only)
    knowledge = matcher.knowledge
    source = _open_input(file)
    if output is not None and _same_file(source, output):
        name = "standard input" if file == "-" else file
        fail(f"{output}: is the input file ({name}); writing to it would destroy it")
    sink = _open_output(output)
    show_progress = file != "-" and sys.stderr.isatty()
    from .batch_run import BatchRun

    run = BatchRun(matcher, sink, flush_each_line=not _is_regular_file(source))
    with _interrupts_held_while_writing() as hold:
        try:
            if show_progress:
                with _progress() as progress:
                    task = progress.add_task("mbc batch", total=os.fstat(source.fileno()).st_size)
                    run.process(source, hold, lambda done: progress.update(task, completed=done))
            else:
                run.process(source, hold)
        except OSError as error:  # writes fail as OutputError: this is the input
            fail(f"{'standard input' if file == '-' else file}: cannot read: {error.strerror or error}")
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
    json_output: JsonOption = False, seed_only: SeedOnlyOption = False, data: DataOption = None
) -> None:
    """List the sites, how many symptoms each has, and the tests used to look for spread there.

    \b
    Examples:
      mbc sites
      mbc sites --json | jq -r '.sites[].site'
    """
    knowledge = _load(data, seed_only)
    if json_output:
        from .render_json import dumps, sites_to_dict

        _write(dumps(sites_to_dict(knowledge)) + "\n")
    else:
        from .render_browse import render_sites
        from .render_table import make_console

        render_sites(knowledge, make_console(sys.stdout))


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
    json_output: JsonOption = False,
    seed_only: SeedOnlyOption = False,
    data: DataOption = None,
) -> None:
    """Show one site: every symptom with its codes, urgent flag and source, its tests, its sources.

    \b
    Examples:
      mbc site brain
      mbc site "lymph nodes" --all
      mbc site bones --json | jq '.symptoms[] | select(.urgent)'
    """
    from .api import UnknownSiteError, find_site

    knowledge = _load(data, seed_only)
    try:
        found = find_site(knowledge, name)
    except UnknownSiteError as error:
        fail(str(error))
    if json_output:
        from .render_json import dumps, site_to_dict

        _write(dumps(site_to_dict(knowledge, found, phrases=all_phrases)) + "\n")
    else:
        from .render_browse import render_site
        from .render_table import make_console

        render_site(knowledge, found, make_console(sys.stdout), phrases=all_phrases)


@app.command(epilog=EXIT_CODES_HELP)
def treatments(
    json_output: JsonOption = False, seed_only: SeedOnlyOption = False, data: DataOption = None
) -> None:
    """Show the overview of treatments for metastatic breast cancer from the source article.

    \b
    Examples:
      mbc treatments
      mbc treatments --json | jq -r '.treatments[].name'
    """
    knowledge = _load(data, seed_only)
    if json_output:
        from .render_json import dumps, treatments_to_dict

        _write(dumps(treatments_to_dict(knowledge)) + "\n")
    else:
        from .render_browse import render_treatments
        from .render_table import make_console

        render_treatments(knowledge, make_console(sys.stdout))


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
    json_output: JsonOption = False,
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
    if json_output:
        from .render_json import dumps, validation_to_dict

        _write(dumps(validation_to_dict(display_name(target), knowledge, problems, sha256)) + "\n")
    else:
        from .text import visible

        lines = [visible(str(problem)) for problem in problems]
        if knowledge is not None:
            counts = f"{len(knowledge.sites)} sites, {len(knowledge.symptoms)} symptoms"
            lines.append(f"{display_name(target)}: valid ({counts}, version {knowledge.knowledge_version})")
        else:
            count = len(problems)
            lines.append(f"{display_name(target)}: {count} problem{'s' if count != 1 else ''} found")
        _write("\n".join(lines) + "\n")
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

    _write(resources.files("mbc_lookup").joinpath("schema.json").read_text(encoding="utf-8"))


def _read_stdin() -> str:
    """Standard input as text; a line that is not UTF-8 is reported and left out."""
    from .batch import read_batch

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


@contextmanager
def _interrupts_held_while_writing() -> Iterator[Callable[[], AbstractContextManager[None]]]:
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


def _write(text: str) -> None:
    """Machine output: always UTF-8, whatever the locale."""
    stream = getattr(sys.stdout, "buffer", None)
    if stream is not None:
        write_output(stream, text.encode("utf-8"))
    else:
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except OSError as error:
            raise OutputError(error) from None


def _app_for(args: list[str]) -> typer.Typer:
    """The app to run for these arguments. Typer builds every command's parser before it runs
    one; when the arguments name a command, a copy of the app holding just that command does
    the same work in a third of the time (start-up is most of a lookup's cost). Help for the
    whole tool and shell completion always get the full app."""
    name = args[0] if args else ""
    if os.environ.get("_MBC_COMPLETE"):
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
    group (`_Mbc`) maps every ending to an exit code and exits with it."""
    from .process import prepare

    prepare()
    _app_for(sys.argv[1:])()
