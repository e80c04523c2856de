"""What the screen views (`table`, `plain`) show of each result document, as blocks.

One function per document kind; `blocks(document)` picks it by the document's `kind`. Every
text comes from the document (typed text, or a table that may be a user's own), and stays
raw here: the drawings make it visible and never read it as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .blocks import Block, Grid, Heading, Line, Lines, Notice, Span, line
from .document import read

Document = Mapping[str, Any]

CONTEXT_WORDS = {
    "negated": "you said you do not have it",
    "historical": "in the past",
    "hypothetical": "feared or asked about, not felt",
    "explained": "put down to another cause",
    "uncertain": "not sure",
}
SCORE_NOTE = (
    "Score: how many different symptoms you describe point to the site, each weighted by how well it "
    "matched (1 = exact or known phrase); a non-specific symptom counts a fraction toward each of its "
    "sites. It is a weighted count, not a probability."
)
# The level and what to do, first and in words, so the headline reads the same without colour.
LEVEL_TITLES = {
    "emergency": "EMERGENCY: get help now",
    "urgent": "URGENT: contact your care team today",
    "routine": "ROUTINE: tell your care team",
    "none": "Nothing associated with spread of breast cancer",
}


def _list(value: Any) -> list[Any]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else _str(value)


def _disclaimer(document: Document) -> Notice:
    return Notice("Information only", "info", (line(_str(document.get("disclaimer"))),))


# --- lookup -----------------------------------------------------------------------------------


def _said(document: Document, match: Document) -> str:
    """The words of the mention as typed."""
    text, span = document.get("text"), match.get("span")
    if isinstance(text, str) and text and isinstance(span, dict):
        start, end = span.get("start"), span.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            return text[start:end]
    return _str(match.get("matched"))


def _present(match: Document) -> bool:
    return bool(match.get("context", "present") == "present")


def _how(match: Document) -> str:
    if match.get("method") == "fuzzy":
        return f"fuzzy, similarity {_number(match.get('score'))}/100"
    return _str(match.get("method"))


def _triage_notice(triage: Document) -> Notice:
    """The triage level and action, then the reasons that set the level (for routine, the
    first), each with the words it rests on, its advice and the advice's source."""
    level = _str(triage.get("level"))
    lines: list[Line] = [
        line(Span(f"{LEVEL_TITLES.get(level, level)}. ", "bold"), _str(triage.get("action")))
    ]
    top = [reason for reason in _list(triage.get("reasons")) if reason.get("level") == level]
    for reason in top if level != "routine" else top[:1]:
        said = ", ".join(f'"{_str(word)}"' for word in reason.get("inputs") or ())
        lines.append(())
        lines.append(line(Span(_str(reason.get("name")), "bold"), f"  (from {said})" if said else ""))
        lines.append(line(_str(reason.get("advice"))))
        source = reason.get("source")
        if isinstance(source, dict):
            lines.append(line(Span(f"Advice source: {_str(source.get('publisher'))}", "dim")))
    return Notice(
        f"How urgent: {level}", "alert" if level in ("emergency", "urgent") else "info", tuple(lines)
    )


def headline(document: Document) -> Notice | None:
    """The triage headline; in documents without triage, the urgent findings."""
    triage = document.get("triage")
    if isinstance(triage, dict) and triage.get("level") in LEVEL_TITLES:
        return _triage_notice(triage)
    found = read(document).headline
    if found is None:
        return None
    lines: list[Line] = []
    for alert in found.alerts:
        said = ", ".join(f'"{word}"' for word in alert.words)
        lines.append(line(Span(alert.name, "bold"), f"  (from {said})" if said else ""))
        if alert.advice:
            lines.append(line(alert.advice))
        if alert.source is not None:
            lines.append(line(Span(f"Advice source: {alert.source.publisher or alert.source.id}", "dim")))
    return Notice("Needs prompt medical attention", "alert", tuple(lines))


