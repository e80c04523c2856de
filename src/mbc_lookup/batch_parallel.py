"""`mbc batch --jobs N`: one batch run spread over N worker processes, with the same output.

The parent reads the input (every input format, through `batch_input.records`), so line
numbers, ids and the warnings for unreadable lines are exactly those of a one-process run. It
cuts the readable records into chunks of `CHUNK_LINES` and splits each chunk between the
workers by the hash of each line's text, so that a line and its repeats always go to the
same worker: each worker's caches then hold its own share of the repeated lines, and none is
rendered twice over. Each worker loads the table once (from the compiled-table cache) and
turns its records into output lines with its own `BatchRun`: `results()` then `encode()`, the
very code of a one-process run, so every NDJSON, CSV or TSV line has the same bytes whichever
process made it. Each worker's caches are bounded by bytes: the workers share one process's
budget for lines between them, and each has the whole budget for parts (every worker sees
the common parts).

At most `WINDOW_PER_JOB` chunks per worker are read ahead. The parent writes the results in
input order, chunk by chunk, through `BatchRun.flush` inside `hold()`: memory stays bounded
whatever the input size, the output only ever holds whole lines, and a failed write is the
`OutputError` of a one-process run. Signals and output errors are the parent's alone: workers
ignore SIGINT, SIGTERM and SIGHUP; whatever ends the parent's run (Ctrl-C, SIGTERM, SIGHUP, a
closed pipe, a full disk, a failed worker) kills the workers and waits for them before the
parent goes on to end as a one-process run does (at the latest when the parent's interpreter
exits, should an interrupt have skipped that step). A worker whose parent dies without that
(SIGKILL) is killed by the kernel (Linux: PR_SET_PDEATHSIG), or elsewhere notices within a
second that its parent is gone, and exits.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import io
import multiprocessing
import os
import signal
import stat
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty
from typing import BinaryIO, NamedTuple, cast

from .api import load_matcher
from .batch_input import Record, records
from .batch_run import LINE_CACHE_BYTES, BatchRun, Row
from .matching import Matcher
from .model import BatchLine
from .process import SIGNALS, silence_stdout
from .stream_input import StreamInput

CHUNK_LINES = 256  # lines per task: enough to make the hand-over cost small per line
WINDOW_PER_JOB = 4  # chunks read ahead per worker: keeps every worker busy, bounds memory
RESULT_POLL = 1.0  # seconds between checks that the workers (or the parent) are still alive
STOP_WAIT = 5.0  # seconds to wait for a killed worker to be gone (it takes milliseconds)
# Below this many input bytes (a regular file), and only when --jobs is not given, one
# process is faster: the workers fork and each loads the compiled table before its first line,
# a fixed cost the lines of a small file do not pay back. Measured (`/usr/bin/time mbc batch
# FILE --jobs 1|2 > /dev/null`, generated lines, a busy machine): 60 kB 1.45 s vs 2.08 s,
# 250 kB 3.38 s vs 3.45 s, 1 MB 10.5 s vs 6.9 s. A pipe's size is unknown: it gets the workers.
SMALL_INPUT_BYTES = 256_000

Task = tuple[int, list[tuple[int, str | None, str]]]  # chunk number; (line, id, text) per record
Returned = tuple[int, int, "Rendered | None", "str | None"]  # chunk, worker, its lines or why not


class WorkerSpec(NamedTuple):
    """What a worker needs to build the same run as the parent."""

    data: str | None
    threshold: float | None
    seed_only: bool
    sha256: str  # of the parent's table: a worker that reads another one refuses to work
    fmt: str = "ndjson"
    line_cache_bytes: int = LINE_CACHE_BYTES
    parent: int = 0  # the parent's pid: a worker whose parent is gone stops
    cache_dir: str | None = None  # the compiled-table cache the parent used, if any


class Rendered(NamedTuple):
    """A worker's share of a chunk: its output lines and what the summary needs from them."""

    lines: tuple[bytes, ...]
    matched_lines: int
    urgent_lines: int
    site_lines: tuple[tuple[str, int], ...]


class Entry(NamedTuple):
    """One step of the output, in input order: a chunk's results or one skipped line."""

    chunk: int | None  # the chunk's number, whose results come back from the workers
    skipped: BatchLine | None
    done: int  # input bytes read up to the end of this step, for the progress bar
    owners: bytes = b""  # for each line of the chunk, the worker it went to


class WorkerFailed(RuntimeError):
    """A worker could not build the parent's matcher, or stopped."""


