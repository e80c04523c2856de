"""The batch baseline: the plainest useful per-phrase matcher. For each phrase of each line it
calls `rapidfuzz.process.extractOne` over all known phrases and writes one `json.dumps` line.
It does no normalising, negation, ranking or urgent check; `mbc batch` does all of that.

    python benchmarks/plain_batch.py LINES_FILE > out.ndjson
"""

from __future__ import annotations

import json
import sys

from rapidfuzz import fuzz, process

from mbc_lookup.knowledge import load_knowledge


def main() -> None:
    knowledge = load_knowledge()
    phrases: list[str] = []
    owners: list[str] = []
    for symptom in knowledge.symptoms:
        for text in (symptom.name, *symptom.phrases):
            phrases.append(text.casefold())
            owners.append(symptom.id)
    out = sys.stdout
    with open(sys.argv[1], encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            matches = []
            for phrase in line.split(","):
                phrase = phrase.strip().casefold()
                if not phrase:
                    continue
                best = process.extractOne(phrase, phrases, scorer=fuzz.ratio, score_cutoff=75)
                if best is not None:
                    matches.append({"phrase": phrase, "symptom": owners[best[2]], "score": best[1]})
            out.write(json.dumps({"line": number, "matches": matches}) + "\n")


if __name__ == "__main__":
    main()