def _triage_reasons(triage: Document) -> Grid:
    rows = tuple(
        (
            line(_str(reason.get("level"))),
            line(_str(reason.get("rule"))),
            line("; ".join(_str(word) for word in reason.get("inputs") or ())),
            line(", ".join(_str(m) for m in reason.get("modifiers") or ()) or "the symptom itself"),
        )
        for reason in _list(triage.get("reasons"))
    )
    return Grid("Which triage rules hold, and why", ("Level", "Rule", "Your words", "Decided by"), (rows,))


def _site_rows(document: Document, inputs: list[Document], site: Document) -> tuple[tuple[Line, ...], ...]:
    rows: list[tuple[Line, ...]] = []
    shown: set[str] = set()
    site_id = site.get("site")
    for item in inputs:
        for match in _list(item.get("matches")):
            located = match.get("located_site")
            sites = (located,) if located else tuple(match.get("sites") or (match.get("site"),))
            symptom_id = _str(match.get("symptom_id"))
            if not _present(match) or site_id not in sites or symptom_id in shown:
                continue
            shown.add(symptom_id)
            name: list[Span] = [Span(_str(match.get("symptom")))]
            if match.get("urgent") is True:
                name.append(Span(" (urgent)", "urgent"))
            if located:
                name.append(Span(" (where it is points here)", "dim"))
            elif match.get("non_specific") is True:
                name.append(Span(" (non-specific)", "dim"))
            first = not rows
            rows.append(
                (
                    line(Span(_str(site.get("name")), "bold")) if first else (),
                    line(_number(site.get("score"))) if first else (),
                    tuple(name),
                    line(_said(document, match)),
                    line(_how(match)),
                )
            )
    return tuple(rows)


def _marked_text(document: Document, inputs: list[Document]) -> Line:
    """The text as typed, counted mentions marked, the others struck through."""
    text = _str(document.get("text"))
    spans: list[tuple[int, int, bool]] = []
    for item in inputs:
        for match in _list(item.get("matches")):
            span = match.get("span")
            if (
                isinstance(span, dict)
                and isinstance(span.get("start"), int)
                and isinstance(span.get("end"), int)
            ):
                spans.append((span["start"], span["end"], _present(match)))
    pieces: list[Span] = []
    position = 0
    for start, end, present in sorted(spans):
        if start < position or not 0 <= start < end <= len(text):
            continue
        pieces.append(Span(text[position:start]))
        pieces.append(Span(text[start:end], "mark" if present else "struck"))
        position = end
    pieces.append(Span(text[position:]))
    return tuple(piece for piece in pieces if piece.text)


def _explain(document: Document, inputs: list[Document]) -> Grid:
    cutoff = _number(document.get("fuzzy_cutoff"))
    rows: list[tuple[Line, ...]] = []
    for item in inputs:
        matches = _list(item.get("matches"))
        if not matches:
            rows.append((line(_str(item.get("text"))), line("-"), line("none"), (), line(cutoff), (), ()))
        for match in matches:
            cues = ", ".join(_str(cue) for cue in match.get("cues") or ())
            modifiers = ", ".join(
                f"{_str(m.get('category'))}: {_str(m.get('value'))}" for m in _list(match.get("modifiers"))
            )
            rows.append(
                (
                    line(_said(document, match)),
                    line(_str(match.get("matched"))),
                    line(_str(match.get("method"))),
                    line(_number(match.get("score"))),
                    line(cutoff),
                    line(_str(match.get("context")) + (f" ({cues})" if cues else "")),
                    line(modifiers),
                )
            )
    columns = ("Your words", "Known phrase", "Method", "Score", "Cutoff", "Context", "Qualifiers")
    return Grid("How each part was read", columns, (tuple(rows),))


