"""The plain view: the terminal view's content as plain lines, for pipes, files and screen
readers. No box drawing, no colour, no column alignment and nothing cut short: each table row
is one line of "column: value" pairs, so `mbc site bone > bone.txt` keeps every code whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..text import visible
from . import DEFAULT, Options
from .blocks import Block, Grid, Heading, Line, Lines, text_of
from .content import blocks


def _line(cells: Line) -> str:
    return visible(text_of(cells))


def _grid(grid: Grid) -> list[str]:
    out = [visible(grid.title) + ":" if grid.title else ""]
    for group in grid.groups:
        first = group[0] if group else ()
        for row in group:
            # A row that leaves a cell to the group's first row (the site) says it again: each
            # line stands on its own for a screen reader or grep.
            texts = [_line(cell) or (_line(first[i]) if i < len(first) else "") for i, cell in enumerate(row)]
            pairs = [f"{name}: {text}" for name, text in zip(grid.columns, texts, strict=False) if text]
            out.append("- " + "; ".join(pairs))
    if grid.caption:
        out.append(visible(grid.caption))
    return [text for text in out if text]


def _written(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [visible(block.text)]
    if isinstance(block, Lines):
        return [("- " if block.bullets else "") + _line(cells) for cells in block.lines]
    if isinstance(block, Grid):
        return _grid(block)
    return [visible(block.title) + ":", *(("  " + _line(cells)).rstrip() for cells in block.lines)]


def view(document: Mapping[str, Any], options: Options = DEFAULT) -> str:
    out: list[str] = []
    for block in blocks(document, options.explain):
        lines = _written(block)
        if out and not isinstance(block, Heading) and out[-1] != "" and not out[-1].endswith(":"):
            out.append("")  # a blank line between blocks, none after a heading
        elif out and isinstance(block, Heading):
            out.append("")
        out += lines
    return "\n".join(out) + "\n"
