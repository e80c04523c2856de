"""Reading whole texts (issue 11): one test per failure the issue listed, each asserting what a
person would see: which sites are reported, what counts, what is kept about each mention."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from helpers import parse_document
from mbc_lookup.api import lookup, lookup_items, lookup_text
from mbc_lookup.context import RuleIndex
from mbc_lookup.matching import Matcher
from mbc_lookup.model import LookupResult, Match
from mbc_lookup.reading import Reader

Run = Callable[..., Result]
ROOT = Path(__file__).resolve().parents[1]


def sites(result: LookupResult) -> list[str]:
    return [site.site.id for site in result.sites]


def matches(result: LookupResult) -> list[Match]:
    return [match for item in result.inputs for match in item.matches]


def only(result: LookupResult, symptom_id: str) -> Match:
    found = [match for match in matches(result) if match.symptom.id == symptom_id]
    assert len(found) == 1, [m.symptom.id for m in matches(result)]
    return found[0]


def modifiers(match: Match) -> set[tuple[str, str]]:
    return {(modifier.category, modifier.value) for modifier in match.modifiers}


def json_lookup(mbc: Run, text: str) -> dict[str, Any]:
    result = mbc("symptoms", text, "--json")
    assert result.exit_code in (0, 1), result.output
    return parse_document(result.stdout)


def json_matches(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [match for item in document["inputs"] for match in item["matches"]]


# --- negation -----------------------------------------------------------------------------


def test_a_denied_headache_reports_no_site(reader: Reader) -> None:
    result = lookup_text("I don't have a headache", reader)
    assert sites(result) == []
    assert only(result, "brain.headache").context == "negated"


def test_a_denial_after_but_does_not_reach_back(mbc: Run) -> None:
    document = json_lookup(mbc, "headache but no fever")
    contexts = {match["symptom_id"]: match["context"] for match in json_matches(document)}
    assert contexts == {"brain.headache": "present", "liver.fever": "negated"}
    assert [site["site"] for site in document["sites"]] == ["brain"]


def test_never_noticed_is_not_a_denial(reader: Reader) -> None:
    result = lookup_text("I'd never noticed the lump on my neck", reader)
    assert sites(result) == ["lymph_nodes"]
    assert matches(result)[0].context == "present"


# --- everyday English is not a symptom ------------------------------------------------------


def test_clothes_that_fit_badly_are_not_a_seizure(mbc: Run) -> None:
    document = json_lookup(mbc, "my clothes fit badly")
    assert document["sites"] == []
    assert document["urgent"] == []


@pytest.mark.parametrize("text", ["numbers", "waiting", "numbers, waiting", "I keep mixing up numbers"])
def test_typo_repair_never_turns_english_words_into_symptoms(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert matches(result) == []
    assert sites(result) == []


def test_blood_from_a_nosebleed_is_no_site(reader: Reader) -> None:
    result = lookup_text("spots of blood on my pillow from a nosebleed", reader)
    assert sites(result) == []
    assert result.urgent == ()


@pytest.mark.parametrize(
    "text", ["my fingernails fractured", "the fingernails on my left hand have fractured"]
)
def test_fractured_fingernails_are_not_a_bone_fracture(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert "bone.fracture" not in [m.symptom.id for m in matches(result)]
    assert sites(result) == []


# --- descriptions spread over a sentence ----------------------------------------------------


def test_whites_of_the_eyes_named_apart_from_turned_yellow(reader: Reader) -> None:
    result = lookup_text("Then the whites of her eyes, the sclera, turned yellow", reader)
    assert sites(result) == ["liver"]


def test_a_lump_felt_at_the_collarbone(reader: Reader) -> None:
    result = lookup_text("brushing my hand over my collarbone, I felt a lump", reader)
    assert sites(result) == ["lymph_nodes"]


# --- counting -------------------------------------------------------------------------------


def test_two_symptoms_in_one_sentence_score_like_a_list(reader: Reader) -> None:
    sentence = lookup_text("I've had a headache all week and I keep feeling dizzy", reader)
    listed = lookup_text("headache, dizziness", reader)
    assert sites(sentence) == sites(listed) == ["brain"]
    assert sentence.sites[0].score == listed.sites[0].score == 2.0


def test_the_same_symptom_typed_twice_counts_once(reader: Reader) -> None:
    result = lookup_text("I have a headache. The headache is there every morning.", reader)
    assert len(matches(result)) == 2
    assert result.sites[0].score == 1.0
    assert lookup_items(["headache", "headaches"], reader).sites[0].score == 1.0


# --- body location decides the site ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "numbness in my leg",
        "numbness in both legs",
        "I've gone numb below the hip",
        "numbness in the saddle area",
    ],
)
def test_numbness_in_the_legs_or_saddle_ranks_bone_first(reader: Reader, text: str) -> None:
    assert sites(lookup_text(text, reader))[0] == "bone"


@pytest.mark.parametrize("text", ["weakness on one side of my face", "my arm is weak on one side"])
def test_one_sided_face_or_arm_weakness_ranks_brain_first(reader: Reader, text: str) -> None:
    assert sites(lookup_text(text, reader))[0] == "brain"


def test_pain_under_the_right_ribs_ranks_liver_first(mbc: Run) -> None:
    document = json_lookup(mbc, "I have pain under my right ribs")
    assert document["sites"][0]["site"] == "liver"
    assert json_matches(document)[0]["located_site"] == "liver"


# --- descriptions in everyday words -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "site"),
    [
        ("my left arm looks bigger than my right", "lymph_nodes"),
        ("urine dark like tea, pale stools", "liver"),
        ("my lung sac keeps filling up", "lungs"),
        ("I look five months pregnant", "liver"),
        ("I've lost my words", "brain"),
        ("can't put weight on my hip", "bone"),
    ],
)
def test_descriptions_point_to_their_site(reader: Reader, text: str, site: str) -> None:
    assert sites(lookup_text(text, reader))[0] == site


# --- modifiers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("a sudden headache", ("onset", "sudden")),
        ("a new headache", ("onset", "new")),
        ("a mild headache", ("severity", "mild")),
        ("a severe headache", ("severity", "severe")),
        ("the worst headache of my life", ("severity", "worst")),
        ("my headache is getting worse", ("course", "worsening")),
        ("my headache is getting better", ("course", "improving")),
        ("my headache is the same as usual", ("course", "stable")),
        ("I've had a headache for three weeks", ("duration", "weeks")),
    ],
)
def test_modifiers_are_kept_per_mention(reader: Reader, text: str, wanted: tuple[str, str]) -> None:
    assert wanted in modifiers(only(lookup_text(text, reader), "brain.headache"))


def test_side_and_location_are_kept(reader: Reader) -> None:
    match = only(lookup_text("numbness in my left leg", reader), "bone.numbness_weakness")
    assert {("side", "left"), ("location", "leg")} <= modifiers(match)


@pytest.mark.parametrize(
    ("text", "celsius"), [("I have a fever of 38.5", "38.5C"), ("my temperature is 101F", "38.3C")]
)
def test_temperatures_are_given_in_celsius(reader: Reader, text: str, celsius: str) -> None:
    assert ("temperature", celsius) in modifiers(only(lookup_text(text, reader), "liver.fever"))


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("I'm on chemo and I have a fever", "on"),
        ("I had chemo last week and now I have a fever", "recent"),
        ("I finished chemo 2 years ago and now I have a fever", "past"),
    ],
)
def test_treatment_is_kept_and_dates_the_treatment_only(reader: Reader, text: str, when: str) -> None:
    result = lookup_text(text, reader)
    fever = only(result, "liver.fever")
    assert ("treatment", when) in modifiers(fever)
    assert fever.context == "present"  # "two years ago" is when the chemo ended, not the fever
    assert sites(result) == ["liver"]


def test_modifiers_in_the_json(mbc: Run) -> None:
    text = "sudden severe headache, temperature 101F"
    document = json_lookup(mbc, text)
    found = {(m["category"], m["value"]) for match in json_matches(document) for m in match["modifiers"]}
    assert {("onset", "sudden"), ("severity", "severe"), ("temperature", "38.3C")} <= found
    for modifier in document["modifiers"]:
        assert text[modifier["span"]["start"] : modifier["span"]["end"]] == modifier["text"]


# --- past, feared and doubted mentions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("years ago I had a seizure", "historical"),
        ("before my surgery I had back pain", "historical"),
        ("the jaundice of the last seven weeks has now cleared", "historical"),
        ("I'm worried I might get headaches", "hypothetical"),
        ("what if I get headaches", "hypothetical"),
        ("is this a headache or a brain tumour?", "hypothetical"),
        ("maybe a headache", "uncertain"),
        ("I'm not sure if I have a headache", "uncertain"),
    ],
)
def test_past_feared_and_doubted_mentions_count_toward_no_site(
    reader: Reader, text: str, context: str
) -> None:
    result = lookup_text(text, reader)
    assert [match.context for match in matches(result)] == [context]
    assert matches(result)[0].cues  # the words that decided it are shown
    assert sites(result) == []
    assert result.urgent == ()


@pytest.mark.parametrize(
    "text",
    [
        "nausea due to the chemo",
        "terrible joint pain, all side effects of the tamoxifen",
        "side effects of letrozole: aching joints",
        "I get headaches from the steroids",
        "coughing from a cold",
        "severe nausea after my first chemotherapy",
        "my fatigue, pain etc. are all side effects of the treatment",  # "etc." ends no sentence
        "the cough is from my asthma",
        "I was talking nonsense after two glasses of wine",
        "I had a headache when I had the flu",
        "I had a headache from the vaccine",
    ],
)
def test_a_symptom_put_down_to_another_cause_counts_toward_no_site(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert [match.context for match in matches(result)] == ["explained"]
    assert matches(result)[0].cues
    assert sites(result) == []


@pytest.mark.parametrize(
    "text",
    [
        "the chemo made me sick",
        "hormone therapy can cause aching joints",
        "the steroids gave me a bloated tummy",
        "the doses were high, which made me feel nauseous",
        "extreme fatigue after my second round of chemo",  # the cause five words on
    ],
)
def test_a_cause_named_before_what_it_caused_explains_it(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert matches(result) and all(match.context == "explained" for match in matches(result))
    assert sites(result) == []


@pytest.mark.parametrize(
    "text",
    ["the cancer in my liver made me itch all over", "my dad says it gave him a headache"],
)
def test_a_verb_of_causing_without_a_named_other_cause_explains_nothing(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert matches(result) and all(match.context == "present" for match in matches(result))
    assert sites(result)


@pytest.mark.parametrize(
    "text",
    [
        "I woke up with a very sore back. I am guessing this was due to my gardening on saturday.",
        "I keep coughing. It's just a cold.",
        "cough, sore throat. Pretty sure it is the flu.",
        "headache, dizziness, its from a hangover",  # the earlier items of its own list
    ],
)
def test_a_sentence_that_puts_the_one_before_down_to_another_cause_explains_it(
    reader: Reader, text: str
) -> None:
    result = lookup_text(text, reader)
    assert matches(result) and all(match.context == "explained" for match in matches(result))
    assert sites(result) == []
    # the cue a person is shown is the sentence that gave the cause, as typed
    assert all(match.cues[0] in text for match in matches(result))


@pytest.mark.parametrize(
    ("text", "site"),
    [
        ("My back has hurt for months. I thought it was from the gym.", "bone"),  # a doubted cause
        ("Bad headaches for weeks. The GP said it was a virus.", "brain"),  # someone else's word
        ("I have a cough. It's not a cold.", "lungs"),
        ("The pain in my ribs is bad. It is from the cancer in my bones.", "bone"),
        ("I have a lump in my armpit. I keep coughing. It's just a cold.", "lymph_nodes"),  # not two back
    ],
)
def test_a_cause_named_in_the_next_sentence_explains_only_what_it_can(
    reader: Reader, text: str, site: str
) -> None:
    result = lookup_text(text, reader)
    assert site in sites(result)


def test_triage_still_weighs_a_symptom_the_next_sentence_explains(reader: Reader) -> None:
    result = lookup_text("I coughed up blood this morning. It's probably a chest infection.", reader)
    assert [match.context for match in matches(result)] == ["explained"]
    assert result.triage.level in ("urgent", "emergency")


@pytest.mark.parametrize(
    "text", ["a cough that didn't clear up", "the cough never went away", "my back pain has not settled"]
)
def test_a_resolution_that_is_denied_leaves_the_symptom_present(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert matches(result) and all(match.context == "present" for match in matches(result))


@pytest.mark.parametrize(
    ("text", "present"),
    [
        ("I can't remember things any more", True),
        ("she cant remember my name", True),
        ("I can't remember when I last had a cold", False),  # recalling, not memory loss
        ("I feel sick all the time", True),
        ("I sat by a very sick man on the bus", False),  # unwell, and not the writer
        ("I was sick with worry", False),
    ],
)
def test_a_symptom_word_in_its_everyday_sense_is_no_symptom(reader: Reader, text: str, present: bool) -> None:
    result = lookup_text(text, reader)
    assert bool(sites(result)) is present


def test_a_question_put_to_the_reader_is_no_report(reader: Reader) -> None:
    result = lookup_text("Ever feel lightheaded or dizzy? Have you ever had a headache like that?", reader)
    assert matches(result) and all(match.context == "hypothetical" for match in matches(result))
    # the worst one a person has ever had is theirs
    assert sites(lookup_text("the worst headache I have ever had", reader)) == ["brain"]


@pytest.mark.parametrize(
    "text",
    [
        "breathless all the time because I'm pregnant",
        "itchy all over from mosquito bites",
        "a night of drinks can leave you with a pounding headache",
        "numb fingertips after the last couple of doses",
    ],
)
def test_more_named_other_causes_explain(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert matches(result) and all(match.context == "explained" for match in matches(result))


def test_a_health_page_conditional_that_says_to_get_help_names_its_symptom(reader: Reader) -> None:
    advice = "If you experience a sudden increase in shortness of breath, seek medical help straight away."
    result = lookup_text(advice, reader)
    assert only(result, "lungs.breathing").context == "present"
    assert sites(result) == ["lungs"] and result.triage.level == "emergency"
    # A person's own "if" stays a hypothesis, even with a hotline in the sentence ...
    own = lookup_text("if i start coughing up blood should i ring the hotline", reader)
    assert [match.context for match in matches(own)] == ["hypothetical"] and sites(own) == []
    # ... and so does a conditional to "you" that does not go on to say to get help.
    guess = lookup_text("if your back hurts after a day in the garden, you probably overdid it", reader)
    assert sites(guess) == []


@pytest.mark.parametrize(
    "text",
    [
        "back pain due to the cancer in my spine",
        "pain from my hip down to my knee",
        "back pain from the bone mets",
    ],
)
def test_only_a_named_other_cause_explains_a_symptom(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert all(match.context == "present" for match in matches(result))
    assert sites(result) == ["bone"]


def test_triage_still_weighs_a_symptom_put_down_to_treatment(reader: Reader, mbc: Run) -> None:
    # A temperature "from the chemo" is the warning sign of neutropenic sepsis, whatever its cause.
    result = lookup_text("I have a fever from the chemo", reader)
    assert only(result, "liver.fever").context == "explained"
    assert result.triage.level == "urgent"
    # ... but only its danger rules: a side effect alone is no "symptom associated with spread"
    assert lookup_text("nausea due to the chemo", reader).triage.level == "none"
    table = mbc("symptoms", "nausea due to the chemo")
    assert "put down to another cause" in table.stdout


def test_not_counted_mentions_are_shown_with_their_context(mbc: Run) -> None:
    document = json_lookup(mbc, "years ago I had a seizure")
    (match,) = json_matches(document)
    assert (match["symptom_id"], match["context"], match["cues"]) == (
        "brain.seizures",
        "historical",
        ["years ago"],
    )
    assert document["sites"] == [] and document["urgent"] == []
    table = mbc("symptoms", "years ago I had a seizure")
    assert "seizure" in table.stdout and "years ago" in table.stdout  # shown, with its cue


def test_a_word_in_its_everyday_sense_is_no_symptom(reader: Reader) -> None:
    assert sites(lookup_text("the void she left is huge", reader)) == []
    assert sites(lookup_text("unable to void since this morning", reader)) == ["bone"]
    # words that are a symptom only in one sense, and an emergency in it
    for everyday in (
        "my hair is still wet from the shower",
        "I bought some potting soil",
        "I had a drink with friends",
        "it was not long before I had a runny nose, the tongue method",
        "a lovely memory of my mum",
        "shivering at the bus stop in the cold",
        "there was a power blackout last night",
        "the laptop is really sluggish",
        "I have irritable bowel syndrome",
        "stop wasting my time",
        "a thirst for knowledge",
    ):
        result = lookup_text(everyday, reader)
        assert sites(result) == [] and result.triage.level == "none", everyday
    assert lookup_text("I have wet myself twice today", reader).triage.level == "emergency"


def test_a_denial_reaches_every_item_of_a_list_of_alternatives(reader: Reader) -> None:
    result = lookup_text("I have no fever, vomiting, nausea, convulsions, or pain on this chemo", reader)
    assert sites(result) == [] and result.triage.level == "none"
    assert all(match.context == "negated" for match in matches(result))
    # without "or", a comma still ends the denial: "no cough, headache" reports a headache
    assert sites(lookup_text("no cough, headache", reader)) == ["brain"]


def test_a_carer_describing_someone_else_counts(reader: Reader) -> None:
    result = lookup_text("my dad suddenly doesn't know where he is", reader)
    assert only(result, "brain.confusion").context == "present"
    assert sites(result)[0] == "brain"


# --- hiccups --------------------------------------------------------------------------------------


def test_a_single_bout_of_hiccups_is_an_everyday_complaint(reader: Reader) -> None:
    result = lookup_text("hiccups", reader)
    assert sites(result) == []
    assert result.inputs[0].unrelated == "hiccups"


def test_hiccups_that_will_not_stop_point_to_the_liver(reader: Reader) -> None:
    assert sites(lookup_text("hiccups for two days that won't stop", reader)) == ["liver"]


# --- spans and the schema -----------------------------------------------------------------------

SPAN_TEXTS = [
    "I don't have a headache but my left leg has gone numb since yesterday",
    "Then the whites of her eyes, the sclera, turned yellow",
    "Headache, no fever; dizziness.\nMy mum can't stop being sick  and she is confused!",
    "brushing my hand over my collarbone, I felt a lump",
]


@pytest.mark.parametrize("text", SPAN_TEXTS)
def test_every_span_holds_the_mention_as_typed(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    normalizer = reader.matcher.normalizer
    assert matches(result)
    for item in result.inputs:
        assert text[item.start : item.end] == item.text
        for match in item.matches:
            typed = text[match.start : match.end]
            assert typed[0].isalnum() and typed[-1].isalnum()  # whole words, nothing around them
            # the words of the phrase it matched, and the span is no wider than they are
            keys = normalizer.content_keys(typed)
            assert set(keys) >= normalizer.content_set(match.matched)
            assert keys[0] in normalizer.content_set(match.matched)
            assert keys[-1] in normalizer.content_set(match.matched)
            for modifier in match.modifiers:
                assert text[modifier.start : modifier.end] == modifier.text


@pytest.mark.parametrize("text", SPAN_TEXTS)
def test_json_spans_and_schema(mbc: Run, text: str) -> None:
    document = json_lookup(mbc, text)  # validated against schema.json
    assert document["text"] == text
    for item in document["inputs"]:
        assert text[item["span"]["start"] : item["span"]["end"]] == item["text"]
        for match in item["matches"]:
            typed = text[match["span"]["start"] : match["span"]["end"]]
            assert typed == typed.strip() and typed


def test_a_mention_span_covers_the_phrase_words(reader: Reader) -> None:
    text = "Then the whites of her eyes, the sclera, turned yellow"
    match = only(lookup_text(text, reader), "liver.jaundice")
    assert text[match.start : match.end] == "whites of her eyes, the sclera, turned yellow"


# --- comma lists behave as before ----------------------------------------------------------------


def test_a_comma_list_is_read_item_by_item() -> None:
    result = lookup("headache, no fever, dizziness")
    assert [item.text for item in result.inputs] == ["headache", "no fever", "dizziness"]
    assert [item.negated for item in result.inputs] == [False, True, False]
    assert [(site.site.id, site.score) for site in result.sites] == [("brain", 2.0)]


def test_a_comma_list_on_the_command_line(mbc: Run) -> None:
    document = json_lookup(mbc, "headache, no fever, dizziness")
    assert [item["text"] for item in document["inputs"]] == ["headache", "no fever", "dizziness"]
    assert [(site["site"], site["score"]) for site in document["sites"]] == [("brain", 2.0)]


# --- the pattern gate ------------------------------------------------------------------------------


def test_skipping_patterns_on_parts_without_digits_or_pattern_words_changes_nothing(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Patterns are compiled and tried only on a part with a digit or a word they spell out;
    trying them on every part finds the same modifiers in every labelled sentence."""
    import yaml

    cases = yaml.safe_load((ROOT / "benchmarks" / "eval" / "sentences.yaml").read_text(encoding="utf-8"))
    texts = [case["text"] for case in cases["cases"]] + SPAN_TEXTS
    texts += ["temp 38.5", "fever for a few days", "had chemo on monday, now feverish", "101 F"]
    gated = [lookup_text(text, Reader(matcher)) for text in texts]
    monkeypatch.setattr(RuleIndex, "may_match_pattern", lambda *args: True)
    assert [lookup_text(text, Reader(matcher)) for text in texts] == gated
    assert any(m.category == "duration" for result in gated for m in result.modifiers)


