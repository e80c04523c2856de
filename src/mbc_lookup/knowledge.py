"""Reading and checking the knowledge table (`data/symptoms.yaml`).

The file is parsed with PyYAML's safe loader (the C one when available) and every problem is
collected with its line number, so `mbc validate` can report them all at once; `load_knowledge`
raises `KnowledgeError` carrying that list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from .model import (
    Codes,
    ContextRule,
    DiagnosticTest,
    Knowledge,
    Language,
    LocationRule,
    ModifierRule,
    Reading,
    SenseRule,
    Site,
    SiteLink,
    Source,
    Symptom,
    Treatment,
    TriageAction,
    TriageCondition,
    TriageRule,
    TriageTable,
    UrgentPattern,
)
from .table_file import KnowledgeError, Problem, TableFile, default_path, read_table_file
from .text import UNSAFE_FOR_TERMINAL, Normalizer, visible

__all__ = [
    "KnowledgeError",
    "Problem",
    "default_path",
    "load_knowledge",
    "parse_knowledge",
    "parse_table_file",
]
HPO_ID = re.compile(r"HP:\d{7}")
SNOMED_ID = re.compile(r"\d{6,18}")
UMLS_ID = re.compile(r"C\d{7}")
SYMPTOM_ID = re.compile(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*")
PLAIN_ID = re.compile(r"[a-z][a-z0-9_-]*")


# --- YAML with line numbers, no duplicate keys and no aliases ------------------------------

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Map(dict[Any, Any]):
    line: int
    key_lines: dict[Any, int]


class _Seq(list[Any]):
    line: int
    item_lines: list[int]


class _Refused(Exception):
    """A node the loader will not build: an alias, nesting too deep, a value Python refuses."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        self.line = node.start_mark.line + 1
        self.message = message


MAX_DEPTH = 50  # the shipped table nests 6 deep; far deeper would exhaust Python's stack


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that keeps line numbers and reports duplicate keys instead of dropping them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []
        self.depth = 0

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A node seen twice is an alias: refuse it, which also defuses "billion laughs" files.
        if node in self.constructed_objects:
            raise _Refused(node, "anchors and aliases are not allowed")
        if self.depth >= MAX_DEPTH:
            raise _Refused(node, f"nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        try:
            return super().construct_object(node, deep)
        except ValueError as error:  # 5,000 digits (int() refuses), a 13th month, ...
            reason = "a number with too many digits" if "digits" in str(error) else str(error)
            raise _Refused(node, f"not valid YAML: {reason}") from None
        finally:
            self.depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Map:
        result = _Map()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool) and key is not None:
                self.duplicate_keys.append((line, "a mapping key must be plain text"))
                continue
            if key in result:
                self.duplicate_keys.append((line, f"duplicate key {key!r}"))
                continue
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = line
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> _Seq:
        result = _Seq(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_Loader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: loader.construct_mapping(node),
)
_Loader.add_constructor(
    "tag:yaml.org,2002:seq",
    lambda loader, node: loader.construct_sequence(node),
)