def default_jobs() -> int:
    """All the cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def start(
    matcher: Matcher,
    source: BinaryIO,
    sink: BinaryIO,
    *,
    flush_each_line: bool,
    fmt: str,
    input_format: str,
    text_column: str | None,
    id_column: str | None,
    jobs: int | None,
    data: str | Path | None,
    threshold: float | None,
    seed_only: bool,
    cache_dir: Path | None = None,
) -> tuple[BatchRun, Iterator[Record]]:
    """The run for `mbc batch` and the records it reads: a one-process `BatchRun` for one job
    (or a small file), else a parallel one."""
    count = default_jobs() if jobs is None else jobs
    if count > 1 and jobs is None and _small_file(source):
        count = 1  # only the default: an explicit --jobs N is obeyed
    if count <= 1:
        run = BatchRun(matcher, sink, flush_each_line, fmt=fmt)
        return run, records(source, input_format, text_column, id_column)
    spec = WorkerSpec(
        None if data is None else str(data), threshold, seed_only, matcher.knowledge.sha256, fmt,
        LINE_CACHE_BYTES // count, os.getpid(), None if cache_dir is None else str(cache_dir),
    )  # fmt: skip
    parallel = ParallelBatchRun(matcher, sink, flush_each_line, jobs=count, spec=spec)
    parallel.workers_optional = jobs is None  # only the default: an explicit --jobs N is obeyed
    stream = _stream_input(source) if flush_each_line else None
    parallel.stream = stream
    # records() only ever calls readline(), which StreamInput answers as a file does.
    reader = source if stream is None else cast(BinaryIO, stream)
    return parallel, records(reader, input_format, text_column, id_column)


def _small_file(source: BinaryIO) -> bool:
    try:
        info = os.fstat(source.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size < SMALL_INPUT_BYTES


class ParallelBatchRun(BatchRun):
    """A `BatchRun` whose lines are rendered by worker processes.

    Chunks go to the workers through one task queue (whichever worker is free takes the next)
    and come back, tagged with their number, through one result queue; the parent keeps the
    few that arrive early until their turn comes."""

    def __init__(
        self,
        matcher: Matcher,
        sink: BinaryIO,
        flush_each_line: bool,
        *,
        jobs: int,
        spec: WorkerSpec,
        chunk_lines: int = CHUNK_LINES,
        start_method: str | None = None,
    ) -> None:
        super().__init__(matcher, sink, flush_each_line, fmt=spec.fmt)
        self.jobs = jobs
        self.spec = spec
        self.chunk_lines = chunk_lines
        self.context = multiprocessing.get_context(start_method or _start_method())
        self.stream: StreamInput | None = None
        self.workers: list[BaseProcess] = []
        self.tasks: list[Queue[Task | None]] = []  # one per worker
        self.returns: Queue[Returned] | None = None
        self.window: deque[Entry] = deque()
        self.arrived: dict[tuple[int, int], Rendered] = {}  # (chunk, worker) -> its share
        self.chunks_sent = 0
        self.chunk_records: list[tuple[int, str | None, str]] = []
        self.done = 0
        # Whether records are rendered here until the first full chunk (see `_dispatch`):
        # `echo headache | mbc batch` would otherwise wait for two processes to start.
        self.workers_optional = False

    def process(
        self,
        records: Iterable[Record],
        hold: Callable[[], AbstractContextManager[None]],
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Write a result for every record; `on_progress` is told the bytes read so far."""
        self.pending.append(self.header())
        keep = self.jobs * WINDOW_PER_JOB
        try:
            try:
                for record in records:
                    line = record.line
                    self.done += line.size
                    if line.text is None:
                        self._dispatch()
                        self.window.append(Entry(None, line, self.done))
                        self._write_ready(hold, on_progress, keep)
                        continue
                    self.chunk_records.append((line.line, record.id, line.text))
                    if len(self.chunk_records) >= self.chunk_lines:
                        self._dispatch()
                        self._write_ready(hold, on_progress, keep)
                    if self.stream is not None and not self.stream.line_waiting():
                        self._dispatch()  # the writer has paused: answer what it has sent so far
                        self._write_ready(hold, on_progress, keep=0)
            except (ValueError, OSError):  # the input ends here (InputFormatError, a read error)
                self._dispatch()  # what was read before it is written, as in one process
                self._write_ready(hold, on_progress, keep=0)
                raise
            self._dispatch()
            self._write_ready(hold, on_progress, keep=0)
        finally:
            self._stop_workers()
        with hold():
            self.flush()
        if on_progress is not None:
            on_progress(self.done)

    def _dispatch(self) -> None:
        """Hand the records read so far to the workers."""
        chunk, self.chunk_records = self.chunk_records, []
        if not chunk:
            return
        if not self.tasks and self.workers_optional and len(chunk) < self.chunk_lines:
            # Less than a chunk before the input ended, paused or skipped a line, and no worker
            # yet: rendered here, by the code a worker runs. Workers start with the first full
            # chunk, so a short or trickling input never waits for them to start.
            owners = bytes(len(chunk))
            self.arrived[(self.chunks_sent, 0)] = render_chunk(self, chunk)
        else:
            owners = self._send(chunk)
        self.window.append(Entry(self.chunks_sent, None, self.done, owners))
        self.chunks_sent += 1
        self.looked_up += len(chunk)

    def _send(self, chunk: list[tuple[int, str | None, str]]) -> bytes:
        """Split the chunk between the workers by the hash of each line's text; for each line,
        the worker it went to."""
        if not self.tasks:
            self._start_workers()
        shares: list[list[tuple[int, str | None, str]]] = [[] for _ in range(self.jobs)]
        owners = bytearray()
        for record in chunk:
            worker = hash(record[2]) % self.jobs
            shares[worker].append(record)
            owners.append(worker)
        for worker, share in enumerate(shares):
            if share:
                self.tasks[worker].put((self.chunks_sent, share))
        return bytes(owners)

    def _write_ready(
        self,
        hold: Callable[[], AbstractContextManager[None]],
        on_progress: Callable[[int], None] | None,
        keep: int,
    ) -> None:
        """Write, in order, every step that is ready, and wait for more while over `keep`."""
        while self.window:
            entry = self.window[0]
            if entry.skipped is not None:
                self.skip(entry.skipped, hold)
            else:
                assert entry.chunk is not None
                lines = self._result(entry, wait=len(self.window) > keep)
                if lines is None:
                    return
                self.pending.extend(lines)
                with hold():  # the chunk as it came: whole lines, in one write
                    self.flush()
            self.window.popleft()
            if on_progress is not None:
                on_progress(entry.done)

    def _result(self, entry: Entry, wait: bool) -> list[bytes] | None:
        """The chunk's output lines in input order, once every share has come back; None if
        one has not and `wait` is false."""
        assert entry.chunk is not None
        chunk = entry.chunk
        needed = set(entry.owners)
        while any((chunk, worker) not in self.arrived for worker in needed):
            assert self.returns is not None
            try:
                number, worker, rendered, problem = self.returns.get(timeout=RESULT_POLL if wait else 0)
            except Empty:
                if not wait:
                    return None
                if not all(worker.is_alive() for worker in self.workers):
                    raise WorkerFailed("a worker process stopped unexpectedly") from None
                continue
            if rendered is None:
                raise WorkerFailed(problem or "a worker failed")
            self.arrived[(number, worker)] = rendered
        shares = {worker: self.arrived.pop((chunk, worker)) for worker in needed}
        for share in shares.values():
            self._count(share)
        taken = dict.fromkeys(needed, 0)
        lines = []
        for worker in entry.owners:  # each worker's lines come back in the order sent
            lines.append(shares[worker].lines[taken[worker]])
            taken[worker] += 1
        return lines

    def _count(self, rendered: Rendered) -> None:
        self.matched_lines += rendered.matched_lines
        self.urgent_lines += rendered.urgent_lines
        for site_id, count in rendered.site_lines:
            self.site_lines[site_id] = self.site_lines.get(site_id, 0) + count

    def _start_workers(self) -> None:
        # A forked worker would flush, at its exit, whatever the parent's streams held.
        sys.stdout.flush()
        sys.stderr.flush()
        self.tasks = [self.context.Queue() for _ in range(self.jobs)]
        self.returns = self.context.Queue()
        # The signals are held back while the workers start, so none can be interrupted
        # before it ignores them; one sent meanwhile reaches the parent once they are running.
        # The parent's objects are frozen out of the garbage collector at the fork, and stay
        # frozen in the workers: a worker's full collections would otherwise touch, and so
        # copy, every page it inherited from the parent.
        held = _block_signals()
        gc.collect()
        gc.freeze()
        try:
            for number, tasks in enumerate(self.tasks):
                worker = self.context.Process(  # type: ignore[attr-defined]  # (typeshed)
                    target=_work, args=(self.spec, number, tasks, self.returns), daemon=True
                )
                worker.start()
                self.workers.append(worker)
        finally:
            gc.unfreeze()
            _unblock_signals(held)
        # However the run ends, no worker outlives it. CPython can skip a `finally` when a
        # signal handler raises at a loop's backward jump (python/cpython#108214, seen on 3.13
        # with Ctrl-C), and multiprocessing's own exit hook then asks the daemon workers to stop
        # with SIGTERM, which they ignore, and waits for them forever.
        atexit.register(self._stop_workers)

    def _stop_workers(self) -> None:
        """At the end, after a signal, a closed pipe or a failed write alike: nothing the
        workers still do is wanted, so they are killed (they ignore the polite signals) and
        waited for, with the signals held so that a second one cannot cut this short."""
        held = _block_signals()
        try:
            for worker in self.workers:
                if worker.is_alive():
                    worker.kill()
            for worker in self.workers:
                worker.join(STOP_WAIT)
            for queue in (*self.tasks, self.returns):
                if queue is not None:
                    queue.cancel_join_thread()  # never wait at exit to send to a stopped worker
                    queue.close()
            self.workers, self.tasks, self.returns = [], [], None
            atexit.unregister(self._stop_workers)
        finally:
            _unblock_signals(held)


