"""Fuzz the CLI's code path with generated input (not part of the default test run).

    python tests/fuzz_cli.py                  # 100,000 inputs, 5,000 tables, 20,000 entries
    python tests/fuzz_cli.py --examples 5000 --tables 300 --entries 1000   # a quick look
    python tests/fuzz_cli.py --shard 1/2 & python tests/fuzz_cli.py --shard 2/2   # on two cores

Every input runs through `mbc symptoms TEXT --json`, `mbc symptoms TEXT` (the terminal table)
and, ten at a time, `mbc batch` (as bytes, with invalid UTF-8 mixed in), all through typer's
CliRunner, exactly as the installed command runs them. For each run it checks: no exception
escapes; the exit code is 0, 1 or 2; JSON output parses and follows the published schema and
carries the disclaimer; the table has the disclaimer and no raw control characters; the same
input gives the same bytes twice (every 25th input).

Mutated knowledge tables (`--tables`): the shipped table with bytes flipped, lines dropped or
repeated, and hostile fragments spliced in (5,000-digit numbers, deep nesting, aliases,
python tags, control characters, bad dates). Each runs through `validate`, `validate
--json`, `symptoms --json --data` and the table view: exit codes 0/1/2 only, validate and
the lookup agree on whether the table is usable, exit 2 is one `mbc: error:` line, the JSON
follows the schema, nothing raw reaches the terminal.

Mutated cache entries (`--entries`): the compiled-table cache entry of the shipped table with
bytes flipped, cut short or extended, its payload changed and re-signed with a valid digest,
or replaced by plain data of the wrong shape. Each time, `symptoms --json` must give exactly
the bytes a run without the cache gives.

Failures are collected, not stopped at, and the script prints how many inputs ran and every
kind of failure it found.
"""

from __future__ import annotations

import argparse
import json
import marshal
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
os.environ["COLUMNS"] = "100"
os.environ["MBC_CACHE_DIR"] = tempfile.mkdtemp(prefix="mbc-fuzz-cache-")
os.environ.pop("MBC_DATA", None)
sys.path.insert(0, str(Path(__file__).resolve().parent))

import hypothesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import check
from mbc_lookup import table_cache
from mbc_lookup.cli import app
from mbc_lookup.knowledge import default_path
from mbc_lookup.table_file import read_table_file

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
WORDS = [
    "headache", "no", "not", "cough", "coughing up blood", "yellow", "eyes", "pain", "bone", "back",
    "my", "cant", "breathe", "seizure", "weezing", "dizzyness", "lump", "armpit", "and", "or", "with",
    ": no", "[bold red]", "[/]", "[link=x]", "\x1b[31m", "\x1b]0;t\x07", "\u202e", "\x00", "\ufeff",
    "😷", "\uff48\uff45\uff41\uff44", "é", "e\u0301", "כאב", "боль", "\ud800", "\udcff", "!!", "...",
    "\t", "\r", "x" * 600,
    # the reader's and triage's words: context cues, qualifiers, numbers, clause breaks
    "but", "never noticed", "years ago", "worried i might get", "maybe", "gone now", "sudden",
    "worst ever", "a bit", "getting worse", "same as usual", "38.5", "101F", "temp 35.2", "on chemo",
    "had chemo last week", "both legs", "left leg", "numb", "calcium 3.1", "fit", "clothes", "hiccups",
    "wont stop", "cant put weight on", "lots of blood", "(", ")", " - ", ".", "?", "my dad",
]  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=80),
    st.lists(st.sampled_from(WORDS), max_size=15).map(" ".join),
    st.lists(st.sampled_from(WORDS), max_size=15).map(", ".join),
    st.lists(st.sampled_from([*WORDS, ",", ";", "\n"]), max_size=30).map("".join),
)


