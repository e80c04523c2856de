"""The compiled knowledge table, cached on disk, keyed by a digest of the table file's bytes.

Parsing and checking the YAML and indexing its phrases takes ~40 ms; a lookup takes ~1 ms.
So the checked table and its phrase index are kept, as plain data written with `marshal`
(which, unlike pickle, needs no import and runs no code when read), in the user's cache
directory, and reused while the table's bytes (and the tool's and Python's versions) stay the
same. A missing, stale, corrupt or unwritable cache only costs the full build; it never
changes an answer and never crashes:

- An entry is a header (a magic line, the table's key, the payload's length and its CRC-32)
  and the payload. The key is BLAKE2b-256 of the table's bytes, a cryptographic hash that the
  interpreter computes three times as fast as SHA-256: it is worked out on every run, and a
  collision-resistant key means the same bytes, so the table's SHA-256, which documents show,
  is kept in the entry instead of recomputed. The CRC-32 catches a damaged payload (a torn
  write, a changed byte) in a fifth of a BLAKE2b's time; a digest that anyone can compute
  would guard against no more than that (a crafted payload is what the shape check is for).
  Nothing is unmarshalled until the key, the length and the CRC-32 of the whole payload
  match, and what is unmarshalled must have exactly the shape `_plain` writes (`_SHAPE`)
  before a table is built from it. Any doubt means "rebuild".
- Pruning removes only files named the way this module names its entries.

Where: the directory the caller names (`load_index(..., directory=...)`); none, and so no
cache, by default: the library writes nothing unless asked. The CLI names the user cache
folder (`cli.user_cache_dir`: `MBC_CACHE_DIR`, else the platform's, from platformdirs). Only a
directory owned by the current user and writable by no one else is used.

The shipped table's entries are also built when the wheel is built (`hatch_build.py` calls
`write_entry`) and installed with it, in the package's `data` folder, named as in a cache
directory. They are read first, for any table with the same bytes, so a lookup with the
shipped table needs no cache and writes nothing, from its first run. Those entries are part of
the installed package, trusted as its code is (as Python trusts the package's compiled
`.pyc` files): their header and CRC-32 are still checked, but not their shape, which the
shape check exists for only in a directory other programs of the user can write to. An
editable install or a source checkout has none, and uses the cache as before.
"""

import marshal
import os
import re
import stat
import sys
import zlib
from itertools import chain
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
    TriageAction,
    TriageCondition,
    TriageRule,
    TriageTable,
    UrgentPattern,
)
from .table_file import TableFile, read_table_file

_FORMAT = 13  # bump when PhraseIndex or the model changes shape
MAX_ENTRIES = 32  # oldest entries beyond this are removed when a new one is written
MAX_ENTRY_BYTES = 64_000_000  # the shipped table's entry is ~240 kB; a table is at most 5 MB
_MAGIC = b"mbc-lookup cache\n"
_HEADER = len(_MAGIC) + 32 + 8 + 4  # magic, table key, then the payload's length and CRC-32 (big-endian)
_ENTRY_NAME = r"[0-9a-f]{64}-(full|seed)-[0-9A-Za-z.+-]+-py\d+-\d+\.marshal"  # as `_entry` names them
_SHIPPED = Path(__file__).parent / "data"  # the shipped table's entries, built with the wheel


def _entry(directory: Path, key: bytes, seed_only: bool) -> Path:
    python = f"py{sys.version_info[0]}{sys.version_info[1]}"
    variant = "seed" if seed_only else "full"
    return directory / f"{key.hex()}-{variant}-{__version__}-{python}-{_FORMAT}.marshal"


