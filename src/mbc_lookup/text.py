"""Turning what a person typed into parts, words with their offsets, and comparable words.

Splitting (`split_parts`): the text is cut into sentences at full stops, question and
exclamation marks, semicolons and newlines. A sentence whose comma-separated pieces are all
short is a comma list, and each piece is a part of its own ("headache, no fever,
dizziness"); any other sentence is one part ("then the whites of her eyes, the sclera,
turned yellow"). Every word keeps its character offsets into the text as typed, and the
clause it is in (commas, brackets and dashes start a new clause). Normalising: Unicode NFKC,
case folding, apostrophes dropped inside words ("can't" -> "cant"), everything that is not a
letter or digit becomes a space. Words are then reduced to a rough stem (so "headaches",
"coughing" and "itchy" meet "headache", "cough" and "itch") and mapped through the table's
synonym groups. Which words to ignore and which are synonyms comes from the knowledge table.
"""

import re
import unicodedata
from collections.abc import Iterator
from typing import NamedTuple

from .model import Language

# Patterns kept as text are compiled on first use (the `re` module caches them): the JSON
# path of a plain ASCII list never needs them.
APOSTROPHES = r"(?<=\w)['\u2019\u2018`\u00b4](?=\w)"
NOT_WORD = re.compile(r"[^\w]+|_+")
# Control and direction-changing characters: never sent raw to a terminal.
UNSAFE_FOR_TERMINAL = "[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
MAX_ITEM_CHARS = 500  # longer items are cut: no symptom phrase is anywhere near this long


