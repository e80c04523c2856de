"""Ranking the sites that a list of matched items points to.

A site's score is the sum, over the items that point to it, of that item's best match weight
at the site: the match quality (1.0 for an exact or known-phrase match, the similarity / 100 for
a fuzzy one) divided by the number of sites the symptom is associated with, so a non-specific
symptom (nausea: bones, brain, liver) counts a third toward each. "Three items point here, all
clearly and specifically" scores 3.0. It is a weighted count, not a probability. Negated items
count toward no site. Ties: more items first, then table order.
"""

from __future__ import annotations

from .model import InputResult, Knowledge, SiteResult, Symptom


def rank_sites(inputs: tuple[InputResult, ...], knowledge: Knowledge) -> tuple[SiteResult, ...]:
    totals: dict[str, float] = {}
    symptoms: dict[str, list[Symptom]] = {}
    texts: dict[str, list[str]] = {}
    for item in inputs:
        if item.negated:
            continue
        best: dict[str, float] = {}
        for match in item.matches:
            sites = match.symptom.sites
            weight = match.score / 100.0 / len(sites)
            for site in sites:
                best[site] = max(best.get(site, 0.0), weight)
                site_symptoms = symptoms.setdefault(site, [])
                if match.symptom not in site_symptoms:
                    site_symptoms.append(match.symptom)
        for site, quality in best.items():
            totals[site] = totals.get(site, 0.0) + quality
            texts.setdefault(site, []).append(item.text)
    if not totals:
        return ()
    order = {site.id: (index, site) for index, site in enumerate(knowledge.sites)}
    ranked = sorted(totals, key=lambda s: (-round(totals[s], 6), -len(texts[s]), order[s][0]))
    return tuple(
        SiteResult(
            site=order[site_id][1],
            score=round(totals[site_id], 3),
            symptoms=tuple(symptoms[site_id]),
            inputs=tuple(texts[site_id]),
        )
        for site_id in ranked
    )