def _trusted(directory: Path) -> bool:
    """Ours alone: owned by this user and not writable by group or others."""
    try:
        info = directory.stat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):
        return True
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def load_index(
    path: str | Path | None = None, seed_only: bool = False, directory: Path | None = None
) -> PhraseIndex:
    """The checked table at `path` (the shipped one when None) with its phrase index: from the
    entries installed with the package when it is the shipped table, else from the cache in
    `directory` when it holds this exact table, else built (and cached there when a directory
    is given). `seed_only` restricts it to the article's own rows. Raises `KnowledgeError`."""
    table = read_table_file(path)
    shipped = _entry(_SHIPPED, table.fingerprint, seed_only)
    index = _read_entry(shipped, table.name, table.fingerprint, check_shape=False)
    if index is not None:
        return index
    entry = _entry(directory, table.fingerprint, seed_only) if directory is not None else None
    if entry is not None and directory is not None and _trusted(directory):
        cached = _read_entry(entry, table.name, table.fingerprint, check_shape=True)
        if cached is not None:
            return cached
    index = _built(table, seed_only)
    if entry is not None and directory is not None:
        _store(directory, entry, _entry_bytes(table.fingerprint, index))
    return index


def write_entry(directory: Path, path: str | Path | None = None, seed_only: bool = False) -> Path:
    """Build the entry of the table at `path` (the shipped one when None) into `directory`,
    named as `load_index` looks for it, and return its path. The wheel's build hook ships the
    shipped table's entries this way (see the module's docstring). Raises `KnowledgeError`."""
    table = read_table_file(path)
    entry = _entry(directory, table.fingerprint, seed_only)
    entry.write_bytes(_entry_bytes(table.fingerprint, _built(table, seed_only)))
    return entry


def _built(table: TableFile, seed_only: bool) -> PhraseIndex:
    """The table parsed and checked from its YAML, and indexed."""
    from .knowledge import parse_table_file

    knowledge = parse_table_file(table)
    return PhraseIndex(knowledge.restricted_to_seed() if seed_only else knowledge)


def _read_entry(entry: Path, name: str, key: bytes, check_shape: bool) -> PhraseIndex | None:
    """The index stored in `entry` for the table whose key is `key`, or None when it is
    missing, unreadable, damaged or outdated (the caller then builds it again). Only an
    entry shipped in the package is read without `check_shape`."""
    payload = _verified_payload(entry, key)
    if payload is None:
        return None
    try:
        plain = marshal.loads(payload)
        if check_shape and not _fits(plain, _SHAPE):
            return None
        plain_knowledge, plain_index = plain
        knowledge = _knowledge(plain_knowledge)._replace(path=name)
        return PhraseIndex.from_plain(knowledge, plain_index)
    except Exception:  # e.g. a phrase naming a symptom the table lacks: rebuild
        return None


def _verified_payload(entry: Path, key: bytes) -> memoryview | None:
    """The entry's payload, if the entry is a regular file whose header names the table with
    `key` and matches the payload in full."""
    try:
        handle = os.open(entry, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO never blocks
    except OSError:
        return None
    with open(handle, "rb") as file:
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode) or not _HEADER < info.st_size <= MAX_ENTRY_BYTES:
                return None
            raw = file.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
    if not raw.startswith(_MAGIC + key):  # another table's entry: no need to check it
        return None
    payload = memoryview(raw)[_HEADER:]  # a view, not a copy of the whole payload
    return payload if raw[:_HEADER] == _header(key, payload) else None


def _header(key: bytes, payload: bytes | memoryview) -> bytes:
    return _MAGIC + key + len(payload).to_bytes(8, "big") + zlib.crc32(payload).to_bytes(4, "big")


def framed(key: bytes, payload: bytes) -> bytes:
    """An entry: the header for the table with `key` and this payload, then the payload."""
    return _header(key, payload) + payload


def _entry_bytes(key: bytes, index: PhraseIndex) -> bytes:
    # No path: a reader puts in the one it was given, and a wheel built twice is the same.
    plain = _shared((_plain(index.knowledge._replace(path="")), index.to_plain()), {})
    return framed(key, marshal.dumps(plain))


def _shared(value: Any, texts: dict[str, str]) -> Any:
    """`value` with every repeated string one object: marshal then writes it once and refers
    back to it, which makes the entry smaller (by 6%) and quicker to read."""
    if isinstance(value, str):
        return texts.setdefault(value, value)
    if isinstance(value, tuple):
        return tuple(_shared(item, texts) for item in value)
    if isinstance(value, frozenset):
        return frozenset(_shared(item, texts) for item in value)
    if isinstance(value, dict):
        return {_shared(k, texts): _shared(v, texts) for k, v in value.items()}
    return value


