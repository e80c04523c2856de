"""Reading a whole text: parts, mentions, how each is meant, what qualifies it, where it is.

text -> parts (`text.split_parts`) -> words -> context triggers -> mentions (`matching`) ->
senses, context and modifiers (`context`) -> body location -> one `InputResult` per part.
Each part is read on its own, so a part seen before is answered from a bounded cache; then a
part that puts what came before it down to another cause ("It's just a cold.") explains the
present mentions of the earlier items of its comma list, or else of the sentence before it;
and a part with no symptom of its own that says they are gone ("cough, cleared up now"; "It
went away after two days.") makes them past in the same way.
"""

from __future__ import annotations

from .context import MODIFIER_REACH, RuleIndex, Trigger, context_of
from .matching import Found, Matcher, Mention
from .model import Context, InputResult, Match, MatchMethod, Modifier
from .text import (
    MAX_ITEM_CHARS,
    Word,
    clean_text,
    part_words,
    split_parts,
    stem,
    without_surrogates,
    words_of,
)

# Parts read are kept (up to this many distinct ones; the first seen, which in real input are
# the common ones) so repeats cost a dictionary lookup; bounded so memory stays flat.
PART_CACHE_LIMIT = 4_096
# One part read: its result, its qualifiers, and how it says the present mentions before it are
# meant, if it does: "explained" ("... I am guessing this was due to my gardening") or
# "historical" ("... It went away after two days.").
PartReading = tuple[InputResult, tuple[Modifier, ...], Context | None]


