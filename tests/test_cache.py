"""The compiled-table cache: it makes start-up fast and must never change an answer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mbc_lookup.api import load_matcher, lookup_items
from mbc_lookup.cli import user_cache_dir
from mbc_lookup.knowledge import load_knowledge
from mbc_lookup.matching import Matcher, PhraseIndex
from mbc_lookup.render_json import dumps, result_to_dict
from mbc_lookup.table_cache import load_index

ITEMS = ["headache", "weezing", "no cough", "yellow eyes", "xyzzy", "nausea", "toothache"]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("MBC_CACHE_DIR", str(directory))
    return directory


def _answer(matcher: Matcher) -> str:
    return dumps(result_to_dict(lookup_items(ITEMS, matcher), matcher.knowledge))


def test_a_cached_table_gives_the_same_answers_as_a_fresh_build(cache: Path) -> None:
    fresh = Matcher(load_knowledge())
    first = load_matcher(cache_dir=user_cache_dir())  # builds and stores
    assert len(list(cache.iterdir())) == 1
    second = load_matcher(cache_dir=user_cache_dir())  # loads
    assert second.knowledge == fresh.knowledge
    assert _answer(first) == _answer(second) == _answer(fresh)
    index, built = load_index(directory=user_cache_dir()), PhraseIndex(load_knowledge())
    assert index.phrases == built.phrases and index.vocabulary == built.vocabulary
    assert index.reading_stems == built.reading_stems
    assert vars(index.normalizer) == vars(built.normalizer)


def test_a_stored_entry_is_read_without_parsing_the_table(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mbc_lookup import knowledge

    built = load_index(directory=user_cache_dir())  # builds and stores

    def parse(*args: object) -> None:
        raise AssertionError("the table was parsed again instead of read from the cache")

    monkeypatch.setattr(knowledge, "parse_table_file", parse)
    cached = load_index(directory=user_cache_dir())
    assert cached.knowledge == built.knowledge and cached.phrases == built.phrases


def test_a_corrupt_cache_entry_is_rebuilt(cache: Path) -> None:
    load_matcher(cache_dir=user_cache_dir())
    (entry,) = cache.iterdir()
    entry.write_bytes(b"\x00garbage")
    assert _answer(load_matcher(cache_dir=user_cache_dir())) == _answer(Matcher(load_knowledge()))
    assert entry.read_bytes() != b"\x00garbage"  # replaced by a good one


def test_an_edited_table_is_never_answered_from_the_old_entry(
    cache: Path, table_text: str, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(table_text, encoding="utf-8")
    assert load_matcher(mine).knowledge.site("liver").name == "Liver"
    mine.write_text(table_text.replace('name: "Liver"', 'name: "The liver"', 1), encoding="utf-8")
    assert load_matcher(mine).knowledge.site("liver").name == "The liver"
    assert load_matcher(mine).knowledge.path == str(mine)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX ownership")
def test_a_directory_others_can_write_to_is_not_used(cache: Path) -> None:
    cache.mkdir(mode=0o777)
    cache.chmod(0o777)
    load_matcher(cache_dir=user_cache_dir())
    assert list(cache.iterdir()) == []


def test_the_cache_can_be_turned_off_or_be_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MBC_CACHE_DIR", "")
    assert load_matcher(cache_dir=user_cache_dir()).knowledge.sites
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("MBC_CACHE_DIR", str(blocked / "cache"))
    assert load_matcher(cache_dir=user_cache_dir()).knowledge.sites  # mkdir fails: answered anyway


def test_the_cache_keeps_only_the_newest_entries(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mbc_lookup import table_cache

    cache.mkdir(mode=0o700)
    others = ["notes.marshal", "model.pickle", "x.tmp", f"{0:064x}-full.marshal"]  # not mbc's
    for name in others:
        (cache / name).write_bytes(b"someone else's")
        os.utime(cache / name, (0, 0))
    for index in range(5):
        stale = cache / f"{index:064x}-full-0.9.0-py311-3.marshal"
        stale.write_bytes(b"x")
        os.utime(stale, (index, index))
    monkeypatch.setattr(table_cache, "MAX_ENTRIES", 3)
    load_matcher(cache_dir=user_cache_dir())  # writes the shipped table's entry, then prunes
    left = sorted(path.name for path in cache.iterdir() if path.name not in others)
    assert len(left) == 3
    from mbc_lookup.table_file import read_table_file

    assert any(name.startswith(read_table_file().fingerprint.hex()) for name in left)
    assert all((cache / name).read_bytes() == b"someone else's" for name in others)


# --- damaged and foreign entries (issue 14): they may cost a rebuild, never a crash or an answer


def _entry_path(cache: Path) -> Path:
    load_matcher(cache_dir=user_cache_dir())
    (entry,) = (path for path in cache.iterdir() if path.suffix == ".marshal")
    return entry


def test_a_crafted_short_entry_is_rebuilt_not_unmarshalled(cache: Path) -> None:
    entry = _entry_path(cache)
    expected = _answer(Matcher(load_knowledge()))
    for crafted in (
        b"\xe3" + b"\xff" * 11,
        b"mbc-lookup c",
        b"(\x00\x00\x00\x00" * 2 + b"\xe3\x00\x00\x00",
        b"",
    ):
        entry.write_bytes(crafted)
        assert _answer(load_matcher(cache_dir=user_cache_dir())) == expected
        assert entry.read_bytes().startswith(b"mbc-lookup cache\n")  # rebuilt


def _with_header(payload: bytes) -> bytes:
    """An entry for the shipped table whose header matches `payload` (a forger could make it)."""
    from mbc_lookup.table_cache import framed
    from mbc_lookup.table_file import read_table_file

    return framed(read_table_file().fingerprint, payload)


def test_an_entry_with_a_valid_header_but_the_wrong_shape_is_rebuilt(cache: Path) -> None:
    import marshal

    from mbc_lookup import table_cache

    entry = _entry_path(cache)
    good = marshal.loads(entry.read_bytes()[table_cache._HEADER :])
    knowledge, index = good
    symptom_fields = list(knowledge[10][0][3][0])
    symptom_fields[4] = "yes"  # `urgent` as text, not a bool
    site = knowledge[10][0]
    wrong_site = (*site[:3], ((*symptom_fields,), *site[3][1:]), *site[4:])
    triage_actions, triage_rules = knowledge[14]
    ranged = next(n for n, rule in enumerate(triage_rules) if rule[6] is not None)
    bad_rule = (*triage_rules[ranged][:6], ("36", "37.5"))  # a normal range as text
    bad_rules = (*triage_rules[:ranged], bad_rule, *triage_rules[ranged + 1 :])
    context_words = index[4][2]
    bad_words = (*context_words[:-1], (*context_words[-1][:2], (1,)))
    wrong = [
        {"a": 1},
        ((*knowledge[:14], (triage_actions, bad_rules)), index),
        (knowledge, (index[0], (*index[1][:-1], (1, (), "x", None)), *index[2:])),
        (knowledge, (index[0], (*index[1][:-1], ("x", ("x",), "x", "no-such-symptom")), *index[2:])),
        (knowledge, (*index[:2], {"headache": ("0",)}, *index[3:])),  # a phrase's position as text
        (knowledge, (*index[:2], {"headache": (10**6,)}, *index[3:])),  # no such phrase
        (knowledge, (*index[:3], {1: 2}, index[4])),
        (knowledge, (*index[:4], (*index[4][:2], bad_words, *index[4][3:]))),  # a stem as a number
        (knowledge, (*index[:4], ({**index[4][0], "x": ((("x",), 10**6),)}, *index[4][1:]))),  # no such rule
        ((*knowledge[:10], (wrong_site, *knowledge[10][1:]), *knowledge[11:]), index),
        (knowledge[:-1], index),
    ]
    expected = _answer(Matcher(load_knowledge()))
    for entry_bytes in [_with_header(marshal.dumps(plain)) for plain in wrong] + [
        table_cache.framed(b"\0" * 32, marshal.dumps(good)),  # another table's entry, renamed
    ]:
        entry.write_bytes(entry_bytes)
        assert _answer(load_matcher(cache_dir=user_cache_dir())) == expected
        assert marshal.loads(entry.read_bytes()[table_cache._HEADER :]) == good


def test_random_damage_to_an_entry_never_changes_an_answer(cache: Path) -> None:
    import random

    entry = _entry_path(cache)
    good = entry.read_bytes()
    expected = _answer(Matcher(load_knowledge()))
    generator = random.Random(14)
    for _ in range(25):
        damaged = bytearray(good)
        for _ in range(generator.choice([1, 1, 2, 8])):
            damaged[generator.randrange(len(damaged))] = generator.randrange(256)
        entry.write_bytes(
            bytes(damaged[: generator.choice([len(damaged), generator.randrange(len(damaged))])])
        )
        assert _answer(load_matcher(cache_dir=user_cache_dir())) == expected


def test_no_home_directory_means_no_cache_rather_than_a_folder_named_tilde(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("MBC_CACHE_DIR", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)  # no home the system knows
    assert user_cache_dir() is None
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # the XDG spec: ignore relative paths
    assert user_cache_dir() is None
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert user_cache_dir() == Path("/somewhere/mbc-lookup")


def test_a_stored_entry_is_read_back_without_parsing_the_table(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry's shape check matches what `_plain` writes: a second load never parses YAML."""
    from mbc_lookup import knowledge as knowledge_module

    built = load_index(directory=user_cache_dir()).knowledge  # builds and stores

    def refuse(*args: object) -> None:
        raise AssertionError("the table was parsed again: the cache entry was not used")

    monkeypatch.setattr(knowledge_module, "parse_table_file", refuse)
    assert load_index(directory=user_cache_dir()).knowledge == built


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package `data` folder holding the shipped table's entries, as the wheel's build hook
    (hatch_build.py) writes them."""
    from mbc_lookup import table_cache

    directory = tmp_path / "package-data"
    directory.mkdir()
    for seed_only in (False, True):
        table_cache.write_entry(directory, seed_only=seed_only)
    monkeypatch.setattr(table_cache, "_SHIPPED", directory)
    return directory


def test_the_shipped_entries_answer_without_parsing_or_writing_a_cache(
    shipped: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mbc_lookup import knowledge as knowledge_module

    fresh = Matcher(load_knowledge())
    seed = Matcher(load_knowledge().restricted_to_seed())

    def refuse(*args: object) -> None:
        raise AssertionError("the table was parsed: the shipped entry was not used")

    monkeypatch.setattr(knowledge_module, "parse_table_file", refuse)
    answered = load_matcher(cache_dir=user_cache_dir())
    assert answered.knowledge == fresh.knowledge and _answer(answered) == _answer(fresh)
    assert _answer(load_matcher(seed_only=True, cache_dir=user_cache_dir())) == _answer(seed)
    assert not cache.exists()  # nothing was written to the user's cache


def test_a_damaged_shipped_entry_costs_a_build_not_an_answer(shipped: Path, cache: Path) -> None:
    fresh = _answer(Matcher(load_knowledge()))
    for entry in shipped.iterdir():
        raw = bytearray(entry.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        entry.write_bytes(bytes(raw))
    assert _answer(load_matcher(cache_dir=user_cache_dir())) == fresh
    assert len(list(cache.iterdir())) == 1  # built, then cached as usual


def test_another_table_is_never_answered_from_the_shipped_entries(shipped: Path, tmp_path: Path) -> None:
    from mbc_lookup.table_file import default_path

    edited = tmp_path / "edited.yaml"
    edited.write_bytes(default_path().read_bytes() + b"# one byte more is another table\n")
    shipped_table, other = load_matcher().knowledge, load_matcher(edited).knowledge
    # The SHA-256 a document shows comes from the entry: the shipped one would name the wrong bytes.
    assert other.sha256 != shipped_table.sha256 and other.path == str(edited)