class Fuzz:
    def __init__(self) -> None:
        self.runner = CliRunner()
        self.inputs = 0
        self.runs = 0
        self.failures: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.batch_lines: list[bytes] = []

    def fail(self, kind: str, text: Any) -> None:
        self.failures[kind] += 1
        self.examples.setdefault(kind, repr(text)[:300])

    def invoke(self, args: list[str], text: Any, stdin: bytes | None = None) -> Any:
        self.runs += 1
        result = self.runner.invoke(app, args, input=stdin, prog_name="mbc")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            self.fail(f"exception {type(result.exception).__name__}", text)
        if result.exit_code not in (0, 1, 2):
            last = result.stderr.splitlines()[-1][:160] if result.stderr else ""
            self.fail(f"exit code {result.exit_code}: {last}", text)
        return result

    def check_json(self, line: str, text: Any, lookup: bool = True) -> None:
        try:
            document = check(json.loads(line))
        except Exception as error:
            self.fail(f"invalid JSON: {type(error).__name__}", text)
            return
        if lookup and not document.get("disclaimer"):
            self.fail("JSON without disclaimer", text)
        if RAW_CONTROL.search(line):
            self.fail("raw control character in JSON", text)

    def one(self, text: str) -> None:
        self.inputs += 1
        # "--" ends the options, as a script passing arbitrary text must ("--explain" is text here).
        as_json = self.invoke(["symptoms", "--json", "--", text], text)
        if as_json.exit_code in (0, 1):
            self.check_json(as_json.stdout, text)
            if self.inputs % 25 == 0:
                again = self.invoke(["symptoms", "--json", "--", text], text)
                if again.stdout != as_json.stdout:
                    self.fail("not deterministic", text)
        elif as_json.stderr.count("\n") != 1 or not as_json.stderr.startswith("mbc: error:"):
            self.fail("exit 2 without one error line", text)
        table = self.invoke(["symptoms", "--", text], text)
        if table.exit_code != as_json.exit_code:
            self.fail("table and JSON disagree on the exit code", text)
        if table.exit_code in (0, 1):
            if "not a diagnosis" not in table.stdout:
                self.fail("table without disclaimer", text)
            if RAW_CONTROL.search(table.stdout.replace("\n", "")):
                self.fail("raw control character in the table", text)
        self.batch_lines.append(text.encode("utf-8", "surrogatepass"))  # lone surrogates: invalid UTF-8
        if len(self.batch_lines) == 10:
            self.batch()

    def batch(self) -> None:
        stdin = b"\n".join(self.batch_lines) + b"\n\xff\xfe\n"
        self.batch_lines = []
        result = self.invoke(["batch", "-"], stdin, stdin=stdin)
        for line in result.stdout.splitlines():
            self.check_json(line, stdin)


TABLE_FRAGMENTS = [
    "9" * 5000, "[" * 300 + "]" * 300, "{a: " * 120 + "}" * 120, "&a [x]", "*a", "<<: *a",
    "!!python/object/apply:os.system ['true']", "!!binary 'AAAA'", "\x1b[31m", "\x07", "\u202e",
    "\x9b", "\t", "\x00", "2024-13-45", "1e999", ".nan", "-.inf", "0x" + "f" * 80, "yes", "null",
    "~", "{", "[", "- ", ": ", "? ", "'", '"', "\\e", "|", ">-", "%YAML 1.1", "---", "...", "#",
    "\ufeff", "😷", "\ud800",
]  # fmt: skip
PROBE = "headache, yellow eyes, no cough, weezing, coughing up blood, toothache"


def mutate_table(text: str, rng: random.Random) -> bytes:
    """The shipped table, damaged a few ways at random."""
    lines = text.splitlines(keepends=True)
    for _ in range(rng.choice([1, 1, 2, 3, 6])):
        op = rng.choice([0, 1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 7])
        at = rng.randrange(len(lines))
        if op == 6:  # harmless: a comment, which may still hold anything
            lines.insert(at, "# " + rng.choice(TABLE_FRAGMENTS).replace("\n", " ") + "\n")
        elif op == 7 and '"' in lines[at]:  # a word added inside a quoted text
            cut = lines[at].index('"') + 1
            lines[at] = lines[at][:cut] + rng.choice(WORDS).replace('"', "") + " " + lines[at][cut:]
        elif op == 0:
            del lines[at]
        elif op == 1:
            lines.insert(at, lines[rng.randrange(len(lines))])
        elif op == 2:  # a fragment in place of a value, or spliced into the line
            line = lines[at]
            head = line[: line.index(": ") + 2] if ": " in line else line[: rng.randrange(len(line) + 1)]
            lines[at] = head + rng.choice(TABLE_FRAGMENTS) + "\n"
        elif op == 3:
            lines.insert(at, " " * rng.randrange(8) + rng.choice(TABLE_FRAGMENTS) + "\n")
        elif op == 4:
            lines[at], lines[-1 - at] = lines[-1 - at], lines[at]
        else:
            del lines[at:]
            break
    raw = bytearray("".join(lines).encode("utf-8", "surrogatepass"))
    if rng.random() < 0.2 and raw:
        for _ in range(rng.choice([1, 2, 8])):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
    return bytes(raw)