def _store(directory: Path, entry: Path, entry_bytes: bytes) -> None:
    import tempfile  # only when the cache is written: it is not needed for a lookup

    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _trusted(directory):
            return
        handle, temporary = tempfile.mkstemp(dir=directory, prefix="mbc-lookup-", suffix=".tmp")
    except OSError:
        return  # a read-only home: the next run builds the index again
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(entry_bytes)
        os.replace(temporary, entry)  # atomic: a reader sees the old entry or the whole new one
    except OSError:  # a full disk
        Path(temporary).unlink(missing_ok=True)
        return
    except BaseException:  # interrupted: leave nothing half-written behind
        Path(temporary).unlink(missing_ok=True)
        raise
    _prune(directory)


def _prune(directory: Path) -> None:
    """Keep the cache small: entries for edited tables or old versions are never read again.
    Only files named as this module names its entries are ever removed: the directory may be
    shared (`MBC_CACHE_DIR=some/project/dir`)."""
    try:
        entries = sorted(
            (path for path in directory.iterdir() if re.fullmatch(_ENTRY_NAME, path.name)),
            key=lambda path: path.stat().st_mtime,
        )
        for stale in entries[:-MAX_ENTRIES]:
            stale.unlink(missing_ok=True)
    except OSError:
        return  # another process pruned first, or the directory went away


# The markers of `_SHAPE`. Plain classes with slots: a NamedTuple costs ten times as much to
# define, and these are defined on every cached lookup.
class _Of:
    """A marker of a container whose items all have the shape `item`."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        self.item = item


class _Many(_Of):
    """A tuple of any length whose items all have the shape `item`."""

    __slots__ = ()


class _FrozenSet(_Of):
    """A frozenset whose items all have the shape `item` (a type)."""

    __slots__ = ()


class _Dict:
    """A dict whose keys all have the shape `key` and values the shape `value`."""

    __slots__ = ("key", "value")

    def __init__(self, key: Any, value: Any) -> None:
        self.key = key
        self.value = value


class _Maybe(_Of):
    """None, or a value of the shape `item`."""

    __slots__ = ()


# The shape `_plain` gives a (Knowledge, PlainIndex) pair. A type means exactly that type, a
# frozenset of types any of them, and a plain tuple that tuple's items in order.
_TEXT_OR_NONE = frozenset({str, type(None)})
_TEXTS = _Many(str)
_WORDS = _FrozenSet(str)
_CODES = (str, str, _TEXT_OR_NONE, _TEXT_OR_NONE)
_SYMPTOM = (str, str, str, _TEXTS, bool, _TEXT_OR_NONE, _TEXT_OR_NONE, str, _CODES, _Many((str, str)))
_SITE = (str, str, _Many((str, str, str)), _Many(_SYMPTOM), _TEXT_OR_NONE, _TEXT_OR_NONE)
_LANGUAGE = (_TEXTS, _TEXTS, _TEXTS, _Many((str, _TEXTS)))
_READING = (
    _Many((str, str, str, int, str, _TEXTS, _TEXTS, _TEXTS)),  # context rules
    _Many((str, str, _TEXTS, _TEXT_OR_NONE, str)),  # modifiers
    _Many((str, _TEXTS, _TEXTS, int, str, bool)),  # senses
    _Many((_TEXTS, _TEXTS, str, str)),  # locations
)
_NUMBER_OR_NONE = frozenset({float, type(None)})
_CONDITION = (_TEXTS, _TEXTS, _TEXTS, _TEXTS, _NUMBER_OR_NONE, _TEXTS, _NUMBER_OR_NONE)
_RANGE_OR_NONE = _Maybe((float, float))
_TRIAGE = (_Many((str, str, str)), _Many((str, str, str, _Many(_CONDITION), str, str, _RANGE_OR_NONE)))
_KNOWLEDGE = (
    str, str, str, str, str, _Many((str, str, str, _TEXT_OR_NONE)), str, _Many((str, str, str, str)),
    _LANGUAGE, _TEXTS, _Many(_SITE), _Many((str, str, _Many(_TEXTS), str, str)), bool, _READING, _TRIAGE,
)  # fmt: skip
_INDEX = (
    (_Dict(str, str), _WORDS, _WORDS, _WORDS, _WORDS),
    _Many((str, _TEXTS, str, _TEXT_OR_NONE)),
    _Dict(str, _Many(int)),
    _Dict(str, str),
    # the reading rules compiled (`context.reading_stems`): literals by first stem, the context
    # rules' word lists, the patterns' words, the sense rules' words
    (
        _Dict(str, _Many((_TEXTS, int))),
        _Dict(str, _Many((_TEXTS, int))),
        _Many((_TEXTS, _TEXTS, _TEXTS)),
        _WORDS,
        _Many((str, _TEXTS, _TEXTS)),
    ),
)
_SHAPE = (_KNOWLEDGE, _INDEX)


def _fits(value: Any, shape: Any) -> bool:
    """Whether `value` has exactly `shape` (see `_SHAPE`)."""
    return _all_fit((value,), shape)


def _all_fit(values: tuple[Any, ...], shape: Any) -> bool:
    """Whether every one of `values` has `shape`. The check goes a column at a time (every
    site's symptoms, then every symptom's codes), so its loops run at C speed: an entry is
    thousands of strings, and this runs on every cached lookup."""
    types = set(map(type, values))
    if isinstance(shape, type):
        return types <= {shape}
    if isinstance(shape, frozenset):
        return types <= shape
    if isinstance(shape, _Maybe):
        return _all_fit(tuple(value for value in values if value is not None), shape.item)
    if isinstance(shape, _FrozenSet):
        return types <= {frozenset} and _all_fit(tuple(frozenset().union(*values)), shape.item)
    if isinstance(shape, _Dict):
        return (
            types <= {dict}
            and _all_fit(tuple(chain.from_iterable(map(dict.keys, values))), shape.key)
            and _all_fit(tuple(chain.from_iterable(map(dict.values, values))), shape.value)
        )
    if not types <= {tuple}:
        return False
    if isinstance(shape, _Many):
        return _all_fit(tuple(chain.from_iterable(values)), shape.item)
    return set(map(len, values)) <= {len(shape)} and all(map(_all_fit, zip(*values, strict=True), shape))


def _plain(value: Any) -> Any:
    """The model's NamedTuples as plain tuples, which marshal can write."""
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    return value