def lookup_blocks(document: Document, explain: bool = False) -> list[Block]:
    inputs = _list(document.get("inputs"))
    shown: list[Block] = []
    alert = headline(document)
    if alert is not None:
        shown.append(alert)
    sites = _list(document.get("sites"))
    if sites:
        columns = ("Site", "Score", "Known symptom", "Your words", "How matched")
        groups = tuple(_site_rows(document, inputs, site) for site in sites)
        shown.append(Grid("Sites these symptoms are associated with", columns, groups, SCORE_NOTE, (1,)))
    else:
        shown.append(Lines((line(Span("None of these symptoms matched a site in the table.", "bold")),)))
    if document.get("text") and any(_list(item.get("matches")) for item in inputs):
        shown.append(Heading("Your words (matched parts marked):"))
        shown.append(Lines((_marked_text(document, inputs),)))
    not_counted = [
        (match, CONTEXT_WORDS.get(_str(match.get("context")), "not counted"))
        for item in inputs
        for match in _list(item.get("matches"))
        if not _present(match)
    ]
    if not_counted:
        shown.append(Heading("Not counted (shown, but they count toward no site):"))
        rows = []
        for match, why in not_counted:
            cues = ", ".join(_str(cue) for cue in match.get("cues") or ())
            said = f"{_said(document, match)} ({_str(match.get('symptom'))}): {why}"
            rows.append(line(said + (f' ("{cues}")' if cues else "")))
        shown.append(Lines(tuple(rows), bullets=True))
    unmatched = [item for item in inputs if not _list(item.get("matches"))]
    if unmatched:
        shown.append(Heading("Not matched:"))
        rows = []
        for item in unmatched:
            suggestions = [_str(s) for s in item.get("suggestions") or ()]
            if item.get("unrelated"):
                why = ": an everyday complaint not associated with these sites"
            elif suggestions:
                why = f": no known symptom matched. Did you mean: {', '.join(suggestions)}?"
            else:
                why = ": no known symptom matched"
            rows.append(line(Span(_str(item.get("text")), "bold"), why))
        shown.append(Lines(tuple(rows), bullets=True))
    if explain:
        shown.append(_explain(document, inputs))
        triage = document.get("triage")
        if isinstance(triage, dict) and _list(triage.get("reasons")):
            shown.append(_triage_reasons(triage))
    shown.append(_disclaimer(document))
    return shown


# --- what the tool knows ------------------------------------------------------------------------


def _source_line(source: Document) -> Line:
    text = f"[{_str(source.get('id'))}] {_str(source.get('publisher'))}: {_str(source.get('title'))}"
    url = source.get("url")
    return line(text, Span(f" {url}", "dim")) if isinstance(url, str) and url else line(text)


def _described(title: str, what: str, rows: list[Document], source: Callable[[Document], str]) -> Grid:
    """A table of named things with what each is and its source (tests, treatments)."""
    cells = tuple(
        (line(Span(_str(row.get("name")), "bold")), line(_str(row.get("description"))), line(source(row)))
        for row in rows
    )
    return Grid(title, (what, "What it is", "Source"), (cells,))


def sites_blocks(document: Document) -> list[Block]:
    rows = tuple(
        (
            line(Span(_str(site.get("name")), "bold")),
            line(_str(site.get("site"))),
            line(_number(site.get("symptom_count"))),
            line(_number(site.get("urgent_count"))),
            line("; ".join(_str(test.get("name")) for test in _list(site.get("tests")))),
        )
        for site in _list(document.get("sites"))
    )
    grid = Grid(
        "Sites metastatic breast cancer commonly spreads to",
        ("Site", "Id", "Symptoms", "Urgent", "Tests used to look for spread there"),
        (rows,),
        "'mbc site NAME' shows every symptom of one site, with its codes and sources.",
        (2, 3),
    )
    return [grid, _disclaimer(document)]


