"""Triage: how urgently the person should get care, from what they typed.

Four levels, lowest first: none, routine, urgent, emergency. The rules live in the knowledge
table's `triage` section, each with its source (UKONS, NICE, NHS and cancer-charity guidance).
A rule holds when each of its groups holds through a different symptom (or the text's
temperature or treatment context), counting only mentions meant as present. The lookup's level
is the highest level of the rules that hold; every rule that holds is a reason, with the
modifiers that decided it. Nothing here invents a threshold: the numbers are the table's.
"""

from collections.abc import Iterable
from typing import NamedTuple

from .model import (
    TRIAGE_LEVELS,
    InputResult,
    Knowledge,
    Match,
    Modifier,
    Source,
    Symptom,
    Triage,
    TriageCondition,
    TriageLevel,
    TriageReason,
    TriageRule,
    TriageTable,
    UrgentFinding,
)


class _Evidence(NamedTuple):
    text: str | None  # the part it rests on, if a mention
    symptom: Symptom | None
    modifiers: tuple[str, ...]  # "category:value" that decided it


class _Mention(NamedTuple):
    item: InputResult
    match: Match
    around: frozenset[str]  # every modifier in the mention's part
    own: frozenset[str]  # the modifiers given to the mention itself


class TriageIndex(NamedTuple):
    """A table's rules, indexed by what can start them (`index_rules`), built once for many
    lookups. A rule's first group can only hold through a mention of one of its symptoms (or,
    when it asks for modifiers, a mention with one of them in its part), a temperature, or a
    modifier it names in `text_has`; so a rule is tried only when the text has one of those
    keys: a symptom id, a modifier's "category:value", or TEMPERATURE."""

    table: TriageTable
    actions: dict[str, str]  # level -> what to do
    always: tuple[int, ...]  # positions of the rules tried on every text
    by_key: dict[str, tuple[int, ...]]  # key -> positions of the rules it may start

    def candidates(self, keys: Iterable[str]) -> list[TriageRule]:
        """The rules that may hold for a text with these keys, in the table's order."""
        found = set(self.always)
        for key in keys:
            found.update(self.by_key.get(key, ()))
        return [self.table.rules[n] for n in sorted(found)]


TEMPERATURE = "temperature"  # the key of any temperature in the text


def index_rules(table: TriageTable) -> TriageIndex:
    always: list[int] = []
    by_key: dict[str, list[int]] = {}
    for n, rule in enumerate(table.rules):
        keys = _starting_keys(rule.all_of[0]) if rule.all_of else None
        if keys is None:
            always.append(n)
            continue
        for key in keys:
            by_key.setdefault(key, []).append(n)
    return TriageIndex(
        table=table,
        actions={action.level: action.action for action in table.actions},
        always=tuple(always),
        by_key={key: tuple(rules) for key, rules in by_key.items()},
    )


def _starting_keys(group: TriageCondition) -> set[str] | None:
    """Keys one of which a text must have for `group` to hold (see `_holds`); None when any
    text might do."""
    if group.with_any:
        keys = set(group.with_any)  # a mention with one of them in its part
    elif group.with_all:
        keys = {group.with_all[0]}  # ... with all of them, so with the first
    elif "*" in group.symptoms:
        return None  # a mention of any symptom
    else:
        keys = set(group.symptoms)
    keys.update(group.text_has)
    if group.temperature_at_least is not None or group.temperature_below is not None:
        keys.add(TEMPERATURE)
    return keys


