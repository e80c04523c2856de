"""Matching one typed item against the known phrases of every symptom.

Order of trust, most first:
1. known phrases: every word of a table phrase (after normalising) is in the item. The item may
   say more ("really bad headache for two weeks"); when the phrase is all it says, the match is
   "exact", otherwise "phrase". Several phrases can match one item ("headache and dizziness").
   Everyday complaints listed as unrelated in the table are known phrases too, so "earache"
   is recognised for what it is instead of looking like "headache".
2. typo repair ("fuzzy"): a word the table does not know is replaced by the known word it is
   one or two letters away from (same first letter, unique best, similarity >= the cutoff);
   short words are never repaired.
3. whole-item similarity ("fuzzy"): only when nothing above matched, the item's words run
   together against every phrase's, with the same typo budget, cutoff and first-letter rule.
In an item with no "and"/"or"/"with", a longer everyday complaint explains the shorter symptom
words beside it ("itchy mosquito bites"). Items that match nothing get up to three "did you
mean" suggestions.
"""

from __future__ import annotations

from typing import NamedTuple

from .model import InputResult, Knowledge, Match, MatchMethod, Symptom
from .text import Normalizer, Token, clean_text, words

DEFAULT_CUTOFF = 75.0  # chosen from benchmarks/evaluate.py: see the README's figures
MIN_REPAIR_LENGTH = 4  # words shorter than this are never typo-repaired
MIN_WHOLE_ITEM_LENGTH = 5  # nor are items shorter than this compared as a whole
SUGGESTION_CUTOFF = 50.0
# Items answered are kept (up to this many distinct ones; the first seen, which in real input
# are the common phrases) so repeats cost a dictionary lookup; bounded so memory stays flat.
ITEM_CACHE_LIMIT = 4_096
MAX_SUGGESTIONS = 3


class Phrase(NamedTuple):
    text: str  # as written in the table
    keys: frozenset[str]
    compact: str  # its meaningful words run together, for whole-item similarity
    symptom: Symptom | None  # None: an everyday complaint none of the sites is associated with
    rank: int  # position in the table, for deterministic ties


class _Candidate(NamedTuple):
    phrase: Phrase
    fuzzy_score: float | None  # set when the phrase needed a repaired word


class _ItemState(NamedTuple):
    tokens: list[Token]
    keys: set[str]  # updated in place by typo repair
    repaired: dict[str, float]  # key -> similarity of its repair


def _max_edits(length: int) -> int:
    return 1 if length < 7 else 2


# A PhraseIndex as plain data (tuples, dicts, frozensets, strings) that `marshal` can store:
# the normalizer's word lists, each phrase with its symptom's id, and the vocabulary. The
# knowledge table itself is stored by `table_cache`.
PlainIndex = tuple[
    tuple[dict[str, str], frozenset[str], frozenset[str], frozenset[str], frozenset[str]],
    tuple[tuple[str, frozenset[str], str, "str | None", int], ...],
    dict[str, str],
]


