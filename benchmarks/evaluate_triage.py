"""Measure triage on labelled vignettes: the confusion table of expected x reported level.

    python benchmarks/evaluate_triage.py                        # benchmarks/eval/triage.yaml
    python benchmarks/evaluate_triage.py --set FILE.yaml --failures

A set is a YAML file with `cases:`, each with `text` and `level` (emergency, urgent, routine or
none). Prints the confusion table, then: emergencies reported as emergency, emergencies
flagged at all, same-day cases flagged (reported urgent or emergency), level exactly
right, and routine or unrelated cases flagged (reported urgent or emergency).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from mbc_lookup.api import load_matcher, lookup_text
from mbc_lookup.reading import Reader

LEVELS = ("emergency", "urgent", "routine", "none")
DEFAULT_SET = Path(__file__).parent / "eval" / "triage.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="the labelled YAML set")
    parser.add_argument("--failures", action="store_true", help="print every case graded wrongly")
    args = parser.parse_args()
    cases: list[dict[str, Any]] = yaml.safe_load(args.set.read_text(encoding="utf-8"))["cases"]
    reader = Reader(load_matcher())
    table: Counter[tuple[str, str]] = Counter()
    misses: list[str] = []
    for case in cases:
        result = lookup_text(case["text"], reader)
        got = result.triage.level
        table[(case["level"], got)] += 1
        if got != case["level"]:
            rules = ", ".join(reason.rule.id for reason in result.triage.reasons[:2]) or "-"
            misses.append(f"[{case['level']} -> {got}] ({rules}) {case['text']!r}")
    print(f"set: {args.set.name} ({len(cases)} cases); rows: expected, columns: reported")
    print(f"{'':<10}" + "".join(f"{level:>10}" for level in LEVELS) + f"{'total':>8}")
    for expected in LEVELS:
        row = [table[(expected, got)] for got in LEVELS]
        print(f"{expected:<10}" + "".join(f"{n:>10}" for n in row) + f"{sum(row):>8}")

    def share(expected: tuple[str, ...], reported: tuple[str, ...]) -> str:
        total = sum(table[(e, g)] for e in expected for g in LEVELS)
        hits = sum(table[(e, g)] for e in expected for g in reported)
        return f"{hits}/{total} = {100.0 * hits / total:.1f}%" if total else "-"

    print(f"emergencies reported as emergency:          {share(('emergency',), ('emergency',))}")
    print(f"emergencies flagged (emergency or urgent):  {share(('emergency',), ('emergency', 'urgent'))}")
    print(f"same-day cases flagged (urgent or higher):  {share(('urgent',), ('emergency', 'urgent'))}")
    exact = sum(table[(level, level)] for level in LEVELS)
    percent = 100.0 * exact / len(cases)
    print(f"level exactly right:                        {exact}/{len(cases)} = {percent:.1f}%")
    print(
        f"routine or unrelated cases flagged:         {share(('routine', 'none'), ('emergency', 'urgent'))}"
    )
    if args.failures:
        print("\n".join(["", "misses:", *misses]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
