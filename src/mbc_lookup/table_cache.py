"""The compiled knowledge table, cached on disk, keyed by the table file's sha256.

Parsing and checking the YAML and indexing its phrases takes ~40 ms; a lookup takes ~1 ms.
So the checked table and its phrase index are kept, as plain data written with `marshal`
(which, unlike pickle, needs no import and runs no code when read), in the user's cache
directory, and reused while the table's bytes (and the tool's and Python's versions) stay the
same. A missing, stale, corrupt or unwritable cache only costs the full build; it never
changes an answer.

Where: `MBC_CACHE_DIR`, else `$XDG_CACHE_HOME/mbc-lookup`, else `~/.cache/mbc-lookup`.
`MBC_CACHE_DIR=""` (empty) turns the cache off. Only a directory owned by the current user
and writable by no one else is used.
"""

from __future__ import annotations

import marshal
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .matching import PhraseIndex
from .model import (
    Codes,
    ContextRule,
    DiagnosticTest,
    Knowledge,
    Language,
    LocationRule,
    ModifierRule,
    Reading,
    SenseRule,
    Site,
    SiteLink,
    Source,
    Symptom,
    Treatment,
    UrgentPattern,
)
from .table_file import read_table_file

_FORMAT = 4  # bump when PhraseIndex or the model changes shape
MAX_ENTRIES = 32  # oldest entries beyond this are removed when a new one is written


def cache_dir() -> Path | None:
    configured = os.environ.get("MBC_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mbc-lookup"


def _entry(directory: Path, sha256: str, seed_only: bool) -> Path:
    python = f"py{sys.version_info[0]}{sys.version_info[1]}"
    variant = "seed" if seed_only else "full"
    return directory / f"{sha256}-{variant}-{__version__}-{python}-{_FORMAT}.marshal"


def _trusted(directory: Path) -> bool:
    """Ours alone: owned by this user and not writable by group or others."""
    try:
        info = directory.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def load_index(path: str | Path | None = None, seed_only: bool = False) -> PhraseIndex:
    """The checked table at `path` (the shipped one when None) with its phrase index, from the
    cache when it holds this exact table, else built (and cached). `seed_only` restricts it
    to the article's own rows. Raises `KnowledgeError`."""
    table = read_table_file(path)
    directory = cache_dir()
    entry = _entry(directory, table.sha256, seed_only) if directory is not None else None
    if entry is not None and directory is not None and _trusted(directory):
        cached = _read_entry(entry, table.name, table.sha256)
        if cached is not None:
            return cached
    from .knowledge import parse_table_file

    knowledge = parse_table_file(table)
    index = PhraseIndex(knowledge.restricted_to_seed() if seed_only else knowledge)
    if entry is not None and directory is not None:
        _store(directory, entry, index)
    return index


def _read_entry(entry: Path, name: str, sha256: str) -> PhraseIndex | None:
    """The index stored in `entry`, or None when it is missing, unreadable or outdated (the
    caller then builds it again)."""
    try:
        plain_knowledge, plain_index = marshal.loads(entry.read_bytes())
        knowledge = _knowledge(plain_knowledge)._replace(path=name)
        return PhraseIndex.from_plain(knowledge, plain_index) if knowledge.sha256 == sha256 else None
    except Exception:  # a corrupt or older-format entry: anything it raises means "rebuild"
        return None


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
            file.write(marshal.dumps((_plain(index.knowledge), index.to_plain())))
        os.replace(temporary, entry)  # atomic: a reader sees the old entry or the whole new one
    except OSError:  # a full disk
        Path(temporary).unlink(missing_ok=True)
        return
    _prune(directory)


def _prune(directory: Path) -> None:
    """Keep the cache small: entries for edited tables or old versions are never read again."""
    try:
        entries = sorted(
            (path for path in directory.iterdir() if path.suffix in (".marshal", ".pickle")),
            key=lambda path: path.stat().st_mtime,
        )
        for stale in entries[:-MAX_ENTRIES]:
            stale.unlink(missing_ok=True)
    except OSError:
        return  # another process pruned first, or the directory went away


def _plain(value: Any) -> Any:
    """The model's NamedTuples as plain tuples, which marshal can write."""
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


def _knowledge(plain: Any) -> Knowledge:
    """The inverse of `_plain` for a `Knowledge`: every field in the model's order."""
    (path, sha256, version, title, disclaimer, sources, summary, treatments, language, unrelated, sites,
     patterns, seed_only, reading) = plain  # fmt: skip
    context, modifiers, senses, locations = reading
    return Knowledge(
        path=path,
        sha256=sha256,
        knowledge_version=version,
        title=title,
        disclaimer=disclaimer,
        sources=tuple(Source(*source) for source in sources),
        treatment_summary=summary,
        treatments=tuple(Treatment(*treatment) for treatment in treatments),
        language=Language(*language),
        unrelated=unrelated,
        sites=tuple(_site(site) for site in sites),
        urgent_patterns=tuple(UrgentPattern(*pattern) for pattern in patterns),
        seed_only=seed_only,
        reading=Reading(
            context=tuple(ContextRule(*rule) for rule in context),
            modifiers=tuple(ModifierRule(*rule) for rule in modifiers),
            senses=tuple(SenseRule(*rule) for rule in senses),
            locations=tuple(LocationRule(*rule) for rule in locations),
        ),
    )


def _site(plain: Any) -> Site:
    site_id, name, tests, symptoms, description, description_source = plain
    return Site(
        id=site_id,
        name=name,
        tests=tuple(DiagnosticTest(*test) for test in tests),
        symptoms=tuple(_symptom(symptom) for symptom in symptoms),
        description=description,
        description_source=description_source,
    )


def _symptom(plain: Any) -> Symptom:
    symptom_id, site, name, phrases, urgent, advice, advice_source, source, codes, also_sites = plain
    return Symptom(
        id=symptom_id,
        site=site,
        name=name,
        phrases=phrases,
        urgent=urgent,
        advice=advice,
        advice_source=advice_source,
        source=source,
        codes=Codes(*codes),
        also_sites=tuple(SiteLink(*link) for link in also_sites),
    )
