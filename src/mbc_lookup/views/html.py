"""A lookup result as a self-contained one-page HTML report, to print for an appointment.

The page has the date, what was typed with the matched words marked, the urgency headline,
a body map (inline SVG) with the associated sites highlighted and named in words, each
finding with its source as a link, what was not counted or not matched, and the disclaimer.
It loads nothing from anywhere and runs no script: its Content-Security-Policy allows only
its own inline styles. Every string from the document is shown with `visible` (control and
direction characters as escapes) and then `html.escape`, so typed text is only ever text.
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Mapping
from typing import Any

from ..text import visible
from . import DEFAULT, Options
from .blocks import Block, Grid, Heading, Line, Lines
from .document import Headline, Piece, Report, SiteFinding, SourceRef, read

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip
_LEVELS = {"emergency": "Emergency", "urgent": "Urgent", "routine": "Routine"}
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\u2028\u2029]")
_MARKS = {"counted": "counted", "not_counted": "not-counted", "unmatched": "unmatched"}


def _e(text: str) -> str:
    return html.escape(visible(text), quote=True)


def _lines(text: str) -> str:
    """Escaped text whose line breaks stay line breaks."""
    return "<br>".join(_e(line) for line in _LINE_BREAKS.split(text))


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(f"<q>{_e(word)}</q>" for word in words)


def _link(source: SourceRef, text: str) -> str:
    if source.url is None:
        return text
    return f'<a href="{html.escape(source.url, quote=True)}">{text}</a>'


def _source(source: SourceRef | None) -> str:
    """A finding's source, short: its publisher, linked to its address."""
    if source is None:
        return ""
    title = f' title="{_e(source.title)}"' if source.title else ""
    return f'<span class="source"{title}>Source: {_link(source, _e(source.publisher or source.id))}</span>'


def _sources(report: Report) -> str:
    """Every source the page cites, once, in full."""
    cited: dict[str, SourceRef] = {}
    alerts = report.headline.alerts if report.headline else ()
    for source in [a.source for a in alerts] + [s.source for site in report.sites for s in site.symptoms]:
        if source is not None:
            cited.setdefault(source.id, source)
    items = []
    for source in cited.values():
        name = _e(": ".join(part for part in (source.publisher, source.title) if part) or source.id)
        items.append(f"<li>{_link(source, name)}</li>" if source.url else f"<li>{name} (no address)</li>")
    return f'<section class="sources"><h2>Sources</h2><ul>{"".join(items)}</ul></section>' if items else ""


# --- the body map ---------------------------------------------------------------------------

_OUTLINE = """
<g class="outline">
  <circle cx="150" cy="46" r="30"/>
  <path d="M139 74 h22 v14 h-22 z"/>
  <path d="M104 92 Q150 80 196 92 L206 104 L214 200 L222 262 L208 266 L196 206 L190 150
           L186 236 L184 400 L160 400 L152 262 L148 262 L140 400 L116 400 L114 236 L110 150
           L104 206 L92 266 L78 262 L86 200 L94 104 Z"/>
</g>"""

# Each site's shapes, drawn over the outline in this order (lymph nodes last, on top); the
# five sites of the shipped table.
_SITES: dict[str, str] = {
    "brain": '<ellipse cx="150" cy="42" rx="21" ry="16"/>',
    "lungs": (
        '<path d="M145 100 C128 100 120 118 119 150 C118 166 128 170 145 164 Z"/>'
        '<path d="M155 100 C172 100 180 118 181 150 C182 166 172 170 155 164 Z"/>'
    ),
    "liver": (
        '<path d="M120 174 C140 168 168 170 176 176 C170 188 150 196 126 200 C118 194 116 182 120 174 Z"/>'
    ),
    "bone": (
        '<path class="bone-line" d="M150 96 V232"/>'
        '<path d="M128 232 Q150 222 172 232 L168 252 Q150 244 132 252 Z"/>'
        '<path class="bone-line" d="M136 254 L130 392 M164 254 L170 392"/>'
        '<path class="bone-line" d="M104 100 L92 198 M196 100 L208 198"/>'
    ),
    "lymph_nodes": (
        '<circle cx="114" cy="108" r="5"/><circle cx="186" cy="108" r="5"/>'
        '<circle cx="136" cy="90" r="4.5"/><circle cx="164" cy="90" r="4.5"/>'
    ),
}
# Where each site's name is written, and the line from the name to the site.
_LABELS: dict[str, tuple[float, float, str, str]] = {
    "brain": (232, 40, "start", "M171 40 L226 38"),
    "lymph_nodes": (232, 86, "start", "M168 90 L226 84"),
    "lungs": (232, 132, "start", "M181 134 L226 130"),
    "liver": (232, 190, "start", "M176 180 L226 188"),
    "bone": (232, 292, "start", "M169 300 L226 290"),
}
_DEFAULT_NAMES = {"brain": "Brain", "lymph_nodes": "Lymph nodes", "lungs": "Lungs", "liver": "Liver",
                  "bone": "Bones"}  # fmt: skip


