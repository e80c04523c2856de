"""The context pass: how each mention is meant, what qualifies it, and which sense a word has.

It follows the ConText algorithm (Harkema et al. 2009, which generalises NegEx), organised the
way medspaCy organises its rules: every rule is a literal (a run of words, compared after
stemming) with a category and a direction, and the rules live in the knowledge table.

- Triggers are found left to right, the longest literal first at each word; a "pseudo" trigger
  ("not only", "no better", "never noticed") takes its words so no shorter trigger can use
  them. A trigger inside a mention's own words belongs to the symptom ("no appetite") and
  reaches nothing.
- A trigger reaches the mentions on its side (forward: after it; backward: before it;
  bidirectional: both) within its `max_words`, and never past a "terminate" trigger ("but",
  "although") or the end of the part, except one looking back from a clause that opens with
  an "anaphor", a word standing for what was named before: "I had a cough but it cleared up".
  A resolution (historical, looking back) reaches the nearest mention before it and the ones
  listed with it, no further: "my headache is still bad and the nausea went away"; and a
  "recurrence" after it undoes it: "my back pain went away but came back". Denials,
  fears and doubts also stop at a comma, and so
  does a two-way trigger reaching back ("numb since yesterday, and years ago I had a seizure");
  a trigger that only looks back crosses it ("coughed up blood in 2015, nothing since").
- A trigger whose direction is "previous_sentence" reaches nothing in its own part: it speaks
  of the sentence before it ("I woke with a sore back. I am guessing this was due to my
  gardening"), and the reader applies it there (`RuleIndex.about_previous`).
- A mention reached by several categories takes the strongest: negated, then hypothetical,
  then historical, then explained (put down to another cause: "side effects of the
  tamoxifen"), then uncertain. Only "present" mentions count toward sites; triage also weighs
  "explained" ones, as a person's own explanation must never lower an alarm.
- Modifiers (onset, severity, course, duration, side and location, temperature, treatment)
  are found the same way, or by a pattern for numbers, and each is given to the nearest mention.
- A sense rule drops a mention that rests on a word used in another sense ("clothes fit").
"""

import re
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

from .model import Context, ContextRule, Modifier, ModifierRule, Reading, SenseRule
from .text import Word, stem

# Strongest first: the context a mention takes when several categories reach it.
PRECEDENCE: tuple[Context, ...] = ("negated", "hypothetical", "historical", "explained", "uncertain")
STOPPED_BY_COMMA = frozenset({"negated", "hypothetical", "uncertain"})
# Categories that reach no mention themselves: they shape the scopes of the others.
NO_SCOPE = frozenset({"pseudo", "terminate", "anaphor", "recurrence"})
# An anaphor opens a clause when it is among its first words: "but it cleared up", "but then
# it went away".
ANAPHOR_OPENING = 2
# Words that may join two listed mentions, a joining word ("and") among them: "hip pain and a
# sore knee", "yellowish and I was itchy", "a temperature last week with a cold".
LIST_JOIN_WORDS = 4
# A cause named after a list explains the whole list ("joint pain, hot flushes, all side effects").
REACHES_BACK_OVER_COMMA = frozenset({"explained"})
MODIFIER_REACH = 6  # words between a modifier and the mention it qualifies, at the most
# The words after a trigger in which one of its `needs_after` words must stand, and before it
# for `needs_before`: five, so "after my second round of chemo" names its cause.
NEEDS_REACH = 5
# A denial reaches across the commas of a list of alternatives: "no fever, vomiting, nausea, or
# convulsions" denies all four (NegEx's scope); the list's items are short and it ends in "or".
LIST_ITEM_WORDS = 3
ALTERNATIVES = frozenset({"or", "nor"})


class Trigger(NamedTuple):
    rule: ContextRule
    first: int  # word indexes in the part
    last: int


