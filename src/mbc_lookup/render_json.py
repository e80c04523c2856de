"""The JSON documents `mbc` prints (schema version 1, published in `schema.json`).

Every document starts with the same header (schema and tool versions, the knowledge table's
version and sha256) and a `kind`: "lookup" (`symptoms`, and each line of `batch`, which adds
"line"), "sites", "site", "treatments" or "validation". Plain `json`: no rich on this path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from json.encoder import encode_basestring
from typing import Any

from . import __version__
from .model import (
    DiagnosticTest,
    InputResult,
    Knowledge,
    LookupResult,
    Match,
    Modifier,
    Site,
    SiteResult,
    Source,
    Symptom,
    TriageReason,
    UrgentPattern,
)
from .table_file import Problem
from .text import UNSAFE_FOR_TERMINAL

SCHEMA_VERSION = 1
# json.dumps(ensure_ascii=False) escapes C0 controls but leaves DEL, C1 controls and bidi
# overrides raw; the terminal-unsafe set from `text` finds exactly those in its output.


def _source(source: Source | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"id": source.id, "publisher": source.publisher, "title": source.title, "url": source.url}


def _codes(symptom: Symptom) -> dict[str, Any]:
    codes = symptom.codes
    return {"hpo": codes.hpo, "hpo_label": codes.hpo_label, "snomed": codes.snomed, "umls": codes.umls}


def _match(match: Match, cutoff: float) -> dict[str, Any]:
    symptom = match.symptom
    return {
        "site": symptom.site,
        "sites": list(symptom.sites),
        "non_specific": symptom.non_specific,
        "symptom_id": symptom.id,
        "symptom": symptom.name,
        "matched": match.matched,
        "method": match.method,
        "score": match.score,
        "cutoff": cutoff,
        "urgent": symptom.urgent,
        "source": symptom.source,
        "codes": _codes(symptom),
        "span": {"start": match.start, "end": match.end},
        "context": match.context,
        "cues": list(match.cues),
        "modifiers": [_modifier(modifier) for modifier in match.modifiers],
        "located_site": match.located_site,
    }


def _modifier(modifier: Modifier) -> dict[str, Any]:
    return {
        "category": modifier.category,
        "value": modifier.value,
        "text": modifier.text,
        "span": {"start": modifier.start, "end": modifier.end},
    }


def modifier_list(modifiers: tuple[Modifier, ...]) -> list[dict[str, Any]]:
    return [_modifier(modifier) for modifier in modifiers]


def header(kind: str, knowledge: Knowledge | None) -> dict[str, Any]:
    """The fields every document starts with."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "kind": kind,
        "knowledge_version": knowledge.knowledge_version if knowledge else None,
        "knowledge_sha256": knowledge.sha256 if knowledge else None,
        "seed_only": knowledge.seed_only if knowledge else False,
    }


def result_to_dict(result: LookupResult, knowledge: Knowledge, line: int | None = None) -> dict[str, Any]:
    """The lookup document; batch output adds the input `line` number."""
    document = header("lookup", knowledge)
    if line is not None:
        document["line"] = line
    document["disclaimer"] = knowledge.disclaimer
    document["fuzzy_cutoff"] = result.fuzzy_cutoff
    return document | lookup_body(result)


def lookup_body(result: LookupResult) -> dict[str, Any]:
    """The part of a lookup document that depends on the input: the text, what was found in
    it, sites, urgent."""
    return {
        "text": result.text,
        "modifiers": modifier_list(result.modifiers),
        "inputs": [input_to_dict(item, result.fuzzy_cutoff) for item in result.inputs],
        "sites": sites_to_list(result),
        "urgent": urgent_to_list(result),
        "triage": triage_to_dict(result),
    }


def input_to_dict(item: InputResult, cutoff: float) -> dict[str, Any]:
    """One part of the input and what it matched; it depends on the part, where it stands in
    the text, and the cutoff only."""
    return {
        "text": item.text,
        "span": {"start": item.start, "end": item.end},
        "normalized": item.normalized,
        "negated": item.negated,
        "matches": [_match(match, cutoff) for match in item.matches],
        "unrelated": item.unrelated,
        "suggestions": list(item.suggestions),
    }


def sites_to_list(result: LookupResult) -> list[dict[str, Any]]:
    return [
        {
            **site_entry_head(site),
            "score": site.score,
            "symptoms": [symptom.id for symptom in site.symptoms],
            "inputs": list(site.inputs),
        }
        for site in result.sites
    ]


def site_entry_head(site: SiteResult) -> dict[str, Any]:
    """A site's entry up to its score, which comes next (batch encodes this part once)."""
    return {"site": site.site.id, "name": site.site.name}


def triage_to_dict(result: LookupResult) -> dict[str, Any]:
    """How urgently to get care: the level, what to do, and every rule that holds."""
    triage = result.triage
    return {
        "level": triage.level,
        "action": triage.action,
        "reasons": [reason_to_dict(reason) for reason in triage.reasons],
    }


def reason_to_dict(reason: TriageReason) -> dict[str, Any]:
    """One rule that holds: the rule, what it rests on (inputs, symptom_ids, modifiers), its
    advice and source. Batch encodes the rule's own parts once (`BatchRun.render_reason`)."""
    return {
        "rule": reason.rule.id,
        "name": reason.rule.name,
        "level": reason.rule.level,
        "inputs": list(reason.inputs),
        "symptom_ids": [symptom.id for symptom in reason.symptoms],
        "modifiers": list(reason.modifiers),
        "advice": reason.rule.advice,
        "source": _source(reason.source),
    }


