"""Finding and reading the knowledge file: its path, its bytes and their digests, and the
errors a person can cause (no such file, a directory, unreadable, too big, not text).

Kept apart from `knowledge` (the YAML parser and checker) so that a lookup answered from the
compiled cache never imports PyYAML.
"""

import stat
from pathlib import Path
from typing import Any, NamedTuple

MAX_FILE_BYTES = 5_000_000  # the shipped table is ~70 kB; anything this big is not a table


class Problem(NamedTuple):
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge table could not be read or is not valid; `problems` lists why."""

    def __init__(self, problems: list[Problem], sha256: str | None = None) -> None:
        super().__init__(str(problems[0]) if problems else "invalid knowledge table")
        self.problems = problems
        self.sha256 = sha256  # of the file's bytes, when it could be read


class TableFile(NamedTuple):
    name: str  # the path as given, for messages
    raw: bytes
    fingerprint: bytes  # BLAKE2b-256 of `raw`: the compiled-table cache's key

    @property
    def sha256(self) -> str:
        """The SHA-256 (hex) of the bytes, which documents and errors name the table by. Worked
        out when asked: a lookup answered from the cache takes it from there, and the
        interpreter's own SHA-256 costs three times BLAKE2b's time."""
        return str(_hasher(self.raw).hexdigest())


def default_path() -> Path:
    """The table shipped in the package; in a source checkout, the one at `data/`."""
    here = Path(__file__).resolve().parent
    packaged = here / "data" / "symptoms.yaml"
    if packaged.is_file():
        return packaged
    # An editable install or a plain source checkout: the canonical file at the repo root.
    return here.parents[1] / "data" / "symptoms.yaml"


def read_table_file(path: str | Path | None = None) -> TableFile:
    """The bytes of the table at `path` (the shipped one when None); `KnowledgeError` if unreadable."""
    file = Path(path) if path is not None else default_path()
    name = display_name(file)
    try:
        mode = file.stat().st_mode
        if stat.S_ISDIR(mode):
            raise KnowledgeError([Problem(name, None, "is a directory, not a knowledge file")])
        if not stat.S_ISREG(mode):  # a FIFO or a device: reading could wait forever
            raise KnowledgeError([Problem(name, None, "is not a regular file, not a knowledge file")])
        with file.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise KnowledgeError([Problem(name, None, "no such file")]) from None
    except PermissionError:
        raise KnowledgeError([Problem(name, None, "permission denied")]) from None
    except OSError as error:
        raise KnowledgeError([Problem(name, None, f"cannot read: {error.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // 1_000_000
        raise KnowledgeError([Problem(name, None, f"larger than {limit} MB; not a knowledge table")])
    return TableFile(name, raw, blake2b_digest(raw))


def display_name(path: str | Path) -> str:
    """A file name as it is printed and put in JSON: control characters and bytes that are
    not UTF-8 are shown as escapes."""
    name = str(path)
    if name.isprintable():  # nearly always: no need to load the escaping
        return name
    from .text import printable, visible

    return visible(printable(name))


def blake2b_digest(data: bytes) -> bytes:
    """The raw BLAKE2b-256 of `data`: the compiled-table cache's key."""
    try:  # the interpreter's built-in, as for SHA-256 below
        from _blake2 import blake2b  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from hashlib import blake2b
    return bytes(blake2b(data, digest_size=32).digest())


def _hasher(data: bytes) -> Any:
    # The interpreter's built-in SHA-256 where it has one: importing hashlib starts OpenSSL,
    # which costs more (~3 ms) than everything else a cached lookup does.
    try:
        from _sha2 import sha256  # type: ignore[import-not-found,unused-ignore]  # 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef,unused-ignore]
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment,unused-ignore]
    return sha256(data)