# A literal as stems, with the index of its context rule (or of the modifier literal).
Stems = tuple[str, ...]
Literal = tuple[Stems, int]
# Literals by their first stem, longest first: what `_scan` walks.
LiteralIndex = dict[str, tuple[Literal, ...]]
# One table's reading rules compiled for matching, in plain data, so that `table_cache` keeps
# it with the phrase index (stemming every rule's words is most of a RuleIndex's cost):
# - the context literals and the modifier literals, each as a LiteralIndex;
# - each context rule's `needs_after`, `needs_before` and `unless` words;
# - the words the modifier patterns spell out;
# - each sense rule's word, `not_near` and `needs_near` words.
ReadingStems = tuple[
    LiteralIndex,
    LiteralIndex,
    tuple[tuple[Stems, Stems, Stems], ...],
    frozenset[str],
    tuple[tuple[str, Stems, Stems], ...],
]


def reading_stems(reading: Reading) -> ReadingStems:
    # A `literals` rule gives each of its literals the same word lists: stem each list once
    # (the cache then stores it once too: marshal writes a shared tuple once).
    stemmed: dict[tuple[str, ...], Stems] = {}
    for rule in reading.context:
        for words in (rule.needs_after, rule.needs_before, rule.unless):
            if words not in stemmed:
                stemmed[words] = tuple(map(stem, words))
    return (
        _compile(tuple(_literal_stems(rule.literal) for rule in reading.context)),
        _compile(tuple(_literal_stems(literal) for rule in reading.modifiers for literal in rule.literals)),
        tuple((stemmed[r.needs_after], stemmed[r.needs_before], stemmed[r.unless]) for r in reading.context),
        _pattern_words(reading),
        tuple(
            (stem(rule.word), tuple(map(stem, rule.not_near)), tuple(map(stem, rule.needs_near)))
            for rule in reading.senses
        ),
    )


def check_reading_stems(reading: Reading, stems: ReadingStems) -> None:
    """Raise ValueError unless `stems` can be `reading_stems(reading)`: every literal names a
    rule (or literal) of `reading`, and there is one entry per context and per sense rule."""
    context, modifiers, words, _, senses = stems
    literals = sum(len(rule.literals) for rule in reading.modifiers)
    for index, limit in ((context, len(reading.context)), (modifiers, literals)):
        numbers = tuple(map(itemgetter(1), chain.from_iterable(index.values())))  # at C speed: thousands
        if numbers and not 0 <= min(numbers) <= max(numbers) < limit:
            raise ValueError("a compiled literal names no rule")
    if len(words) != len(reading.context) or len(senses) != len(reading.senses):
        raise ValueError("compiled rules do not match the table's")