class PhraseIndex:
    """Everything matching needs from one knowledge table, built once. It depends on the table
    only, so `table_cache` can keep it on disk, keyed by the table's sha256."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.normalizer = Normalizer(knowledge.language)
        phrases: list[Phrase] = []
        for symptom in knowledge.symptoms:
            for text in (symptom.name, *symptom.phrases):
                phrases.append(self._phrase(text, symptom, len(phrases)))
        for text in knowledge.unrelated:
            phrases.append(self._phrase(text, None, len(phrases)))
        # Every word the table knows, so that a real word is never "repaired" into another.
        vocabulary: dict[str, str] = {}
        texts = [*(p.text for p in phrases), *knowledge.language.ignore_words]
        texts += [*knowledge.language.negation_cues, *knowledge.language.negation_answers]
        texts += knowledge.language.conjunctions
        for _, variants in knowledge.language.synonyms:
            texts.extend(variants)
        for text in texts:
            for word in words(clean_text(text)):
                vocabulary.setdefault(word, self.normalizer.key(word))
        self._finish(tuple(phrases), vocabulary)

    def _finish(self, phrases: tuple[Phrase, ...], vocabulary: dict[str, str]) -> None:
        """The lookups derived from the phrases and vocabulary."""
        self.phrases = phrases
        self.suggestion_phrases = tuple(p for p in phrases if p.symptom is not None)
        self.by_key: dict[str, list[Phrase]] = {}
        for phrase in phrases:
            for key in phrase.keys:
                self.by_key.setdefault(key, []).append(phrase)
        self.vocabulary = vocabulary
        self.known_keys = frozenset(vocabulary.values())
        self.repair_choices = sorted(w for w in vocabulary if len(w) >= MIN_REPAIR_LENGTH)

    def _phrase(self, text: str, symptom: Symptom | None, rank: int) -> Phrase:
        tokens = [t for t in self.normalizer.tokens(clean_text(text)) if not t.ignored]
        keys = frozenset(t.key for t in tokens)
        return Phrase(text, keys, "".join(t.word for t in tokens), symptom, rank)

    def to_plain(self) -> PlainIndex:
        phrases = tuple(
            (p.text, p.keys, p.compact, p.symptom.id if p.symptom else None, p.rank) for p in self.phrases
        )
        return self.normalizer.parts(), phrases, self.vocabulary

    @classmethod
    def from_plain(cls, knowledge: Knowledge, plain: PlainIndex) -> PhraseIndex:
        """The index `to_plain` stored, for this same `knowledge`."""
        normalizer_parts, plain_phrases, vocabulary = plain
        symptoms = {symptom.id: symptom for symptom in knowledge.symptoms}
        index = cls.__new__(cls)
        index.knowledge = knowledge
        index.normalizer = Normalizer.from_parts(*normalizer_parts)
        phrases = tuple(
            Phrase(text, keys, compact, symptoms[owner] if owner else None, rank)
            for text, keys, compact, owner, rank in plain_phrases
        )
        index._finish(phrases, vocabulary)
        return index


class Matcher:
    """Matches typed items against one table's phrases. Build once, reuse: it keeps a bounded
    cache of the items it has answered."""

    def __init__(
        self, knowledge: Knowledge, cutoff: float = DEFAULT_CUTOFF, index: PhraseIndex | None = None
    ) -> None:
        index = index if index is not None else PhraseIndex(knowledge)
        self.knowledge = knowledge
        self.cutoff = cutoff
        self.normalizer = index.normalizer
        self.phrases = index.phrases
        self.suggestion_phrases = index.suggestion_phrases
        self.by_key = index.by_key
        self.vocabulary = index.vocabulary
        self.known_keys = index.known_keys
        self.repair_choices = index.repair_choices
        self._cache: dict[str, InputResult] = {}

    # --- the public entry point ----------------------------------------------------------

    def match_item(self, text: str, cleaned: str | None = None) -> InputResult:
        """Match one item (as typed; `cleaned` if the caller already has `clean_text(text)`).
        Repeated items are answered from a cache."""
        if cleaned is None:
            cleaned = clean_text(text)
        cached = self._cache.get(cleaned)
        if cached is None:
            cached = self._match_cleaned(cleaned)
            if len(self._cache) < ITEM_CACHE_LIMIT:
                self._cache[cleaned] = cached
        return InputResult(
            text=text,
            normalized=cached.normalized,
            negated=cached.negated,
            matches=cached.matches,
            unrelated=cached.unrelated,
            suggestions=cached.suggestions,
        )

    def _match_cleaned(self, cleaned: str) -> InputResult:
        tokens = self.normalizer.tokens(cleaned)
        answered_no = self._negated_by_answer(cleaned, tokens)
        if answered_no:
            tokens = tokens[:-1]  # "cough: no" -> match "cough", negated
        content = [t for t in tokens if not t.ignored]
        cue = content[0].key if content and content[0].key in self.normalizer.negation_cues else None
        normalized = " ".join(t.word for t in content)
        state = _ItemState(tokens=content, keys={t.key for t in content}, repaired={})
        if any(t.key not in self.known_keys for t in content):
            self._repair(state)
        selected = self._select(state)
        if not any(t.key in self.normalizer.conjunctions for t in tokens):
            selected = self._explained_by_complaint(selected)
        if not selected and any(t.key not in self.known_keys for t in content):
            selected = self._whole_item(state)  # only typos and split words, never real words
        # Pseudo-negation: "no appetite" is itself a symptom phrase, not a denial.
        negated = answered_no or (
            cue is not None and not any(c.phrase.symptom and cue in c.phrase.keys for c in selected)
        )
        matches = self._to_matches(selected, frozenset(state.keys))
        unrelated = next((c.phrase.text for c in selected if c.phrase.symptom is None), None)
        suggestions: tuple[str, ...] = ()
        if not matches and unrelated is None:
            # Suggest from what the item is about, not from its "no"/"not".
            about = content[1:] if cue is not None else content
            suggestions = self._suggest(" ".join(t.word for t in about))
        return InputResult(
            text=cleaned,
            normalized=normalized,
            negated=negated and bool(matches),
            matches=matches,
            unrelated=unrelated,
            suggestions=suggestions,
        )

    # --- steps ---------------------------------------------------------------------------

    def _negated_by_answer(self, cleaned: str, tokens: list[Token]) -> bool:
        """'cough: no' style answers."""
        if ":" not in cleaned or not tokens or len(tokens) < 2:
            return False
        after_colon = cleaned.rsplit(":", 1)[1].strip()
        return after_colon == tokens[-1].word and tokens[-1].key in self.normalizer.negation_answers

    def _select(self, state: _ItemState) -> list[_Candidate]:
        """Known phrases wholly inside the item, longest first, each adding something new."""
        seen: set[int] = set()
        found: list[_Candidate] = []
        for key in state.keys:
            for phrase in self.by_key.get(key, ()):
                if phrase.rank not in seen and phrase.keys <= state.keys:
                    seen.add(phrase.rank)
                    used = [state.repaired[k] for k in phrase.keys if k in state.repaired]
                    found.append(_Candidate(phrase, min(used) if used else None))
        # Longer phrases first; at equal length exact words before repaired ones, symptoms
        # before unrelated complaints (never hide a symptom), then table order.
        found.sort(
            key=lambda c: (
                -len(c.phrase.keys),
                c.fuzzy_score is not None,
                c.phrase.symptom is None,
                c.phrase.rank,
            )
        )
        covered: set[str] = set()
        chosen: list[_Candidate] = []
        symptoms: set[str] = set()
        for candidate in found:
            if candidate.phrase.keys <= covered:
                continue
            covered |= candidate.phrase.keys
            symptom = candidate.phrase.symptom
            if symptom is not None and symptom.id in symptoms:
                continue
            if symptom is not None:
                symptoms.add(symptom.id)
            chosen.append(candidate)
        return chosen

    @staticmethod
    def _explained_by_complaint(chosen: list[_Candidate]) -> list[_Candidate]:
        """In one phrase with no "and"/"or", a longer everyday complaint explains the shorter
        symptom words around it: "itchy mosquito bites" is about the bites."""
        longest = max((len(c.phrase.keys) for c in chosen if c.phrase.symptom is None), default=0)
        return [c for c in chosen if c.phrase.symptom is None or len(c.phrase.keys) >= longest]

    def _repair(self, state: _ItemState) -> None:
        """Replace unknown words by the known word a typo or two away, when there is one."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        keys: set[str] = set()
        for token in state.tokens:
            word = token.word
            if token.key in self.known_keys or len(word) < MIN_REPAIR_LENGTH or not word.isalpha():
                keys.add(token.key)
                continue
            limit = _max_edits(len(word))
            candidates = process.extract(
                word, self.repair_choices, scorer=OSA.distance, score_cutoff=limit, limit=None
            )
            best: dict[str, float] = {}
            for choice, distance, _ in candidates:
                if choice[0] != word[0]:
                    continue  # typos rarely change the first letter; meaning often does
                similarity = 100.0 * (1 - distance / max(len(word), len(choice)))
                if similarity < self.cutoff:
                    continue
                key = self.vocabulary[choice]
                best[key] = max(best.get(key, 0.0), similarity)
            if not best:
                keys.add(token.key)
                continue
            top = max(best.values())
            winners = [key for key, score in best.items() if score == top]
            if len(winners) != 1:
                keys.add(token.key)  # ambiguous: two different words are equally close
                continue
            keys.add(winners[0])
            if winners[0] not in state.keys:
                state.repaired[winners[0]] = round(top, 1)
        state.keys.clear()
        state.keys.update(keys)

    def _whole_item(self, state: _ItemState) -> list[_Candidate]:
        """The item as one string against every phrase: catches split or joined words
        ("head ache", "shortnessof breath") with the same typo budget as single words."""
        compact = "".join(t.word for t in state.tokens)
        if len(compact) < MIN_WHOLE_ITEM_LENGTH:
            return []
        from rapidfuzz.distance import OSA

        limit = _max_edits(len(compact))
        best: tuple[float, int] | None = None
        for phrase in self.phrases:
            if not phrase.compact or phrase.compact[0] != compact[0]:
                continue
            distance = OSA.distance(compact, phrase.compact, score_cutoff=limit)
            if distance > limit:
                continue
            similarity = 100.0 * (1 - distance / max(len(compact), len(phrase.compact)))
            if similarity >= self.cutoff and (best is None or similarity > best[0]):
                best = (similarity, phrase.rank)
        if best is None:
            return []
        return [_Candidate(self.phrases[best[1]], round(best[0], 1))]

    def _to_matches(self, chosen: list[_Candidate], item_keys: frozenset[str]) -> tuple[Match, ...]:
        matches = []
        for candidate in chosen:
            symptom = candidate.phrase.symptom
            if symptom is None:
                continue
            method: MatchMethod
            if candidate.fuzzy_score is not None:
                method, score = "fuzzy", candidate.fuzzy_score
            elif candidate.phrase.keys == item_keys:
                method, score = "exact", 100.0
            else:
                method, score = "phrase", 100.0
            matches.append(Match(symptom, candidate.phrase.text, method, score))
        # Best first: exact/phrase before fuzzy, then higher score, then table order.
        order = {s.id: i for i, s in enumerate(self.knowledge.symptoms)}
        matches.sort(key=lambda m: (m.method == "fuzzy", -m.score, order[m.symptom.id]))
        return tuple(matches)

    def _suggest(self, normalized: str) -> tuple[str, ...]:
        if not normalized:
            return ()
        from rapidfuzz import fuzz, process

        results = process.extract(
            normalized,
            [p.text for p in self.suggestion_phrases],
            scorer=fuzz.ratio,
            score_cutoff=SUGGESTION_CUTOFF,
            limit=30,
        )
        suggestions: list[str] = []
        symptoms: set[str] = set()
        for choice, _, index in results:
            symptom = self.suggestion_phrases[index].symptom
            if symptom is None or symptom.id in symptoms:
                continue
            symptoms.add(symptom.id)
            suggestions.append(choice)
            if len(suggestions) == MAX_SUGGESTIONS:
                break
        return tuple(suggestions)
