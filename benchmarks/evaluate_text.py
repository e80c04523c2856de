"""Measure how well `mbc` reads sentences and short paragraphs, on labelled YAML sets.

    python benchmarks/evaluate_text.py                                 # ../shared/eval/realworld-dev.yaml
    python benchmarks/evaluate_text.py --set benchmarks/eval/sentences.yaml
    python benchmarks/evaluate_text.py --set FILE.yaml --failures      # print every miss

A set is a YAML file with `cases:`, each with `text`, `sites` (every site the text's present
symptoms are associated with; [] for none), `top` (the site to name first, or null) and
`group`. Per group it prints:
- right site first: the first site reported is `top` (or, where `top` is null, one of `sites`);
- at least one right site: some reported site is in `sites`;
- no site: for cases whose `sites` is empty, nothing was reported.
Where cases carry `urgent` (true: guidance would say get help today or now), it also prints
how many urgent cases were flagged (triage level emergency or urgent) and how many of the
others were flagged anyway.
The development half of the real-world collection is read from ../shared/eval/ and never
copied into the project.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from mbc_lookup.api import load_matcher, lookup_text

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "realworld-dev.yaml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="the labelled YAML set")
    parser.add_argument("--failures", action="store_true", help="print every case that missed")
    args = parser.parse_args()
    cases: list[dict[str, Any]] = yaml.safe_load(args.set.read_text(encoding="utf-8"))["cases"]
    matcher = load_matcher()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # first, any, n, none, n_none
    failures: list[str] = []
    urgent = [0, 0, 0, 0]  # urgent flagged, urgent cases, others flagged, other cases
    for case in cases:
        result = lookup_text(case["text"], matcher)
        if "urgent" in case:
            flagged = result.triage is not None and result.triage.level in ("emergency", "urgent")
            wanted = bool(case["urgent"])
            urgent[0 if wanted else 2] += flagged
            urgent[1 if wanted else 3] += 1
            if flagged != wanted:
                level = result.triage.level if result.triage is not None else None
                failures.append(
                    f"[urgent] want {'urgent' if wanted else 'not urgent'} got {level}: {case['text']!r}"
                )
        found = [site.site.id for site in result.sites]
        expected = set(case["sites"])
        group = case["group"]
        row = counts[group]
        if expected:
            row[2] += 1
            top = case.get("top")
            first_right = bool(found) and (found[0] == top if top else found[0] in expected)
            any_right = bool(expected & set(found))
            row[0] += first_right
            row[1] += any_right
            if not first_right:
                failures.append(f"[{group}] want {top or sorted(expected)} got {found}: {case['text']!r}")
        else:
            row[4] += 1
            row[3] += not found
            if found:
                failures.append(f"[{group}] want no site, got {found}: {case['text']!r}")
    print(f"set: {args.set.name} ({len(cases)} cases)")
    print(f"{'group':<10} {'right site first':>20} {'at least one right':>20} {'no site (negatives)':>22}")
    for group in sorted(counts):
        first, any_, n, none, n_none = counts[group]
        print(f"{group:<10} {_ratio(first, n):>20} {_ratio(any_, n):>20} {_ratio(none, n_none):>22}")
    if urgent[1] or urgent[3]:
        flagged_right, flagged_wrong = _ratio(urgent[0], urgent[1]), _ratio(urgent[2], urgent[3])
        print(f"urgent cases flagged: {flagged_right}; others flagged: {flagged_wrong}")
    if args.failures:
        print("\n".join(["", "misses:", *failures]))
    return 0


def _ratio(right: int, total: int) -> str:
    return f"{right}/{total} = {100.0 * right / total:.1f}%" if total else "-"


if __name__ == "__main__":
    raise SystemExit(main())
