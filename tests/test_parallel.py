"""`mbc batch --jobs N`: the same bytes, warnings and summary as one process, in input order.

In-process here (the parent and its worker processes); the real `mbc` process (Ctrl-C, a
closed pipe, a paused pipe) is in `test_installed.py`."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import BinaryIO

import pytest
from typer.testing import Result

from helpers import parse_ndjson
from mbc_lookup.api import load_matcher
from mbc_lookup.batch_input import records
from mbc_lookup.batch_parallel import SMALL_INPUT_BYTES, ParallelBatchRun, WorkerFailed, WorkerSpec, start
from mbc_lookup.batch_run import BatchRun
from mbc_lookup.matching import Matcher
from mbc_lookup.stream_input import StreamInput

Mbc = Callable[..., Result]

PHRASES = [
    "headache", "dizziness", "yellow eyes", "itching", "cough", "coughing up blood", "bone pain",
    "no fever", "weezing", "toothache", "xyzzy", "short of breath", "swollen lymph nodes", "nausea",
]  # fmt: skip


def generated_lines(count: int, seed: int = 3) -> bytes:
    """Lists of known and unknown phrases, many repeated, with blank and undecodable lines
    scattered through, as real bulk input has."""
    rng = random.Random(seed)
    common = [", ".join(rng.sample(PHRASES, rng.randint(1, 4))) for _ in range(40)]
    out = bytearray()
    for number in range(count):
        roll = rng.random()
        if roll < 0.02:
            out += b"\xff\xfe not utf-8 " + str(number).encode() + b"\n"
        elif roll < 0.04:
            out += b"   \n"
        elif roll < 0.5:
            out += rng.choice(common).encode() + b"\n"
        else:
            out += (", ".join(rng.sample(PHRASES, rng.randint(1, 5))) + f", item {number}\n").encode()
    return bytes(out)


@contextmanager
def no_hold() -> Iterator[None]:
    yield


def run_once(
    run: BatchRun, data: bytes, capsys: pytest.CaptureFixture[str], *shape: str | None
) -> tuple[bytes, str, str]:
    assert isinstance(run.sink, io.BytesIO)
    run.process(records(io.BytesIO(data), *shape), no_hold)  # type: ignore[arg-type]
    stderr = capsys.readouterr().err
    return run.sink.getvalue(), stderr, run.summary_text(run.knowledge)


def parallel(
    matcher: Matcher, chunk_lines: int, start_method: str | None = None, fmt: str = "ndjson"
) -> ParallelBatchRun:
    spec = WorkerSpec(None, None, False, matcher.knowledge.sha256, fmt)
    return ParallelBatchRun(
        matcher, io.BytesIO(), False, jobs=2, spec=spec, chunk_lines=chunk_lines, start_method=start_method
    )


@pytest.fixture(scope="module")
def cached_matcher() -> Matcher:
    return load_matcher()


@pytest.mark.parametrize("chunk_lines", [1, 7, 256])
def test_parallel_run_writes_the_same_bytes_warnings_and_summary(
    cached_matcher: Matcher, capsys: pytest.CaptureFixture[str], chunk_lines: int
) -> None:
    data = generated_lines(3000)
    one = run_once(BatchRun(cached_matcher, io.BytesIO(), False), data, capsys)
    many = run_once(parallel(cached_matcher, chunk_lines), data, capsys)
    assert many == one
    assert one[1].count("not valid UTF-8") > 20  # the warnings were really exercised


def test_parallel_run_works_with_spawned_workers(
    cached_matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    data = generated_lines(600, seed=5)
    one = run_once(BatchRun(cached_matcher, io.BytesIO(), False), data, capsys)
    assert run_once(parallel(cached_matcher, 50, start_method="spawn"), data, capsys) == one


@pytest.mark.parametrize("fmt", ["ndjson", "csv", "tsv"])
@pytest.mark.parametrize(
    "shape",
    [("lines", None, None), ("csv", "note", "pid"), ("tsv", "2", "1"), ("jsonl", "text", "id")],
)
def test_parallel_run_is_the_same_for_every_input_and_output_format(
    cached_matcher: Matcher, capsys: pytest.CaptureFixture[str], fmt: str, shape: tuple[str, str, str]
) -> None:
    data = shaped(shape[0], generated_lines(700, seed=7))
    one = run_once(BatchRun(cached_matcher, io.BytesIO(), False, fmt=fmt), data, capsys, *shape)
    many = run_once(parallel(cached_matcher, 9, fmt=fmt), data, capsys, *shape)
    assert many == one
    if shape[2] is not None:
        assert b"=p7" in one[0]  # the ids were carried (and a formula-like one kept as itself)


def shaped(fmt: str, lines: bytes) -> bytes:
    """`lines` as a CSV, TSV or JSON Lines batch, with an id per record; undecodable lines
    stay as they are, and one CSV record spans two lines."""
    if fmt == "lines":
        return lines
    out = bytearray(b"" if fmt == "jsonl" else (b"pid,note\n" if fmt == "csv" else b"pid\tnote\n"))
    for number, raw in enumerate(lines.splitlines()):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            out += raw + b"\n"
            continue
        record_id = f"=p{number}" if number % 7 == 0 else f"p{number}"
        if fmt == "jsonl":
            out += json.dumps({"id": record_id, "text": text}).encode() + b"\n"
        elif fmt == "csv":
            extra = "\nwith a second line" if number % 50 == 1 else ""
            out += f'{record_id},"{text}{extra}"\n'.encode()
        else:
            out += f"{record_id}\t{text}\n".encode()
    return bytes(out)


def test_a_worker_that_reads_another_table_stops_the_run(
    cached_matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = WorkerSpec(None, None, False, "0" * 64)
    run = ParallelBatchRun(cached_matcher, io.BytesIO(), False, jobs=2, spec=spec)
    with pytest.raises(WorkerFailed, match=r"^the knowledge table changed while the batch was running$"):
        run.process(records(io.BytesIO(b"headache\n")), nullcontext)
    assert run.workers == []  # stopped on the way out


def test_one_job_is_the_one_process_run(cached_matcher: Matcher, tmp_path: Path) -> None:
    def make(jobs: int | None, source: BinaryIO) -> BatchRun:
        run, _ = start(
            cached_matcher, source, io.BytesIO(), flush_each_line=False, fmt="ndjson", input_format="lines",
            text_column=None, id_column=None, jobs=jobs, data=None, threshold=None, seed_only=False,
        )  # fmt: skip
        return run

    small = tmp_path / "small.txt"
    small.write_bytes(b"headache\n" * 10)
    large = tmp_path / "large.txt"
    large.write_bytes(b"headache\n" * (SMALL_INPUT_BYTES // 9 + 1))
    with small.open("rb") as few, large.open("rb") as many:
        assert type(make(1, many)) is BatchRun
        assert type(make(3, many)) is ParallelBatchRun
        assert type(make(3, few)) is ParallelBatchRun  # asked for: obeyed
        assert type(make(None, few)) is BatchRun  # by default, a small file is one process's
        assert type(make(None, many)) is (ParallelBatchRun if os.cpu_count() != 1 else BatchRun)


def test_piped_input_that_ends_within_a_chunk_starts_no_worker(
    cached_matcher: Matcher, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `echo headache | mbc batch`: two workers would take longer to start than the line takes.
    data = generated_lines(200, seed=9)
    one = run_once(BatchRun(cached_matcher, io.BytesIO(), False), data, capsys)

    def no_workers(self: ParallelBatchRun) -> None:
        raise AssertionError("workers were started for one chunk of input")

    monkeypatch.setattr(ParallelBatchRun, "_start_workers", no_workers)
    run = parallel(cached_matcher, 256)
    run.workers_optional = True  # as `start` sets it when --jobs is not given
    assert run_once(run, data, capsys) == one


def test_workers_start_for_more_than_a_chunk_or_when_asked(cached_matcher: Matcher) -> None:
    started: list[bool] = []
    for lines, optional in ((257, True), (3, False)):
        run = parallel(cached_matcher, 256)
        run.workers_optional = optional
        real_start = run._start_workers

        def start_workers(real: Callable[[], None] = real_start) -> None:
            started.append(True)
            real()

        run._start_workers = start_workers  # type: ignore[method-assign]
        run.process(records(io.BytesIO(b"headache\n" * lines)), no_hold)
        assert isinstance(run.sink, io.BytesIO) and run.sink.getvalue().count(b"\n") == lines
    assert started == [True, True]


def test_a_worker_loads_the_table_from_the_parents_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mbc_lookup import knowledge
    from mbc_lookup.batch_parallel import _worker_run

    matcher = load_matcher(cache_dir=tmp_path)  # the parent's load writes the cache entry

    def no_parsing(*args: object) -> None:
        raise AssertionError("the worker parsed the YAML table")

    monkeypatch.setattr(knowledge, "parse_table_file", no_parsing)
    spec = WorkerSpec(None, None, False, matcher.knowledge.sha256, cache_dir=str(tmp_path))
    run, problem = _worker_run(spec)
    assert problem is None and run is not None
    assert run.knowledge.sha256 == matcher.knowledge.sha256


def test_parallel_run_holds_interrupts_only_while_writing(cached_matcher: Matcher) -> None:
    held: list[bool] = []

    @contextmanager
    def hold() -> Iterator[None]:
        held.append(True)
        yield

    run = parallel(cached_matcher, 10)
    run.process(records(io.BytesIO(b"headache\n" * 95)), hold)
    assert isinstance(run.sink, io.BytesIO)
    assert run.sink.getvalue().count(b"\n") == 95 and len(held) >= 10  # one hold per chunk written


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_batch_jobs_output_is_the_same_as_one_job(mbc: Mbc, tmp_path: Path, jobs: str) -> None:
    lists = tmp_path / "lists.txt"
    lists.write_bytes(generated_lines(2000, seed=11))
    one = mbc("batch", str(lists), "--jobs", "1", "--summary")
    many = mbc("batch", str(lists), "--jobs", jobs, "--summary")
    assert one.exit_code == many.exit_code == 0
    assert many.stdout == one.stdout and many.stderr == one.stderr
    assert "lines looked up" in one.stderr
    parse_ndjson(one.stdout, check_every=100)
    piped = mbc("batch", "-", "--jobs", jobs, input=lists.read_bytes())
    assert piped.stdout == one.stdout


def test_batch_jobs_keep_ids_and_order_when_lines_repeat(mbc: Mbc, tmp_path: Path) -> None:
    # Repeats of a line all go to one worker, so a chunk comes back in uneven shares: the rows
    # must still be in input order, each with its own id.
    texts = ["headache", "cough, yellow eyes", "toothache", "headache", "bone pain", "headache"] * 200
    table = tmp_path / "export.csv"
    table.write_text("id,text\n" + "".join(f'r{n},"{text}"\n' for n, text in enumerate(texts)))
    args = ("batch", str(table), "--input-format", "csv", "--id-column", "id", "--text-column", "text")
    one = mbc(*args, "--format", "csv", "--jobs", "1")
    many = mbc(*args, "--format", "csv", "--jobs", "3")
    assert one.exit_code == many.exit_code == 0
    assert many.stdout == one.stdout
    assert [row.split(",")[0] for row in one.stdout.splitlines()[1:]] == [f"r{n}" for n in range(len(texts))]


def test_batch_jobs_must_be_at_least_one(mbc: Mbc) -> None:
    result = mbc("batch", "--jobs", "0", input="headache\n")
    assert result.exit_code == 2 and "--jobs" in result.stderr


# --- reading a pipe ----------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [-1, 1, 3, 10, 100])
def test_stream_input_reads_lines_as_a_buffered_file_does(limit: int) -> None:
    data = b"one\ntwo lines long\n\nlast without newline"
    read, write = os.pipe()
    os.write(write, data)
    os.close(write)
    stream, expected = StreamInput(read), io.BytesIO(data)
    while True:
        line = stream.readline(limit)
        assert line == expected.readline(limit)
        if not line:
            break
    os.close(read)


def test_stream_input_tells_whether_a_line_is_waiting() -> None:
    read, write = os.pipe()
    stream = StreamInput(read)
    assert not stream.line_waiting()
    os.write(write, b"head")
    assert not stream.line_waiting()  # half a line: reading on would wait for the rest
    os.write(write, b"ache\ncou")
    assert stream.line_waiting()
    assert stream.readline() == b"headache\n"
    assert not stream.line_waiting()
    os.close(write)
    assert stream.line_waiting()  # the end of the input is there: no wait
    assert stream.readline() == b"cou" and stream.readline() == b""
    os.close(read)


@pytest.mark.skipif(os.name == "nt", reason="POSIX sessions")
def test_workers_end_with_the_parent_even_when_it_never_stopped_them(tmp_path: Path) -> None:
    # As when a Ctrl-C skips the run's `finally` (python/cpython#108214): the parent exits with
    # its workers running. It must not wait forever for workers that ignore SIGTERM.
    script = (
        "import io, sys\n"
        "from mbc_lookup.api import load_matcher\n"
        "from mbc_lookup.batch_parallel import ParallelBatchRun, WorkerSpec\n"
        "matcher = load_matcher()\n"
        "spec = WorkerSpec(None, None, False, matcher.knowledge.sha256)\n"
        "run = ParallelBatchRun(matcher, io.BytesIO(), False, jobs=2, spec=spec)\n"
        "run._start_workers()\n"
        "sys.exit(130)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr.decode(errors="replace")
    leftover = subprocess.run(["pgrep", "-s", str(process.pid)], capture_output=True, check=False)
    assert leftover.stdout == b"", "worker processes outlived the run"