def _knowledge(plain: Any) -> Knowledge:
    """The inverse of `_plain` for a `Knowledge`: every field in the model's order."""
    (path, sha256, version, title, disclaimer, sources, summary, treatments, language, unrelated, sites,
     patterns, seed_only, reading, triage) = plain  # fmt: skip
    context, modifiers, senses, locations = reading
    actions, rules = triage
    return Knowledge(
        path=path,
        sha256=sha256,
        knowledge_version=version,
        title=title,
        disclaimer=disclaimer,
        sources=tuple(map(Source._make, sources)),
        treatment_summary=summary,
        treatments=tuple(map(Treatment._make, treatments)),
        language=Language(*language),
        unrelated=unrelated,
        sites=tuple(_site(site) for site in sites),
        urgent_patterns=tuple(map(UrgentPattern._make, patterns)),
        seed_only=seed_only,
        reading=Reading(
            context=tuple(map(ContextRule._make, context)),
            modifiers=tuple(map(ModifierRule._make, modifiers)),
            senses=tuple(map(SenseRule._make, senses)),
            locations=tuple(map(LocationRule._make, locations)),
        ),
        triage=TriageTable(
            actions=tuple(map(TriageAction._make, actions)),
            rules=tuple(
                TriageRule(
                    rule_id,
                    name,
                    level,
                    tuple(map(TriageCondition._make, groups)),
                    advice,
                    source,
                    below,
                )
                for rule_id, name, level, groups, advice, source, below in rules
            ),
        ),
    )


def _site(plain: Any) -> Site:
    site_id, name, tests, symptoms, description, description_source = plain
    return Site(
        id=site_id,
        name=name,
        tests=tuple(map(DiagnosticTest._make, tests)),
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
        also_sites=tuple(map(SiteLink._make, also_sites)),
    )
