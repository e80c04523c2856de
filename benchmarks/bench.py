"""Start-up, batch speed and memory of `mbc`, each against its floor (issue 6's targets).

    python benchmarks/bench.py               # everything: about half an hour
    python benchmarks/bench.py --only startup --pairs 31
    python benchmarks/bench.py --only jobs   # --jobs 1 vs --jobs 2 (benchmarks/bench_jobs.py)

Run it in the venv where mbc-lookup is installed. Each comparison runs its pair A, B, A, B,
... interleaved (so drift in machine load hits both alike), after warm-up runs, and prints the
median of each side and the median of the per-pair ratios A/B. The compiled-table cache is
warm (its first build is a one-off per table version), as it is for every run after the first.

1. `mbc symptoms "headache, dizziness" --json` vs `floor_json.py` (typer, same arguments)
2. `mbc symptoms "headache, dizziness"` (table) vs `floor_table.py` (typer + rich)
3. `mbc batch` over 100,000 generated lines vs `plain_batch.py` (extractOne per phrase)
4. peak memory of `mbc batch` on 1,000,000 lines vs on 10,000 lines
5. `mbc symptoms "headache, dizziness" --json` vs a bare `python -c pass`
6. `mbc batch --jobs 1` vs `--jobs 2` on 1,000,000 lines, with and without repeated lines:
   lines per second, speed-up, peak memory of the process tree on 1M vs 10k lines
7. the Dask engine path (`python -m mbc_lookup.dask_job`, Parquet in and out, local mode) on
   the same 1M lines: rows identical to `mbc batch`, lines per second per core (needs the
   `dask` extra)

`--floors PYTHON...` instead times the JSON floor app under other interpreters (venvs with
other typer releases) against a bare start of each: how the typer range was chosen.
`--against PATH/TO/mbc` times the JSON lookup of this install and of another one (say, a venv
of the commit before a change) against the JSON floor, in interleaved triples.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
MBC = shutil.which("mbc", path=sysconfig.get_path("scripts")) or "mbc"
TARGETS = {"json": 1.15, "table": 1.25, "batch": 1.0, "memory": 1.1, "interpreter": 8.0}


def _run(command: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def pairs(name: str, a: Sequence[str], b: Sequence[str], count: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        _run(a)
        _run(b)
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(count):
        times_a.append(_run(a))
        times_b.append(_run(b))
    ratio = statistics.median(x / y for x, y in zip(times_a, times_b, strict=True))
    _report(name, statistics.median(times_a), statistics.median(times_b), ratio, count)
    return ratio


def _report(name: str, a: float, b: float, ratio: float, count: int) -> None:
    target = TARGETS[name]
    verdict = "meets" if ratio <= target else "MISSES"
    print(
        f"{name:<12} A {a * 1000:8.1f} ms   B {b * 1000:8.1f} ms   "
        f"median A/B {ratio:5.2f}  (target <= {target}, {verdict}; {count} pairs)",
        flush=True,
    )


def generate_lines(path: Path, count: int, seed: int = 7, repeats: bool = True) -> None:
    """Symptom lists as people type them: 1-5 phrases from the table's own phrases, some with a
    typo, some unknown, some negated, lists repeating as real batches do (half the lines are
    one of 2,000 common lists). `repeats=False`: no line occurs twice."""
    from mbc_lookup.knowledge import load_knowledge

    rng = random.Random(seed)
    knowledge = load_knowledge()
    known = [phrase for symptom in knowledge.symptoms for phrase in symptom.phrases]
    unknown = ["toothache", "ingrown toenail", "hay fever", "sore thumb", "xyzzy", "my cat is ill"]

    def typo(phrase: str) -> str:
        index = rng.randrange(1, max(2, len(phrase) - 1))
        return phrase[:index] + phrase[index + 1 :]

    def one_list() -> str:
        items = []
        for _ in range(rng.randint(1, 5)):
            roll = rng.random()
            phrase = rng.choice(known)
            if roll < 0.15:
                phrase = typo(phrase)
            elif roll < 0.25:
                phrase = rng.choice(unknown)
            elif roll < 0.30:
                phrase = "no " + phrase
            items.append(phrase)
        return ", ".join(items)

    if not repeats:
        seen: set[str] = set()
        with path.open("w", encoding="utf-8") as out:
            while len(seen) < count:
                line = one_list()
                if line not in seen:
                    seen.add(line)
                    out.write(line + "\n")
        return
    common = [one_list() for _ in range(2000)]
    with path.open("w", encoding="utf-8") as out:
        for _ in range(count):
            out.write((rng.choice(common) if rng.random() < 0.5 else one_list()) + "\n")


def peak_rss_kb(command: Sequence[str]) -> int:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    return int(usage.ru_maxrss)


def floors(pythons: list[str], count: int) -> int:
    """The typer floor app against a bare interpreter start, for each interpreter given."""
    for python in pythons:
        version = subprocess.run(
            [python, "-c", "import typer; print(typer.__version__)"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        app = [python, str(HERE / "floor_json.py"), "symptoms", "headache, dizziness", "--json"]
        bare = [python, "-c", "pass"]
        for _ in range(3):
            _run(app)
            _run(bare)
        times_app, times_bare = [], []
        for _ in range(count):
            times_app.append(_run(app))
            times_bare.append(_run(bare))
        ratio = statistics.median(a / b for a, b in zip(times_app, times_bare, strict=True))
        print(
            f"typer {version:<8} floor app {statistics.median(times_app) * 1000:6.1f} ms   "
            f"bare python {statistics.median(times_bare) * 1000:5.1f} ms   median ratio {ratio:5.2f}x"
        )
    return 0


def against(other: str, count: int) -> int:
    """The JSON lookup of this `mbc` and of another install of it (a venv of the commit before
    a change), each against the JSON floor, run in interleaved triples: on a machine whose
    speed drifts from hour to hour, a change's effect on the ratio shows only side by side."""
    text = "headache, dizziness"
    commands = {
        "this": [MBC, "symptoms", text, "--json"],
        "other": [other, "symptoms", text, "--json"],
        "floor": [PYTHON, str(HERE / "floor_json.py"), "symptoms", text, "--json"],
    }
    for _ in range(3):
        for command in commands.values():
            _run(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for turn in range(count):
        for name in list(commands) if turn % 2 == 0 else list(reversed(commands)):
            times[name].append(_run(commands[name]))
    for name in ("this", "other"):
        ratio = statistics.median(a / b for a, b in zip(times[name], times["floor"], strict=True))
        mbc = MBC if name == "this" else other
        print(f"{name:<6} {statistics.median(times[name]) * 1000:6.1f} ms  median A/B {ratio:5.2f}  ({mbc})")
    print(f"floor  {statistics.median(times['floor']) * 1000:6.1f} ms  ({count} triples)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=21, help="interleaved pairs per comparison (>= 15)")
    parser.add_argument("--batch-pairs", type=int, default=15, help="pairs for the batch comparison")
    groups = ["startup", "batch", "memory", "jobs", "engine"]
    parser.add_argument("--only", choices=groups, help="run one group")
    parser.add_argument("--jobs-pairs", type=int, default=3, help="--jobs 1/--jobs 2 pairs per input")
    parser.add_argument("--floors", nargs="+", metavar="PYTHON", help="time floor_json.py under these")
    parser.add_argument("--against", metavar="MBC", help="the JSON lookup beside another install's mbc")
    options = parser.parse_args()
    if options.floors:
        return floors(options.floors, options.pairs)
    if options.against:
        return against(options.against, options.pairs)

    print(f"python {sys.version.split()[0]} at {PYTHON}; mbc at {MBC}")
    # An editable install under PYTHONDONTWRITEBYTECODE would compile mbc_lookup's source on
    # every run, which no real install does: make sure its bytecode exists, as pip does.
    import compileall

    import mbc_lookup

    compileall.compile_dir(str(Path(mbc_lookup.__file__).parent), quiet=1)
    _run([MBC, "symptoms", "headache", "--json"])  # build the compiled-table cache once
    ratios: dict[str, float] = {}
    text = "headache, dizziness"
    if options.only in (None, "startup"):
        ratios["json"] = pairs(
            "json", [MBC, "symptoms", text, "--json"],
            [PYTHON, str(HERE / "floor_json.py"), "symptoms", text, "--json"], options.pairs,
        )  # fmt: skip
        ratios["table"] = pairs(
            "table", [MBC, "symptoms", text, "--format", "table"],
            [PYTHON, str(HERE / "floor_table.py"), "symptoms", text],
            options.pairs,
        )  # fmt: skip
        ratios["interpreter"] = pairs(
            "interpreter", [MBC, "symptoms", text, "--json"], [PYTHON, "-c", "pass"], options.pairs
        )
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        if options.only in (None, "batch"):
            lines = work / "lines-100k.txt"
            generate_lines(lines, 100_000)
            ratios["batch"] = pairs(
                "batch", [MBC, "batch", str(lines), "--output", os.devnull],
                [PYTHON, str(HERE / "plain_batch.py"), str(lines)], options.batch_pairs, warmup=1,
            )  # fmt: skip
        if options.only in (None, "memory"):
            small, large = work / "lines-10k.txt", work / "lines-1m.txt"
            generate_lines(small, 10_000)
            generate_lines(large, 1_000_000)
            small_kb = statistics.median(
                peak_rss_kb([MBC, "batch", str(small), "-o", os.devnull]) for _ in range(3)
            )
            large_kb = statistics.median(
                peak_rss_kb([MBC, "batch", str(large), "-o", os.devnull]) for _ in range(3)
            )
            ratios["memory"] = large_kb / small_kb
            verdict = "meets" if ratios["memory"] <= TARGETS["memory"] else "MISSES"
            print(
                f"{'memory':<12} 1M lines {large_kb / 1024:6.1f} MB   10k lines {small_kb / 1024:6.1f} MB   "
                f"ratio {ratios['memory']:5.2f}  (target <= {TARGETS['memory']}, {verdict}; median of 3)"
            )
    missed = [name for name, ratio in ratios.items() if ratio > TARGETS[name]]
    if options.only in (None, "jobs", "engine"):
        import bench_jobs

        if options.only in (None, "jobs"):
            for name, value in bench_jobs.jobs_group(options.jobs_pairs).items():
                speed = name.startswith("speed-up")
                if (value < bench_jobs.TARGET_SPEEDUP) if speed else (value > bench_jobs.TARGET_MEMORY):
                    missed.append(name)
        if options.only in (None, "engine"):
            try:
                import dask.dataframe  # noqa: F401
            except ImportError:
                print('engine: skipped (pip install -e ".[dask]")')
            else:
                if not bench_jobs.engine_group():
                    missed.append("engine rows")
    print("all targets met" if not missed else f"targets missed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
