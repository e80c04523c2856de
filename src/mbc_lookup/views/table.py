"""The terminal view: a result document drawn with rich (tables, framed notices, colour).

Every text goes into `rich.text.Text` objects (never markup strings), after control and bidi
characters are made visible, so no text, typed or from a table, can style or steer the
terminal. Imported only for this view: the JSON path never loads rich.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..text import visible
from . import DEFAULT, Options
from .blocks import Block, Grid, Heading, Line, Lines
from .content import blocks

STYLES = {
    "": "",
    "bold": "bold",
    "dim": "dim",
    "urgent": "bold red",
    "mark": "bold underline",
    "struck": "dim strike",
}


def _text(cells: Line) -> Text:
    text = Text()
    for span in cells:
        text.append(visible(span.text), style=STYLES[span.style])
    return text


def _lines(lines: tuple[Line, ...], bullets: bool = False) -> Text:
    text = Text()
    for index, cells in enumerate(lines):
        if index:
            text.append("\n")
        if bullets:
            text.append("  - ")
        text.append_text(_text(cells))
    return text


def _grid(grid: Grid) -> Table:
    table = Table(
        title=visible(grid.title),
        caption=visible(grid.caption) or None,
        box=box.SIMPLE_HEAVY,
        title_justify="left",
        caption_justify="left",
    )
    for index, name in enumerate(grid.columns):
        table.add_column(name, justify="right" if index in grid.right else "left")
    for group in grid.groups:
        for row in group:
            table.add_row(*(_text(cell) for cell in row))
        if len(grid.groups) > 1:
            table.add_section()
    return table


def _drawn(block: Block) -> RenderableType:
    if isinstance(block, Heading):
        return Text(visible(block.text), style="bold")
    if isinstance(block, Lines):
        return _lines(block.lines, block.bullets)
    if isinstance(block, Grid):
        return _grid(block)
    if block.tone == "alert":
        return Panel(_lines(block.lines), title=visible(block.title), border_style="red", box=box.HEAVY)
    return Panel(_lines(block.lines), title=visible(block.title), border_style="blue")


def renderable(document: Mapping[str, Any], options: Options = DEFAULT) -> Group:
    """The view as one rich renderable (for notebooks: `LookupResult.__rich__`)."""
    return Group(*(_drawn(block) for block in blocks(document, options.explain)))


def view(document: Mapping[str, Any], options: Options = DEFAULT) -> str:
    """The text to print: with colour codes only when `options.color` says so."""
    out = io.StringIO()
    console = Console(
        file=out,
        width=options.width or 100,
        color_system="standard" if options.color else None,
        force_terminal=options.color,
        markup=False,
        emoji=False,
        highlight=False,
        soft_wrap=False,
    )
    for block in blocks(document, options.explain):
        console.print(_drawn(block))
    return out.getvalue()