class TableFuzz:
    """Damaged knowledge tables through every command that reads one."""

    def __init__(self, fuzz: Fuzz, directory: str) -> None:
        self.fuzz = fuzz
        self.path = os.path.join(directory, "table.yaml")
        self.text = default_path().read_text(encoding="utf-8")
        self.tables = 0
        self.valid = 0

    def one(self, seed: int) -> None:
        self.tables += 1
        with open(self.path, "wb") as handle:
            handle.write(mutate_table(self.text, random.Random(seed)))
        label = f"table seed {seed}"
        fuzz = self.fuzz
        report = fuzz.invoke(["validate", self.path], label)
        as_json = fuzz.invoke(["validate", self.path, "--json"], label)
        if report.exit_code not in (0, 2) or as_json.exit_code != report.exit_code:
            fuzz.fail("validate: exit codes", label)
        fuzz.check_json(as_json.stdout, label, lookup=False)
        if as_json.exit_code in (0, 2) and json.loads(as_json.stdout or "{}").get("valid") != (
            as_json.exit_code == 0
        ):
            fuzz.fail("validate --json: 'valid' disagrees with the exit code", label)
        if RAW_CONTROL.search(report.stdout.replace("\n", "")):
            fuzz.fail("validate: raw control character", label)
        self.valid += report.exit_code == 0
        for args in (
            ["symptoms", "--json", "--data", self.path, "--", PROBE],
            ["symptoms", "--data", self.path, "--", PROBE],
        ):
            result = fuzz.invoke(args, label)
            if (result.exit_code == 2) != (report.exit_code == 2):
                fuzz.fail("validate and the lookup disagree on whether the table is usable", label)
            if result.exit_code == 2:
                if result.stderr.count("\n") != 1 or not result.stderr.startswith("mbc: error:"):
                    fuzz.fail("bad table: not one error line", label)
                if RAW_CONTROL.search(result.stderr.replace("\n", "")):
                    fuzz.fail("bad table: raw control character in the error", label)
            elif "--json" in args:
                fuzz.check_json(result.stdout, label)
            elif RAW_CONTROL.search(result.stdout.replace("\n", "")):
                fuzz.fail("raw control character in the table view of a mutated table", label)


class EntryFuzz:
    """Damaged compiled-table cache entries: never a crash, never a different answer."""

    def __init__(self, fuzz: Fuzz) -> None:
        if any(table_cache._SHIPPED.glob("*.marshal")):  # an installed wheel's own entries
            raise SystemExit(
                "fuzz_cli.py: run it from a source checkout (pip install -e .): an installed wheel "
                "answers the shipped table from the entries it ships, so the cache would go untested"
            )
        self.fuzz = fuzz
        self.args = ["symptoms", "--json", "--", PROBE]
        directory = tempfile.mkdtemp(prefix="mbc-fuzz-entries-")
        os.environ["MBC_CACHE_DIR"] = ""
        self.expected = fuzz.runner.invoke(app, self.args, prog_name="mbc").stdout  # no cache at all
        os.environ["MBC_CACHE_DIR"] = directory
        fuzz.runner.invoke(app, self.args, prog_name="mbc")  # writes the entry
        (self.entry,) = (
            os.path.join(directory, name) for name in os.listdir(directory) if name.endswith(".marshal")
        )
        with open(self.entry, "rb") as handle:
            self.good = handle.read()
        self.plain = marshal.loads(self.good[table_cache._HEADER :])
        self.entries = 0
        self.forged_answers = 0
        self.forged_off_schema = 0
        self.kinds: Counter[str] = Counter()

    def damaged(self, rng: random.Random) -> tuple[str, bytes]:
        raw = bytearray(self.good)
        kind = rng.choice(["bytes", "bytes", "cut", "extended", "re-signed", "re-signed", "wrong shape"])
        if kind == "bytes":
            for _ in range(rng.choice([1, 1, 2, 4, 16])):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        elif kind == "cut":
            del raw[rng.randrange(len(raw)) :]
        elif kind == "extended":
            raw += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        elif kind == "re-signed":  # a damaged payload with a header that matches it
            payload = bytearray(raw[table_cache._HEADER :])
            for _ in range(rng.choice([1, 1, 2, 4])):
                payload[rng.randrange(len(payload))] = rng.randrange(256)
            raw = bytearray(resign(bytes(payload)))
        else:
            raw = bytearray(resign(marshal.dumps(reshape(self.plain, rng))))
        return kind, bytes(raw)

    def one(self, seed: int) -> None:
        self.entries += 1
        kind, raw = self.damaged(random.Random(seed))
        self.kinds[kind] += 1
        with open(self.entry, "wb") as handle:
            handle.write(raw)
        result = self.fuzz.invoke(self.args, f"entry seed {seed} ({kind})")
        if kind == "re-signed":
            # A changed payload under a matching digest is not damage but a forgery by someone
            # who can write to the user's own cache directory and knows its format: no check
            # short of the full build can tell it from a real entry. It must not crash (the exit
            # code is checked by `invoke`); what it answers is counted, not judged.
            self.forged_answers += result.stdout != self.expected
            try:
                check(json.loads(result.stdout))
            except Exception:
                self.forged_off_schema += 1
        elif result.stdout != self.expected or result.exit_code != 0:
            self.fuzz.fail(f"cache entry ({kind}) changed the answer", f"entry seed {seed}")


