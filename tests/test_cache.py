"""The compiled-table cache: it makes start-up fast and must never change an answer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mbc_lookup.api import load_matcher, lookup_items
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
    first = load_matcher()  # builds and stores
    assert len(list(cache.iterdir())) == 1
    second = load_matcher()  # loads
    assert second.knowledge == fresh.knowledge
    assert _answer(first) == _answer(second) == _answer(fresh)
    index, built = load_index(), PhraseIndex(load_knowledge())
    assert index.phrases == built.phrases and index.vocabulary == built.vocabulary
    assert vars(index.normalizer) == vars(built.normalizer)


def test_a_corrupt_cache_entry_is_rebuilt(cache: Path) -> None:
    load_matcher()
    (entry,) = cache.iterdir()
    entry.write_bytes(b"\x00garbage")
    assert _answer(load_matcher()) == _answer(Matcher(load_knowledge()))
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
    load_matcher()
    assert list(cache.iterdir()) == []


def test_the_cache_can_be_turned_off_or_be_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MBC_CACHE_DIR", "")
    assert load_matcher().knowledge.sites
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("MBC_CACHE_DIR", str(blocked / "cache"))
    assert load_matcher().knowledge.sites  # mkdir fails: answered anyway


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
    load_matcher()  # writes the shipped table's entry, then prunes
    left = sorted(path.name for path in cache.iterdir() if path.name not in others)
    assert len(left) == 3
    assert any(name.startswith(load_matcher().knowledge.sha256) for name in left)
    assert all((cache / name).read_bytes() == b"someone else's" for name in others)
