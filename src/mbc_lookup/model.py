"""The typed model: what the knowledge table holds and what a lookup returns.

Everything here is an immutable NamedTuple, so results can be shared, hashed and compared
freely. (NamedTuples rather than frozen dataclasses: they cost a tenth as much to define, and
the start-up of a lookup CLI is most of its cost. For the same reason annotations here are
evaluated at import, not kept as strings for NamedTuple to parse.)
"""

from typing import Any, Literal, NamedTuple

MatchMethod = Literal["exact", "phrase", "fuzzy"]
# How a mention is meant: only "present" mentions count toward sites; triage's danger rules
# also weigh "explained" ones (put down to another cause).
Context = Literal["present", "negated", "historical", "hypothetical", "explained", "uncertain"]
UrgentKind = Literal["symptom", "pattern"]
# How urgently to get care, lowest first (see the table's `triage` section for each action).
TriageLevel = Literal["none", "routine", "urgent", "emergency"]
TRIAGE_LEVELS: tuple[TriageLevel, ...] = ("none", "routine", "urgent", "emergency")
SEED_SOURCE = "seed"  # the source id of the article's own rows (see `Knowledge.seed_only`)
DISCLAIMER = (  # for a result made without a table; every table carries its own
    "mbc-lookup gives general information only. It is not a diagnosis and it does not estimate how "
    "likely anything is. Talk to your doctor or care team about any symptom that is new, getting worse "
    "or lasting; for a symptom marked urgent, get medical help now."
)


# --- the knowledge table -------------------------------------------------------------------


class Source(NamedTuple):
    id: str
    publisher: str
    title: str
    url: str | None


class Codes(NamedTuple):
    """A Human Phenotype Ontology term and the SNOMED CT / UMLS codes that term carries."""

    hpo: str
    hpo_label: str
    snomed: str | None
    umls: str | None


class SiteLink(NamedTuple):
    """A further site that a source associates a symptom with."""

    site: str
    source: str


class Symptom(NamedTuple):
    id: str
    site: str  # the site the symptom is listed under
    name: str
    phrases: tuple[str, ...]
    urgent: bool
    advice: str | None
    advice_source: str | None
    source: str
    codes: Codes
    also_sites: tuple[SiteLink, ...] = ()

    @property
    def sites(self) -> tuple[str, ...]:
        """Every site the symptom is associated with; more than one means non-specific."""
        return (self.site, *(link.site for link in self.also_sites))

    @property
    def non_specific(self) -> bool:
        return bool(self.also_sites)


class DiagnosticTest(NamedTuple):
    name: str
    description: str
    source: str


class Site(NamedTuple):
    id: str
    name: str
    tests: tuple[DiagnosticTest, ...]
    symptoms: tuple[Symptom, ...]
    description: str | None = None  # plain words: what spread to this site means
    description_source: str | None = None  # the source id the description is drawn from


class Treatment(NamedTuple):
    id: str
    name: str
    description: str
    source: str


class Language(NamedTuple):
    """Word lists the matcher uses; they live in the table, not in code."""

    ignore_words: tuple[str, ...]
    negation_answers: tuple[str, ...]
    conjunctions: tuple[str, ...]
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]


class ContextRule(NamedTuple):
    """A ConText trigger (Harkema et al. 2009): words that change how nearby mentions are
    meant. `category` is negated, historical, hypothetical, explained (put down to another
    cause: a treatment's side effect, a cold), uncertain, pseudo (looks like a
    trigger but is not one: "not only", "no better"), terminate (ends every scope: "but"),
    anaphor (stands for what was named before: "it", "that"; a trigger looking back from its
    clause reaches past the clause end: "a cough but it cleared up") or recurrence (undoes a
    resolution within that resolution's `max_words` before it: "went away but came back").
    `direction` says which mentions it reaches: forward (after it), backward (before it),
    bidirectional, or previous_sentence (the present mentions of the part before its own: "I
    woke with a sore back. I am guessing this was due to my gardening"); `max_words` bounds the
    reach. With `needs_after`, the trigger counts only
    when one of those words follows it closely ("due to the chemo", not "due to the cancer");
    with `needs_before`, only when one comes closely before it ("the chemo made me", not "the
    cancer made me"); with `unless`, not when one of those words is anywhere in the part ("if
    you are breathless, call your team" is advice about a symptom, not a hypothesis)."""

    literal: str
    category: str
    direction: str
    max_words: int
    source: str
    needs_after: tuple[str, ...] = ()
    needs_before: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


class ModifierRule(NamedTuple):
    """Words (or, for numbers, a regular expression) that qualify a mention: its onset,
    severity, course, duration, body side or location, a temperature, treatment context."""

    category: str
    value: str
    literals: tuple[str, ...]
    pattern: str | None
    source: str