def urgent_to_list(result: LookupResult) -> list[dict[str, Any]]:
    return [
        {
            "kind": finding.kind,
            "input": "; ".join(finding.inputs),
            "inputs": list(finding.inputs),
            "symptom_id": finding.id,
            "symptom": finding.name,
            "symptom_ids": [symptom.id for symptom in finding.symptoms],
            "advice": finding.advice,
            "source": _source(finding.source),
        }
        for finding in result.urgent
    ]


def _test(test: DiagnosticTest) -> dict[str, Any]:
    return {"name": test.name, "description": test.description, "source": test.source}


def sites_to_dict(knowledge: Knowledge) -> dict[str, Any]:
    return header("sites", knowledge) | {
        "disclaimer": knowledge.disclaimer,
        "sites": [
            {
                "site": site.id,
                "name": site.name,
                "symptom_count": len(site.symptoms),
                "urgent_count": sum(symptom.urgent for symptom in site.symptoms),
                "symptoms": [symptom.id for symptom in site.symptoms],
                "tests": [_test(test) for test in site.tests],
                "description": site.description,
                "description_source": site.description_source,
            }
            for site in knowledge.sites
        ],
    }


def site_patterns(knowledge: Knowledge, site: Site) -> list[UrgentPattern]:
    """The urgent patterns that involve one of the site's symptoms."""
    ids = {symptom.id for symptom in site.symptoms}
    return [p for p in knowledge.urgent_patterns if any(s in ids for group in p.all_of for s in group)]


def site_sources(knowledge: Knowledge, site: Site) -> list[Source]:
    """The sources a site's rows, links, advice, patterns and tests cite, in table order."""
    used = {test.source for test in site.tests}
    if site.description_source is not None:
        used.add(site.description_source)
    used.update(pattern.source for pattern in site_patterns(knowledge, site))
    for symptom in site.symptoms:
        used.update(link.source for link in symptom.also_sites)
        used.update(filter(None, (symptom.source, symptom.advice_source)))
    return [source for source in knowledge.sources if source.id in used]


def site_to_dict(knowledge: Knowledge, site: Site, phrases: bool = False) -> dict[str, Any]:
    """One site in full; `phrases` adds every known phrase of each symptom."""
    symptoms = []
    for symptom in site.symptoms:
        entry: dict[str, Any] = {
            "symptom_id": symptom.id,
            "symptom": symptom.name,
            "sites": list(symptom.sites),
            "non_specific": symptom.non_specific,
            "urgent": symptom.urgent,
            "advice": symptom.advice,
            "advice_source": symptom.advice_source,
            "source": symptom.source,
            "also_sites": [{"site": link.site, "source": link.source} for link in symptom.also_sites],
            "codes": _codes(symptom),
        }
        if phrases:
            entry["phrases"] = list(symptom.phrases)
        symptoms.append(entry)
    return header("site", knowledge) | {
        "disclaimer": knowledge.disclaimer,
        "site": site.id,
        "name": site.name,
        "description": site.description,
        "description_source": site.description_source,
        "symptoms": symptoms,
        "tests": [_test(test) for test in site.tests],
        "urgent_patterns": [
            {
                "id": pattern.id,
                "name": pattern.name,
                "all_of": [list(group) for group in pattern.all_of],
                "advice": pattern.advice,
                "source": pattern.source,
            }
            for pattern in site_patterns(knowledge, site)
        ],
        "sources": [_source(source) for source in site_sources(knowledge, site)],
    }


def treatments_to_dict(knowledge: Knowledge) -> dict[str, Any]:
    return header("treatments", knowledge) | {
        "disclaimer": knowledge.disclaimer,
        "summary": knowledge.treatment_summary,
        "treatments": [
            {
                "id": treatment.id,
                "name": treatment.name,
                "description": treatment.description,
                "source": _source(knowledge.source(treatment.source)),
            }
            for treatment in knowledge.treatments
        ],
    }


def validation_to_dict(
    path: str, knowledge: Knowledge | None, problems: list[Problem], sha256: str | None
) -> dict[str, Any]:
    document = header("validation", knowledge)
    document["knowledge_sha256"] = sha256
    return document | {
        "path": path,
        "valid": not problems,
        "problems": [{"path": p.path, "line": p.line, "message": p.message} for p in problems],
        "site_count": len(knowledge.sites) if knowledge else 0,
        "symptom_count": len(knowledge.symptoms) if knowledge else 0,
    }


# What `json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)`
# builds on every call, built once (a batch encodes hundreds of thousands of documents).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def dumps(document: Any) -> str:
    """Compact, key-ordered as built, UTF-8-friendly and terminal-safe JSON text."""
    return _terminal_safe(_ENCODER.encode(document))


def dumps_strings(strings: Iterable[str]) -> str:
    """`dumps(list(strings))`, encoded with the encoder's own string function: batch writes a
    few such lists per line, and a whole encoder call costs more than the strings."""
    return _terminal_safe("[" + ",".join(map(encode_basestring, strings)) + "]")


def _terminal_safe(text: str) -> str:
    if text.isascii() and "\x7f" not in text:
        return text  # the common case: nothing left to escape
    return re.sub(UNSAFE_FOR_TERMINAL, lambda m: f"\\u{ord(m.group()):04x}", text)