def assess(
    inputs: tuple[InputResult, ...],
    modifiers: tuple[Modifier, ...],
    knowledge: Knowledge,
    index: TriageIndex | None = None,
) -> Triage:
    """The triage of one lookup. Pass the table's `TriageIndex` when making many."""
    if index is None or index.table is not knowledge.triage:
        index = index_rules(knowledge.triage)
    mentions = [
        _Mention(
            item,
            match,
            _names(m for m in modifiers if item.start <= m.start < item.end),
            _names(match.modifiers),
        )
        for item in inputs
        for match in item.matches
        if match.reported
    ]
    # Each modifier's name, with the part of the text it was found in (a reason resting on the
    # text, "calcium 3.1", still names the words it rests on).
    everywhere: dict[str, str] = {}
    for modifier in modifiers:
        part = next((item.text for item in inputs if item.start <= modifier.start < item.end), "")
        everywhere.setdefault(f"{modifier.category}:{modifier.value}", part)
    # A temperature stands for a fever, unless it qualifies a fever that is not there now ("had
    # a temperature of 38.6 with flu last week, gone now").
    past = {
        (m.start, m.end)
        for item in inputs
        for match in item.matches
        if not match.reported
        for m in match.modifiers
        if m.category == "temperature"
    }
    temperatures = [
        float(m.value[:-1]) for m in modifiers if m.category == "temperature" and (m.start, m.end) not in past
    ]
    reasons: list[TriageReason] = []
    keys = {mention.match.symptom.id for mention in mentions} | everywhere.keys()
    if temperatures:
        keys.add(TEMPERATURE)
    for rule in index.candidates(keys):
        normal = rule.normal_temperatures
        if normal is not None and temperatures and all(normal[0] <= t < normal[1] for t in temperatures):
            continue  # the text gives a temperature, and it is a normal one
        used: set[str] = set()
        evidence: list[_Evidence] = []
        for group in rule.all_of:
            found = _holds(group, mentions, everywhere, temperatures, used)
            if found is None:
                break
            evidence.append(found)
        else:
            reasons.append(
                TriageReason(
                    rule=rule,
                    inputs=tuple(dict.fromkeys(e.text for e in evidence if e.text is not None)),
                    symptoms=tuple(dict.fromkeys(e.symptom for e in evidence if e.symptom is not None)),
                    modifiers=tuple(dict.fromkeys(name for e in evidence for name in e.modifiers)),
                    source=_source(knowledge, rule.source),
                )
            )
    reasons.sort(key=lambda reason: -TRIAGE_LEVELS.index(reason.rule.level))
    level: TriageLevel = reasons[0].rule.level if reasons else "none"
    return Triage(level=level, action=index.actions.get(level, ""), reasons=tuple(reasons))


def urgent_findings(triage: Triage) -> tuple[UrgentFinding, ...]:
    """The reasons at emergency or urgent level, as the lookup's `urgent` list: a rule about
    one symptom is reported as that symptom, a rule of several groups as a pattern."""
    findings: list[UrgentFinding] = []
    seen: set[str] = set()
    for reason in triage.reasons:
        if reason.rule.level not in ("urgent", "emergency"):
            continue
        single = len(reason.rule.all_of) == 1 and len(reason.symptoms) == 1
        finding_id = reason.symptoms[0].id if single else reason.rule.id
        if finding_id in seen:
            continue
        seen.add(finding_id)
        findings.append(
            UrgentFinding(
                kind="symptom" if single else "pattern",
                id=finding_id,
                name=reason.symptoms[0].name if single else reason.rule.name,
                inputs=reason.inputs,
                symptoms=reason.symptoms,
                advice=reason.rule.advice,
                source=reason.source,
            )
        )
    return tuple(findings)


def _holds(
    group: TriageCondition,
    mentions: list[_Mention],
    everywhere: dict[str, str],
    temperatures: list[float],
    used: set[str],
) -> _Evidence | None:
    """How the group holds (a mention first, then a temperature, then the text), or None."""
    # The group's tuples are a few items each: looked into as they are, not made into sets
    # (batch tries every rule on every line).
    wanted, with_any, with_all = group.symptoms, group.with_any, group.with_all
    anything = "*" in wanted
    for mention in mentions:
        symptom_id = mention.match.symptom.id
        if symptom_id in used or not (anything or symptom_id in wanted):
            continue
        if anything and not mention.match.present:
            continue  # "any symptom associated with spread": not one put down to another cause
        around = mention.around
        if with_any and not any(name in around for name in with_any):
            continue
        if with_all and not all(name in around for name in with_all):
            continue
        if group.without and any(name in mention.own for name in group.without):
            continue
        used.add(symptom_id)
        decided = sorted({*with_any, *with_all} & around)
        decided += _temperature_named(group, temperatures)  # "fever 38.6": the number decided too
        return _Evidence(mention.item.text, mention.match.symptom, tuple(decided))
    if not temperatures and not group.text_has:
        return None
    named = _temperature_named(group, temperatures) or sorted(everywhere.keys() & set(group.text_has))
    if named:
        return _Evidence(everywhere.get(named[0]) or None, None, tuple(named))
    return None


def _temperature_named(group: TriageCondition, temperatures: list[float]) -> list[str]:
    """The temperature that meets the group's threshold, as "temperature:38.6C", if any."""
    high, low = group.temperature_at_least, group.temperature_below
    if high is not None and temperatures and max(temperatures) >= high:
        return [f"temperature:{max(temperatures):.1f}C"]
    if low is not None and temperatures and min(temperatures) < low:
        return [f"temperature:{min(temperatures):.1f}C"]
    return []


def _names(modifiers: Iterable[Modifier]) -> frozenset[str]:
    return frozenset(f"{m.category}:{m.value}" for m in modifiers)


def _source(knowledge: Knowledge, source_id: str) -> Source | None:
    try:
        return knowledge.source(source_id)
    except KeyError:
        return None