class Reader:
    """Reads texts against one table. Build once, reuse."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.knowledge = matcher.knowledge
        self.cutoff = matcher.cutoff
        self.rules = RuleIndex(self.knowledge.reading, matcher.reading_stems)
        self.joining = frozenset(words_of(self.knowledge.language.conjunctions))
        self.locations: dict[str, list[tuple[frozenset[str], str]]] = {}
        for rule in self.knowledge.reading.locations:
            for symptom_id in rule.symptoms:
                self.locations.setdefault(symptom_id, []).append((frozenset(rule.locations), rule.site))
        self._cache: dict[tuple[str, bool], PartReading] = {}

    def read(self, text: str) -> tuple[tuple[InputResult, ...], tuple[Modifier, ...]]:
        """Every part of `text` (a part that says the same as an earlier one is left out), and
        every modifier found, with offsets into `text`."""
        text = without_surrogates(text)
        inputs: list[InputResult] = []
        sentences: list[int] = []  # the sentence each of `inputs` is in
        modifiers: list[Modifier] = []
        seen: set[str] = set()
        for part in split_parts(text):
            typed = text[part.start : part.end]
            said = clean_text(typed)
            if said in seen:
                continue
            seen.add(said)
            # Only the first MAX_ITEM_CHARS characters are read: no symptom phrase is that long.
            result, found, about_previous = self.read_part(typed[:MAX_ITEM_CHARS], part.listed)
            if about_previous is not None and inputs:
                # It speaks of the items before it in its own comma list, else of the sentence
                # before its own; the cue shown is what it says ("It's just a cold.").
                spoken_of = part.sentence if part.sentence in sentences else sentences[-1]
                for n in range(len(inputs)):
                    if sentences[n] == spoken_of:
                        inputs[n] = _now_meant(inputs[n], about_previous, (typed,))
            inputs.append(_shifted(result._replace(text=typed, end=len(typed)), part.start))
            sentences.append(part.sentence)
            modifiers.extend(_moved(modifier, part.start) for modifier in found)
        return tuple(inputs), tuple(modifiers)

    def read_item(self, text: str) -> InputResult:
        """One item of a list, read as a whole ("cough: no", "lump in my left armpit")."""
        return self.read_part(without_surrogates(text).strip()[:MAX_ITEM_CHARS], listed=True)[0]

    def read_part(self, text: str, listed: bool) -> PartReading:
        """One part, with offsets into the part itself."""
        cached = self._cache.get((text, listed))
        if cached is None:
            cached = self._read(text, listed)
            if len(self._cache) < PART_CACHE_LIMIT:
                self._cache[(text, listed)] = cached
        return cached

    def _read(self, text: str, listed: bool) -> PartReading:
        words = part_words(text)
        stems = [stem(word.text) for word in words]
        filler = frozenset(n for n, word in enumerate(words) if word.text in self.matcher.normalizer.ignored)
        # A qualifier resting on a word used in another sense is no qualifier: "it has spread to
        # my bones" says where the cancer is, not that a pain is spreading or getting worse.
        found_qualifiers = [
            (modifier, first, last)
            for modifier, first, last in self.rules.modifiers(text, words, stems)
            if self.rules.wrong_sense(tuple(range(first, last + 1)), words, stems, filler) is None
        ]
        qualified = {n for _, first, last in found_qualifiers for n in range(first, last + 1)}
        # A trigger wholly inside a qualifier belongs to it: "finished chemo two years ago" dates
        # the treatment, not the fever after it ("all better now" stays a trigger). An anaphor
        # is both: "both" in "but both went away" is a side and stands for what came before.
        triggers = [
            trigger
            for trigger in self.rules.triggers(stems)
            if trigger.rule.category == "anaphor"
            or not qualified.issuperset(range(trigger.first, trigger.last + 1))
        ]
        # A denied qualifier is dropped ("not on chemo"), and the words of the others do not count
        # as distance between a phrase's words ("coughing up mouthfuls of bright red blood").
        qualifiers = [
            (modifier, first, last)
            for modifier, first, last in found_qualifiers
            if context_of(first, last, triggers, words, set())[0] != "negated"
        ]
        free = frozenset(i for _, first, last in qualifiers for i in range(first, last + 1))
        # No mention spans a clause end ("but") or a denial ("cough with phlegm, no blood").
        barriers = frozenset(t.first for t in triggers if t.rule.category in ("terminate", "negated"))
        found = self.matcher.find(text, words, listed, barriers, free)
        mentions: list[Mention] = []
        other_sense: str | None = None  # an everyday complaint a symptom word turned out to be
        for mention in found.mentions:
            sense = self.rules.wrong_sense(mention.positions, words, stems, filler)
            if sense is None:
                mentions.append(mention)
            elif sense.otherwise_unrelated and other_sense is None:
                other_sense = text[words[mention.first].start : words[mention.last].end]
        symptoms = [m for m in mentions if m.phrase.symptom is not None]
        # A qualifier that is only a part of an everyday complaint belongs to it ("hot" in "hot
        # flushes"); one that is the whole complaint ("diarrhoea", a sign of infection) stays.
        complaints = [set(m.positions) for m in mentions if m.phrase.symptom is None]
        qualifiers = [
            (modifier, first, last)
            for modifier, first, last in qualifiers
            if not any(set(range(first, last + 1)) < words_of for words_of in complaints)
        ]
        given: dict[int, list[Modifier]] = {}
        ends = frozenset(t.first for t in triggers if t.rule.category == "terminate")
        for modifier, first, last in qualifiers:
            target = _nearest(symptoms, first, last, ends)
            if target is not None:
                given.setdefault(target, []).append(modifier)
        taken = {position for mention in mentions for position in mention.positions}
        matches = [
            self._match(n, mention, found, words, triggers, taken, free, tuple(given.get(n, ())))
            for n, mention in enumerate(symptoms)
        ]
        order = {symptom.id: n for n, symptom in enumerate(self.knowledge.symptoms)}
        matches.sort(key=lambda m: (m.method == "fuzzy", -m.score, order[m.symptom.id]))
        unrelated = next((m.phrase.text for m in mentions if m.phrase.symptom is None), other_sense)
        result = InputResult(
            text=text,
            normalized=found.normalized,
            negated=bool(matches) and all(m.context == "negated" for m in matches),
            matches=tuple(matches),
            unrelated=unrelated,
            suggestions=found.suggestions if not mentions and unrelated is None else (),
            start=0,
            end=len(text),
        )
        about_previous = self.rules.about_previous(triggers, bool(symptoms))
        return result, tuple(modifier for modifier, _, _ in qualifiers), about_previous

    def _match(
        self,
        n: int,
        mention: Mention,
        found: Found,
        words: tuple[Word, ...],
        triggers: list[Trigger],
        taken: set[int],
        free: frozenset[int],
        modifiers: tuple[Modifier, ...],
    ) -> Match:
        symptom = mention.phrase.symptom
        assert symptom is not None  # only symptom mentions are turned into matches
        context: Context
        cues: tuple[str, ...]
        if found.answered_no:
            context, cues = "negated", (words[-1].text,)
        else:
            context, reached = context_of(
                mention.first, mention.last, triggers, words, taken, self.joining, free
            )
            cues = tuple(trigger.rule.literal for trigger in reached)
        method: MatchMethod
        if mention.fuzzy_score is not None:
            method, score = "fuzzy", mention.fuzzy_score
        elif found.all_keys - mention.phrase.keys <= self.matcher.normalizer.negation_words:
            method, score = "exact", 100.0
        else:
            method, score = "phrase", 100.0
        located = None
        for locations, site in self.locations.get(symptom.id, ()):
            if any(m.category == "location" and m.value in locations for m in modifiers):
                located = site
                break
        return Match(
            symptom=symptom,
            matched=mention.phrase.text,
            method=method,
            score=score,
            start=words[mention.first].start,
            end=words[mention.last].end,
            context=context,
            cues=cues,
            modifiers=modifiers,
            located_site=located,
        )


def _nearest(mentions: list[Mention], first: int, last: int, barriers: frozenset[int]) -> int | None:
    """The index of the mention closest to words first..last, within reach and with no
    clause-ending word between them; the later one on a tie (a qualifier usually comes first)."""
    best: tuple[int, int] | None = None
    for n, mention in enumerate(mentions):
        if mention.first > last:
            distance, low, high = mention.first - last, last, mention.first
        elif mention.last < first:
            distance, low, high = first - mention.last, mention.last, first
        else:
            distance, low, high = 0, first, first
        if distance > MODIFIER_REACH or any(low < barrier < high for barrier in barriers):
            continue
        if best is None or distance <= best[0]:
            best = (distance, n)
    return None if best is None else best[1]


def _now_meant(result: InputResult, context: Context, cues: tuple[str, ...]) -> InputResult:
    """A part whose next sentence puts it down to another cause, or says it is gone: its
    present mentions are explained (triage still weighs them) or historical."""
    matches = tuple(
        match._replace(context=context, cues=cues) if match.present else match for match in result.matches
    )
    return result._replace(matches=matches)


def _moved(modifier: Modifier, offset: int) -> Modifier:
    return modifier._replace(start=modifier.start + offset, end=modifier.end + offset)


def _shifted(result: InputResult, offset: int) -> InputResult:
    if not offset:
        return result
    matches = tuple(
        match._replace(
            start=match.start + offset,
            end=match.end + offset,
            modifiers=tuple(_moved(modifier, offset) for modifier in match.modifiers),
        )
        for match in result.matches
    )
    return result._replace(matches=matches, start=result.start + offset, end=result.end + offset)