class SenseRule(NamedTuple):
    """A word that is a symptom only in some senses ("had a fit", not "clothes fit"): a
    mention resting on `word` is dropped when one of `not_near` is within `window` words of
    it, or when `needs_near` is given and none of it is; not when the mention's own words hold
    a `not_near` word ("rings dont fit" means that sense). With `otherwise_unrelated`, the word
    in its other sense is an everyday complaint (a single bout of hiccups)."""

    word: str
    not_near: tuple[str, ...]
    needs_near: tuple[str, ...]
    window: int
    source: str
    otherwise_unrelated: bool = False


class LocationRule(NamedTuple):
    """Where the body location decides the site: a mention of one of `symptoms` with a
    location modifier in `locations` is associated with `site` first."""

    symptoms: tuple[str, ...]
    locations: tuple[str, ...]
    site: str
    source: str


class Reading(NamedTuple):
    """The rule tables of the reading pass; they live in the table, not in code."""

    context: tuple[ContextRule, ...] = ()
    modifiers: tuple[ModifierRule, ...] = ()
    senses: tuple[SenseRule, ...] = ()
    locations: tuple[LocationRule, ...] = ()


class TriageCondition(NamedTuple):
    """One group of a triage rule; it holds when ANY of its parts holds:
    - a present mention of one of `symptoms` ("*": any symptom) whose part of the text has a
      modifier in `with_any` (when given) and all of `with_all` (when given), and whose own
      modifiers include none of `without`;
    - a temperature anywhere in the text at or above `temperature_at_least`, or below
      `temperature_below`;
    - a modifier anywhere in the text among `text_has` ("treatment:on").
    Modifiers are written "category:value" ("onset:sudden")."""

    symptoms: tuple[str, ...] = ()
    with_any: tuple[str, ...] = ()
    with_all: tuple[str, ...] = ()
    without: tuple[str, ...] = ()
    temperature_at_least: float | None = None
    text_has: tuple[str, ...] = ()
    temperature_below: float | None = None


class TriageRule(NamedTuple):
    """Holds when each group of `all_of` holds, each through a different symptom; then the
    lookup is at least at `level`. `normal_temperatures` (low, high): a rule about fever does
    not hold when every temperature the text gives is in that range."""

    id: str
    name: str
    level: TriageLevel
    all_of: tuple[TriageCondition, ...]
    advice: str
    source: str
    normal_temperatures: tuple[float, float] | None = None


class TriageAction(NamedTuple):
    """What to do at one level, in plain words."""

    level: TriageLevel
    action: str
    source: str


class TriageTable(NamedTuple):
    actions: tuple[TriageAction, ...] = ()
    rules: tuple[TriageRule, ...] = ()


class UrgentPattern(NamedTuple):
    """Symptoms that together need prompt care: one from each group of `all_of`."""

    id: str
    name: str
    all_of: tuple[tuple[str, ...], ...]  # groups of symptom ids
    advice: str
    source: str


class Knowledge(NamedTuple):
    path: str
    sha256: str
    knowledge_version: str
    title: str
    disclaimer: str
    sources: tuple[Source, ...]
    treatment_summary: str
    treatments: tuple[Treatment, ...]
    language: Language
    unrelated: tuple[str, ...]
    sites: tuple[Site, ...]
    urgent_patterns: tuple[UrgentPattern, ...] = ()
    seed_only: bool = False  # True when restricted to the article's own rows
    reading: Reading = Reading()
    triage: TriageTable = TriageTable()

    @property
    def negation_words(self) -> tuple[str, ...]:
        """The one-word denials among the context rules ("no", "not", "without")."""
        return tuple(
            rule.literal
            for rule in self.reading.context
            if rule.category == "negated" and " " not in rule.literal
        )

    @property
    def symptoms(self) -> tuple[Symptom, ...]:
        return tuple(symptom for site in self.sites for symptom in site.symptoms)

    def site(self, site_id: str) -> Site:
        for site in self.sites:
            if site.id == site_id:
                return site
        raise KeyError(site_id)

    def restricted_to_seed(self) -> "Knowledge":
        """The article's own rows only: its symptoms, tests and treatments, with no further
        sites or patterns from other sources. (Advice on urgent rows is kept: it is safety.)"""

        def seed_symptom(symptom: Symptom) -> Symptom:
            links = tuple(link for link in symptom.also_sites if link.source == SEED_SOURCE)
            return symptom._replace(also_sites=links)

        def seed_site(site: Site) -> Site:
            described = site.description_source == SEED_SOURCE
            return site._replace(
                tests=tuple(test for test in site.tests if test.source == SEED_SOURCE),
                symptoms=tuple(seed_symptom(s) for s in site.symptoms if s.source == SEED_SOURCE),
                description=site.description if described else None,
                description_source=site.description_source if described else None,
            )

        sites = tuple(seed_site(site) for site in self.sites)
        return self._replace(
            sites=sites,
            treatments=tuple(t for t in self.treatments if t.source == SEED_SOURCE),
            urgent_patterns=tuple(p for p in self.urgent_patterns if p.source == SEED_SOURCE),
            seed_only=True,
        )

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