def resign(payload: bytes) -> bytes:
    """An entry for the shipped table whose header matches `payload`."""
    return table_cache.framed(read_table_file().fingerprint, payload)


def reshape(value: object, rng: random.Random, depth: int = 0) -> object:
    """The plain entry with one value somewhere swapped for one of another type (an empty
    tuple or dict counts as a value)."""
    if isinstance(value, tuple) and value and depth < 8:
        at = rng.randrange(len(value))
        return (*value[:at], reshape(value[at], rng, depth + 1), *value[at + 1 :])
    if isinstance(value, dict) and value and depth < 8:
        key = rng.choice(list(value))
        return {**value, key: reshape(value[key], rng, depth + 1)}
    others = [None, 0, 1.5, True, "x", b"x", ("x",), frozenset({1}), {"a": 1}, [1]]
    return rng.choice([other for other in others if type(other) is not type(value)])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=100_000, help="how many inputs to generate")
    parser.add_argument("--tables", type=int, default=5_000, help="how many mutated tables")
    parser.add_argument("--entries", type=int, default=20_000, help="how many mutated cache entries")
    parser.add_argument(
        "--shard", default="1/1", metavar="K/N",
        help="run the K-th of N equal shares (tables and entries by seed, inputs from seed K): "
        "N runs at once cover the whole run on N cores; add up their counts",
    )  # fmt: skip
    options = parser.parse_args()
    shard, shards = (int(number) for number in options.shard.split("/"))
    if not 1 <= shard <= shards:
        parser.error("--shard must be K/N with 1 <= K <= N")
    fuzz = Fuzz()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        tables = TableFuzz(fuzz, directory)
        for number in range(shard - 1, options.tables, shards):
            tables.one(number)
    entries = EntryFuzz(fuzz)
    for number in range(shard - 1, options.entries, shards):
        entries.one(number)

    @hypothesis.seed(shard)
    @settings(
        max_examples=-(-options.examples // shards),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(text=TEXT)
    def run(text: str) -> None:
        fuzz.one(text)

    run()
    if fuzz.batch_lines:
        fuzz.batch()
    seconds = time.perf_counter() - start
    print(f"shard {shard}/{shards}")
    print(f"inputs generated: {fuzz.inputs}")
    print(f"mutated tables: {tables.tables} ({tables.valid} still valid)")
    kinds = ", ".join(f"{count} {kind}" for kind, count in entries.kinds.items())
    print(f"mutated cache entries: {entries.entries} ({kinds})")
    print(
        f"  re-signed (forged) entries that changed the answer: {entries.forged_answers}, "
        f"of which off the schema: {entries.forged_off_schema}"
    )
    print(f"CLI runs: {fuzz.runs} (symptoms --json, symptoms table, batch of 10; validate; with --data)")
    print(f"time: {seconds:.0f} s")
    if not fuzz.failures:
        print("failures: none")
        return 0
    print("failures:")
    for kind, count in fuzz.failures.most_common():
        print(f"  {count:6d}  {kind}  e.g. {fuzz.examples[kind]}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
