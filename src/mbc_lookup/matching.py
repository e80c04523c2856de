"""Finding the mentions of known symptoms in one part of the text (an item or a sentence).

Order of trust, most first:
1. known phrases: every word of a table phrase (after normalising) is in the part, close
   together: in a short item anywhere, in a sentence within a few words of each other and never
   across a word that ends a clause ("but"). The part may say more ("really bad headache for
   two weeks"); when the phrase is all it says, the match is "exact", otherwise "phrase".
   Several phrases can match one part ("headache and dizziness"), each where it was typed.
   Everyday complaints listed as unrelated in the table are known phrases too, so "earache"
   is recognised for what it is instead of looking like "headache".
2. typo repair ("fuzzy"): a word the table does not know is replaced by the known word it is
   one or two letters away from (same first letter, unique best, similarity >= the cutoff);
   short words and real English words (a maintained word list) are never repaired.
3. whole-item similarity ("fuzzy"): only for a short item where nothing above matched, the
   item's words run together against every phrase's, with the same typo budget, cutoff and
   first-letter rule.
A longer everyday complaint explains the shorter symptom words right beside it, unless an
"and"/"or"/"with" separates them ("itchy mosquito bites"). Short items that match nothing get
up to three "did you mean" suggestions.
"""

from functools import cached_property
from itertools import chain
from typing import NamedTuple

from .context import ReadingStems, check_reading_stems, reading_stems
from .model import Knowledge, Symptom
from .text import Normalizer, Word, clean_text, words

DEFAULT_CUTOFF = 75.0  # chosen from benchmarks/evaluate.py: see the README's figures
MIN_REPAIR_LENGTH = 4  # words shorter than this are never typo-repaired
MIN_WHOLE_ITEM_LENGTH = 5  # nor are items shorter than this compared as a whole
SUGGESTION_CUTOFF = 50.0
MAX_SUGGESTIONS = 3
# In a sentence, a phrase's words may stand this many other meaningful words apart in all
# ("the whites of her eyes, the sclera, turned yellow"); farther apart they are not one mention.
SENTENCE_SLACK = 2
# A longer everyday complaint explains symptom words this many words away from it.
COMPLAINT_REACH = 1


class Phrase(NamedTuple):
    text: str  # as written in the table
    keys: frozenset[str]
    compact: str  # its meaningful words run together, for whole-item similarity
    symptom: Symptom | None  # None: an everyday complaint none of the sites is associated with
    rank: int  # position in the table, for deterministic ties


class Mention(NamedTuple):
    """A known phrase found in a part: the words it rests on (indexes into the part's words)."""

    phrase: Phrase
    positions: tuple[int, ...]  # sorted
    fuzzy_score: float | None  # set when the phrase needed a repaired word

    @property
    def first(self) -> int:
        return self.positions[0]

    @property
    def last(self) -> int:
        return self.positions[-1]


class Found(NamedTuple):
    """What matching found in one part."""

    mentions: tuple[Mention, ...]  # symptoms and everyday complaints, in text order
    normalized: str  # the meaningful words, as compared
    answered_no: bool  # "cough: no"
    all_keys: frozenset[str]  # every meaningful key of the part (after repair)
    suggestions: tuple[str, ...]


def _in_one_run(mention: Mention) -> bool:
    """Whether the mention's words stand next to each other, as typed."""
    return mention.last - mention.first + 1 == len(mention.positions)


def _max_edits(length: int) -> int:
    return 1 if length < 7 else 2


# A phrase as the compiled-table cache stores it: text, keys (sorted: a tuple is read faster
# and kept in a third of a frozenset's memory), compact form and its symptom's id (None for an
# everyday complaint). Its rank is its position.
StoredPhrase = tuple[str, tuple[str, ...], str, "str | None"]
# A PhraseIndex as plain data (tuples, dicts, frozensets, strings) that `marshal` can store:
# the normalizer's word lists, the phrases, the phrases of each key (by position), the
# vocabulary and the stems of the reading rules' literals. The knowledge table itself is stored
# by `table_cache`.
PlainIndex = tuple[
    tuple[dict[str, str], frozenset[str], frozenset[str], frozenset[str], frozenset[str]],
    tuple[StoredPhrase, ...],
    dict[str, tuple[int, ...]],
    dict[str, str],
    ReadingStems,
]