# --- what a lookup returns -----------------------------------------------------------------


class Modifier(NamedTuple):
    """A qualifier found in the text, with where it was typed."""

    category: str  # onset, severity, course, duration, side, location, temperature, treatment
    value: str  # the table's value for it ("sudden", "worsening", "leg"; "38.5C" for a temperature)
    text: str  # the words as typed
    start: int  # character offsets into the text as typed
    end: int


class Match(NamedTuple):
    """One known symptom mentioned in the text, how it matched, and how it is meant."""

    symptom: Symptom
    matched: str  # the known phrase (as written in the table) that matched
    method: MatchMethod
    score: float  # 100 for exact and phrase matches; the similarity for fuzzy ones
    start: int = 0  # character offsets of the mention into the text as typed
    end: int = 0
    context: Context = "present"
    cues: tuple[str, ...] = ()  # the context triggers that decided `context` (or the next
    # sentence, as typed, when that puts the mention down to another cause)
    modifiers: tuple[Modifier, ...] = ()
    located_site: str | None = None  # the site its body location points to first, if any

    @property
    def present(self) -> bool:
        return self.context == "present"

    @property
    def reported(self) -> bool:
        """Said to be there now, whatever the text puts it down to: what triage weighs. A
        person's own explanation ("the fever is from the chemo") never lowers an alarm."""
        return self.context in ("present", "explained")


class InputResult(NamedTuple):
    """One part of the text: an item of a comma list, or a sentence."""

    text: str  # the part as the user typed it (trimmed)
    normalized: str
    negated: bool  # every mention in it is denied
    matches: tuple[Match, ...]  # best first; empty when nothing matched
    unrelated: str | None  # the everyday complaint it was recognised as, if any
    suggestions: tuple[str, ...]  # nearest known phrases, for items that matched nothing
    start: int = 0  # character offsets of the part into the text as typed
    end: int = 0


class SiteResult(NamedTuple):
    site: Site
    score: float
    symptoms: tuple[Symptom, ...]
    inputs: tuple[str, ...]


class UrgentFinding(NamedTuple):
    """An urgent symptom, or an urgent pattern of symptoms, among what was typed."""

    kind: UrgentKind
    id: str  # the symptom's or the pattern's id
    name: str
    inputs: tuple[str, ...]  # the items that matched it, in input order
    symptoms: tuple[Symptom, ...]
    advice: str
    source: Source | None


class TriageReason(NamedTuple):
    """A triage rule that holds for what was typed, and what it rests on."""

    rule: TriageRule
    inputs: tuple[str, ...]  # the parts of the text it rests on
    symptoms: tuple[Symptom, ...]
    modifiers: tuple[str, ...]  # "category:value" of the modifiers that decided it
    source: Source | None


class Triage(NamedTuple):
    level: TriageLevel
    action: str  # what to do at that level, in plain words
    reasons: tuple[TriageReason, ...]  # highest level first


class LookupResult(NamedTuple):
    inputs: tuple[InputResult, ...]
    sites: tuple[SiteResult, ...]
    urgent: tuple[UrgentFinding, ...]
    fuzzy_cutoff: float
    text: str = ""  # the whole text as typed; spans are offsets into it
    modifiers: tuple[Modifier, ...] = ()  # every qualifier found, attached to a mention or not
    triage: Triage = Triage("none", "", ())
    knowledge: Knowledge | None = None  # the table it was looked up in

    @property
    def disclaimer(self) -> str:
        """The informational disclaimer every answer carries."""
        return self.knowledge.disclaimer if self.knowledge is not None else DISCLAIMER

    def to_dict(self) -> dict[str, Any]:
        """The lookup document: the same object `mbc symptoms --json` prints."""
        from .render_json import result_to_dict

        if self.knowledge is None:
            raise ValueError("this result does not carry its knowledge table")
        return result_to_dict(self, self.knowledge)

    def __repr__(self) -> str:
        sites = ", ".join(f"{site.site.id} {site.score:g}" for site in self.sites) or "none"
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"<LookupResult {text!r}: triage {self.triage.level}; sites {sites}; {len(self.inputs)} parts>"

    def __rich__(self) -> Any:
        """How rich (and Jupyter with rich) shows a result: the terminal view."""
        from .views.table import renderable

        return renderable(self.to_dict())


class BatchLine(NamedTuple):
    """One line of batch input: its text, or why it could not be read."""

    line: int  # 1-based line number in the input
    text: str | None  # the decoded line, without its line ending; None when unreadable
    problem: str | None  # why the line was skipped, e.g. "not valid UTF-8"
    size: int  # bytes the line took in the input, line ending included
