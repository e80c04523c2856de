"""The JSON document for one lookup (schema version 1). Plain `json`: no rich on this path."""

from __future__ import annotations

import json
import re
from typing import Any

from . import __version__
from .model import Knowledge, LookupResult, Match, Source

SCHEMA_VERSION = 1
# json.dumps(ensure_ascii=False) leaves DEL, C1 controls and bidi overrides raw; escape them so
# the document is safe to print on a terminal.
_UNSAFE = re.compile("[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _source(source: Source | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {"id": source.id, "publisher": source.publisher, "title": source.title, "url": source.url}


def _match(match: Match, cutoff: float) -> dict[str, Any]:
    symptom = match.symptom
    codes = symptom.codes
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
        "codes": {
            "hpo": codes.hpo,
            "hpo_label": codes.hpo_label,
            "snomed": codes.snomed,
            "umls": codes.umls,
        },
    }


def result_to_dict(result: LookupResult, knowledge: Knowledge) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool_version": __version__,
        "knowledge_version": knowledge.knowledge_version,
        "knowledge_sha256": knowledge.sha256,
        "disclaimer": knowledge.disclaimer,
        "fuzzy_cutoff": result.fuzzy_cutoff,
        "inputs": [
            {
                "text": item.text,
                "normalized": item.normalized,
                "negated": item.negated,
                "matches": [_match(match, result.fuzzy_cutoff) for match in item.matches],
                "unrelated": item.unrelated,
                "suggestions": list(item.suggestions),
            }
            for item in result.inputs
        ],
        "sites": [
            {
                "site": site.site.id,
                "name": site.site.name,
                "score": site.score,
                "symptoms": [symptom.id for symptom in site.symptoms],
                "inputs": list(site.inputs),
            }
            for site in result.sites
        ],
        "urgent": [
            {
                "input": finding.input,
                "symptom_id": finding.symptom.id,
                "symptom": finding.symptom.name,
                "advice": finding.advice,
                "source": _source(finding.source),
            }
            for finding in result.urgent
        ],
    }


def dumps(document: dict[str, Any]) -> str:
    """Compact, key-ordered as built, UTF-8-friendly and terminal-safe JSON text."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
