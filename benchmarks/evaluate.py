"""Measure matching quality on a labelled set of phrases as people type them.

    python benchmarks/evaluate.py                   # the default set and cutoff
    python benchmarks/evaluate.py --sweep           # accuracy and false alarms per cutoff
    python benchmarks/evaluate.py --set FILE.tsv --threshold 80 --data TABLE.yaml

The set's format is described at the top of benchmarks/eval/phrases.tsv. Prints top-site
accuracy (single phrases and typos), the false-alarm rate (unrelated complaints that matched a
site), list, negation and urgent results, and every failure. Exit code 0 when the targets are
met (>= 97% top-site accuracy, <= 3% false alarms, every list, negation and urgent case right),
1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from mbc_lookup.api import lookup_text
from mbc_lookup.knowledge import load_knowledge
from mbc_lookup.matching import DEFAULT_CUTOFF, Matcher
from mbc_lookup.model import Knowledge, LookupResult
from mbc_lookup.reading import Reader

DEFAULT_SET = Path(__file__).parent / "eval" / "phrases.tsv"


@dataclass(frozen=True)
class Case:
    line: int
    kind: str
    expected: str
    text: str


@dataclass
class Scores:
    single_total: int = 0
    single_right: int = 0
    unrelated_total: int = 0
    false_alarms: int = 0
    other_total: int = 0
    other_right: int = 0

    @property
    def accuracy(self) -> float:
        return 100.0 * self.single_right / max(self.single_total, 1)

    @property
    def false_alarm_rate(self) -> float:
        return 100.0 * self.false_alarms / max(self.unrelated_total, 1)


def read_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        kind, expected, text = line.split("\t", 2)
        cases.append(Case(number, kind, expected, text))
    return cases


def describe(result: LookupResult) -> str:
    sites = ", ".join(f"{s.site.id}={s.score:g}" for s in result.sites) or "no site"
    matched = "; ".join(
        f"{i.text!r}->{'/'.join(m.symptom.id + ':' + m.method for m in i.matches) or '-'}"
        + (" (negated)" if i.negated else "")
        for i in result.inputs
    )
    return f"{sites} [{matched}]"


def judge(case: Case, result: LookupResult, cues: frozenset[str]) -> bool:
    sites = [s.site.id for s in result.sites]
    if case.kind in ("single", "typo"):
        accepted = set(case.expected.split("|"))
        return bool(sites) and sites[0] in accepted and set(sites) <= accepted
    if case.kind == "unrelated":
        return not sites
    if case.kind == "list":
        return bool(sites) and sites[0] == case.expected
    if case.kind == "negation":
        for item in result.inputs:
            first = item.text.split()[0].casefold().strip(":") if item.text.split() else ""
            denied = first in cues or item.text.rstrip().casefold().endswith((": no", ": none"))
            # Where everything should be denied, a denied item must be reported negated
            # (pseudo-negations such as "not hungry" are labelled with their site instead).
            if denied and item.matches and not item.negated and case.expected == "-":
                return False
        if case.expected == "-":
            return not sites
        return bool(sites) and sites[0] == case.expected
    if case.kind == "urgent":
        return case.expected in {f.id for f in result.urgent}
    raise ValueError(f"line {case.line}: unknown kind {case.kind!r}")


def evaluate(cases: list[Case], knowledge: Knowledge, cutoff: float, show: bool) -> Scores:
    reader = Reader(Matcher(knowledge, cutoff=cutoff))
    cues = frozenset(knowledge.negation_words)
    scores = Scores()
    failures: list[str] = []
    for case in cases:
        result = lookup_text(case.text, reader)
        right = judge(case, result, cues)
        if case.kind in ("single", "typo"):
            scores.single_total += 1
            scores.single_right += right
        elif case.kind == "unrelated":
            scores.unrelated_total += 1
            scores.false_alarms += not right
        else:
            scores.other_total += 1
            scores.other_right += right
        if not right:
            expected = f"{case.kind} expected {case.expected}"
            failures.append(f"  line {case.line} {expected}: {case.text!r} -> {describe(result)}")
    if show:
        s = scores
        print(f"cases: {len(cases)}  cutoff: {cutoff:g}")
        print(f"top-site accuracy (single phrases and typos): {s.single_right}/{s.single_total}", end="")
        print(f" = {s.accuracy:.1f}%")
        print(
            f"false alarms (unrelated complaints matched to a site): {s.false_alarms}/{s.unrelated_total}",
            end="",
        )
        print(f" = {s.false_alarm_rate:.1f}%")
        print(f"lists, negations, urgent: {s.other_right}/{s.other_total} right")
        print(f"failures: {len(failures)}")
        print("\n".join(failures))
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="labelled TSV file")
    parser.add_argument("--data", type=Path, default=None, help="knowledge table (default: the shipped one)")
    parser.add_argument("--threshold", type=float, default=DEFAULT_CUTOFF, help="fuzzy cutoff")
    parser.add_argument("--sweep", action="store_true", help="report accuracy for cutoffs 60-95")
    args = parser.parse_args()
    knowledge = load_knowledge(args.data)
    cases = read_cases(args.set)
    if args.sweep:
        print("cutoff  accuracy  false-alarms  lists/negations/urgent")
        for cutoff in range(60, 100, 5):
            s = evaluate(cases, knowledge, float(cutoff), show=False)
            rates = f"{s.accuracy:7.1f}%  {s.false_alarm_rate:11.1f}%"
            print(f"{cutoff:6}  {rates}  {s.other_right}/{s.other_total}")
        return 0
    scores = evaluate(cases, knowledge, args.threshold, show=True)
    met = (
        scores.accuracy >= 97.0
        and scores.false_alarm_rate <= 3.0
        and scores.other_right == scores.other_total
    )
    print("targets met" if met else "targets NOT met")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
