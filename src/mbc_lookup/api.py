"""The importable API: text in, a typed `LookupResult` out. The CLI is a shell over this."""

from __future__ import annotations

from collections.abc import Iterable

from .knowledge import load_knowledge
from .matching import Matcher
from .model import InputResult, Knowledge, LookupResult, UrgentFinding
from .ranking import rank_sites
from .text import iter_unique, split_items


def lookup_items(items: Iterable[str], matcher: Matcher) -> LookupResult:
    """Match already-split items (duplicates are reported once) and rank the sites."""
    inputs = tuple(matcher.match_item(item) for item, _ in iter_unique(list(items)))
    knowledge = matcher.knowledge
    return LookupResult(
        inputs=inputs,
        sites=rank_sites(inputs, knowledge),
        urgent=_urgent_findings(inputs, knowledge),
        fuzzy_cutoff=matcher.cutoff,
    )


def lookup(
    text: str,
    knowledge: Knowledge | None = None,
    *,
    threshold: float | None = None,
) -> LookupResult:
    """Look up symptoms typed as one string ("headache, dizziness").

    `knowledge` defaults to the shipped table; `threshold` (0-100) is the fuzzy cutoff.
    For many lookups build one `Matcher` and call `lookup_items` instead.
    """
    table = knowledge if knowledge is not None else load_knowledge()
    matcher = Matcher(table) if threshold is None else Matcher(table, cutoff=threshold)
    return lookup_items(split_items(text), matcher)


def _urgent_findings(inputs: tuple[InputResult, ...], knowledge: Knowledge) -> tuple[UrgentFinding, ...]:
    findings: list[UrgentFinding] = []
    for item in inputs:
        if item.negated:
            continue
        for match in item.matches:
            symptom = match.symptom
            if symptom.urgent and symptom.advice:
                source = knowledge.source(symptom.advice_source) if symptom.advice_source else None
                findings.append(UrgentFinding(item.text, symptom, symptom.advice, source))
    return tuple(findings)