@pytest.mark.parametrize(
    "text",
    [
        "I had a cough but it cleared up",  # "it" stands for the cough across "but"
        "had a headache last week but then it went away",
        "hip pain and a sore knee but both went away",
        "a bad cough for about a week last month, it cleared up on its own",  # far back
        "cough, cleared up now",  # a list item saying the item before it is gone
        "Felt dizzy on Monday and Tuesday. It went away after two days.",  # the next sentence
        "a lump under my arm that disappeared by the summer",
    ],
)
def test_a_symptom_said_to_be_gone_is_no_longer_counted(reader: Reader, text: str) -> None:
    result = lookup_text(text, reader)
    assert matches(result) and all(match.context == "historical" for match in matches(result))
    assert sites(result) == []


@pytest.mark.parametrize(
    ("text", "site"),
    [
        # A resolution reaches the nearest mention and those listed with it, no further.
        ("my headache is still bad and the nausea went away", "brain"),
        ("my headache cleared up but the cough is still bad", "lungs"),
        # "it" here is the cough; the wheeze named after "but" is another symptom, still there.
        ("I had a cough, it cleared up, but the wheezing has not", "lungs"),
        # A new sentence that names a symptom of its own speaks of that one only.
        ("My back aches every night. The rash went away.", "bone"),
        # An everyday complaint is a mention too: what went away is the bruise.
        ("theres a lump in my armpit, the bruise next to it went away", "lymph_nodes"),
    ],
)
def test_a_resolution_never_reaches_a_symptom_that_is_still_there(
    reader: Reader, text: str, site: str
) -> None:
    assert sites(lookup_text(text, reader)) == [site]


@pytest.mark.parametrize(
    ("text", "site"),
    [
        ("my back pain went away but came back last week", "bone"),
        ("the cough cleared up for a few days, now its back again", "lungs"),
        ("her headaches went away for a while and then started again", "brain"),
        # "its" is no link to a cause here ("it's the chemo"): it stands for the swelling.
        ("the swelling in my neck went away but its come back bigger", "lymph_nodes"),
    ],
)
def test_a_symptom_that_went_away_and_came_back_counts(reader: Reader, text: str, site: str) -> None:
    assert sites(lookup_text(text, reader)) == [site]


@pytest.mark.parametrize(
    "text",
    [
        "the headache went away and never came back",
        "my cough cleared up and the scan came back clear",
        "the dizziness went away, it hasn't come back since",
    ],
)
def test_a_return_that_is_denied_or_is_a_result_undoes_nothing(reader: Reader, text: str) -> None:
    assert sites(lookup_text(text, reader)) == []
