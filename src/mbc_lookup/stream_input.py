"""Batch input from a pipe or a terminal, able to tell whether the next line is already there.

`mbc batch --jobs N` hands lines to its workers in chunks. Reading a file, a chunk is full a
moment later; reading a pipe or a terminal, the writer may pause for minutes. So before it
waits for more input, the parallel run asks `line_waiting()`: when the answer is no, it
finishes the lines it has first, and each result is written as soon as its line is read, as
in a one-process run.
"""

from __future__ import annotations

import os
import select

_READ = 65_536


class StreamInput:
    """`readline(limit)` over a file descriptor, as `BufferedReader.readline` answers it."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        self.start = 0  # the unread bytes are buffer[start:]
        self.eof = False

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self.buffer.find(b"\n", self.start)
            if end >= 0 and (limit < 0 or end - self.start < limit):
                return self._take(end + 1 - self.start)
            if limit >= 0 and len(self.buffer) - self.start >= limit:
                return self._take(limit)
            if self.eof:
                return self._take(len(self.buffer) - self.start)
            self._read()

    def line_waiting(self) -> bool:
        """True when the next `readline()` will not wait for the writer."""
        while not self.eof and self.buffer.find(b"\n", self.start) < 0:
            readable, _, _ = select.select([self.fd], [], [], 0)
            if not readable:
                return False
            self._read()
        return True

    def _read(self) -> None:
        chunk = os.read(self.fd, _READ)
        if not chunk:
            self.eof = True
        if self.start > _READ:  # drop what has been read, now and then, not per line
            del self.buffer[: self.start]
            self.start = 0
        self.buffer += chunk

    def _take(self, size: int) -> bytes:
        line = bytes(self.buffer[self.start : self.start + size])
        self.start += size
        return line
