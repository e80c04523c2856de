"""The lookup pipeline as the Python API sees it: splitting, matching methods, ranking."""

from __future__ import annotations

from mbc_lookup.api import lookup, lookup_text
from mbc_lookup.matching import Matcher
from mbc_lookup.model import Knowledge
from mbc_lookup.reading import Reader
from mbc_lookup.render_json import dumps, result_to_dict
from mbc_lookup.text import split_parts


def test_items_split_on_commas_semicolons_and_newlines() -> None:
    text = " headache ,dizziness;\n\nnausea ;; "
    assert [text[p.start : p.end] for p in split_parts(text)] == ["headache", "dizziness", "nausea"]


def test_duplicate_items_are_reported_once(knowledge: Knowledge) -> None:
    result = lookup("Headache, headache, HEADACHE ", knowledge)
    assert [i.text for i in result.inputs] == ["Headache"]
    assert result.sites[0].score == 1.0


def test_exact_phrase_and_fuzzy_methods(reader: Reader) -> None:
    assert reader.read_item("headache").matches[0].method == "exact"
    phrase = reader.read_item("pounding head since this morning and dizzy spells")
    assert {m.symptom.id for m in phrase.matches} == {"brain.headache", "brain.dizziness"}
    assert {m.method for m in phrase.matches} == {"phrase"}
    fuzzy = reader.read_item("weezing")
    assert fuzzy.matches[0].symptom.id == "lungs.wheezing"
    assert fuzzy.matches[0].method == "fuzzy"
    assert 75 <= fuzzy.matches[0].score < 100


def test_a_known_phrase_beats_a_fuzzy_lookalike(reader: Reader) -> None:
    # "earache" is one letter-edit family away from "headache" but means something else.
    for complaint in ("earache", "toothache", "heartache"):
        item = reader.read_item(complaint)
        assert item.matches == (), complaint
        assert item.unrelated is not None


def test_short_words_are_never_fuzzy_matched(reader: Reader) -> None:
    for word in ("a", "no", "ear", "pai", "x"):
        assert reader.read_item(word).matches == (), word


def test_list_ranks_the_site_most_items_point_to_first(knowledge: Knowledge) -> None:
    result = lookup("cough, wheezing, short of breath, headache", knowledge)
    assert [s.site.id for s in result.sites] == ["lungs", "brain"]
    assert result.sites[0].score == 3.0
    assert result.sites[0].inputs == ("cough", "wheezing", "short of breath")


def test_ties_are_broken_by_table_order_deterministically(knowledge: Knowledge) -> None:
    result = lookup("itching, headache", knowledge)
    assert [s.site.id for s in result.sites] == ["brain", "liver"]


def test_same_input_gives_byte_identical_json(knowledge: Knowledge) -> None:
    text = "headache, dizzyness, yellow eyes, no cough, xyzzy"
    first = dumps(result_to_dict(lookup(text, knowledge), knowledge))
    second = dumps(result_to_dict(lookup_text(text, Matcher(knowledge)), knowledge))
    assert first == second


def test_unmatched_items_are_kept_with_suggestions(knowledge: Knowledge) -> None:
    result = lookup("headach, blury vison, qwertyuiop", knowledge)
    assert [i.text for i in result.inputs] == ["headach", "blury vison", "qwertyuiop"]
    unmatched = result.inputs[2]
    assert unmatched.matches == ()
    assert len(unmatched.suggestions) <= 3


def test_urgent_symptoms_carry_advice_and_source(knowledge: Knowledge) -> None:
    result = lookup("had a fit, coughing up blood, headache", knowledge)
    assert [f.id for f in result.urgent] == ["brain.seizures", "lungs.cough_blood"]
    for finding in result.urgent:
        assert finding.advice and finding.source is not None


def test_negated_urgent_symptom_is_not_flagged(knowledge: Knowledge) -> None:
    result = lookup("no seizures", knowledge)
    assert result.urgent == ()
    assert result.sites == ()
    assert result.inputs[0].negated
