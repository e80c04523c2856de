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


def read_batch(stream: BinaryIO) -> Iterator[BatchLine]:
    """Non-blank lines of `stream` in order; unreadable ones carry a `problem` instead of text."""
    number = 0
    while True:
        raw = stream.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        size = len(raw)
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            size += _skip_rest_of_line(stream)
            yield BatchLine(number, None, f"longer than {MAX_LINE_BYTES:,} bytes", size)
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
