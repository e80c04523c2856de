"""Reading batch input: one symptom list per line, streamed, with bad lines reported.

Lines are read in binary and decoded one by one, so a line that is not UTF-8 is reported by
its number and the rest goes on; memory is bounded by the longest line, itself capped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from .model import BatchLine

MAX_LINE_BYTES = 1_000_000  # a symptom list is a few hundred bytes; longer lines are skipped
_CHUNK = 65_536


def read_batch(stream: BinaryIO, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[BatchLine]:
    """Non-blank lines of `stream` in order; unreadable ones carry a `problem` instead of text.
    A read error is raised as the `OSError` it is."""
    number = 0
    while True:
        raw = stream.readline(max_line_bytes + 1)
        if not raw:
            return
        number += 1
        size = len(raw)
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            del raw  # the rest is skipped in chunks: never hold more than one line
            size += _skip_rest_of_line(stream)
            yield BatchLine(number, None, f"longer than {max_line_bytes:,} bytes", size)
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]  # a UTF-8 byte-order mark is not part of the text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield BatchLine(number, None, f"not valid UTF-8 at byte {error.start + 1}", size)
            continue
        text = text.rstrip("\r\n")
        if text.strip():
            yield BatchLine(number, text, None, size)


def _skip_rest_of_line(stream: BinaryIO) -> int:
    skipped = 0
    while True:
        chunk = stream.readline(_CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped
