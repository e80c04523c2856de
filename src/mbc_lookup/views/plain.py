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
        for row in group:
            pairs = [
                f"{name}: {_line(cell)}" for name, cell in zip(grid.columns, row, strict=False) if _line(cell)
            ]
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
    return [visible(block.title) + ":", *("  " + _line(cells) for cells in block.lines)]


def view(document: Mapping[str, Any], options: Options = DEFAULT) -> str:
    parts = ["\n".join(_written(block)) for block in blocks(document, options.explain)]
    return "\n\n".join(part for part in parts if part) + "\n"
