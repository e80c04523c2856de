"""Turning what a person typed into items and comparable words.

Splitting: items are separated by commas, semicolons and newlines. Normalising: Unicode NFKC,
case folding, apostrophes dropped inside words ("can't" -> "cant"), everything that is not a
letter or digit becomes a space. Words are then reduced to a rough stem (so "headaches",
"coughing" and "itchy" meet "headache", "cough" and "itch") and mapped through the table's
synonym groups. Which words to ignore and which are synonyms comes from the knowledge table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

from .model import Language

ITEM_SEPARATORS = re.compile(r"[,;\n\r\u2028\u2029]+")
APOSTROPHES = re.compile(r"(?<=\w)['\u2019\u2018`\u00b4](?=\w)")
NOT_WORD = re.compile(r"[^\w]+|_+")
# Control and direction-changing characters: never sent raw to a terminal.
UNSAFE_FOR_TERMINAL = "[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
MAX_ITEM_CHARS = 500  # longer items are cut: no symptom phrase is anywhere near this long


SURROGATES = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """Text that can be written as UTF-8. Undecodable bytes in a command-line argument reach
    Python as lone surrogates; they become U+FFFD like any other invalid UTF-8."""
    if not SURROGATES.search(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return SURROGATES.sub("\ufffd", text)


def printable(text: str) -> str:
    """`text` that can be printed and put in JSON: the undecodable bytes of a file name or
    argument that is not UTF-8 (lone surrogates) are shown as escapes (\\xe9)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def split_items(text: str) -> list[str]:
    """Split user text into trimmed, non-empty items, in order."""
    return [item.strip() for item in ITEM_SEPARATORS.split(without_surrogates(text)) if item.strip()]


def visible(text: str) -> str:
    """Text with control and direction-changing characters shown as escapes (\\x1b, \\u202e)."""
    return re.sub(  # compiled on first use (re caches it): the JSON path never needs it
        UNSAFE_FOR_TERMINAL,
        lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
        text,
    )


def clean_text(text: str) -> str:
    """NFKC, case-folded, control characters gone, apostrophes inside words removed."""
    text = unicodedata.normalize("NFKC", text[:MAX_ITEM_CHARS]).casefold()
    if not text.isprintable():  # rare: only then look for control characters one by one
        text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    if not text.isascii() or "'" in text or "`" in text:
        text = APOSTROPHES.sub("", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """The letter/digit words of already-cleaned text."""
    return [word for word in NOT_WORD.split(text) if word]


def stem(word: str) -> str:
    """A light, deterministic suffix stripper; it only has to treat both sides alike."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("iness") and len(word) > 6:
        word = word[:-5] + "y"
    elif word.endswith("ness") and len(word) > 6:
        word = word[:-4]
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("ing") and len(word) > 5:
        word = word[:-3]
    elif (word.endswith("ed") and len(word) > 4) or (
        word.endswith(("ches", "shes", "sses", "xes", "zes")) and len(word) > 4
    ):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    if (word.endswith("e") and len(word) > 3) or (word.endswith("y") and len(word) > 4):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def _words_of(texts: tuple[str, ...]) -> list[str]:
    """Every word of a list of table entries ("as well as" gives three)."""
    return [word for text in texts for word in words(clean_text(text))]


class Token(NamedTuple):
    word: str  # the word as typed (cleaned)
    key: str  # its stem, mapped through the synonym groups
    ignored: bool  # a filler word that carries no meaning for matching


class Normalizer:
    """Applies one table's word lists; build it once per knowledge table."""

    def __init__(self, language: Language) -> None:
        self.canonical: dict[str, str] = {}
        for canonical, variants in language.synonyms:
            target = stem(canonical)
            for variant in (canonical, *variants):
                for word in words(clean_text(variant)):
                    self.canonical.setdefault(stem(word), target)
        # Filler is matched on the word as written: "bit" is filler, "bites" is not.
        self.ignored = frozenset(_words_of(language.ignore_words))
        self.negation_cues = frozenset(map(self.key, _words_of(language.negation_cues)))
        self.negation_answers = frozenset(map(self.key, _words_of(language.negation_answers)))
        self.conjunctions = frozenset(map(self.key, _words_of(language.conjunctions)))

    @classmethod
    def from_parts(
        cls,
        canonical: dict[str, str],
        ignored: frozenset[str],
        negation_cues: frozenset[str],
        negation_answers: frozenset[str],
        conjunctions: frozenset[str],
    ) -> Normalizer:
        """A normalizer rebuilt from the word lists `__init__` computed (see `table_cache`)."""
        normalizer = cls.__new__(cls)
        normalizer.canonical = canonical
        normalizer.ignored = ignored
        normalizer.negation_cues = negation_cues
        normalizer.negation_answers = negation_answers
        normalizer.conjunctions = conjunctions
        return normalizer

    def parts(self) -> tuple[dict[str, str], frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
        return self.canonical, self.ignored, self.negation_cues, self.negation_answers, self.conjunctions

    def key(self, word: str) -> str:
        stemmed = stem(word)
        return self.canonical.get(stemmed, stemmed)

    def tokens(self, cleaned: str) -> list[Token]:
        result = []
        for word in words(cleaned):
            key = self.key(word)
            ignored = (word in self.ignored or word.isdigit()) and key not in self.negation_cues
            result.append(Token(word, key, ignored))
        return result

    def content_keys(self, text: str) -> list[str]:
        return [token.key for token in self.tokens(clean_text(text)) if not token.ignored]

    def content_set(self, text: str) -> frozenset[str]:
        return frozenset(self.content_keys(text))


def iter_unique(items: list[str]) -> Iterator[tuple[str, str]]:
    """(item, cleaned) pairs, dropping later items that clean to the same text."""
    seen: set[str] = set()
    for item in items:
        cleaned = clean_text(item)
        if cleaned in seen:
            continue
        seen.add(cleaned)
        yield item, cleaned
