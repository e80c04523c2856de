"""The `mbc` command line: a thin typer shell over `mbc_lookup.api` and the renderers.

Exit codes (the same for every command):
  0  success: at least one site matched (symptoms, batch); the table is valid (validate)
  1  the command ran, but nothing matched
  2  usage error, the knowledge table could not be read or is invalid, or the output could
     not be written
130  interrupted (Ctrl-C)
141  the reader of the output went away (`mbc ... | head`), as for any program ended by SIGPIPE
"""

# No `from __future__ import annotations` here: typer would then re-evaluate every parameter's
# annotation from its string at start-up, which costs more than the rest of a lookup.
import os
import signal
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated, BinaryIO, NoReturn

import typer

from . import __version__
from .exit_codes import ERROR as EXIT_ERROR
from .exit_codes import INTERRUPTED as EXIT_INTERRUPTED
from .exit_codes import MATCHED as EXIT_MATCHED
from .exit_codes import NO_MATCH as EXIT_NO_MATCH
from .exit_codes import PIPE_CLOSED as EXIT_PIPE_CLOSED

if TYPE_CHECKING:
    from rich.progress import Progress

    from .matching import Matcher
    from .model import Knowledge

EXIT_CODES_HELP = (
    "Exit codes: 0 a site matched (validate: the table is valid), 1 nothing matched, "
    "2 usage, data or output error, 130 interrupted, 141 output pipe closed."
)


def _new_app() -> typer.Typer:
    return typer.Typer(
        name="mbc",
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
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (schema version 1) and nothing else.")]
SeedOnlyOption = Annotated[
    bool,
    typer.Option(
        "--seed-only",
        help="Use only the source article's own rows: no rows, links or patterns from other sources.",
    ),
]
ThresholdOption = Annotated[
    float | None,
    typer.Option(
        "--threshold",
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
    except KnowledgeError:
        return []  # nothing to offer; the command itself will report the problem
    return [site.id for site in knowledge.sites if site.id.startswith(incomplete.casefold())]


@app.command(epilog=EXIT_CODES_HELP)
def symptoms(
    text: Annotated[
        str,
        typer.Argument(
            help='Symptoms separated by commas, semicolons or newlines, e.g. "headache, dizziness". '
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
    from .api import lookup_items
    from .text import split_items

    if text == "-":
        text = _read_stdin()
    items = split_items(text)
    if not items:
        fail('nothing to look up: give symptoms separated by commas, e.g. "headache, dizziness"')
    matcher = _matcher(data, threshold, seed_only)
    knowledge = matcher.knowledge
    result = lookup_items(items, matcher)
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
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes; default: all cores. 1 runs in this process alone. "
            "The output is the same whatever the number.",
            show_default=False,
        ),
    ] = None,
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
      mbc batch lists.txt --jobs 4 > results.ndjson
    """
    matcher = _matcher(data, threshold, seed_only)
    knowledge = matcher.knowledge
    source = _open_input(file)
    if output is not None and file != "-" and output.exists() and os.path.samefile(file, output):
        fail(f"{output}: is the input file; writing to it would destroy it")
    sink = _open_output(output)
    show_progress = file != "-" and sys.stderr.isatty()
    from .batch_parallel import batch_run

    run = batch_run(
        matcher, sink, not _is_regular_file(source),
        jobs=jobs, data=data, threshold=threshold, seed_only=seed_only,
    )  # fmt: skip
    with _interrupts_held_while_writing() as hold:
        try:
            if show_progress:
                with _progress() as progress:
                    task = progress.add_task("mbc batch", total=os.fstat(source.fileno()).st_size)
                    run.process(source, hold, lambda done: progress.update(task, completed=done))
            else:
                run.process(source, hold)
        except BrokenPipeError:
            _pipe_closed()
        except KeyboardInterrupt:
            with hold():
                run.flush()
            sys.stderr.write("mbc: interrupted; the lines written so far are complete\n")
            raise typer.Exit(EXIT_INTERRUPTED) from None
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

        _write(dumps(validation_to_dict(str(target), knowledge, problems, sha256)) + "\n")
    else:
        from .text import visible

        lines = [visible(str(problem)) for problem in problems]
        if knowledge is not None:
            counts = f"{len(knowledge.sites)} sites, {len(knowledge.symptoms)} symptoms"
            lines.append(f"{visible(str(target))}: valid ({counts}, version {knowledge.knowledge_version})")
        else:
            count = len(problems)
            lines.append(f"{visible(str(target))}: {count} problem{'s' if count != 1 else ''} found")
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
    for line in read_batch(sys.stdin.buffer):
        if line.text is None:
            sys.stderr.write(f"mbc: warning: standard input line {line.line}: {line.problem}; skipped\n")
        else:
            texts.append(line.text)
    return "\n".join(texts)


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


def _pipe_closed() -> NoReturn:
    """The reader went away ("mbc batch big.txt | head"): end quietly."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(EXIT_PIPE_CLOSED)


@contextmanager
def _interrupts_held_while_writing() -> Iterator[Callable[[], AbstractContextManager[None]]]:
    """Ctrl-C while output is being written waits until the write is done, so the output never
    ends in half a line; at any other moment it interrupts at once."""
    state = {"holding": False, "pending": False}

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if state["holding"]:
            state["pending"] = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def hold() -> Iterator[None]:
        state["holding"] = True
        try:
            yield
        finally:
            state["holding"] = False
        if state["pending"]:
            state["pending"] = False
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield hold
    finally:
        signal.signal(signal.SIGINT, previous)


def _write(text: str) -> None:
    """Machine output: always UTF-8, whatever the locale."""
    stream = getattr(sys.stdout, "buffer", None)
    try:
        if stream is not None:
            stream.write(text.encode("utf-8"))
            stream.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        _pipe_closed()


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
    """Console-script entry point."""
    try:
        _app_for(sys.argv[1:])()
    except KeyboardInterrupt:  # during start-up, before typer's own handler is in place
        sys.stderr.write("mbc: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except OSError as error:  # stdout that cannot be written, e.g. "> /dev/full"
        # Point stdout at devnull so the interpreter's final flush cannot fail a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.stderr.write(f"mbc: error: cannot write the output: {error.strerror or error}\n")
        sys.exit(EXIT_ERROR)
