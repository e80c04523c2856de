"""`mbc batch --jobs` and the Dask engine path: lines per second, speed-up, peak memory.

Run through `python benchmarks/bench.py --only jobs` (or `--only engine`). Every run is a
real `mbc` process over a generated file written to /dev/null; its wall time, its CPU time
(the process and its workers) and the peak memory of its whole process tree (the sum of each
process's proportional set size, PSS, sampled every 50 ms; PSS shares pages a forked worker
has in common with its parent, so nothing is counted twice) are recorded. The load average
is printed with each group, and with each run the CPU other programs used meanwhile: other
work on the machine only ever slows a run down, so the speed-up is taken from the best run of
each side (the median pair is printed too). Peak memory is the median over the runs.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from bench import MBC, PYTHON, generate_lines

TARGET_SPEEDUP = 1.7
TARGET_MEMORY = 1.1


class Measured(NamedTuple):
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the workers it waited for
    peak_kb: int  # peak of the process tree's summed PSS
    others: float  # cores' worth of CPU that other programs used meanwhile


def _busy_seconds() -> float:
    """CPU seconds all cores have been busy since boot (from /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _tree(pid: int) -> Iterator[int]:
    yield pid
    for child in _children(pid):
        yield from _tree(child)


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(command: Sequence[str]) -> Measured:
    busy = _busy_seconds()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, samples, members = 0, 0, [process.pid]
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if samples < 20 or samples % 10 == 0:  # finding the workers scans /proc: not every time
            members = list(_tree(process.pid))
        peak = max(peak, sum(_pss_kb(member) for member in members))
        samples += 1
        time.sleep(0.05)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    others = max(0.0, _busy_seconds() - busy - cpu) / wall
    return Measured(wall, cpu, peak, others)


def _load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def _count_lines(path: Path) -> int:
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


def jobs_group(pairs: int) -> dict[str, float]:
    """--jobs 1 against --jobs 2 on the same 1M lines, with and without repeated lines; then
    the peak memory of each on 10k lines against 1M lines."""
    ratios: dict[str, float] = {}
    print(f"jobs: {_load()}; {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        peaks: dict[str, dict[str, int]] = {"1": {}, "2": {}}
        for label, repeats in (("repeats", True), ("no repeats", False)):
            lines = work / f"lines-1m-{'r' if repeats else 'u'}.txt"
            generate_lines(lines, 1_000_000, repeats=repeats)
            count = _count_lines(lines)
            runs: dict[str, list[Measured]] = {"1": [], "2": []}
            for _ in range(pairs):
                for jobs in ("1", "2"):
                    run = measure([MBC, "batch", str(lines), "--jobs", jobs, "-o", os.devnull])
                    runs[jobs].append(run)
                    print(
                        f"    {label:<10} --jobs {jobs}: {run.wall:6.1f} s  cpu {run.cpu:6.1f} s  "
                        f"peak {run.peak_kb / 1024:6.1f} MB  others used {run.others:4.2f} cores",
                        flush=True,
                    )
            for jobs in ("1", "2"):
                best = min(run.wall for run in runs[jobs])
                wall = statistics.median(run.wall for run in runs[jobs])
                cpu = statistics.median(run.cpu for run in runs[jobs])
                peak = int(statistics.median(run.peak_kb for run in runs[jobs]))
                if repeats:
                    peaks[jobs]["1m"] = peak
                print(
                    f"  {label:<10} --jobs {jobs}: best {best:6.1f} s = {count / best:7,.0f} lines/s   "
                    f"median {wall:6.1f} s   cpu {cpu:6.1f} s = {count / cpu:7,.0f} lines per cpu-second   "
                    f"peak {peak / 1024:6.1f} MB",
                    flush=True,
                )
            # Other programs on the machine only ever add time: the best run of each side is the
            # closest to its own speed; the median pair shows what a busy machine gives.
            best_speedup = min(run.wall for run in runs["1"]) / min(run.wall for run in runs["2"])
            median_speedup = statistics.median(
                one.wall / two.wall for one, two in zip(runs["1"], runs["2"], strict=True)
            )
            verdict = "meets" if best_speedup >= TARGET_SPEEDUP else "MISSES"
            print(
                f"  {label:<10} speed-up --jobs 2 / --jobs 1: best {best_speedup:4.2f}x "
                f"(target >= {TARGET_SPEEDUP}, {verdict}), median of {pairs} pairs {median_speedup:4.2f}x",
                flush=True,
            )
            ratios[f"speed-up ({label})"] = best_speedup
        small = work / "lines-10k.txt"
        generate_lines(small, 10_000)
        for jobs in ("1", "2"):
            command = [MBC, "batch", str(small), "--jobs", jobs, "-o", os.devnull]
            peaks[jobs]["10k"] = int(statistics.median(measure(command).peak_kb for _ in range(3)))
            ratio = peaks[jobs]["1m"] / peaks[jobs]["10k"]
            verdict = "meets" if ratio <= TARGET_MEMORY else "MISSES"
            print(
                f"  memory --jobs {jobs}: 1M lines {peaks[jobs]['1m'] / 1024:6.1f} MB   "
                f"10k lines {peaks[jobs]['10k'] / 1024:6.1f} MB   ratio {ratio:4.2f} "
                f"(target <= {TARGET_MEMORY}, {verdict})",
                flush=True,
            )
            ratios[f"memory --jobs {jobs}"] = ratio
    print(f"jobs: done, {_load()}", flush=True)
    return ratios


def engine_group(workers: int = 2) -> bool:
    """The Dask path in local mode on the same 1M lines (Parquet in and out), its rows checked
    against `mbc batch`'s output, and its lines per second per core next to `--jobs`."""
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow.parquet as pq

    from mbc_lookup.batch import read_batch

    print(f"engine: {_load()}", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        lines = work / "lines-1m.txt"
        generate_lines(lines, 1_000_000)
        with lines.open("rb") as source:
            read = [(line.line, line.text) for line in read_batch(source) if line.text is not None]
        frame = pd.DataFrame({"id": [n for n, _ in read], "text": [t for _, t in read]})
        del read
        texts, rows = work / "texts.parquet", work / "rows.parquet"
        dd.from_pandas(frame, npartitions=64).to_parquet(str(texts), write_index=False)
        count = len(frame)
        del frame
        job = [PYTHON, "-m", "mbc_lookup.dask_job", str(texts), str(rows), "--workers", str(workers)]
        engine = measure(job)
        batch_out = work / "batch.ndjson"
        with batch_out.open("wb") as out:
            started = time.perf_counter()
            subprocess.run([MBC, "batch", str(lines), "--jobs", str(workers)], stdout=out, check=True)
            batch_wall = time.perf_counter() - started
        same = _same_rows(batch_out, sorted(rows.glob("*.parquet"), key=_part_number), pq)
        print(
            f"  dask local, {workers} worker processes: {engine.wall:6.1f} s  "
            f"{count / engine.wall:8,.0f} lines/s  "
            f"{count / engine.wall / workers:7,.0f} lines/s per core  cpu {engine.cpu:6.1f} s  "
            f"peak {engine.peak_kb / 1024:6.1f} MB",
            flush=True,
        )
        print(
            f"  mbc batch --jobs {workers} (same lines, to a file): {batch_wall:6.1f} s  "
            f"{count / batch_wall:8,.0f} lines/s  {count / batch_wall / workers:7,.0f} lines/s per core",
            flush=True,
        )
        print(f"  rows identical to mbc batch: {'yes' if same else 'NO'} ({count:,} rows)", flush=True)
    print(f"engine: done, {_load()}", flush=True)
    return same


def _part_number(path: Path) -> int:
    return int("".join(ch for ch in path.stem if ch.isdigit()) or 0)


def _same_rows(batch_out: Path, parts: list[Path], pq: object) -> bool:
    """Every row's id and JSON equal `mbc batch`'s line number and object less "line", in order."""
    import re

    number_field = re.compile(r',"line":(\d+),')  # the first match: no header field is called "line"
    with batch_out.open("rb") as expected:
        for part in parts:
            table = pq.read_table(part, columns=["id", "json"])  # type: ignore[attr-defined]
            ids, texts = table.column("id").to_pylist(), table.column("json").to_pylist()
            for row_id, text in zip(ids, texts, strict=True):
                line = expected.readline().decode("utf-8").rstrip("\n")
                found = number_field.search(line)
                if found is None or row_id != int(found[1]) or number_field.sub(",", line, 1) != text:
                    return False
        return expected.readline() == b""


if __name__ == "__main__":
    sys.exit(0 if engine_group() else 1)
