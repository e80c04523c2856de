"""Reading a lookup document into what a person's report shows.

The views do not walk the JSON themselves: `read` turns a lookup document into a `Report`
(what was typed and which words matched, the urgency headline, each site with its symptoms
and the person's words, what was not counted or not matched). It reads the optional fields a
document may carry when they are there: the whole `text` as typed, a match's `span` (offsets
into `text`) and `context`, and `triage`; without them it falls back to the fields every
lookup document has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:
    from ..model import Knowledge

Status = Literal["counted", "not_counted", "unmatched"]
LEVELS = ("emergency", "urgent", "routine", "none")
# Why a matched item does not count toward a site, by the match's `context`.
NOT_COUNTED = {
    "negated": "you said you do not have this",
    "historical": "said as something in the past",
    "hypothetical": "said as a possibility, not as something you have",
    "explained": "put down to another cause (such as a treatment's side effect); triage still weighs it",
    "uncertain": "said as uncertain",
}
UNRELATED = "an everyday complaint not associated with these sites"
NO_MATCH = "no known symptom matched"


class SourceRef(NamedTuple):
    id: str
    publisher: str | None
    title: str | None
    url: str | None  # a web address (http or https) or None; never any other scheme


class SymptomFinding(NamedTuple):
    symptom: str
    words: tuple[str, ...]  # the person's words that matched it, in input order
    urgent: bool
    other_sites: tuple[str, ...]  # names of the further sites a non-specific symptom is tied to
    source: SourceRef | None


class SiteFinding(NamedTuple):
    site: str
    name: str
    score: float
    symptoms: tuple[SymptomFinding, ...]


class Alert(NamedTuple):
    name: str
    advice: str
    words: tuple[str, ...]
    source: SourceRef | None


class Headline(NamedTuple):
    level: str  # "emergency", "urgent" or "routine"
    text: str
    alerts: tuple[Alert, ...]


class Item(NamedTuple):
    """One item of the input that did not count toward a site, and why."""

    text: str
    reason: str
    suggestions: tuple[str, ...] = ()


class Piece(NamedTuple):
    """A stretch of the typed text; `status` is None between items."""

    text: str
    status: Status | None


class Report(NamedTuple):
    typed: tuple[Piece, ...]
    headline: Headline | None
    sites: tuple[SiteFinding, ...]
    not_counted: tuple[Item, ...]
    unmatched: tuple[Item, ...]
    disclaimer: str
    tool_version: str
    knowledge_version: str
    seed_only: bool


def source_map(knowledge: Knowledge) -> dict[str, dict[str, Any]]:
    """The table's sources by id, in the shape `read` takes (and JSON documents use)."""
    return {
        s.id: {"id": s.id, "publisher": s.publisher, "title": s.title, "url": s.url}
        for s in knowledge.sources
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _source_ref(value: Any) -> SourceRef | None:
    if not isinstance(value, Mapping) or not isinstance(value.get("id"), str):
        return None
    url = value.get("url")
    web = isinstance(url, str) and url.startswith(("https://", "http://"))
    return SourceRef(
        id=value["id"],
        publisher=value.get("publisher") if isinstance(value.get("publisher"), str) else None,
        title=value.get("title") if isinstance(value.get("title"), str) else None,
        url=url if web else None,
    )


def _known_sources(document: Mapping[str, Any], extra: Mapping[str, Any] | None) -> dict[str, SourceRef]:
    found: list[Any] = list((extra or {}).values())
    found += _list(document.get("sources"))
    found += [finding.get("source") for finding in _list(document.get("urgent")) if isinstance(finding, dict)]
    triage = document.get("triage")
    if isinstance(triage, Mapping):
        found += [reason.get("source") for reason in _list(triage.get("reasons")) if isinstance(reason, dict)]
    known: dict[str, SourceRef] = {}
    for value in found:
        ref = _source_ref(value)
        if ref is not None and (ref.id not in known or known[ref.id].url is None):
            known[ref.id] = ref
    return known


def _site_name(site_id: str, names: Mapping[str, str]) -> str:
    return names.get(site_id) or site_id.replace("_", " ").capitalize()


def _sites(
    document: Mapping[str, Any], inputs: list[dict[str, Any]], sources: Mapping[str, SourceRef]
) -> tuple[SiteFinding, ...]:
    entries = [site for site in _list(document.get("sites")) if isinstance(site, dict)]
    names = {_text(site.get("site")): _text(site.get("name")) for site in entries}
    findings = []
    for site in entries:
        site_id = _text(site.get("site"))
        symptom_ids = set(_list(site.get("symptoms")))
        words = set(_list(site.get("inputs")))
        grouped: dict[str, dict[str, Any]] = {}
        for item in inputs:
            if item.get("text") not in words:
                continue
            for match in _list(item.get("matches")):
                if not isinstance(match, dict) or match.get("symptom_id") not in symptom_ids:
                    continue
                group = grouped.setdefault(match["symptom_id"], {"match": match, "words": []})
                if item["text"] not in group["words"]:
                    group["words"].append(item["text"])
        symptoms = []
        for group in grouped.values():
            match = group["match"]
            source_id = _text(match.get("source"))
            other = [s for s in _list(match.get("sites")) if isinstance(s, str) and s != site_id]
            symptoms.append(
                SymptomFinding(
                    symptom=_text(match.get("symptom")),
                    words=tuple(group["words"]),
                    urgent=match.get("urgent") is True,
                    other_sites=tuple(_site_name(s, names) for s in other),
                    source=sources.get(source_id)
                    or (SourceRef(source_id, None, None, None) if source_id else None),
                )
            )
        score = site.get("score")
        findings.append(
            SiteFinding(
                site=site_id,
                name=_site_name(site_id, names),
                score=float(score) if isinstance(score, int | float) else 0.0,
                symptoms=tuple(symptoms),
            )
        )
    return tuple(findings)


def _headline(document: Mapping[str, Any], inputs: list[dict[str, Any]]) -> Headline | None:
    urgent = [finding for finding in _list(document.get("urgent")) if isinstance(finding, dict)]
    # A triage rule named by a symptom's or pattern's id is shown by that symptom's name.
    names = {
        _text(m.get("symptom_id")): _text(m.get("symptom")) for i in inputs for m in _list(i.get("matches"))
    }
    names.update({_text(f.get("symptom_id")): _text(f.get("symptom")) for f in urgent})
    triage = document.get("triage")
    if isinstance(triage, Mapping) and triage.get("level") in LEVELS:
        if triage["level"] == "none":
            return None
        # Only the reasons that set the level: lower ones would bury it.
        top = [
            reason
            for reason in _list(triage.get("reasons"))
            if isinstance(reason, dict) and reason.get("level") == triage["level"]
        ]
        alerts = tuple(
            Alert(
                name=_text(reason.get("name"))
                or names.get(_text(reason.get("rule")))
                or _text(reason.get("rule")),
                advice=_text(reason.get("advice")),
                words=tuple(w for w in _list(reason.get("inputs")) if isinstance(w, str)),
                source=_source_ref(reason.get("source")),
            )
            for reason in (top if triage["level"] != "routine" else top[:1])
        )
        return Headline(level=triage["level"], text=_text(triage.get("action")), alerts=alerts)
    if not urgent:
        return None
    alerts = tuple(
        Alert(
            name=_text(finding.get("symptom")),
            advice=_text(finding.get("advice")),
            words=tuple(w for w in _list(finding.get("inputs")) if isinstance(w, str)),
            source=_source_ref(finding.get("source")),
        )
        for finding in urgent
    )
    return Headline(level="urgent", text="Some of these need prompt medical attention.", alerts=alerts)


def _status(item: dict[str, Any], counted: set[str]) -> Status:
    if item.get("text") in counted:
        return "counted"
    return "not_counted" if _list(item.get("matches")) else "unmatched"


def _reason(item: dict[str, Any]) -> str:
    if item.get("negated") is True:
        return NOT_COUNTED["negated"]
    for match in _list(item.get("matches")):
        if isinstance(match, dict) and match.get("context") in NOT_COUNTED:
            return NOT_COUNTED[match["context"]]
    return "not counted toward a site"


def _spans(item: dict[str, Any], length: int) -> list[tuple[int, int]]:
    spans = []
    for match in _list(item.get("matches")):
        span = match.get("span") if isinstance(match, dict) else None
        if isinstance(span, dict):
            start, end = span.get("start"), span.get("end")
            if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length:
                spans.append((start, end))
    return spans


def _typed(document: Mapping[str, Any], inputs: list[dict[str, Any]], counted: set[str]) -> tuple[Piece, ...]:
    whole = document.get("text")
    if not isinstance(whole, str):
        pieces: list[Piece] = []
        for index, item in enumerate(inputs):
            if index:
                pieces.append(Piece(", ", None))
            pieces.append(Piece(_text(item.get("text")), _status(item, counted)))
        return tuple(pieces)
    # Marked stretches of `text`: each match's span, or else where the item's own text is found.
    marked: list[tuple[int, int, Status]] = []
    cursor = 0
    for item in inputs:
        status = _status(item, counted)
        spans = _spans(item, len(whole))
        if not spans:
            at = whole.find(_text(item.get("text")), cursor) if item.get("text") else -1
            spans = [(at, at + len(item["text"]))] if at >= 0 else []
        for start, end in spans:
            marked.append((start, end, status))
            cursor = max(cursor, end)
    pieces = []
    position = 0
    for start, end, status in sorted(marked):
        if start < position:
            continue  # overlaps a stretch already marked
        if start > position:
            pieces.append(Piece(whole[position:start], None))
        pieces.append(Piece(whole[start:end], status))
        position = end
    if position < len(whole):
        pieces.append(Piece(whole[position:], None))
    return tuple(pieces)


def read(document: Mapping[str, Any], sources: Mapping[str, Any] | None = None) -> Report:
    """What a report shows of one lookup document. `sources` (id -> {"publisher", "title",
    "url"}, see `source_map`) resolves the source ids of matches to addresses; sources the
    document itself carries (urgent findings, triage reasons) are used as well."""
    if document.get("kind") != "lookup":
        raise ValueError("a report is made from a lookup document (kind 'lookup')")
    inputs = [item for item in _list(document.get("inputs")) if isinstance(item, dict)]
    known = _known_sources(document, sources)
    counted = {
        text
        for site in _list(document.get("sites"))
        if isinstance(site, dict)
        for text in _list(site.get("inputs"))
    }
    not_counted = tuple(
        Item(_text(item.get("text")), _reason(item))
        for item in inputs
        if _status(item, counted) == "not_counted"
    )
    unmatched = tuple(
        Item(
            _text(item.get("text")),
            UNRELATED if item.get("unrelated") else NO_MATCH,
            tuple(s for s in _list(item.get("suggestions")) if isinstance(s, str)),
        )
        for item in inputs
        if _status(item, counted) == "unmatched"
    )
    return Report(
        typed=_typed(document, inputs, counted),
        headline=_headline(document, inputs),
        sites=_sites(document, inputs, known),
        not_counted=not_counted,
        unmatched=unmatched,
        disclaimer=_text(document.get("disclaimer")),
        tool_version=_text(document.get("tool_version")),
        knowledge_version=_text(document.get("knowledge_version")),
        seed_only=document.get("seed_only") is True,
    )
