"""Fuzz the CLI's code path with generated input (not part of the default test run).

    python tests/fuzz_cli.py                  # 100,000 inputs (a few minutes)
    python tests/fuzz_cli.py --examples 5000  # a quick look

Every input runs through `mbc symptoms TEXT --json`, `mbc symptoms TEXT` (the terminal table)
and, ten at a time, `mbc batch` (as bytes, with invalid UTF-8 mixed in), all through typer's
CliRunner, exactly as the installed command runs them. For each run it checks: no exception
escapes; the exit code is 0, 1 or 2; JSON output parses and follows the published schema and
carries the disclaimer; the table has the disclaimer and no raw control characters; the same
input gives the same bytes twice (every 25th input). Failures are collected, not stopped at,
and the script prints how many inputs ran and every kind of failure it found.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
os.environ["COLUMNS"] = "100"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import check
from mbc_lookup.cli import app

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
WORDS = [
    "headache", "no", "not", "cough", "coughing up blood", "yellow", "eyes", "pain", "bone", "back",
    "my", "cant", "breathe", "seizure", "weezing", "dizzyness", "lump", "armpit", "and", "or", "with",
    ": no", "[bold red]", "[/]", "[link=x]", "\x1b[31m", "\x1b]0;t\x07", "\u202e", "\x00", "\ufeff",
    "😷", "\uff48\uff45\uff41\uff44", "é", "e\u0301", "כאב", "боль", "\ud800", "\udcff", "!!", "...",
    "\t", "\r", "x" * 600,
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
            self.fail(f"exit code {result.exit_code}", text)
        return result

    def check_json(self, line: str, text: Any) -> None:
        try:
            document = check(json.loads(line))
        except Exception as error:
            self.fail(f"invalid JSON: {type(error).__name__}", text)
            return
        if not document.get("disclaimer"):
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--examples", type=int, default=100_000, help="how many inputs to generate")
    options = parser.parse_args()
    fuzz = Fuzz()
    start = time.perf_counter()

    @settings(
        max_examples=options.examples,
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
    print(f"inputs generated: {fuzz.inputs}")
    print(f"CLI runs: {fuzz.runs} (symptoms --json, symptoms table, batch of 10)")
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
