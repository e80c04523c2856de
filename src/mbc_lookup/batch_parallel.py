"""`mbc batch --jobs N`: one batch run spread over N worker processes, with the same output.

The parent reads the input, so line numbers and the warnings for unreadable lines are exactly
those of a one-process run. It cuts the readable lines into chunks of `CHUNK_LINES` and hands
each chunk to a worker. Each worker loads the table once (from the compiled-table cache) and
renders its lines with its own `BatchRun`, so every JSON line has the same bytes whichever
process made it, and each worker keeps its own bounded caches of repeated lines and items.

At most `WINDOW_PER_JOB` chunks per worker are read ahead. The parent writes the results in
input order, chunk by chunk, inside `hold()`: memory stays bounded whatever the input size,
and the output only ever holds whole lines. Workers ignore SIGINT; Ctrl-C and a closed output
pipe reach the parent, which stops the pool and ends as a one-process run does.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty
from typing import BinaryIO, NamedTuple, cast

from .api import load_matcher
from .batch import read_batch
from .batch_run import BatchRun
from .exit_codes import ERROR as EXIT_ERROR
from .matching import Matcher
from .stream_input import StreamInput

CHUNK_LINES = 256  # lines per task: enough to make the hand-over cost small per line
WINDOW_PER_JOB = 4  # chunks read ahead per worker: keeps every worker busy, bounds memory
RESULT_POLL = 1.0  # seconds between checks that the workers are still alive, while waiting


class WorkerSpec(NamedTuple):
    """What a worker needs to build the same matcher as the parent."""

    data: str | None
    threshold: float | None
    seed_only: bool
    sha256: str  # of the parent's table: a worker that reads another one refuses to work


class Rendered(NamedTuple):
    """A chunk's output lines and what the summary needs from them."""

    lines: bytes
    matched_lines: int
    urgent_lines: int
    site_lines: tuple[tuple[str, int], ...]


class Entry(NamedTuple):
    """One step of the output, in input order: a chunk's results or one line's warning."""

    chunk: int | None  # the chunk's number, whose results come back from a worker
    warning: str | None
    done: int  # input bytes read up to the end of this step, for the progress bar


class WorkerFailed(RuntimeError):
    """A worker could not build the parent's matcher, or stopped."""


def default_jobs() -> int:
    """All the cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def batch_run(
    matcher: Matcher,
    sink: BinaryIO,
    flush_each_line: bool,
    *,
    jobs: int | None,
    data: str | Path | None,
    threshold: float | None,
    seed_only: bool,
) -> BatchRun:
    """The run for `mbc batch --jobs`: a one-process `BatchRun` for one job, else a parallel one."""
    count = default_jobs() if jobs is None else jobs
    if count <= 1:
        return BatchRun(matcher, sink, flush_each_line)
    spec = WorkerSpec(None if data is None else str(data), threshold, seed_only, matcher.knowledge.sha256)
    return ParallelBatchRun(matcher, sink, flush_each_line, jobs=count, spec=spec)


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
        super().__init__(matcher, sink, flush_each_line)
        self.jobs = jobs
        self.spec = spec
        self.chunk_lines = chunk_lines
        self.context = multiprocessing.get_context(start_method or _start_method())
        self.workers: list[BaseProcess] = []
        self.tasks: Queue[tuple[int, list[int], list[str]] | None] | None = None
        self.results: Queue[tuple[int, Rendered | None, str | None]] | None = None
        self.window: deque[Entry] = deque()
        self.arrived: dict[int, Rendered] = {}
        self.chunks_sent = 0
        self.numbers: list[int] = []
        self.texts: list[str] = []
        self.done = 0

    def process(
        self,
        source: BinaryIO,
        hold: Callable[[], AbstractContextManager[None]],
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Run over every line of `source`; `on_progress` is told the bytes read so far."""
        stream = _stream_input(source) if self.chunk == 1 else None
        try:
            keep = self.jobs * WINDOW_PER_JOB
            # read_batch only ever calls readline(), which StreamInput answers as a file does.
            for line in read_batch(source if stream is None else cast(BinaryIO, stream)):
                self.done += line.size
                if line.text is None:
                    self.skipped += 1
                    self._dispatch()
                    warning = f"mbc: warning: line {line.line}: {line.problem}; skipped\n"
                    self.window.append(Entry(None, warning, self.done))
                    self._write_ready(hold, on_progress, keep)
                    continue
                self.numbers.append(line.line)
                self.texts.append(line.text)
                if len(self.texts) >= self.chunk_lines:
                    self._dispatch()
                    self._write_ready(hold, on_progress, keep)
                if stream is not None and not stream.line_waiting():
                    self._dispatch()  # the writer has paused: answer what it has sent so far
                    self._write_ready(hold, on_progress, keep=0)
            self._dispatch()
            self._write_ready(hold, on_progress, keep=0)
        except WorkerFailed as error:
            sys.stderr.write(f"mbc: error: {error}\n")
            raise SystemExit(EXIT_ERROR) from None
        finally:
            self._stop_workers()
        with hold():
            self.flush()
        if on_progress is not None:
            on_progress(self.done)

    def _dispatch(self) -> None:
        """Hand the lines read so far to the workers."""
        if not self.texts:
            return
        if self.tasks is None:
            self._start_workers()
        assert self.tasks is not None
        self.tasks.put((self.chunks_sent, self.numbers, self.texts))
        self.window.append(Entry(self.chunks_sent, None, self.done))
        self.chunks_sent += 1
        self.looked_up += len(self.texts)
        self.numbers, self.texts = [], []

    def _write_ready(
        self,
        hold: Callable[[], AbstractContextManager[None]],
        on_progress: Callable[[int], None] | None,
        keep: int,
    ) -> None:
        """Write, in order, every step that is ready, and wait for more while over `keep`."""
        while self.window:
            entry = self.window[0]
            if entry.chunk is not None:
                rendered = self._result(entry.chunk, wait=len(self.window) > keep)
                if rendered is None:
                    return
                self._count(rendered)
                with hold():  # the chunk as it came: whole lines, in one write
                    self.sink.write(rendered.lines)
                    self.sink.flush()
            else:
                with hold():
                    self.flush()
                    sys.stderr.write(entry.warning or "")
            self.window.popleft()
            if on_progress is not None:
                on_progress(entry.done)

    def _result(self, chunk: int, wait: bool) -> Rendered | None:
        """The rendered chunk, once it has come back; None if it has not and `wait` is false."""
        assert self.results is not None
        while chunk not in self.arrived:
            try:
                number, rendered, problem = self.results.get(timeout=RESULT_POLL if wait else 0)
            except Empty:
                if not wait:
                    return None
                if not all(worker.is_alive() for worker in self.workers):
                    raise WorkerFailed("a worker process stopped unexpectedly") from None
                continue
            if rendered is None:
                raise WorkerFailed(problem or "a worker failed")
            self.arrived[number] = rendered
        return self.arrived.pop(chunk)

    def _count(self, rendered: Rendered) -> None:
        self.matched_lines += rendered.matched_lines
        self.urgent_lines += rendered.urgent_lines
        for site_id, count in rendered.site_lines:
            self.site_lines[site_id] = self.site_lines.get(site_id, 0) + count

    def _start_workers(self) -> None:
        # A forked worker would flush, at its exit, whatever the parent's streams held.
        sys.stdout.flush()
        sys.stderr.flush()
        self.tasks = self.context.Queue()
        self.results = self.context.Queue()
        # Ctrl-C is held back while the workers start, so none can be interrupted before it
        # ignores SIGINT; one pressed meanwhile reaches the parent once they are running.
        # The parent's objects are frozen out of the garbage collector meanwhile: a forked
        # worker's full collections would otherwise touch, and so copy, every page it
        # inherited from the parent.
        held = _hold_sigint()
        gc.freeze()
        try:
            for _ in range(self.jobs):
                worker = self.context.Process(  # type: ignore[attr-defined]  # (typeshed)
                    target=_work, args=(self.spec, self.tasks, self.results), daemon=True
                )
                worker.start()
                self.workers.append(worker)
        finally:
            gc.unfreeze()
            _release_sigint(held)

    def _stop_workers(self) -> None:
        """At the end, after Ctrl-C or a closed pipe alike: nothing the workers still do is
        wanted, so they are stopped, not waited for."""
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            worker.join()
        for queue in (self.tasks, self.results):
            if queue is not None:
                queue.cancel_join_thread()  # never wait at exit to send to a stopped worker
                queue.close()


