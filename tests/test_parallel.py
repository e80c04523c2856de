"""`mbc batch --jobs N`: the same bytes, warnings and summary as one process, in input order.

In-process here (the parent and its worker processes); the real `mbc` process (Ctrl-C, a
closed pipe, a paused pipe) is in `test_installed.py`."""

from __future__ import annotations

import io
import os
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
from typer.testing import Result

from helpers import parse_ndjson
from mbc_lookup.api import load_matcher
from mbc_lookup.batch_parallel import ParallelBatchRun, WorkerSpec, batch_run
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


def run_once(run: BatchRun, data: bytes, capsys: pytest.CaptureFixture[str]) -> tuple[bytes, str, str]:
    assert isinstance(run.sink, io.BytesIO)
    run.process(io.BytesIO(data), no_hold)
    stderr = capsys.readouterr().err
    return run.sink.getvalue(), stderr, run.summary_text(run.knowledge)


def parallel(matcher: Matcher, chunk_lines: int, start_method: str | None = None) -> ParallelBatchRun:
    spec = WorkerSpec(None, None, False, matcher.knowledge.sha256)
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


def test_a_worker_that_reads_another_table_stops_the_run(
    cached_matcher: Matcher, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = WorkerSpec(None, None, False, "0" * 64)
    run = ParallelBatchRun(cached_matcher, io.BytesIO(), False, jobs=2, spec=spec)
    with pytest.raises(SystemExit) as stopped:
        run.process(io.BytesIO(b"headache\n"), nullcontext)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == "mbc: error: the knowledge table changed while the batch was running\n"


def test_one_job_is_the_one_process_run(cached_matcher: Matcher) -> None:
    def make(jobs: int) -> BatchRun:
        return batch_run(
            cached_matcher, io.BytesIO(), False, jobs=jobs, data=None, threshold=None, seed_only=False
        )

    assert type(make(1)) is BatchRun
    assert type(make(3)) is ParallelBatchRun


def test_parallel_run_holds_interrupts_only_while_writing(cached_matcher: Matcher) -> None:
    held: list[bool] = []

    @contextmanager
    def hold() -> Iterator[None]:
        held.append(True)
        yield

    run = parallel(cached_matcher, 10)
    run.process(io.BytesIO(b"headache\n" * 95), hold)
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
