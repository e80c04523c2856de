"""Ranking the sites that a list of matched items points to.

A site's score is the sum, over the distinct symptoms mentioned as present, of that symptom's
weight at the site: its best match quality (1.0 for an exact or known-phrase match, the
similarity / 100 for a fuzzy one) divided by the number of sites the symptom is associated
with, so a non-specific symptom (nausea: bones, brain, liver) counts a third toward each. Where
the body location decides the site (numbness in both legs: the spine), the symptom counts
wholly toward that site. The same symptom typed twice is one finding; several symptoms in one
sentence each count. "Three symptoms point here, all clearly and specifically" scores 3.0. It
is a weighted count, not a probability. Denied, past, feared and doubted mentions count toward
no site. Ties: more symptoms first, then a site the text names as one the cancer has already
spread to ("with spread to her bones", "my liver mets"), then table order.
"""

from __future__ import annotations

from .model import InputResult, Knowledge, SiteResult, Symptom


def rank_sites(
    inputs: tuple[InputResult, ...], knowledge: Knowledge, known_spread: frozenset[str] = frozenset()
) -> tuple[SiteResult, ...]:
    """The sites the present mentions point to, best first. `known_spread`: the ids of the sites
    the text says the cancer has spread to, which win ties."""
    weights: dict[tuple[str, str], float] = {}  # (site, symptom id) -> best weight
    symptoms: dict[str, list[Symptom]] = {}
    texts: dict[str, list[str]] = {}
    for item in inputs:
        for match in item.matches:
            if not match.present:
                continue
            sites = (match.located_site,) if match.located_site else match.symptom.sites
            weight = match.score / 100.0 / len(sites)
            for site in sites:
                key = (site, match.symptom.id)
                weights[key] = max(weights.get(key, 0.0), weight)
                site_symptoms = symptoms.setdefault(site, [])
                if match.symptom not in site_symptoms:
                    site_symptoms.append(match.symptom)
                site_texts = texts.setdefault(site, [])
                if item.text not in site_texts:
                    site_texts.append(item.text)
    if not weights:
        return ()
    totals: dict[str, float] = {}
    for (site, _), weight in weights.items():
        totals[site] = totals.get(site, 0.0) + weight
    order = {site.id: (index, site) for index, site in enumerate(knowledge.sites)}
    ranked = sorted(
        totals, key=lambda s: (-round(totals[s], 6), -len(symptoms[s]), s not in known_spread, order[s][0])
    )
    return tuple(
        SiteResult(
            site=order[site_id][1],
            score=round(totals[site_id], 3),
            symptoms=tuple(symptoms[site_id]),
            inputs=tuple(texts[site_id]),
        )
        for site_id in ranked
    )