class PhraseIndex:
    """Everything matching needs from one knowledge table, built once. It depends on the table
    only, so `table_cache` can keep it on disk, keyed by a digest of the table file.

    A phrase is made (`phrase`) the first time a lookup asks for it: a lookup reads a handful
    of the table's thousand phrases, and making all of them each time the table is read from
    the cache would cost about as much as the lookup itself."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.normalizer = Normalizer(knowledge.language, knowledge.negation_words)
        phrases: list[Phrase] = []
        for symptom in knowledge.symptoms:
            for text in (symptom.name, *symptom.phrases):
                phrases.append(self._phrase(text, symptom, len(phrases)))
        for text in knowledge.unrelated:
            phrases.append(self._phrase(text, None, len(phrases)))
        # Every word the table knows, so that a real word is never "repaired" into another.
        vocabulary: dict[str, str] = {}
        texts = [*(p.text for p in phrases), *knowledge.language.ignore_words]
        texts += [*knowledge.language.negation_answers, *knowledge.language.conjunctions]
        reading = knowledge.reading
        texts += [rule.literal for rule in reading.context]
        texts += [literal for rule in reading.modifiers for literal in rule.literals]
        texts += [word for rule in reading.senses for word in (rule.word, *rule.not_near, *rule.needs_near)]
        for _, variants in knowledge.language.synonyms:
            texts.extend(variants)
        for text in texts:
            for word in words(clean_text(text)):
                vocabulary.setdefault(word, self.normalizer.key(word))
        by_key: dict[str, list[int]] = {}
        for phrase in phrases:
            for key in phrase.keys:
                by_key.setdefault(key, []).append(phrase.rank)
        stored = tuple(
            (p.text, tuple(sorted(p.keys)), p.compact, p.symptom.id if p.symptom else None) for p in phrases
        )
        by_position = {key: tuple(positions) for key, positions in by_key.items()}
        self._finish(stored, by_position, vocabulary, reading_stems(reading))
        self._made[:] = phrases  # made already

    def _finish(
        self,
        stored: tuple[StoredPhrase, ...],
        by_key: dict[str, tuple[int, ...]],
        vocabulary: dict[str, str],
        stems: ReadingStems,
    ) -> None:
        """The lookups derived from the phrases and vocabulary. `by_key`: the positions of the
        phrases with each key."""
        self.reading_stems = stems
        self.stored = stored
        self.by_key = by_key
        self.vocabulary = vocabulary
        self.known_keys = frozenset(vocabulary.values())
        self._symptoms = {symptom.id: symptom for symptom in self.knowledge.symptoms}
        self._made: list[Phrase | None] = [None] * len(stored)  # made when first asked for
        self._with_key: dict[str, tuple[Phrase, ...]] = {}  # at most one entry per key of the table

    def phrase(self, rank: int) -> Phrase:
        """The phrase at position `rank`."""
        made = self._made[rank]
        if made is None:
            text, keys, compact, owner = self.stored[rank]
            symptom = self._symptoms[owner] if owner else None
            made = self._made[rank] = Phrase(text, frozenset(keys), compact, symptom, rank)
        return made

    def phrases_with(self, key: str) -> tuple[Phrase, ...]:
        """The phrases that have `key`, in table order. Kept once made: a batch asks for the
        same keys line after line, and one call per key costs less than one per phrase."""
        phrases = self._with_key.get(key)
        if phrases is None:
            positions = self.by_key.get(key)
            if positions is None:
                return ()  # an unknown word: nothing kept, however many a batch brings
            phrases = self._with_key[key] = tuple(map(self.phrase, positions))
        return phrases

    @cached_property
    def phrases(self) -> tuple[Phrase, ...]:
        """Every phrase, in table order (whole-item similarity compares the item with each)."""
        return tuple(map(self.phrase, range(len(self.stored))))

    @cached_property
    def suggestion_phrases(self) -> tuple[Phrase, ...]:
        """The phrases of symptoms, which "did you mean" suggestions are chosen from."""
        return tuple(p for p in self.phrases if p.symptom is not None)

    def _phrase(self, text: str, symptom: Symptom | None, rank: int) -> Phrase:
        tokens = [t for t in self.normalizer.tokens(clean_text(text)) if not t.ignored]
        keys = frozenset(t.key for t in tokens)
        return Phrase(text, keys, "".join(t.word for t in tokens), symptom, rank)

    def to_plain(self) -> PlainIndex:
        return self.normalizer.parts(), self.stored, self.by_key, self.vocabulary, self.reading_stems

    @classmethod
    def from_plain(cls, knowledge: Knowledge, plain: PlainIndex) -> "PhraseIndex":
        """The index `to_plain` stored, for this same `knowledge`. Raises ValueError (or
        KeyError) when `plain` cannot be that index: a number or a symptom id that points
        nowhere."""
        normalizer_parts, stored, by_key, vocabulary, stems = plain
        check_reading_stems(knowledge.reading, stems)
        positions = tuple(chain.from_iterable(by_key.values()))
        if positions and not 0 <= min(positions) <= max(positions) < len(stored):
            raise ValueError("a key names no phrase")
        index = cls.__new__(cls)
        index.knowledge = knowledge
        index.normalizer = Normalizer.from_parts(*normalizer_parts)
        index._finish(stored, by_key, vocabulary, stems)
        if not {owner for _, _, _, owner in stored} <= {None, *index._symptoms}:
            raise KeyError("a phrase names no symptom")
        return index


class Matcher:
    """Finds mentions of one table's phrases. Build once, reuse (the reading pass keeps a
    bounded cache of the parts it has read)."""

    def __init__(
        self, knowledge: Knowledge, cutoff: float = DEFAULT_CUTOFF, index: PhraseIndex | None = None
    ) -> None:
        index = index if index is not None else PhraseIndex(knowledge)
        self.knowledge = knowledge
        self.cutoff = cutoff
        self.normalizer = index.normalizer
        self.index = index
        self.phrases_with = index.phrases_with
        self.vocabulary = index.vocabulary
        self.known_keys = index.known_keys
        self._repair_choices: list[str] | None = None  # made on the first typo repair
        self.reading_stems = index.reading_stems
        self._english: frozenset[str] | None = None  # loaded on the first typo repair

    # --- the public entry point ----------------------------------------------------------

    def find(
        self,
        text: str,
        words: tuple[Word, ...],
        listed: bool,
        barriers: frozenset[int],
        free: frozenset[int] = frozenset(),
    ) -> Found:
        """The mentions in one part: `text` as typed, its `words`; `listed` for a short item
        (its words may stand anywhere in it); `barriers`, the indexes of words that no mention
        may span ("but", "no"); `free`, the indexes of qualifier words, which do not count as
        distance between a phrase's words."""
        answered_no = listed and self._negated_by_answer(text, words)
        keys: dict[int, str] = {}
        for index, word in enumerate(words[:-1] if answered_no else words):
            key = self.normalizer.key(word.text)
            if (word.text in self.normalizer.ignored or word.text.isdigit()) and key not in self.always_meant:
                continue
            keys[index] = key
        repaired: dict[int, float] = {}
        if any(key not in self.known_keys for key in keys.values()):
            self._repair(words, keys, repaired)
        clauses = tuple(word.clause for word in words)
        mentions = self._select(keys, repaired, listed, barriers, free, clauses)
        mentions = self._explained_by_complaint(mentions, keys)
        unknown = any(words[i].text not in self.vocabulary for i in keys)
        english = self._english_words() if listed and not mentions and unknown else frozenset()
        # Only typos and split words: an item whose unknown words are all real English words
        # ("numbers", "waiting") is never compared as a whole, as such a word is never repaired.
        if listed and not mentions and any(self._unknown(words[i].text, english) for i in keys):
            mentions = self._whole_item(words, keys)
        normalized = " ".join(words[i].text for i in keys)
        suggestions: tuple[str, ...] = ()
        if listed and not mentions and any(words[i].text not in english for i in keys):
            about = [words[i].text for i in keys if keys[i] not in self.normalizer.negation_words]
            suggestions = self._suggest(" ".join(about))
        mentions.sort(key=lambda m: m.positions)
        return Found(tuple(mentions), normalized, answered_no, frozenset(keys.values()), suggestions)

    def _unknown(self, word: str, english: frozenset[str]) -> bool:
        """A word neither the table nor English knows: a typo or a run-together word."""
        return word not in self.vocabulary and word not in english

    @property
    def always_meant(self) -> frozenset[str]:
        """Keys never dropped as filler: negation words belong to phrases ("no appetite")."""
        return self.normalizer.negation_words

    # --- steps ---------------------------------------------------------------------------

    def _negated_by_answer(self, text: str, words: tuple[Word, ...]) -> bool:
        """'cough: no' style answers."""
        if len(words) < 2 or ":" not in text[words[-2].end : words[-1].start]:
            return False
        return self.normalizer.key(words[-1].text) in self.normalizer.negation_answers

    def _select(
        self,
        keys: dict[int, str],
        repaired: dict[int, float],
        listed: bool,
        barriers: frozenset[int],
        free: frozenset[int],
        clauses: tuple[int, ...],
    ) -> list[Mention]:
        """Known phrases found close together, longest first, each adding words of its own."""
        order = sorted(keys)
        at: dict[str, list[int]] = {}
        for index in order:
            at.setdefault(keys[index], []).append(index)
        present = frozenset(at)  # a set: a subset test against a dict's keys is slow
        seen: set[int] = set()
        found: list[Mention] = []
        for key in at:
            for phrase in self.phrases_with(key):
                if phrase.rank in seen or not phrase.keys <= present:
                    continue
                seen.add(phrase.rank)
                positions = _window(phrase.keys, at, order, listed, barriers, free, clauses)
                if positions is None:
                    continue
                used = [repaired[i] for i in positions if i in repaired]
                found.append(Mention(phrase, positions, min(used) if used else None))
        # Longer phrases first; at equal length exact words before repaired ones, symptoms
        # before unrelated complaints (never hide a symptom), then table order.
        found.sort(
            key=lambda m: (
                -len(m.phrase.keys),
                m.fuzzy_score is not None,
                m.phrase.symptom is None,
                m.phrase.rank,
            )
        )
        covered: set[int] = set()
        chosen: list[Mention] = []
        symptoms: set[str] = set()
        for mention in found:
            if covered.issuperset(mention.positions):
                continue
            symptom = mention.phrase.symptom
            if symptom is not None and symptom.id in symptoms:
                continue
            covered.update(mention.positions)
            if symptom is not None:
                symptoms.add(symptom.id)
            chosen.append(mention)
        return chosen

    def _explained_by_complaint(self, chosen: list[Mention], keys: dict[int, str]) -> list[Mention]:
        """A longer everyday complaint explains the shorter symptom words right beside it
        ("itchy mosquito bites" is about the bites) unless "and"/"or"/"with" separates them. A
        complaint typed as one run of words keeps its words from a symptom that borrows one of
        them from afar ("a lump in my neck and a sore throat" has no sore neck)."""
        complaints = [m for m in chosen if m.phrase.symptom is None]
        if not complaints:
            return chosen

        def explained(mention: Mention) -> bool:
            for complaint in complaints:
                if (
                    len(complaint.phrase.keys) >= len(mention.phrase.keys)
                    and _in_one_run(complaint)
                    and not _in_one_run(mention)
                    and set(mention.positions) & set(complaint.positions)
                ):
                    return True
                if len(complaint.phrase.keys) <= len(mention.phrase.keys):
                    continue
                low, high = complaint.first - COMPLAINT_REACH, complaint.last + COMPLAINT_REACH
                beside = low <= mention.first and mention.last <= high
                overlapping = bool(set(mention.positions) & set(complaint.positions))
                around = mention.first <= complaint.first and complaint.last <= mention.last
                if not (beside or overlapping or around):
                    continue
                span = range(min(mention.first, complaint.first), max(mention.last, complaint.last) + 1)
                if not any(keys.get(i) in self.normalizer.conjunctions for i in span):
                    return True
            return False

        return [m for m in chosen if m.phrase.symptom is None or not explained(m)]

    def _repair_words(self) -> list[str]:
        """The table's words a typo may be repaired into (most lookups need none)."""
        if self._repair_choices is None:
            self._repair_choices = sorted(w for w in self.vocabulary if len(w) >= MIN_REPAIR_LENGTH)
        return self._repair_choices

    def _english_words(self) -> frozenset[str]:
        if self._english is None:
            from .english import english_words

            self._english = english_words()
        return self._english

    def _repair(self, words: tuple[Word, ...], keys: dict[int, str], repaired: dict[int, float]) -> None:
        """Replace unknown words by the known word a typo or two away, when there is one. A
        real English word is never repaired: "numbers" is not a typo of "numb"."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        present = set(keys.values())
        for index, key in list(keys.items()):
            word = words[index].text
            if key in self.known_keys or len(word) < MIN_REPAIR_LENGTH or not word.isalpha():
                continue
            if word in self._english_words():
                continue
            limit = _max_edits(len(word))
            candidates = process.extract(
                word, self._repair_words(), scorer=OSA.distance, score_cutoff=limit, limit=None
            )
            best: dict[str, float] = {}
            for choice, distance, _ in candidates:
                if choice[0] != word[0]:
                    continue  # typos rarely change the first letter; meaning often does
                similarity = 100.0 * (1 - distance / max(len(word), len(choice)))
                if similarity < self.cutoff:
                    continue
                choice_key = self.vocabulary[choice]
                best[choice_key] = max(best.get(choice_key, 0.0), similarity)
            if not best:
                continue
            top = max(best.values())
            winners = [choice_key for choice_key, score in best.items() if score == top]
            if len(winners) != 1:
                continue  # ambiguous: two different words are equally close
            keys[index] = winners[0]
            if winners[0] not in present:
                repaired[index] = round(top, 1)

    def _whole_item(self, words: tuple[Word, ...], keys: dict[int, str]) -> list[Mention]:
        """The item as one string against every phrase: catches split or joined words
        ("head ache", "shortnessof breath") with the same typo budget as single words."""
        compact = "".join(words[i].text for i in keys)
        if len(compact) < MIN_WHOLE_ITEM_LENGTH:
            return []
        from rapidfuzz.distance import OSA

        limit = _max_edits(len(compact))
        best: tuple[float, int] | None = None
        for phrase in self.index.phrases:
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
        return [Mention(self.index.phrase(best[1]), tuple(sorted(keys)), round(best[0], 1))]

    def _suggest(self, normalized: str) -> tuple[str, ...]:
        if not normalized:
            return ()
        from rapidfuzz import fuzz, process

        results = process.extract(
            normalized,
            [p.text for p in self.index.suggestion_phrases],
            scorer=fuzz.ratio,
            score_cutoff=SUGGESTION_CUTOFF,
            limit=30,
        )
        suggestions: list[str] = []
        symptoms: set[str] = set()
        for choice, _, index in results:
            symptom = self.index.suggestion_phrases[index].symptom
            if symptom is None or symptom.id in symptoms:
                continue
            symptoms.add(symptom.id)
            suggestions.append(choice)
            if len(suggestions) == MAX_SUGGESTIONS:
                break
        return tuple(suggestions)


def _window(
    wanted: frozenset[str],
    at: dict[str, list[int]],
    order: list[int],
    listed: bool,
    barriers: frozenset[int],
    free: frozenset[int],
    clauses: tuple[int, ...],
) -> tuple[int, ...] | None:
    """The word indexes of the tightest place where every key of `wanted` stands: in a listed
    item anywhere, in a sentence within SENTENCE_SLACK extra meaningful words (qualifier words,
    `free`, are not counted); never across a barrier that is not one of its own words. A comma
    between two words counts as a word, so "pain in the bone" wins over "the bones, you may have
    pain". None when there is no such place."""
    rank = {index: n for n, index in enumerate(order)}
    hits = sorted((i, key) for key in wanted for i in at[key])
    best: tuple[int, ...] | None = None
    best_size = 0
    counts: dict[str, int] = {}
    low = 0
    for high, (index, key) in enumerate(hits):
        counts[key] = counts.get(key, 0) + 1
        while len(counts) == len(wanted):
            low_index, low_key = hits[low]
            size = rank[index] - rank[low_index] + clauses[index] - clauses[low_index]
            if best is None or size < best_size:
                chosen: dict[str, int] = {}
                for i, k in hits[low : high + 1]:
                    chosen.setdefault(k, i)
                best, best_size = tuple(sorted(chosen.values())), size
            counts[low_key] -= 1
            if not counts[low_key]:
                del counts[low_key]
            low += 1
    if best is None:
        return None
    # A denial that is one of the phrase's own words ("rings dont fit") is no barrier to it.
    if any(best[0] < barrier < best[-1] and barrier not in best for barrier in barriers):
        return None
    if not listed:
        extra = [i for i in order if best[0] < i < best[-1] and i not in best and i not in free]
        if len(extra) > SENTENCE_SLACK:
            return None
    return best