class RuleIndex:
    """One table's reading rules, compiled for matching runs of stemmed words. `stems`: what
    `reading_stems` gives for this `reading` (from the compiled-table cache), else computed."""

    def __init__(self, reading: Reading, stems: ReadingStems | None = None) -> None:
        self.reading = reading
        compiled = stems if stems is not None else reading_stems(reading)
        self.context, self.modifier_literals, word_stems, self.pattern_words, sense_stems = compiled
        self.modifier_of_literal = [n for n, rule in enumerate(reading.modifiers) for _ in rule.literals]
        # Anaphors by their one stemmed word (a table's anaphors are single words).
        self.anaphors = {
            _literal_stems(rule.literal)[0]: rule for rule in reading.context if rule.category == "anaphor"
        }
        self.needs_after = {n: frozenset(after) for n, (after, _, _) in enumerate(word_stems) if after}
        self.needs_before = {n: frozenset(before) for n, (_, before, _) in enumerate(word_stems) if before}
        self.unless = {n: frozenset(unless) for n, (_, _, unless) in enumerate(word_stems) if unless}
        # The patterns (numbers, durations, treatment dates) are compiled on first use, and only
        # tried on a part with a digit or a word that one of them spells out (`pattern_words`):
        # most texts have neither, and compiling them would cost more than the lookup.
        self._patterns: list[tuple[re.Pattern[str], ModifierRule]] | None = None
        self.senses: dict[str, list[SenseRule]] = {}
        self.sense_words: dict[int, tuple[frozenset[str], frozenset[str]]] = {}
        for sense, (word, not_near, needs_near) in zip(reading.senses, sense_stems, strict=True):
            self.senses.setdefault(word, []).append(sense)
            self.sense_words[id(sense)] = (frozenset(not_near), frozenset(needs_near))

    def triggers(self, stems: list[str]) -> list[Trigger]:
        rules = self.reading.context
        found = [
            Trigger(rules[n], first, last)
            for n, first, last in _scan(self.context, stems)
            if self._counts(n, first, last, stems)
        ]
        # An anaphor is a word wherever no other trigger counts on it: "its" that is no link to
        # a cause ("it's the chemo") still stands for what came before ("but its come back").
        covered = {n for trigger in found for n in range(trigger.first, trigger.last + 1)}
        found += [
            Trigger(self.anaphors[word], n, n)
            for n, word in enumerate(stems)
            if word in self.anaphors and n not in covered
        ]
        found.sort(key=lambda trigger: trigger.first)
        # A resolution that a recurrence follows is undone: "my back pain went away but came
        # back last week" (the recurrence reaches across the "but", and past its own words).
        returns = [t.first for t in found if t.rule.category == "recurrence"]
        return [
            t
            for t in found
            if not (_resolution(t) and any(0 < n - t.last <= t.rule.max_words for n in returns))
        ]

    def about_previous(self, triggers: list[Trigger], has_symptom: bool) -> Context | None:
        """How a part says the present mentions before it are meant: "explained" when a
        trigger speaks of the sentence before its own ("this was due to ..."); "historical"
        when, naming no symptom of its own, it opens with a resolution, or with words that
        stand for what was named before and then one ("cleared up now", "It went away")."""
        if any(trigger.rule.direction == "previous_sentence" for trigger in triggers):
            return "explained"
        if has_symptom:
            return None
        opening = 0
        for trigger in triggers:
            if trigger.first != opening:
                return None
            if _resolution(trigger):
                return "historical"
            if trigger.rule.category != "anaphor":
                return None
            opening = trigger.last + 1
        return None

    def _counts(self, n: int, first: int, last: int, stems: list[str]) -> bool:
        """Whether rule n's trigger at words first..last counts: the words it needs stand close
        enough after (before) it, and none of its `unless` words is in the part."""
        after = self.needs_after.get(n)
        if after is not None and after.isdisjoint(stems[last + 1 : last + 1 + NEEDS_REACH]):
            return False
        before = self.needs_before.get(n)
        if before is not None and before.isdisjoint(stems[max(0, first - NEEDS_REACH) : first]):
            return False
        unless = self.unless.get(n)
        return unless is None or unless.isdisjoint(stems)

    def modifiers(
        self, text: str, words: tuple[Word, ...], stems: list[str]
    ) -> list[tuple[Modifier, int, int]]:
        """(modifier, first word, last word) for every qualifier in the part."""
        found: list[tuple[Modifier, int, int]] = []
        taken: set[int] = set()
        # Patterns first: "finished chemo two years ago" is one qualifier, not "chemo".
        for pattern, rule in self.patterns() if self.may_match_pattern(words, stems) else ():
            for match in pattern.finditer(text):
                start, end = match.start(), match.start() + len(match.group().rstrip())
                first, last = _words_between(words, start, end)
                if first is None or last is None or taken.intersection(range(first, last + 1)):
                    continue
                value = _pattern_value(rule, match)
                if value is None:
                    continue
                found.append((Modifier(rule.category, value, text[start:end], start, end), first, last))
                taken.update(range(first, last + 1))
        for n, first, last in _scan(self.modifier_literals, stems):
            if taken.intersection(range(first, last + 1)):
                continue
            rule = self.reading.modifiers[self.modifier_of_literal[n]]
            start, end = words[first].start, words[last].end
            found.append((Modifier(rule.category, rule.value, text[start:end], start, end), first, last))
            taken.update(range(first, last + 1))
        found.sort(key=lambda item: item[0].start)
        return found

    def may_match_pattern(self, words: tuple[Word, ...], stems: list[str]) -> bool:
        """Whether a pattern can match the part: it has a digit or a word a pattern names."""
        return any(not word.text.isalpha() for word in words) or not self.pattern_words.isdisjoint(stems)

    def patterns(self) -> list[tuple[re.Pattern[str], ModifierRule]]:
        if self._patterns is None:
            self._patterns = [
                (re.compile(rule.pattern, re.IGNORECASE), rule)
                for rule in self.reading.modifiers
                if rule.pattern
            ]
        return self._patterns

    def wrong_sense(
        self, positions: tuple[int, ...], words: tuple[Word, ...], stems: list[str], filler: frozenset[int]
    ) -> SenseRule | None:
        """The sense rule that says a mention resting on these words uses one of them in
        another sense, or None. `filler`: the indexes of words that carry no meaning ("my",
        "have"); they do not count toward a rule's window, which ends at the clause's end."""
        clauses = [word.clause for word in words]
        for position in positions:
            for sense in self.senses.get(stems[position], ()):
                not_near, needs_near = self.sense_words[id(sense)]
                if any(stems[other] in not_near for other in positions if other != position):
                    continue  # the phrase itself spells the other sense ("rings dont fit")
                nearby = _nearby(stems, clauses, position, sense.window, filler)
                alone = len(stems) == len(positions)  # "fits" typed on its own means seizures
                if nearby & not_near or (needs_near and not nearby & needs_near and not alone):
                    return sense
                if alone and sense.otherwise_unrelated:
                    return sense  # but a word whose everyday sense is the default keeps it
        return None