def _parse(path: str, text: str) -> tuple[Any, list[Problem]]:
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except _Refused as refused:
        return None, [Problem(path, refused.line, refused.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        line = mark.line + 1 if mark is not None else None
        reason = error.problem or "not valid YAML"
        return None, [Problem(path, line, f"not valid YAML: {reason}")]
    except yaml.YAMLError as error:
        return None, [Problem(path, None, f"not valid YAML: {error}")]
    finally:
        loader.dispose()
    problems = [Problem(path, line, message) for line, message in loader.duplicate_keys]
    return data, problems


def _control_characters(path: str, data: Any) -> list[Problem]:
    """Every key or text holding a control or direction-changing character (ESC, BEL, U+202E,
    ...): a table is plain text, and its words are printed on terminals."""
    unsafe = re.compile(UNSAFE_FOR_TERMINAL)
    problems: list[Problem] = []

    def walk(value: Any, line: int) -> None:
        if isinstance(value, str):
            if unsafe.search(value):
                shown = visible(value if len(value) <= 60 else value[:60] + "...")
                problems.append(Problem(path, line, f"{shown!r} holds a control character; write plain text"))
        elif isinstance(value, _Map):
            for key, item in value.items():
                walk(key, value.key_lines.get(key, value.line))
                walk(item, value.key_lines.get(key, value.line))
        elif isinstance(value, _Seq):
            for item, item_line in zip(value, value.item_lines, strict=True):
                walk(item, item_line)

    walk(data, 1)
    return problems


# --- checking the structure ----------------------------------------------------------------


class _Checker:
    """Reads typed fields out of the parsed YAML, recording every problem it meets."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.seen: dict[str, dict[str, int]] = {}
        # Lines of things checked after the tables are built (references, phrase clashes).
        self.lines: dict[tuple[str, ...], int] = {}

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def mapping(
        self, value: Any, where: str, line: int | None, keys: set[str], required: set[str]
    ) -> _Map | None:
        if not isinstance(value, _Map):
            self.add(line, f"{where} must be a mapping")
            return None
        for key in value:
            if key not in keys:
                self.add(value.key_lines.get(key, value.line), f"{where}: unknown key {key!r}")
        for key in sorted(required - set(value)):
            self.add(value.line, f"{where}: missing field {key!r}")
        return value

    def line_of(self, mapping: _Map, key: str) -> int:
        return mapping.key_lines.get(key, mapping.line)

    def text(self, mapping: _Map, key: str, where: str, nullable: bool = False) -> str | None:
        if key not in mapping:
            return None  # already reported as missing, or optional
        value = mapping[key]
        if value is None and nullable:
            return None
        if not isinstance(value, str) or not value.strip():
            kind = "text or null" if nullable else "non-empty text"
            self.add(self.line_of(mapping, key), f"{where}.{key} must be {kind}")
            return None
        return value.strip()

    def flag(self, mapping: _Map, key: str, where: str) -> bool:
        value = mapping.get(key)
        if not isinstance(value, bool):
            if key in mapping:
                self.add(self.line_of(mapping, key), f"{where}.{key} must be true or false")
            return False
        return value

    def items(self, mapping: _Map, key: str, where: str) -> Iterator[tuple[int, Any, int]]:
        """(index, item, line) for each element of a list field."""
        if key not in mapping:
            return
        value = mapping[key]
        if not isinstance(value, _Seq):
            self.add(self.line_of(mapping, key), f"{where}.{key} must be a list")
            return
        if not value:
            self.add(self.line_of(mapping, key), f"{where}.{key} must not be empty")
        for index, item in enumerate(value):
            yield index, item, value.item_lines[index]

    def texts(self, mapping: _Map, key: str, where: str) -> tuple[str, ...]:
        result: list[str] = []
        for index, item, line in self.items(mapping, key, where):
            if isinstance(item, str) and item.strip():
                result.append(item.strip())
            else:
                self.add(line, f"{where}.{key}[{index}] must be non-empty text, not {item!r}")
        return tuple(result)

    def unique(self, kind: str, value: str, line: int) -> None:
        seen = self.seen.setdefault(kind, {})
        if value in seen:
            self.add(line, f"duplicate {kind} {value!r} (first defined on line {seen[value]})")
        else:
            seen[value] = line


def _read_language(check: _Checker, top: _Map) -> Language:
    where = "language"
    keys = {"ignore_words", "negation_answers", "conjunctions", "synonyms"}
    lang = check.mapping(top.get(where), where, check.line_of(top, where), keys, keys)
    if lang is None:
        return Language((), (), (), ())
    groups: list[tuple[str, tuple[str, ...]]] = []
    synonyms = lang.get("synonyms")
    if not isinstance(synonyms, _Map):
        check.add(check.line_of(lang, "synonyms"), "language.synonyms must be a mapping")
    else:
        for canonical in synonyms:
            if not isinstance(canonical, str):
                check.add(synonyms.key_lines.get(canonical), "synonym groups need text names")
                continue
            groups.append((canonical, check.texts(synonyms, canonical, "language.synonyms")))
    return Language(
        ignore_words=check.texts(lang, "ignore_words", where),
        negation_answers=check.texts(lang, "negation_answers", where),
        conjunctions=check.texts(lang, "conjunctions", where),
        synonyms=tuple(groups),
    )


def _read_codes(check: _Checker, value: Any, where: str, line: int) -> Codes | None:
    keys = {"hpo", "hpo_label", "snomed", "umls"}
    codes = check.mapping(value, where, line, keys, keys)
    if codes is None:
        return None
    hpo = check.text(codes, "hpo", where)
    label = check.text(codes, "hpo_label", where)
    snomed = check.text(codes, "snomed", where, nullable=True)
    umls = check.text(codes, "umls", where, nullable=True)
    for value_, pattern, key, shape in (
        (hpo, HPO_ID, "hpo", "HP:0000000"),
        (snomed, SNOMED_ID, "snomed", "digits only"),
        (umls, UMLS_ID, "umls", "C0000000"),
    ):
        if value_ is not None and not pattern.fullmatch(value_):
            check.add(check.line_of(codes, key), f"{where}.{key} {value_!r} must look like {shape}")
    if hpo is None or label is None:
        return None
    return Codes(hpo=hpo, hpo_label=label, snomed=snomed, umls=umls)


def _remember_phrases(check: _Checker, item: _Map, key: str, owner: str, where: str) -> None:
    """Record each phrase's line, and report a phrase written twice in one list."""
    value = item.get(key)
    if not isinstance(value, _Seq):
        return
    seen: dict[str, int] = {}
    for phrase, line in zip(value, value.item_lines, strict=True):
        if not isinstance(phrase, str):
            continue
        folded = " ".join(phrase.casefold().split())
        if folded in seen:
            check.add(line, f"{where}: duplicate phrase {phrase!r} (first on line {seen[folded]})")
        seen.setdefault(folded, line)
        check.lines.setdefault(("phrase", owner, phrase.strip()), line)


def _read_symptom(check: _Checker, value: Any, site_id: str, line: int) -> Symptom | None:
    where = f"symptom in site {site_id!r}"
    keys = {"id", "name", "phrases", "urgent", "advice", "advice_source", "source", "codes", "also_sites"}
    required = {"id", "name", "phrases", "urgent", "source", "codes"}
    item = check.mapping(value, where, line, keys, required)
    if item is None:
        return None
    symptom_id = check.text(item, "id", where)
    if symptom_id is not None:
        where = f"symptom {symptom_id!r}"
        check.unique("symptom id", symptom_id, check.line_of(item, "id"))
        check.lines.setdefault(("symptom", symptom_id), check.line_of(item, "id"))
        for key in ("source", "advice_source"):
            check.lines[(key, symptom_id)] = check.line_of(item, key)
        if not SYMPTOM_ID.fullmatch(symptom_id) or not symptom_id.startswith(site_id + "."):
            check.add(check.line_of(item, "id"), f"{where}: the id must look like '{site_id}.name'")
    name = check.text(item, "name", where)
    phrases = check.texts(item, "phrases", where)
    if symptom_id is not None:
        if name is not None:
            check.lines[("phrase", symptom_id, name)] = check.line_of(item, "name")
        _remember_phrases(check, item, "phrases", symptom_id, where)
    urgent = check.flag(item, "urgent", where)
    advice = check.text(item, "advice", where, nullable=True)
    advice_source = check.text(item, "advice_source", where, nullable=True)
    source = check.text(item, "source", where)
    codes = _read_codes(check, item.get("codes"), f"{where}.codes", check.line_of(item, "codes"))
    links: list[SiteLink] = []
    for index, link_value, link_line in check.items(item, "also_sites", where):
        link_where = f"{where}.also_sites[{index}]"
        link = check.mapping(link_value, link_where, link_line, {"site", "source"}, {"site", "source"})
        if link is None:
            continue
        linked_site = check.text(link, "site", link_where)
        linked_source = check.text(link, "source", link_where)
        if linked_site == site_id:
            check.add(link_line, f"{link_where}: the symptom is already listed under {site_id!r}")
        elif linked_site and linked_source:
            links.append(SiteLink(linked_site, linked_source))
            if symptom_id is not None:
                check.lines[("link", symptom_id, linked_site)] = link_line
    if urgent and (advice is None or advice_source is None):
        check.add(item.line, f"{where}: an urgent symptom needs 'advice' and 'advice_source'")
    if symptom_id is None or name is None or source is None or codes is None:
        return None
    return Symptom(
        id=symptom_id,
        site=site_id,
        name=name,
        phrases=phrases,
        urgent=urgent,
        advice=advice,
        advice_source=advice_source,
        source=source,
        codes=codes,
        also_sites=tuple(links),
    )


def _read_site(check: _Checker, value: Any, line: int) -> Site | None:
    required = {"id", "name", "tests", "symptoms"}
    item = check.mapping(value, "site", line, required | {"description", "description_source"}, required)
    if item is None:
        return None
    site_id = check.text(item, "id", "site")
    if site_id is None:
        return None
    check.unique("site id", site_id, check.line_of(item, "id"))
    if not PLAIN_ID.fullmatch(site_id):
        check.add(check.line_of(item, "id"), f"site id {site_id!r} must be lower-case letters")
    where = f"site {site_id!r}"
    name = check.text(item, "name", where)
    about = check.text(item, "description", where)
    about_source = check.text(item, "description_source", where)
    if ("description" in item) != ("description_source" in item):
        check.add(item.line, f"{where}: 'description' and 'description_source' go together")
    check.lines[("description", site_id)] = check.line_of(item, "description_source")
    tests: list[DiagnosticTest] = []
    for index, test_value, test_line in check.items(item, "tests", where):
        test_keys = {"name", "description", "source"}
        test_where = f"{where}.tests[{index}]"
        test = check.mapping(test_value, test_where, test_line, test_keys, test_keys)
        if test is None:
            continue
        test_name = check.text(test, "name", test_where)
        description = check.text(test, "description", test_where)
        source = check.text(test, "source", test_where)
        if test_name and description and source:
            tests.append(DiagnosticTest(test_name, description, source))
            check.lines[("test", site_id, test_name)] = check.line_of(test, "source")
    symptoms = [
        symptom
        for _, symptom_value, symptom_line in check.items(item, "symptoms", where)
        if (symptom := _read_symptom(check, symptom_value, site_id, symptom_line)) is not None
    ]
    if name is None:
        return None
    return Site(
        id=site_id,
        name=name,
        tests=tuple(tests),
        symptoms=tuple(symptoms),
        description=about,
        description_source=about_source,
    )


def _read_pattern(check: _Checker, value: Any, index: int, line: int) -> UrgentPattern | None:
    where = f"urgent_patterns[{index}]"
    keys = {"id", "name", "all_of", "advice", "source"}
    item = check.mapping(value, where, line, keys, keys)
    if item is None:
        return None
    pattern_id = check.text(item, "id", where)
    if pattern_id is not None:
        where = f"pattern {pattern_id!r}"
        check.unique("pattern id", pattern_id, check.line_of(item, "id"))
        check.lines[("pattern", pattern_id)] = check.line_of(item, "all_of")
        check.lines[("source", pattern_id)] = check.line_of(item, "source")
        if not SYMPTOM_ID.fullmatch(pattern_id) or not pattern_id.startswith("pattern."):
            check.add(check.line_of(item, "id"), f"{where}: the id must look like 'pattern.name'")
    name = check.text(item, "name", where)
    advice = check.text(item, "advice", where)
    source = check.text(item, "source", where)
    groups: list[tuple[str, ...]] = []
    for group_index, group, group_line in check.items(item, "all_of", where):
        if not isinstance(group, _Seq) or not group or not all(isinstance(g, str) for g in group):
            check.add(group_line, f"{where}.all_of[{group_index}] must be a list of symptom ids")
            continue
        groups.append(tuple(group))
    if "all_of" in item and len(groups) < 2:
        check.add(check.line_of(item, "all_of"), f"{where}: all_of needs at least two groups of symptoms")
    if pattern_id is None or name is None or advice is None or source is None:
        return None
    return UrgentPattern(id=pattern_id, name=name, all_of=tuple(groups), advice=advice, source=source)


CONTEXT_CATEGORIES = (
    "negated", "historical", "hypothetical", "explained", "uncertain", "pseudo", "terminate", "anaphor",
    "recurrence",
)  # fmt: skip
DIRECTIONS = ("forward", "backward", "bidirectional", "previous_sentence", "none")
MODIFIER_CATEGORIES = (
    "onset", "severity", "course", "duration", "side", "location", "temperature", "treatment",
    "timing", "activity", "amount", "quality", "function", "general", "spread",
)  # fmt: skip


def _choice(check: _Checker, item: _Map, key: str, where: str, choices: tuple[str, ...]) -> str | None:
    value = check.text(item, key, where)
    if value is not None and value not in choices:
        check.add(check.line_of(item, key), f"{where}.{key} must be one of {', '.join(choices)}")
        return None
    return value


def _count(check: _Checker, item: _Map, key: str, where: str, default: int) -> int:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 50:
        check.add(check.line_of(item, key), f"{where}.{key} must be a whole number from 1 to 50")
        return default
    return value


def _sourced_rule(check: _Checker, item: _Map, where: str) -> str | None:
    source = check.text(item, "source", where)
    if source is not None:
        check.lines[("rule", where)] = check.line_of(item, "source")
    return source


def _read_reading(check: _Checker, top: _Map) -> Reading:
    """The rule tables of the reading pass: context, modifiers, senses, locations."""
    context: list[ContextRule] = []
    for index, value, line in check.items(top, "context", "table"):
        where = f"context[{index}]"
        keys = {"literal", "literals", "category", "direction", "max_words", "source"}
        keys |= {"needs_after", "needs_before", "unless"}
        item = check.mapping(value, where, line, keys, {"category", "source"})
        if item is None:
            continue
        # One literal, or several sharing everything else ("due to", "caused by", ...).
        if ("literal" in item) == ("literals" in item):
            check.add(item.line, f"{where}: give literal or literals")
        literals = check.texts(item, "literals", where) if "literals" in item else ()
        if "literal" in item:
            literal = check.text(item, "literal", where)
            literals = (literal,) if literal else ()
        category = _choice(check, item, "category", where, CONTEXT_CATEGORIES)
        direction = _choice(check, item, "direction", where, DIRECTIONS) if "direction" in item else "none"
        max_words = _count(check, item, "max_words", where, 6)
        needs_after, needs_before, unless = (
            check.texts(item, key, where) if key in item else ()
            for key in ("needs_after", "needs_before", "unless")
        )
        source = _sourced_rule(check, item, where)
        if category == "anaphor" and any(len(literal.split()) != 1 for literal in literals):
            check.add(item.line, f"{where}: an anaphor is one word (it stands for what came before)")
        if category and direction and source:
            for literal in literals:
                rule = ContextRule(
                    literal.casefold(),
                    category,
                    direction,
                    max_words,
                    source,
                    needs_after,
                    needs_before,
                    unless,
                )
                context.append(rule)
    modifiers: list[ModifierRule] = []
    for index, value, line in check.items(top, "modifiers", "table"):
        where = f"modifiers[{index}]"
        keys = {"category", "value", "literals", "pattern", "source"}
        item = check.mapping(value, where, line, keys, {"category", "value", "source"})
        if item is None:
            continue
        category = _choice(check, item, "category", where, MODIFIER_CATEGORIES)
        modifier_value = check.text(item, "value", where)
        literals = check.texts(item, "literals", where) if "literals" in item else ()
        pattern = check.text(item, "pattern", where) if "pattern" in item else None
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                check.add(check.line_of(item, "pattern"), f"{where}.pattern is not a valid pattern: {error}")
                pattern = None
        if not literals and pattern is None and ("literals" in item) == ("pattern" in item):
            check.add(item.line, f"{where}: give literals or a pattern")
        source = _sourced_rule(check, item, where)
        if category and modifier_value and source and (literals or pattern):
            modifiers.append(ModifierRule(category, modifier_value, literals, pattern, source))
    senses: list[SenseRule] = []
    for index, value, line in check.items(top, "senses", "table"):
        where = f"senses[{index}]"
        keys = {"word", "not_near", "needs_near", "window", "otherwise_unrelated", "source"}
        item = check.mapping(value, where, line, keys, {"word", "source"})
        if item is None:
            continue
        word = check.text(item, "word", where)
        not_near = check.texts(item, "not_near", where) if "not_near" in item else ()
        needs_near = check.texts(item, "needs_near", where) if "needs_near" in item else ()
        if not not_near and not needs_near:
            check.add(item.line, f"{where}: give not_near, needs_near or both")
        window = _count(check, item, "window", where, 2)
        unrelated = check.flag(item, "otherwise_unrelated", where)
        source = _sourced_rule(check, item, where)
        if word and source:
            senses.append(SenseRule(word.casefold(), not_near, needs_near, window, source, unrelated))
    locations: list[LocationRule] = []
    for index, value, line in check.items(top, "locations", "table"):
        where = f"locations[{index}]"
        keys = {"symptoms", "locations", "site", "source"}
        item = check.mapping(value, where, line, keys, keys)
        if item is None:
            continue
        symptoms = check.texts(item, "symptoms", where)
        places = check.texts(item, "locations", where)
        site = check.text(item, "site", where)
        source = _sourced_rule(check, item, where)
        check.lines[("location", where)] = item.line
        if symptoms and places and site and source:
            locations.append(LocationRule(symptoms, places, site, source))
    return Reading(tuple(context), tuple(modifiers), tuple(senses), tuple(locations))


TRIAGE_LEVELS = ("none", "routine", "urgent", "emergency")
TRIAGE_RULE_ID = re.compile(r"(triage|pattern)\.[a-z][a-z0-9_]*")


def _temperature(check: _Checker, item: _Map, key: str, where: str) -> float | None:
    if key not in item:
        return None
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not 34.0 <= value <= 43.0:
        check.add(check.line_of(item, key), f"{where}.{key} must be a temperature in Celsius (34-43)")
        return None
    return float(value)


def _temperature_range(check: _Checker, item: _Map, key: str, where: str) -> tuple[float, float] | None:
    if key not in item:
        return None
    value = item[key]
    numbers = (
        [v for v in value if not isinstance(v, bool) and isinstance(v, int | float)]
        if isinstance(value, list)
        else []
    )
    if len(numbers) != 2 or len(value) != 2 or not 34.0 <= numbers[0] < numbers[1] <= 43.0:
        check.add(check.line_of(item, key), f"{where}.{key} must be [low, high] in Celsius (34-43)")
        return None
    return float(numbers[0]), float(numbers[1])


def _read_condition(check: _Checker, value: Any, where: str, line: int) -> TriageCondition | None:
    keys = {
        "symptoms",
        "with_any",
        "with_all",
        "without",
        "temperature_at_least",
        "temperature_below",
        "text_has",
    }
    item = check.mapping(value, where, line, keys, set())
    if item is None:
        return None
    lists = {
        key: check.texts(item, key, where) if key in item else ()
        for key in keys - {"temperature_at_least", "temperature_below"}
    }
    temperature = _temperature(check, item, "temperature_at_least", where)
    low = _temperature(check, item, "temperature_below", where)
    if not lists["symptoms"] and temperature is None and low is None and not lists["text_has"]:
        check.add(item.line, f"{where}: give symptoms, a temperature or text_has")
    for key in ("with_any", "with_all", "without", "text_has"):
        check.lines[("modifiers", where, key)] = check.line_of(item, key)
    check.lines[("symptoms", where)] = check.line_of(item, "symptoms")
    return TriageCondition(
        symptoms=lists["symptoms"],
        with_any=lists["with_any"],
        with_all=lists["with_all"],
        without=lists["without"],
        temperature_at_least=temperature,
        text_has=lists["text_has"],
        temperature_below=low,
    )


def _read_triage(check: _Checker, top: _Map) -> TriageTable:
    """The triage section: what to do at each level, and the rules that set the level."""
    if "triage" not in top:
        return TriageTable()
    section = check.mapping(
        top["triage"], "triage", check.line_of(top, "triage"), {"actions", "rules"}, {"actions", "rules"}
    )
    if section is None:
        return TriageTable()
    actions: list[TriageAction] = []
    for index, value, line in check.items(section, "actions", "triage"):
        where = f"triage.actions[{index}]"
        item = check.mapping(value, where, line, {"level", "action", "source"}, {"level", "action", "source"})
        if item is None:
            continue
        level = _choice(check, item, "level", where, TRIAGE_LEVELS)
        action = check.text(item, "action", where)
        source = _sourced_rule(check, item, where)
        if level and action and source:
            actions.append(TriageAction(level, action, source))  # type: ignore[arg-type]
    missing = sorted(set(TRIAGE_LEVELS) - {action.level for action in actions})
    if missing and "actions" in section:
        check.add(check.line_of(section, "actions"), f"triage.actions: no action for {', '.join(missing)}")
    rules: list[TriageRule] = []
    for index, value, line in check.items(section, "rules", "triage"):
        where = f"triage.rules[{index}]"
        keys = {"id", "name", "level", "all_of", "advice", "source", "normal_temperatures"}
        item = check.mapping(value, where, line, keys, keys - {"normal_temperatures"})
        if item is None:
            continue
        rule_id = check.text(item, "id", where)
        if rule_id is not None:
            check.unique("triage rule id", rule_id, check.line_of(item, "id"))
            if not TRIAGE_RULE_ID.fullmatch(rule_id):
                check.add(check.line_of(item, "id"), f"{where}: the id must look like 'triage.name'")
        name = check.text(item, "name", where)
        level = _choice(check, item, "level", where, TRIAGE_LEVELS[1:])
        advice = check.text(item, "advice", where)
        source = _sourced_rule(check, item, where)
        normal = _temperature_range(check, item, "normal_temperatures", where)
        groups = tuple(
            condition
            for group_index, group, group_line in check.items(item, "all_of", where)
            if (condition := _read_condition(check, group, f"{where}.all_of[{group_index}]", group_line))
        )
        if rule_id and name and level and advice and source and groups:
            rules.append(TriageRule(rule_id, name, level, groups, advice, source, normal))  # type: ignore[arg-type]
    return TriageTable(tuple(actions), tuple(rules))


def _check_triage(check: _Checker, knowledge: Knowledge) -> None:
    """Every symptom and modifier a triage rule names must exist."""
    symptom_ids = {symptom.id for symptom in knowledge.symptoms} | {"*"}
    modifiers = {f"{rule.category}:{rule.value}" for rule in knowledge.reading.modifiers}
    for index, rule in enumerate(knowledge.triage.rules):
        for group_index, group in enumerate(rule.all_of):
            where = f"triage.rules[{index}].all_of[{group_index}]"
            for symptom_id in sorted(set(group.symptoms) - symptom_ids):
                check.add(
                    check.lines.get(("symptoms", where)), f"{where} names unknown symptom {symptom_id!r}"
                )
            for key in ("with_any", "with_all", "without", "text_has"):
                for name in sorted(set(getattr(group, key)) - modifiers):
                    line = check.lines.get(("modifiers", where, key))
                    check.add(
                        line, f"{where}.{key} names {name!r}, which no modifier gives (write category:value)"
                    )


def _read_sources(check: _Checker, top: _Map) -> tuple[Source, ...]:
    sources: list[Source] = []
    for index, value, line in check.items(top, "sources", "table"):
        keys = {"id", "publisher", "title", "url"}
        where = f"sources[{index}]"
        item = check.mapping(value, where, line, keys, keys)
        if item is None:
            continue
        source_id = check.text(item, "id", where)
        publisher = check.text(item, "publisher", where)
        title = check.text(item, "title", where)
        url = check.text(item, "url", where, nullable=True)
        if source_id:
            check.unique("source id", source_id, check.line_of(item, "id"))
        if url is not None and not url.startswith(("https://", "http://")):
            check.add(check.line_of(item, "url"), f"{where}.url must be a web address or null")
        if source_id and publisher and title:
            sources.append(Source(source_id, publisher, title, url))
    return tuple(sources)


def _read_treatments(check: _Checker, top: _Map) -> tuple[str, tuple[Treatment, ...]]:
    keys = {"summary", "options"}
    section = check.mapping(top.get("treatments"), "treatments", check.line_of(top, "treatments"), keys, keys)
    if section is None:
        return "", ()
    summary = check.text(section, "summary", "treatments") or ""
    treatments: list[Treatment] = []
    for index, value, line in check.items(section, "options", "treatments"):
        option_keys = {"id", "name", "description", "source"}
        where = f"treatments.options[{index}]"
        item = check.mapping(value, where, line, option_keys, option_keys)
        if item is None:
            continue
        fields = [check.text(item, key, where) for key in ("id", "name", "description", "source")]
        if fields[0]:
            check.unique("treatment id", fields[0], check.line_of(item, "id"))
        if all(fields):
            treatments.append(Treatment(*(field or "" for field in fields)))
            check.lines[("treatment", fields[0] or "")] = check.line_of(item, "source")
    return summary, tuple(treatments)


def _check_references(check: _Checker, knowledge: Knowledge) -> None:
    source_ids = {source.id for source in knowledge.sources}
    site_ids = {site.id for site in knowledge.sites}

    def known(source_id: str | None, what: str, where: tuple[str, ...]) -> None:
        if source_id is not None and source_id not in source_ids:
            check.add(check.lines.get(where), f"{what} names unknown source {source_id!r}")

    for treatment in knowledge.treatments:
        known(treatment.source, f"treatment {treatment.id!r}", ("treatment", treatment.id))
    for site in knowledge.sites:
        known(site.description_source, f"the description of site {site.id!r}", ("description", site.id))
        for test in site.tests:
            known(test.source, f"test {test.name!r} of site {site.id!r}", ("test", site.id, test.name))
        for symptom in site.symptoms:
            known(symptom.source, f"symptom {symptom.id!r}", ("source", symptom.id))
            for link in symptom.also_sites:
                where = ("link", symptom.id, link.site)
                known(link.source, f"the link of symptom {symptom.id!r} to {link.site!r}", where)
                if link.site not in site_ids:
                    message = f"symptom {symptom.id!r} names unknown site {link.site!r}"
                    check.add(check.lines.get(where), message)
            advice = ("advice_source", symptom.id)
            known(symptom.advice_source, f"the advice of symptom {symptom.id!r}", advice)
    symptom_ids = {symptom.id for symptom in knowledge.symptoms}
    reading = knowledge.reading
    rule_sources = [
        (kind, [rule.source for rule in rules])
        for kind, rules in (
            ("context", reading.context),
            ("modifiers", reading.modifiers),
            ("senses", reading.senses),
            ("locations", reading.locations),
        )
    ]
    rule_sources.append(("triage.actions", [action.source for action in knowledge.triage.actions]))
    rule_sources.append(("triage.rules", [rule.source for rule in knowledge.triage.rules]))
    for kind, sources in rule_sources:
        for index, rule_source in enumerate(sources):
            rule_where = f"{kind}[{index}]"
            known(rule_source, f"rule {rule_where}", ("rule", rule_where))
    location_values = {rule.value for rule in reading.modifiers if rule.category == "location"}
    for index, location in enumerate(reading.locations):
        place = f"locations[{index}]"
        line = check.lines.get(("location", place))
        if location.site not in site_ids:
            check.add(line, f"{place} names unknown site {location.site!r}")
        for symptom_id in sorted(set(location.symptoms) - symptom_ids):
            check.add(line, f"{place} names unknown symptom {symptom_id!r}")
        for value in sorted(set(location.locations) - location_values):
            check.add(line, f"{place} names location {value!r}, which no location modifier gives")
    for pattern in knowledge.urgent_patterns:
        known(pattern.source, f"pattern {pattern.id!r}", ("source", pattern.id))
        for symptom_id in sorted({s for group in pattern.all_of for s in group} - symptom_ids):
            pattern_line = check.lines.get(("pattern", pattern.id))
            check.add(pattern_line, f"pattern {pattern.id!r} names unknown symptom {symptom_id!r}")
    if not knowledge.sites:
        check.add(None, "the table has no sites")


def _check_phrases(check: _Checker, knowledge: Knowledge) -> None:
    """Every phrase must mean one symptom once normalised, and never an unrelated complaint."""
    normalizer = Normalizer(knowledge.language, knowledge.negation_words)
    owner: dict[frozenset[str], str] = {}
    for symptom in knowledge.symptoms:
        for phrase in (symptom.name, *symptom.phrases):
            line = check.lines.get(("phrase", symptom.id, phrase))
            key = normalizer.content_set(phrase)
            if not key - normalizer.negation_words:
                check.add(line, f"phrase {phrase!r} of {symptom.id!r} has no meaningful words")
                continue
            other = owner.setdefault(key, symptom.id)
            if other != symptom.id:
                check.add(line, f"phrase {phrase!r} of {symptom.id!r} is also a phrase of {other!r}")
    for phrase in knowledge.unrelated:
        key = normalizer.content_set(phrase)
        if key in owner:
            line = check.lines.get(("phrase", "", phrase))
            check.add(line, f"unrelated phrase {phrase!r} is also a phrase of {owner[key]!r}")


def parse_knowledge(text: str, path: str, sha256: str = "") -> Knowledge:
    """Build a checked `Knowledge` from the YAML text; raise `KnowledgeError` on any problem."""
    data, problems = _parse(path, text)
    if data is None and not problems:
        problems = [Problem(path, None, "the file is empty")]
    if problems and data is None:
        raise KnowledgeError(problems)
    check = _Checker(path)
    check.problems.extend(problems + _control_characters(path, data))
    required = {
        "format", "knowledge_version", "title", "disclaimer", "sources", "treatments",
        "language", "unrelated", "sites",
    }  # fmt: skip
    optional = {"urgent_patterns", "context", "modifiers", "senses", "locations", "triage"}
    top = check.mapping(data, "the table", 1, required | optional, required)
    if top is None:
        raise KnowledgeError(check.problems)
    if top.get("format") != 1:
        check.add(check.line_of(top, "format"), "format must be 1 (the only format this tool reads)")
    version = check.text(top, "knowledge_version", "table")
    title = check.text(top, "title", "table")
    disclaimer = check.text(top, "disclaimer", "table")
    sources = _read_sources(check, top)
    summary, treatments = _read_treatments(check, top)
    language = _read_language(check, top)
    reading = _read_reading(check, top)
    triage = _read_triage(check, top)
    unrelated = check.texts(top, "unrelated", "table")
    _remember_phrases(check, top, "unrelated", "", "unrelated")
    sites = tuple(
        site
        for _, value, line in check.items(top, "sites", "table")
        if (site := _read_site(check, value, line)) is not None
    )
    patterns = tuple(
        pattern
        for index, value, line in check.items(top, "urgent_patterns", "table")
        if (pattern := _read_pattern(check, value, index, line)) is not None
    )
    knowledge = Knowledge(
        path=path,
        sha256=sha256,
        knowledge_version=version or "",
        title=title or "",
        disclaimer=disclaimer or "",
        sources=sources,
        treatment_summary=summary,
        treatments=treatments,
        language=language,
        unrelated=unrelated,
        sites=sites,
        urgent_patterns=patterns,
        reading=reading,
        triage=triage,
    )
    _check_references(check, knowledge)
    _check_triage(check, knowledge)
    _check_phrases(check, knowledge)
    if check.problems:
        raise KnowledgeError(check.problems)
    return knowledge


def parse_table_file(table: TableFile) -> Knowledge:
    """Decode and check a table read by `read_table_file`; raise `KnowledgeError` on any problem."""
    try:
        text = table.raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = table.raw[: error.start].count(b"\n") + 1
        raise KnowledgeError([Problem(table.name, line, "not UTF-8 text")], table.sha256) from None
    if "\x00" in text:
        raise KnowledgeError([Problem(table.name, None, "contains NUL bytes; not a text file")], table.sha256)
    try:
        return parse_knowledge(text, table.name, table.sha256)
    except KnowledgeError as error:
        raise KnowledgeError(error.problems, table.sha256) from None


def load_knowledge(path: str | Path | None = None) -> Knowledge:
    """Load and check a knowledge table; the shipped one when `path` is None."""
    return parse_table_file(read_table_file(path))