def _start_method() -> str:
    """fork on Linux (workers start in milliseconds); the platform's default elsewhere."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return multiprocessing.get_start_method()


def _hold_sigint() -> bool:
    if not hasattr(signal, "pthread_sigmask"):
        return False
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    return True


def _release_sigint(held: bool) -> None:
    if held:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _stream_input(source: BinaryIO) -> StreamInput | None:
    """A reader that can tell when a pipe or terminal has paused, where the platform allows."""
    if os.name != "posix":
        return None
    try:
        return StreamInput(source.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None  # an in-memory stream: everything is there already


# --- in each worker process --------------------------------------------------------------------


def _work(
    spec: WorkerSpec,
    tasks: Queue[tuple[int, list[int], list[str]] | None],
    results: Queue[tuple[int, Rendered | None, str | None]],
) -> None:
    """A worker: build the matcher once, then render chunks until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _release_sigint(hasattr(signal, "pthread_sigmask"))
    parent = os.getppid()
    run, problem = _worker_run(spec)
    while True:
        try:
            task = tasks.get(timeout=RESULT_POLL)
        except Empty:
            if os.getppid() != parent:  # the parent was killed: nobody wants the results
                results.cancel_join_thread()
                return
            continue
        if task is None:
            return
        number, numbers, texts = task
        if run is None:
            results.put((number, None, problem))
            continue
        try:
            results.put((number, render_chunk(run, numbers, texts), None))
        except Exception as error:  # reported by the parent, which then stops
            results.put((number, None, f"a worker failed: {error!r}"))


def _worker_run(spec: WorkerSpec) -> tuple[BatchRun | None, str | None]:
    """The worker's BatchRun, built from the compiled-table cache, or why it cannot be built."""
    try:
        matcher = load_matcher(spec.data, spec.threshold, seed_only=spec.seed_only)
    except Exception as error:
        return None, f"a worker could not read the knowledge table: {error}"
    if matcher.knowledge.sha256 != spec.sha256:
        return None, "the knowledge table changed while the batch was running"
    return BatchRun(matcher, io.BytesIO(), flush_each_line=False), None


def render_chunk(run: BatchRun, numbers: list[int], texts: list[str]) -> Rendered:
    """The output lines for these input lines, as `BatchRun.process` writes them."""
    out: list[bytes] = []
    matched = urgent_lines = 0
    site_lines: dict[str, int] = {}
    for number, text in zip(numbers, texts, strict=True):
        body, sites, urgent = run.render(text)
        out.append(b'%s,"line":%d,%s,%s\n' % (run.prefix, number, run.constant, body))
        if sites:
            matched += 1
            for site_id in sites:
                site_lines[site_id] = site_lines.get(site_id, 0) + 1
        urgent_lines += urgent
    return Rendered(b"".join(out), matched, urgent_lines, tuple(site_lines.items()))