def site_blocks(document: Document) -> list[Block]:
    shown: list[Block] = []
    if document.get("description"):
        source = f" [{_str(document.get('description_source'))}]"
        shown.append(Lines((line(_str(document.get("description")), Span(source, "dim")),)))
    symptoms = _list(document.get("symptoms"))
    rows = []
    for symptom in symptoms:
        codes = symptom.get("codes") if isinstance(symptom.get("codes"), dict) else {}
        also = ", ".join(_str(link.get("site")) for link in _list(symptom.get("also_sites")))
        rows.append(
            (
                line(Span(_str(symptom.get("symptom")), "bold")),
                line(Span("yes", "urgent")) if symptom.get("urgent") is True else line("no"),
                line(f"{_str(codes.get('hpo'))} {_str(codes.get('hpo_label'))}"),
                line(_str(codes.get("snomed")) or "-"),
                line(_str(codes.get("umls")) or "-"),
                line(also or "-"),
                line(_str(symptom.get("source"))),
            )
        )
    columns = ("Symptom", "Urgent", "HPO", "SNOMED CT", "UMLS", "Also associated with", "Source")
    name, site_id = _str(document.get("name")), _str(document.get("site"))
    title = f"{name} (id: {site_id}): symptoms associated with spread there"
    shown.append(Grid(title, columns, (tuple(rows),)))
    if any("phrases" in symptom for symptom in symptoms):
        shown.append(Heading("Known phrases (what mbc symptoms recognises)"))
        phrases = tuple(
            line(
                Span(_str(s.get("symptom")), "bold"),
                ": " + ", ".join(_str(p) for p in s.get("phrases") or ()),
            )
            for s in symptoms
        )
        shown.append(Lines(phrases))
    urgent: list[Line] = []
    for symptom in symptoms:
        if symptom.get("urgent") is True:
            urgent.append(
                line(
                    Span(_str(symptom.get("symptom")), "bold"),
                    Span(f" [{_str(symptom.get('advice_source'))}]", "dim"),
                )
            )
            urgent.append(line(_str(symptom.get("advice"))))
    for pattern in _list(document.get("urgent_patterns")):
        together = " + ".join("/".join(_str(s) for s in group) for group in pattern.get("all_of") or ())
        name = f"{_str(pattern.get('name'))} ({together})"
        urgent.append(line(Span(name, "bold"), Span(f" [{_str(pattern.get('source'))}]", "dim")))
        urgent.append(line(_str(pattern.get("advice"))))
    if urgent:
        shown.append(Notice("Needs prompt medical attention", "alert", tuple(urgent)))
    tests = _list(document.get("tests"))
    shown.append(
        _described("Tests used to look for spread here", "Test", tests, lambda t: _str(t.get("source")))
    )
    shown.append(Heading("Sources"))
    shown.append(Lines(tuple(_source_line(source) for source in _list(document.get("sources")))))
    shown.append(_disclaimer(document))
    return shown


def treatments_blocks(document: Document) -> list[Block]:
    treatments = _list(document.get("treatments"))

    def source_id(row: Document) -> str:
        source = row.get("source")
        return _str(source.get("id")) if isinstance(source, dict) else _str(source)

    sources: dict[str, Document] = {}
    for treatment in treatments:
        source = treatment.get("source")
        if isinstance(source, dict):
            sources.setdefault(_str(source.get("id")), source)
    return [
        Lines((line(_str(document.get("summary"))),)),
        _described("Treatments", "Treatment", treatments, source_id),
        Lines(tuple(_source_line(source) for source in sources.values())),
        _disclaimer(document),
    ]


def validation_blocks(document: Document) -> list[Block]:
    lines = []
    for problem in _list(document.get("problems")):
        where = _str(problem.get("path"))
        if problem.get("line"):
            where += f":{problem['line']}"
        lines.append(line(f"{where}: {_str(problem.get('message'))}"))
    path = _str(document.get("path"))
    if document.get("valid") is True:
        counts = (
            f"{_number(document.get('site_count'))} sites, {_number(document.get('symptom_count'))} symptoms"
        )
        lines.append(line(f"{path}: valid ({counts}, version {_str(document.get('knowledge_version'))})"))
    else:
        count = len(_list(document.get("problems")))
        lines.append(line(f"{path}: {count} problem{'s' if count != 1 else ''} found"))
    return [Lines(tuple(lines))]


def blocks(document: Document, explain: bool = False) -> list[Block]:
    """The blocks a screen view shows for `document`, by its kind."""
    kind = document.get("kind")
    if kind == "lookup":
        return lookup_blocks(document, explain)
    makers: dict[str, Callable[[Document], list[Block]]] = {
        "sites": sites_blocks,
        "site": site_blocks,
        "treatments": treatments_blocks,
        "validation": validation_blocks,
    }
    if kind not in makers:
        raise ValueError(f"no screen view for documents of kind {kind!r}")
    return makers[_str(kind)](document)
