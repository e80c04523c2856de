"""What a screen view is made of: headings, lines, tables and notices.

`content` turns a result document into these blocks; `table` draws them with rich for a
terminal and `plain` writes them as plain lines. So both show the same things, and neither
decides what to show. Span texts are raw: each drawing makes them visible (control and
direction characters escaped) and never reads them as markup.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Style = Literal["", "bold", "dim", "urgent", "mark", "struck"]


class Span(NamedTuple):
    text: str
    style: Style = ""


Line = tuple[Span, ...]


class Heading(NamedTuple):
    text: str


class Lines(NamedTuple):
    """Lines of text; `bullets` puts each after a "- "."""

    lines: tuple[Line, ...]
    bullets: bool = False


class Grid(NamedTuple):
    """A table: rows in groups (a group is one site, say); each cell is a line."""

    title: str
    columns: tuple[str, ...]
    groups: tuple[tuple[tuple[Line, ...], ...], ...]
    caption: str = ""
    right: tuple[int, ...] = ()  # columns aligned right (numbers)


class Notice(NamedTuple):
    """A framed message: `tone` "alert" for what needs care, "info" for the disclaimer."""

    title: str
    tone: Literal["alert", "info"]
    lines: tuple[Line, ...]


Block = Heading | Lines | Grid | Notice


def line(*parts: str | Span) -> Line:
    return tuple(part if isinstance(part, Span) else Span(part) for part in parts)


def text_of(cells: Line) -> str:
    return "".join(span.text for span in cells)