def context_of(
    first: int,
    last: int,
    triggers: list[Trigger],
    words: tuple[Word, ...],
    taken: set[int],
    joining: frozenset[str] = frozenset(),
    free: frozenset[int] = frozenset(),
) -> tuple[Context, tuple[Trigger, ...]]:
    """How the mention at words first..last is meant, and the triggers that decided it.
    `taken`: the words of every mention in the part (a trigger among them is the symptom's);
    `joining`: the words that join the items of a list ("and", "with"); `free`: the words of
    qualifiers, which are no distance between listed items ("a temperature of 38.6 last week
    with a cold")."""
    reached: dict[str, list[Trigger]] = {}
    ends = [t for t in triggers if t.rule.category == "terminate"]
    for trigger in triggers:
        category = trigger.rule.category
        if category in NO_SCOPE or taken.intersection(range(trigger.first, trigger.last + 1)):
            continue
        direction = trigger.rule.direction
        if trigger.last < first and direction in ("forward", "bidirectional"):
            low, high = trigger.last, first
        elif trigger.first > last and direction in ("backward", "bidirectional"):
            low, high = last, trigger.first
        else:
            continue
        if high - low > trigger.rule.max_words:
            continue
        between = [end for end in ends if low < end.first < high]
        if between and not (trigger.first > last and _refers_back(between, trigger, triggers)):
            continue
        resolution = _resolution(trigger) and trigger.first > last
        if resolution and not _listed_up_to(last, trigger, taken, free, words, joining):
            continue
        # A trigger looking both ways does not reach back across a comma ("numb since yesterday,
        # and years ago I had a seizure"); one that only looks back does ("a cough, gone now").
        reaching_back = (
            trigger.first > last and direction == "bidirectional" and category not in REACHES_BACK_OVER_COMMA
        )
        crosses = words[low].clause != words[high].clause and not (
            category == "negated" and _list_of_alternatives(words, low, high)
        )
        if (reaching_back or category in STOPPED_BY_COMMA) and crosses:
            continue
        reached.setdefault(category, []).append(trigger)
    for category in PRECEDENCE:
        if category in reached:
            return category, tuple(reached[category])
    return "present", ()


def _resolution(trigger: Trigger) -> bool:
    """Whether the trigger says what came before it is gone ("went away", "cleared up")."""
    return trigger.rule.category == "historical" and trigger.rule.direction == "backward"


def _refers_back(ends: list[Trigger], trigger: Trigger, triggers: list[Trigger]) -> bool:
    """Whether a trigger looking back reaches past the one clause end before it because a word
    that stands for what was named before ("it", "that") opens its own clause: "I had a cough
    but it cleared up" (the "it" that cleared up is the cough)."""
    if len(ends) != 1:
        return False
    opening = range(ends[0].last + 1, min(ends[0].last + 1 + ANAPHOR_OPENING, trigger.first))
    return any(t.rule.category == "anaphor" and t.first in opening for t in triggers)


