"""The compiled knowledge table, cached on disk, keyed by the table file's sha256.

Parsing and checking the YAML and indexing its phrases takes ~40 ms; a lookup takes ~1 ms.
So the checked table and its phrase index are kept as a pickle in the user's cache directory
and reused while the table's bytes (and the tool's version) stay the same. A missing, stale,
corrupt or unwritable cache only costs the full build; it never changes an answer.

Where: `MBC_CACHE_DIR`, else `$XDG_CACHE_HOME/mbc-lookup`, else `~/.cache/mbc-lookup`.
`MBC_CACHE_DIR=""` (empty) turns the cache off. Only a directory owned by the current user
and writable by no one else is used, since unpickling runs code from the file.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

from . import __version__
from .matching import PhraseIndex
from .table_file import read_table_file

_FORMAT = 1  # bump when PhraseIndex or the model changes shape


def cache_dir() -> Path | None:
    configured = os.environ.get("MBC_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mbc-lookup"


def _entry(directory: Path, sha256: str) -> Path:
    python = f"py{sys.version_info[0]}{sys.version_info[1]}"
    return directory / f"{sha256}-{__version__}-{python}-{_FORMAT}.pickle"


def _trusted(directory: Path) -> bool:
    """Ours alone: owned by this user and not writable by group or others."""
    try:
        info = directory.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def load_index(path: str | Path | None = None) -> PhraseIndex:
    """The checked table at `path` (the shipped one when None) with its phrase index, from the
    cache when it holds this exact table, else built (and cached). Raises `KnowledgeError`."""
    table = read_table_file(path)
    directory = cache_dir()
    entry = _entry(directory, table.sha256) if directory is not None else None
    if entry is not None and directory is not None and _trusted(directory):
        try:
            with entry.open("rb") as handle:
                index = pickle.load(handle)
            if isinstance(index, PhraseIndex) and index.knowledge.sha256 == table.sha256:
                if index.knowledge.path != table.name:  # the same table at another path
                    index.knowledge = index.knowledge._replace(path=table.name)
                return index
        except Exception:  # any unreadable cache entry is simply rebuilt
            pass
    from .knowledge import parse_table_file

    index = PhraseIndex(parse_table_file(table))
    if entry is not None and directory is not None:
        _store(directory, entry, index)
    return index


def _store(directory: Path, entry: Path, index: PhraseIndex) -> None:
    import tempfile  # only when the cache is written: it is not needed for a lookup

    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(directory):
            return
        handle, temporary = tempfile.mkstemp(dir=directory, suffix=".tmp")
    except OSError:
        return  # a read-only home: the next run builds the index again
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(index, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)  # atomic: a reader sees the old entry or the whole new one
    except OSError:  # a full disk
        Path(temporary).unlink(missing_ok=True)