def body_map(sites: tuple[SiteFinding, ...]) -> str:
    """An SVG figure with the five sites; the associated ones are highlighted and say so."""
    associated = {site.site: site.name for site in sites}
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="66 0 274 410" role="img" '
        'aria-labelledby="map-title" class="body-map">',
        '<title id="map-title">Body map of the sites metastatic breast cancer commonly spreads to'
        + (
            f"; associated with what was typed: {_e(', '.join(associated.values()))}"
            if set(associated) & set(_SITES)
            else "; none is associated with what was typed"
        )
        + "</title>",
        _OUTLINE,
    ]
    for site_id, shapes in _SITES.items():
        on = site_id in associated
        name = associated.get(site_id) or _DEFAULT_NAMES[site_id]
        x, y, anchor, leader = _LABELS[site_id]
        state = "associated" if on else "not associated"
        parts.append(
            f'<g class="site{" associated" if on else ""}" data-site="{site_id}">'
            f"<title>{_e(name)}: {state} with what was typed</title>{shapes}"
            f'<path class="leader" d="{leader}"/>'
            f'<text x="{x}" y="{y}" text-anchor="{anchor}">{_e(name)}'
            + (f'<tspan x="{x}" dy="15" class="state">associated</tspan>' if on else "")
            + "</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


# --- the page -------------------------------------------------------------------------------

_STYLE = """
:root { --ink: #1d2125; --muted: #5c636a; --line: #ced4da; --hit: #ffd43b; --site: #c92a2a;
        --off: #e9ecef; --urgent: #c92a2a; }
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
html { color: var(--ink); background: #fff; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
       Arial, "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 52rem; margin: 0 auto; padding: 1.5rem 1.5rem 2rem; }
h1 { font-size: 1.45rem; line-height: 1.25; margin: 0 0 .3rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
h3 { font-size: 1rem; margin: .2rem 0; }
p, ul { margin: .3rem 0; }
ul { padding-left: 1.2rem; }
li { margin: .15rem 0; }
.meta, .note, .source, .sources, .legend { color: var(--muted); font-size: .85rem; }
.typed-text { font-size: 1.1rem; padding: .5rem .7rem; border: 1px solid var(--line);
              border-radius: 6px; overflow-wrap: anywhere; }
mark { background: none; color: inherit; padding: 0 .1em; border-radius: 3px; }
mark.counted { background: var(--hit); font-weight: 600; }
mark.not-counted { text-decoration: line-through; text-decoration-color: var(--muted);
                   background: var(--off); }
mark.unmatched { border-bottom: 2px dotted var(--muted); border-radius: 0; }
.headline { border: 2px solid var(--urgent); border-radius: 8px; padding: .6rem .9rem;
            margin: 1rem 0; }
.headline h2 { margin: 0 0 .3rem; color: var(--urgent); }
.headline.emergency { background: var(--urgent); color: #fff; }
.headline.emergency h2, .headline.emergency .source, .headline.emergency a { color: #fff; }
.headline.routine { border-color: #1c7ed6; }
.headline.routine h2 { color: #1c7ed6; }
.findings { display: grid; grid-template-columns: 15rem 1fr; gap: 1rem 1.5rem; align-items: start; }
figure { margin: .6rem 0 0; }
figcaption { font-size: .8rem; color: var(--muted); margin-top: .3rem; }
svg.body-map { width: 100%; height: auto; display: block; }
.outline { fill: #f8f9fa; stroke: #adb5bd; stroke-width: 1.5; stroke-linejoin: round; }
.site { fill: var(--off); stroke: #adb5bd; stroke-width: 1; }
.site .bone-line { fill: none; stroke: #ced4da; stroke-width: 5; stroke-linecap: round; }
.site .leader { fill: none; stroke: #ced4da; stroke-width: 1; }
.site text { fill: #868e96; stroke: none; font: 14px system-ui, sans-serif; }
.site.associated { fill: var(--site); stroke: #7d1414; }
.site.associated .bone-line { stroke: var(--site); }
.site.associated .leader { stroke: var(--site); stroke-width: 1.5; }
.site.associated text { fill: var(--ink); font-weight: 700; }
.site.associated text .state { fill: var(--site); font-size: 12px; font-weight: 600; }
.site-finding { border-top: 1px solid var(--line); padding: .4rem 0; }
.site-finding:first-of-type { border-top: 0; }
.score { color: var(--muted); font-weight: normal; font-size: .85rem; }
.flag { color: var(--urgent); font-weight: 600; }
.disclaimer { margin-top: 1.4rem; border: 1px solid var(--line); border-left: 4px solid #1c7ed6;
              border-radius: 6px; padding: .5rem .8rem; }
.disclaimer h2 { margin: 0 0 .2rem; font-size: 1rem; }
.sources h2 { color: var(--ink); }
a { color: #1864ab; overflow-wrap: anywhere; }
@page { margin: 14mm; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  .findings { grid-template-columns: 48mm 1fr; }
  a { color: inherit; text-decoration: none; }
  .sources a[href]::after { content: " " attr(href); display: block; font-size: 7.5pt; color: var(--muted); }
  .headline, .disclaimer, figure, li { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
@media (max-width: 40rem) { .findings { grid-template-columns: 1fr; } figure { max-width: 16rem; } }
"""


def _date(day: datetime.date) -> str:
    return f'<time datetime="{day.isoformat()}">{day.day} {_MONTHS[day.month - 1]} {day.year}</time>'


def _typed(pieces: tuple[Piece, ...]) -> str:
    out = []
    for piece in pieces:
        text = _lines(piece.text)
        out.append(text if piece.status is None else f'<mark class="{_MARKS[piece.status]}">{text}</mark>')
    return "".join(out)


def _headline(headline: Headline) -> str:
    label = _LEVELS.get(headline.level, "Urgent")
    title = f"{label}: {_e(headline.text)}" if headline.text else label
    items = []
    for alert in headline.alerts:
        words = f" (from {_words(alert.words)})" if alert.words else ""
        items.append(
            f"<li><strong>{_e(alert.name)}</strong>{words}: {_e(alert.advice)} {_source(alert.source)}</li>"
        )
    listed = f"<ul>{''.join(items)}</ul>" if items else ""
    level = html.escape(headline.level)
    return f'<section class="headline {level}" role="alert"><h2>{title}</h2>{listed}</section>'


def _site(site: SiteFinding) -> str:
    items = []
    for symptom in site.symptoms:
        flags = ' <span class="flag">urgent</span>' if symptom.urgent else ""
        shared = (
            f' <span class="note">Non-specific: also associated with {_e(", ".join(symptom.other_sites))}.'
            "</span>"
            if symptom.other_sites
            else ""
        )
        items.append(
            f"<li><strong>{_e(symptom.symptom)}</strong>{flags}: my words {_words(symptom.words)}."
            f"{shared} {_source(symptom.source)}</li>"
        )
    score = f"{site.score:g}" if site.score == round(site.score, 2) else f"{site.score:.2f}"
    return (
        f'<article class="site-finding" data-site="{_e(site.site)}"><h3>{_e(site.name)} '
        f'<span class="score">score {score}</span></h3><ul>{"".join(items)}</ul></article>'
    )


def render_report(report: Report, today: datetime.date | None = None) -> str:
    day = today or datetime.date.today()
    sites = "".join(_site(site) for site in report.sites)
    if not sites:
        sites = "<p>None of these is associated with the sites mbc-lookup knows.</p>"
    named = [site.name for site in report.sites]
    caption = (
        f"Highlighted: {_e(', '.join(named))}. The other sites are drawn in grey."
        if named
        else "No site is highlighted: nothing typed is associated with these sites."
    )
    parts = [
        *_head(f"Symptom report, {day.isoformat()}", _STYLE, report.tool_version),
        "<body>",
        "<main>",
        "<header>",
        "<h1>My symptoms and the sites of metastatic breast cancer they are associated with</h1>",
        f'<p class="meta">Made on {_date(day)} with mbc-lookup {_e(report.tool_version)}'
        f" (knowledge table {_e(report.knowledge_version)}"
        + (", the source article's rows only" if report.seed_only else "")
        + "). Information only: not a diagnosis.</p>",
        "</header>",
    ]
    if report.headline is not None:
        parts.append(_headline(report.headline))
    parts += [
        '<section class="typed"><h2>What I typed</h2>',
        f'<p class="typed-text">{_typed(report.typed)}</p>',
        '<p class="legend"><mark class="counted">highlighted</mark> matched a known symptom; '
        '<mark class="not-counted">struck through</mark> matched but not counted; '
        '<mark class="unmatched">dotted</mark> not matched.</p>',
        "</section>",
        '<section class="findings">',
        f"<figure>{body_map(report.sites)}<figcaption>{caption}</figcaption></figure>",
        '<div class="sites"><h2>Sites these symptoms are associated with</h2>',
        sites,
        '<p class="note">Score: how many of my items point to the site, each weighted by how well it'
        " matched; a non-specific symptom counts a share toward each of its sites. It is a weighted"
        " count, not a probability.</p>",
        "</div>",
        "</section>",
    ]
    if report.not_counted:
        items = "".join(f"<li><q>{_e(i.text)}</q>: {_e(i.reason)}</li>" for i in report.not_counted)
        parts.append(f'<section class="not-counted"><h2>Not counted</h2><ul>{items}</ul></section>')
    if report.unmatched:
        items = "".join(
            f"<li><q>{_e(i.text)}</q>: {_e(i.reason)}"
            + (f" (did you mean {_words(i.suggestions)}?)" if i.suggestions else "")
            + "</li>"
            for i in report.unmatched
        )
        parts.append(f'<section class="unmatched"><h2>Not matched</h2><ul>{items}</ul></section>')
    parts.append(_sources(report))
    parts += [
        f'<footer class="disclaimer"><h2>Information only</h2><p>{_e(report.disclaimer)}</p></footer>',
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def render(
    document: Mapping[str, Any], sources: Mapping[str, Any] | None = None, today: datetime.date | None = None
) -> str:
    """The HTML page for one lookup document (`render_json.result_to_dict`), dated `today`."""
    return render_report(read(document, sources), today)


_SPAN_TAGS = {"bold": "strong", "urgent": "strong", "mark": "mark", "struck": "s", "dim": "small"}


def _cells(cells: Line) -> str:
    out = []
    for span in cells:
        tag = _SPAN_TAGS.get(span.style)
        out.append(f"<{tag}>{_e(span.text)}</{tag}>" if tag else _e(span.text))
    return "".join(out)


def _block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h2>{_e(block.text)}</h2>"
    if isinstance(block, Lines):
        items = "".join(f"<li>{_cells(cells)}</li>" for cells in block.lines)
        return f"<ul>{items}</ul>" if block.bullets else "".join(f"<p>{_cells(c)}</p>" for c in block.lines)
    if isinstance(block, Grid):
        head = "".join(f"<th>{_e(name)}</th>" for name in block.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_cells(cell)}</td>" for cell in row) + "</tr>"
            for group in block.groups
            for row in group
        )
        caption = f'<p class="note">{_e(block.caption)}</p>' if block.caption else ""
        return f"<h2>{_e(block.title)}</h2><table><tr>{head}</tr>{rows}</table>{caption}"
    kind = "headline" if block.tone == "alert" else "disclaimer"
    body = "".join(f"<p>{_cells(cells)}</p>" for cells in block.lines)
    return f'<section class="{kind}"><h2>{_e(block.title)}</h2>{body}</section>'


def view(document: Mapping[str, Any], options: Options = DEFAULT) -> str:
    """Any result document as one self-contained page: a lookup as the report above, the
    others as the screen views' content."""
    if document.get("kind") == "lookup":
        return render(document, options.sources, options.today)
    from .content import blocks

    title = {"sites": "Sites", "site": "Site", "treatments": "Treatments", "validation": "Table check"}
    name = title.get(str(document.get("kind")), "mbc-lookup")
    parts = [
        *_head(f"mbc-lookup: {name}", _STYLE + _TABLE_STYLE, str(document.get("tool_version", ""))),
        "<body>",
        "<main>",
        *(_block(block) for block in blocks(document)),
        "</main>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


_TABLE_STYLE = (
    " table{border-collapse:collapse} td,th{text-align:left;padding:2px 8px;"
    "border-bottom:1px solid #ccc;vertical-align:top}"
)


def _head(title: str, style: str, tool_version: str) -> list[str]:
    """The page's head: it loads nothing and runs nothing (the policy says so to the browser)."""
    return [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy"',
        "      content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="mbc-lookup {_e(tool_version)}">',
        f"<title>{_e(title)}</title>",
        f"<style>{style}</style>",
        "</head>",
    ]