def _listed_up_to(
    last: int,
    trigger: Trigger,
    taken: set[int],
    free: frozenset[int],
    words: tuple[Word, ...],
    joining: frozenset[str],
) -> bool:
    """Whether every mention between the one ending at word `last` and a resolution after it
    is listed with it ("a headache and blurry vision, but they went away"), so that the
    resolution reaches it too. One said otherwise stops it: in "my headache is still bad and
    the nausea went away", only the nausea went away."""
    gap: list[int] = []
    for n in range(last + 1, trigger.first):
        if n not in taken:
            if n not in free:
                gap.append(n)
            continue
        if gap and (len(gap) > LIST_JOIN_WORDS or not any(words[i].text in joining for i in gap)):
            return False
        gap = []
    return True


def _list_of_alternatives(words: tuple[Word, ...], low: int, high: int) -> bool:
    """Whether the clauses from the one after word `low` to the one of word `high` are short
    items of one list that goes on to an "or" item: "no fever, vomiting, nausea, or fits"."""
    first, last = words[low].clause + 1, words[high].clause
    items = [sum(word.clause == clause for word in words) for clause in range(first, last + 1)]
    short = all(count <= LIST_ITEM_WORDS for count in items)
    return short and any(word.clause >= last and word.text in ALTERNATIVES for word in words)


def _nearby(
    stems: list[str], clauses: list[int], position: int, window: int, filler: frozenset[int]
) -> set[str]:
    """The stems within `window` meaningful words either side of `position`, in its clause
    (filler words between them are included but not counted: "fingernails on my left hand
    have fractured")."""
    nearby: set[str] = set()
    for step in (-1, 1):
        counted = 0
        index = position + step
        while 0 <= index < len(stems) and counted < window and clauses[index] == clauses[position]:
            nearby.add(stems[index])
            counted += index not in filler
            index += step
    return nearby


def _pattern_words(reading: Reading) -> frozenset[str]:
    """The stems of the words the patterns spell out ("temperature", "days", "chemo"): a part
    with none of them and no digit cannot match a pattern. Escapes (\\b, \\s) are not words."""
    spelled = " ".join(re.sub(r"\\.", " ", rule.pattern) for rule in reading.modifiers if rule.pattern)
    return frozenset(stem(word) for word in re.findall(r"[a-z]+", spelled.lower()))


def _literal_stems(literal: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in _literal_words(literal))


def _compile(literals: tuple[Stems, ...]) -> LiteralIndex:
    """Literals (as stems) by their first stem, longest first."""
    index: dict[str, list[Literal]] = {}
    for n, stems in enumerate(literals):
        if stems:
            index.setdefault(stems[0], []).append((stems, n))
    return {first: tuple(sorted(entries, key=lambda e: -len(e[0]))) for first, entries in index.items()}


def _literal_words(literal: str) -> list[str]:
    from .text import clean_text, words

    return words(clean_text(literal))


def _scan(index: LiteralIndex, stems: list[str]) -> list[tuple[int, int, int]]:
    """(payload, first, last) of non-overlapping literals, left to right, longest first."""
    found: list[tuple[int, int, int]] = []
    position = 0
    while position < len(stems):
        for literal, payload in index.get(stems[position], ()):
            end = position + len(literal)
            if tuple(stems[position:end]) == literal:
                found.append((payload, position, end - 1))
                position = end
                break
        else:
            position += 1
    return found


def _words_between(words: tuple[Word, ...], start: int, end: int) -> tuple[int | None, int | None]:
    inside = [n for n, word in enumerate(words) if word.start < end and word.end > start]
    return (inside[0], inside[-1]) if inside else (None, None)


def _pattern_value(rule: ModifierRule, match: re.Match[str]) -> str | None:
    """A pattern's value: for a temperature, degrees Celsius ("38.5C"); else the rule's."""
    if rule.category != "temperature":
        return rule.value
    try:
        number = float(match.group("number"))
    except (IndexError, TypeError, ValueError):
        return None
    unit = (match.groupdict().get("unit") or "").strip().lower()
    fahrenheit = "f" in unit or number >= 90  # nobody's temperature is 90 degrees Celsius
    celsius = (number - 32) * 5 / 9 if fahrenheit else number
    if not 34.0 <= celsius <= 43.0:
        return None  # not a body temperature
    return f"{celsius:.1f}C"