SURROGATES = "[\ud800-\udfff]"
# A word: letters/digits (with combining marks), apostrophes inside it ("can't"), and a
# decimal point between digits ("38.5").
WORD_AS_TYPED = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f])+(?:(?:['\u2019\u2018`\u00b4]|(?<=\d)\.(?=\d))(?:[^\W_]|[\u0300-\u036f])+)*"
)
# Sentence ends: ! ? ; newlines and the Unicode line breaks, and a full stop before a space or
# the end (not the one in "38.5" or "example.com", nor after "etc", "e.g", "i.e", "Dr", "Mr").
SENTENCE_END = re.compile(
    r"[!?;\n\r\u2028\u2029\u2026]+"
    r"|(?<!\betc)(?<!\be\.g)(?<!\bi\.e)(?<!\bdr)(?<!\bmr)(?<!\bmrs)(?<!\bms)(?<!\bvs)(?<!\bapprox)\.+(?=\s|$)",
    re.IGNORECASE,
)
# Clause breaks inside a sentence: commas, brackets, colons and dashes set off by spaces.
CLAUSE_BREAK = re.compile(r",|\(|\)|\s[-\u2013\u2014]+\s|\u2014")
# A sentence is a comma list when every piece has at most LIST_ITEM_MAX_WORDS words and the
# pieces average at most LIST_MEAN_WORDS: lists are made of short phrases, clauses are longer.
LIST_ITEM_MAX_WORDS = 6
LIST_MEAN_WORDS = 3.0
# A piece that opens with one of these words goes on the clause before it ("backache, which gets
# worse at night"; "no fever, cough, or pain", one list of alternatives under one denial): the
# sentence is then no list, however short its pieces.
CLAUSE_CONTINUES = re.compile(r"\s*(?:which|who|whose|where|or|nor|that(?!['\u2019]))\b", re.IGNORECASE)
DECIMAL = re.compile(r"\d+\.\d+")


def without_surrogates(text: str) -> str:
    """Text that can be written as UTF-8. Undecodable bytes in a command-line argument reach
    Python as lone surrogates; they become U+FFFD like any other invalid UTF-8."""
    if text.isascii() or not re.search(SURROGATES, text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return re.sub(SURROGATES, "\ufffd", text)


class Word(NamedTuple):
    """A word of a part: cleaned for comparison, with its place in the part as typed."""

    text: str  # NFKC, case-folded, apostrophes removed ("can't" -> "cant")
    start: int  # character offsets into the part
    end: int
    clause: int  # which clause of the part it is in


class Part(NamedTuple):
    """A stretch of the text read on its own: a comma-list item or a sentence."""

    start: int  # character offsets into the whole text
    end: int
    listed: bool  # a short item (of a comma list, or alone): read as a whole, like a list item
    sentence: int = 0  # which sentence of the text it is in, from 0


def part_words(text: str) -> tuple[Word, ...]:
    """The words of one part with their offsets and clause numbers."""
    breaks = [match.start() for match in CLAUSE_BREAK.finditer(text)]
    result: list[Word] = []
    clause = 0
    for match in WORD_AS_TYPED.finditer(text):
        while clause < len(breaks) and breaks[clause] < match.start():
            clause += 1
        typed = match.group()
        cleaned = typed if DECIMAL.fullmatch(typed) else "".join(words(clean_text(typed)))
        if cleaned:
            result.append(Word(cleaned, match.start(), match.end(), clause))
    return tuple(result)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in ",:-\u2013\u2014"):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_parts(text: str) -> list[Part]:
    """Cut the text into parts (see the module's docstring). A stretch with no words at all
    ("[/]", an emoji) is still a part: nothing typed is ever dropped unseen."""
    parts: list[Part] = []
    for sentence, (sentence_start, sentence_end) in enumerate(_spans(SENTENCE_END, text, 0, len(text))):
        pieces = [
            (start, end, len(WORD_AS_TYPED.findall(text, start, end)))
            for start, end in _spans(CLAUSE_BREAK, text, sentence_start, sentence_end)
            if text[start:end].strip()
        ]
        counts = [count for _, _, count in pieces if count]
        short = not counts or (
            max(counts) <= LIST_ITEM_MAX_WORDS and sum(counts) <= LIST_MEAN_WORDS * len(counts)
        )
        continued = any(CLAUSE_CONTINUES.match(text, start, end) for start, end, _ in pieces[1:])
        if len(pieces) >= 2 and short and not continued:
            chosen = [(start, end, True) for start, end, _ in pieces]
        elif pieces:
            whole = sum(counts) <= LIST_ITEM_MAX_WORDS
            chosen = [(sentence_start, sentence_end, whole)]
        else:
            chosen = []
        for start, end, listed in chosen:
            start, end = _trimmed(text, start, end)
            if start < end:
                parts.append(Part(start, end, listed, sentence))
    return parts


def _spans(separator: re.Pattern[str], text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The stretches of text[start:end] between matches of `separator`."""
    for match in separator.finditer(text, start, end):
        yield start, match.start()
        start = match.end()
    yield start, end


def printable(text: str) -> str:
    """`text` that can be printed and put in JSON: the undecodable bytes of a file name or
    argument that is not UTF-8 (lone surrogates) are shown as escapes (\\xe9)."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


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
        text = re.sub(APOSTROPHES, "", text)
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


def words_of(texts: tuple[str, ...]) -> list[str]:
    """Every word of a list of table entries ("as well as" gives three)."""
    return [word for text in texts for word in words(clean_text(text))]


class Token(NamedTuple):
    word: str  # the word as typed (cleaned)
    key: str  # its stem, mapped through the synonym groups
    ignored: bool  # a filler word that carries no meaning for matching


class Normalizer:
    """Applies one table's word lists; build it once per knowledge table."""

    def __init__(self, language: Language, negation_words: tuple[str, ...] = ()) -> None:
        """`negation_words`: the one-word denials of the context rules ("no", "not"); they are
        never filler, and suggestions leave them out."""
        self.canonical: dict[str, str] = {}
        for canonical, variants in language.synonyms:
            target = stem(canonical)
            for variant in (canonical, *variants):
                for word in words(clean_text(variant)):
                    self.canonical.setdefault(stem(word), target)
        # Filler is matched on the word as written: "bit" is filler, "bites" is not.
        self.ignored = frozenset(words_of(language.ignore_words))
        self.negation_words = frozenset(map(self.key, words_of(negation_words)))
        self.negation_answers = frozenset(map(self.key, words_of(language.negation_answers)))
        self.conjunctions = frozenset(map(self.key, words_of(language.conjunctions)))

    @classmethod
    def from_parts(
        cls,
        canonical: dict[str, str],
        ignored: frozenset[str],
        negation_words: frozenset[str],
        negation_answers: frozenset[str],
        conjunctions: frozenset[str],
    ) -> "Normalizer":
        """A normalizer rebuilt from the word lists `__init__` computed (see `table_cache`)."""
        normalizer = cls.__new__(cls)
        normalizer.canonical = canonical
        normalizer.ignored = ignored
        normalizer.negation_words = negation_words
        normalizer.negation_answers = negation_answers
        normalizer.conjunctions = conjunctions
        return normalizer

    def parts(self) -> tuple[dict[str, str], frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
        return self.canonical, self.ignored, self.negation_words, self.negation_answers, self.conjunctions

    def key(self, word: str) -> str:
        stemmed = stem(word)
        return self.canonical.get(stemmed, stemmed)

    def tokens(self, cleaned: str) -> list[Token]:
        result = []
        for word in words(cleaned):
            key = self.key(word)
            ignored = (word in self.ignored or word.isdigit()) and key not in self.negation_words
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