def _start_method() -> str:
    """fork on Linux (workers start in milliseconds); the platform's default elsewhere."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return multiprocessing.get_start_method()


def _block_signals() -> bool:
    if not hasattr(signal, "pthread_sigmask"):
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, set(SIGNALS))
    return True


def _unblock_signals(held: bool) -> None:
    if held:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, set(SIGNALS))


def _stream_input(source: BinaryIO) -> StreamInput | None:
    """A reader that can tell when a pipe or terminal has paused, where the platform allows."""
    if os.name != "posix":
        return None
    try:
        return StreamInput(source.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None  # an in-memory stream: everything is there already


# --- in each worker process --------------------------------------------------------------------


def _die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when the parent dies, however it dies."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass  # the poll in `_work` still notices
    if parent and os.getppid() != parent:  # it died before the line above
        os._exit(0)


def _work(spec: WorkerSpec, number: int, tasks: Queue[Task | None], results: Queue[Returned]) -> None:
    """A worker: build the run once, then render chunks until told to stop."""
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)  # the parent's to handle; it kills the workers
    _unblock_signals(hasattr(signal, "pthread_sigmask"))
    _die_with_parent(spec.parent)
    silence_stdout()  # only the parent writes the output
    run, problem = _worker_run(spec)
    gc.freeze()  # the table is kept for the whole run: no collection need look at it again
    while True:
        try:
            task = tasks.get(timeout=RESULT_POLL)
        except Empty:
            if spec.parent and os.getppid() != spec.parent:  # nobody wants the results
                os._exit(0)
            continue
        if task is None:
            return
        chunk_number, chunk = task
        if run is None:
            results.put((chunk_number, number, None, problem))
            continue
        try:
            results.put((chunk_number, number, render_chunk(run, chunk), None))
        except Exception as error:  # reported by the parent, which then stops
            results.put((chunk_number, number, None, f"a worker failed: {error!r}"))


def _worker_run(spec: WorkerSpec) -> tuple[BatchRun | None, str | None]:
    """The worker's BatchRun, built from the compiled-table cache, or why it cannot be built."""
    try:
        matcher = load_matcher(spec.data, spec.threshold, seed_only=spec.seed_only, cache_dir=spec.cache_dir)
    except Exception as error:
        return None, f"a worker could not read the knowledge table: {error}"
    if matcher.knowledge.sha256 != spec.sha256:
        return None, "the knowledge table changed while the batch was running"
    run = BatchRun(matcher, io.BytesIO(), flush_each_line=False, fmt=spec.fmt)
    run.line_cache_bytes = spec.line_cache_bytes
    return run, None


def render_chunk(run: BatchRun, chunk: list[tuple[int, str | None, str]]) -> Rendered:
    """The output lines for these records, made by `BatchRun.results` and `BatchRun.encode`
    exactly as a one-process run makes them."""
    out: list[bytes] = []
    matched = urgent_lines = 0
    site_lines: dict[str, int] = {}
    read = (Record(BatchLine(line, text, None, 0), record_id) for line, record_id, text in chunk)
    for row in run.results(read):
        assert isinstance(row, Row)  # every record sent has its text
        out.append(run.encode(row))
        if row.sites:
            matched += 1
            for site_id in row.sites:
                site_lines[site_id] = site_lines.get(site_id, 0) + 1
        urgent_lines += row.urgent
    return Rendered(tuple(out), matched, urgent_lines, tuple(site_lines.items()))
