"""The importable API: text in, a typed `LookupResult` out. The CLI is a shell over this."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .matching import DEFAULT_CUTOFF, Matcher
from .model import Knowledge, LookupResult, Site
from .ranking import rank_sites
from .reading import Reader
from .text import clean_text, stem, words
from .triage import TriageIndex, assess, urgent_findings

SITE_NAME_CUTOFF = 75.0  # similarity needed to take a mistyped site name ("lymf nodes")


class UnknownSiteError(LookupError):
    """A site name that matches no site of the table (or more than one equally well)."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"no site called {name!r}; known sites: {', '.join(known)}")
        self.name = name
        self.known = known


def lookup_text(text: str, reader: Reader | Matcher, triage_index: TriageIndex | None = None) -> LookupResult:
    """Read a whole text (a comma list, a sentence or a paragraph) and rank the sites. For many
    lookups build one `Reader` (it keeps the parts it has read) and one `index_rules(table)`."""
    if isinstance(reader, Matcher):
        reader = Reader(reader)
    inputs, modifiers = reader.read(text)
    knowledge = reader.knowledge
    triage = assess(inputs, modifiers, knowledge, triage_index)
    known_spread = frozenset(modifier.value for modifier in modifiers if modifier.category == "spread")
    return LookupResult(
        inputs=inputs,
        sites=rank_sites(inputs, knowledge, known_spread),
        urgent=urgent_findings(triage),
        fuzzy_cutoff=reader.cutoff,
        text=text,
        modifiers=modifiers,
        triage=triage,
        knowledge=knowledge,
    )


def lookup_items(items: Iterable[str], reader: Reader | Matcher) -> LookupResult:
    """Look up a list of symptoms, one per item (each read as a line of its own)."""
    return lookup_text("\n".join(item.replace("\n", " ") for item in items), reader)


def checked_threshold(threshold: float | None) -> float:
    """The fuzzy cutoff to use: `threshold` when it is a number from 0 to 100 (NaN is not)."""
    if threshold is None:
        return DEFAULT_CUTOFF
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not 0 <= threshold <= 100:
        raise ValueError(f"threshold must be a number from 0 to 100, not {threshold!r}")
    return float(threshold)


def load_matcher(
    path: str | Path | None = None,
    threshold: float | None = None,
    *,
    seed_only: bool = False,
    cache_dir: str | Path | None = None,
) -> Matcher:
    """A matcher for the table at `path` (the shipped one when None); `seed_only` keeps the
    article's own rows only. With `cache_dir`, the checked and indexed table is kept there and
    reused (the CLI passes the user cache folder); without it nothing is written anywhere.
    Raises `KnowledgeError` for a bad table, `ValueError` for a threshold outside 0-100."""
    from .table_cache import load_index

    cutoff = checked_threshold(threshold)
    index = load_index(path, seed_only, Path(cache_dir) if cache_dir is not None else None)
    return Matcher(index.knowledge, cutoff=cutoff, index=index)


def lookup(
    text: str | Iterable[str],
    knowledge: Knowledge | None = None,
    *,
    threshold: float | None = None,
    cache_dir: str | Path | None = None,
) -> LookupResult:
    """Look up symptoms typed as one string ("headache, dizziness") or given as a list of
    items (["headache", "dizziness"]).

    `knowledge` defaults to the shipped table; `threshold` (0-100) is the fuzzy cutoff;
    `cache_dir` keeps the compiled table there (see `load_matcher`). For many lookups build
    one `Reader(load_matcher())` and call `lookup_text`.
    """
    if knowledge is None:
        matcher = load_matcher(threshold=threshold, cache_dir=cache_dir)
    else:
        matcher = Matcher(knowledge, cutoff=checked_threshold(threshold))
    if isinstance(text, str):
        return lookup_text(text, matcher)
    return lookup_items(list(text), matcher)


def _site_key(name: str) -> str:
    # "Lymph-Nodes", "lymph_nodes" and "lymph nodes" all become "lymph node"
    return " ".join(stem(word) for word in words(clean_text(name.replace("_", " "))))


def find_site(knowledge: Knowledge, name: str) -> Site:
    """The site a person means by `name`: its id or name, any case or separator, a unique
    beginning ("lymph"), or a small typo ("lymf nodes"). Raises `UnknownSiteError`."""
    from rapidfuzz import fuzz

    wanted = _site_key(name)
    keys = [(site, key) for site in knowledge.sites for key in {_site_key(site.id), _site_key(site.name)}]
    for matches in (
        [site for site, key in keys if key == wanted],
        [site for site, key in keys if len(wanted) >= 3 and key.startswith(wanted)],
    ):
        if len({site.id for site in matches}) == 1:
            return matches[0]
    scored = sorted(((fuzz.ratio(wanted, key), site.id) for site, key in keys), reverse=True)
    if wanted and scored and scored[0][0] >= SITE_NAME_CUTOFF:
        best = [site_id for score, site_id in scored if score == scored[0][0]]
        if len(set(best)) == 1:
            return knowledge.site(best[0])
    raise UnknownSiteError(name, tuple(site.id for site in knowledge.sites))
