"""A lookup result as Markdown, to paste into a message to a care team.

Every string from the document (what was typed, and the table's names, advice and sources,
which may come from a user's own table) is escaped: control and direction characters are
shown as escapes, and Markdown's punctuation is backslash-escaped, so typed text cannot make
a link, an autolink, an image, HTML or emphasis. Lines are never started by typed text, so it
cannot make a heading, a list or a code block either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..text import visible
from . import DEFAULT, Options
from .blocks import Block, Grid, Heading, Line, Lines, text_of
from .document import Headline, Report, SourceRef, read

# Characters that mean something in CommonMark or its common extensions, escaped wherever
# they are: emphasis, code, links and images, HTML and entities, tables, strikethrough, math,
# highlights; and the parts of GFM autolinks ("://", "www.", "@").
_SPECIAL = re.compile(r"""[\\`*_{}\[\]()<>#!|~&=$^@]|:(?=//)|(?i:(?<=www))\.""")
# What makes a block only at the start of a line: a list item, a thematic break, a setext
# heading underline.
_BLOCK_START = re.compile(r"\d{1,9}(?=[.)])|(?=[-+=])")
_LINE_BREAKS = re.compile(r"\r\n|[\n\r\u2028\u2029]")
_LEVELS = {"emergency": "Emergency", "urgent": "Urgent", "routine": "Routine"}


def escape(text: str) -> str:
    """Literal text for inside a line: visible control characters, escaped Markdown."""
    flat = visible(" ".join(_LINE_BREAKS.split(text)))
    return _SPECIAL.sub(lambda m: "\\" + m.group(), flat)


def escape_line(text: str) -> str:
    """Literal text that starts a line: also never a list item, a break or a heading."""
    escaped = escape(text.strip())
    start = _BLOCK_START.match(escaped)
    return escaped if start is None else f"{start.group()}\\{escaped[start.end() :]}"


def _quoted(words: tuple[str, ...]) -> str:
    return ", ".join(f"“{escape(word)}”" for word in words)


def _source(source: SourceRef | None) -> str:
    if source is None:
        return ""
    name = ", ".join(escape(part) for part in (source.publisher, source.title) if part) or escape(source.id)
    if source.url is None or re.search(r"[\s<>]", source.url):
        return f" Source: {name}."
    return f" Source: {name} <{source.url}>."


def _headline(headline: Headline) -> list[str]:
    label = _LEVELS.get(headline.level, "Urgent")
    lines = [f"**{label}: {escape(headline.text)}**" if headline.text else f"**{label}**", ""]
    for alert in headline.alerts:
        words = f" (from {_quoted(alert.words)})" if alert.words else ""
        lines.append(f"- **{escape(alert.name)}**{words}: {escape(alert.advice)}{_source(alert.source)}")
    return [*lines, ""]


def _typed(report: Report) -> list[str]:
    text = "".join(piece.text for piece in report.typed)
    lines = [line.strip() for line in _LINE_BREAKS.split(text)]
    return [f"> {escape_line(line)}" if line else ">" for line in lines]


def render_report(report: Report) -> str:
    lines = ["**Symptom notes from mbc-lookup** (information only, not a diagnosis)", ""]
    if report.headline is not None:  # what needs doing comes first
        lines += _headline(report.headline)
    lines += ["What I typed:", "", *_typed(report), ""]
    if report.sites:
        lines += ["**Sites of metastatic breast cancer these symptoms are associated with**", ""]
        for site in report.sites:
            found = []
            for symptom in site.symptoms:
                notes = ["urgent"] if symptom.urgent else []
                if symptom.other_sites:
                    notes.append("also associated with " + ", ".join(escape(s) for s in symptom.other_sites))
                note = f" [{'; '.join(notes)}]" if notes else ""
                found.append(f"{escape(symptom.symptom)}{note} (my words: {_quoted(symptom.words)})")
            lines.append(f"- **{escape(site.name)}**: " + "; ".join(found))
        lines.append("")
    else:
        lines += ["None of these is associated with the sites mbc-lookup knows.", ""]
    if report.not_counted:
        lines += ["**Not counted**", ""]
        lines += [f"- {_quoted((item.text,))}: {escape(item.reason)}" for item in report.not_counted]
        lines.append("")
    if report.unmatched:
        lines += ["**Not matched**", ""]
        for item in report.unmatched:
            maybe = f" (did you mean {_quoted(item.suggestions)}?)" if item.suggestions else ""
            lines.append(f"- {_quoted((item.text,))}: {escape(item.reason)}{maybe}")
        lines.append("")
    lines.append(f"_Information only._ {escape(report.disclaimer)}")
    return "\n".join(lines) + "\n"


def render(document: Mapping[str, Any], sources: Mapping[str, Any] | None = None) -> str:
    """The Markdown text for one lookup document (`render_json.result_to_dict`)."""
    return render_report(read(document, sources))


def _cells(cells: Line) -> str:
    return escape(text_of(cells))


def _block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [f"**{escape(block.text)}**"]
    if isinstance(block, Lines):
        if block.bullets:
            return [f"- {_cells(cells)}" for cells in block.lines]
        return [escape_line(text_of(cells)) + "  " for cells in block.lines]
    if isinstance(block, Grid):
        rows = [f"**{escape(block.title)}**", "", "| " + " | ".join(escape(c) for c in block.columns) + " |"]
        rows.append("|" + "---|" * len(block.columns))
        rows += [
            "| " + " | ".join(_cells(cell) for cell in row) + " |" for group in block.groups for row in group
        ]
        return rows + ([f"_{escape(block.caption)}_"] if block.caption else [])
    return [f"> **{escape(block.title)}**", ">", *(f"> {_cells(cells)}  " for cells in block.lines)]


def view(document: Mapping[str, Any], options: Options = DEFAULT) -> str:
    """Any result document as Markdown: a lookup as the message above, the others as the
    screen views' content (tables as tables)."""
    if document.get("kind") == "lookup":
        return render(document, options.sources)
    from .content import blocks

    return "\n\n".join("\n".join(_block(block)) for block in blocks(document)) + "\n"
