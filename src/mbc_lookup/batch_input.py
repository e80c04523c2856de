"""Batch input in its four shapes: one text per line, CSV, TSV, or JSON Lines.

Every shape becomes the same stream of `BatchLine`s (line number, text or the reason it was
skipped, bytes read) with the record's `id` when an id column is named. A CSV or TSV file
starts with a header naming its columns; the header is never looked up. A column is named by
its header or by its number (1 is the first). In JSON Lines each line is an object; the text
and id are read from its keys.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

from .batch import read_batch
from .model import BatchLine

INPUT_FORMATS = ("lines", "csv", "tsv", "jsonl")


class Record(NamedTuple):
    line: BatchLine
    id: str | None = None


class InputFormatError(ValueError):
    """The input does not have the shape asked for (a missing column, say)."""


def records(
    stream: BinaryIO, fmt: str = "lines", text_column: str | None = None, id_column: str | None = None
) -> Iterator[Record]:
    if fmt == "lines":
        return (Record(line) for line in read_batch(stream))
    if fmt == "jsonl":
        return _jsonl(read_batch(stream), text_column or "text", id_column)
    return _table(read_batch(stream), "\t" if fmt == "tsv" else ",", text_column or "text", id_column)


def _jsonl(lines: Iterator[BatchLine], text_key: str, id_key: str | None) -> Iterator[Record]:
    for line in lines:
        if line.text is None:
            yield Record(line)
            continue
        try:
            value = json.loads(line.text)
        except ValueError as error:
            yield Record(line._replace(text=None, problem=f"not JSON ({error})"))
            continue
        if not isinstance(value, dict) or not isinstance(value.get(text_key), str):
            yield Record(line._replace(text=None, problem=f"not an object with a text {text_key!r}"))
            continue
        found = value.get(id_key) if id_key else None
        yield Record(line._replace(text=value[text_key]), None if found is None else str(found))


def _column(header: list[str], wanted: str) -> int:
    if wanted in header:
        return header.index(wanted)
    if wanted.isdigit() and 1 <= int(wanted) <= len(header):
        return int(wanted) - 1
    raise InputFormatError(f"no column {wanted!r}; the header has: {', '.join(header)}")


def _table(
    lines: Iterator[BatchLine], delimiter: str, text_column: str, id_column: str | None
) -> Iterator[Record]:
    skipped: list[BatchLine] = []
    current = BatchLine(0, None, None, 0)

    def texts() -> Iterator[str]:
        nonlocal current
        for line in lines:
            if line.text is None:
                skipped.append(line)
                continue
            current = line
            yield line.text + "\n"

    rows = csv.reader(texts(), delimiter=delimiter)
    header: list[str] | None = None
    text_at = id_at = 0
    for row in rows:
        while skipped:
            yield Record(skipped.pop(0))
        if header is None:
            header = [name.strip() for name in row]
            text_at = _column(header, text_column)
            id_at = _column(header, id_column) if id_column else -1
            continue
        text = row[text_at] if text_at < len(row) else ""
        record_id = (row[id_at] if id_at < len(row) else "") if id_at >= 0 else None
        if text.strip():
            yield Record(current._replace(text=text), record_id)
    while skipped:
        yield Record(skipped.pop(0))
