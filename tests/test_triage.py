"""Triage: each oncology emergency the guidance names, at each of its levels, end to end.

The cases are written from ../shared/research/triage-standards.md in patients' words. A case
names the level a person should be told and, where it matters, the rule that must decide it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import Result

from helpers import parse_document
from mbc_lookup.api import lookup_text
from mbc_lookup.reading import Reader

Mbc = Callable[..., Result]

CASES = [
    # spinal cord compression: neurological signs alone are an emergency; spinal pain is same-day
    ("my legs went weak and numb this afternoon", "emergency", "triage.spinal_leg_signs"),
    ("back pain and now I cant walk properly", "emergency", "pattern.spinal_cord_compression"),
    ("suddenly cant control my bladder", "emergency", "triage.spinal_neurological_signs"),
    ("numb between my legs and in my bottom since yesterday", "emergency", "triage.spinal_leg_signs"),
    ("new pain in the middle of my back, worse at night", "urgent", "triage.spinal_pain"),
    ("back pain that is getting worse and wakes me up", "urgent", "triage.spinal_pain"),
    ("mild lower back ache, same as it has been for months", "routine", "triage.report"),
    ("back or neck pain", "urgent", "triage.spinal_pain"),  # the neck is the upper (cervical) spine
    ("backache, which gets worse at night", "urgent", "triage.spinal_pain"),  # one clause, not a list
    ("chronic back pain since my surgery", "routine", "triage.report"),  # long-standing
    # neutropenic sepsis: the threshold and treatment context decide
    ("temperature 38.4 and I had chemo 5 days ago", "urgent", "triage.neutropenic_sepsis"),
    ("on chemo, temp 101F and shivering", "urgent", "triage.neutropenic_sepsis"),
    ("fever of 38.9 on chemo and now she is confused", "emergency", "triage.sepsis_signs"),
    ("temp 37.1 on chemo, feel fine", "none", None),
    ("on chemo and my temperature is 38.1ºC", "urgent", "triage.neutropenic_sepsis"),  # º for °
    ("fever of 38 for two days, not on any treatment", "routine", "triage.report"),
    ("on chemo, temperature 35.6 and feel awful", "urgent", "triage.low_temperature"),
    # high calcium: the combination decides; with confusion or drowsiness it is an emergency
    ("so thirsty and passing loads of urine and constipated", "urgent", "triage.hypercalcaemia"),
    ("very thirsty, passing a lot of urine and now really drowsy", "emergency", "pattern.hypercalcaemia"),
    ("the hospital said my calcium is 3.2", "urgent", "triage.high_calcium"),
    # superior vena cava obstruction: noisy breathing or breathlessness makes it an emergency
    ("my face and neck are swollen and my collar feels tight", "urgent", "triage.svco"),
    ("swollen face and neck and noisy breathing", "emergency", "triage.svco_breathing"),
    # raised pressure in the head; sudden worst-ever headache
    ("headache worse in the mornings and I keep being sick", "urgent", "triage.raised_pressure"),
    ("worst headache of my life, came on suddenly", "emergency", "triage.thunderclap_headache"),
    ("headaches that keep getting worse", "urgent", "triage.headache_worsening"),
    ("terrible headaches and she keeps vomiting", "urgent", "triage.raised_pressure"),
    ("severe headaches, not my typical kind of migraine", "urgent", "triage.severe_new_headache"),
    ("double vision which has gotten worse today", "urgent", "triage.vision_balance_worsening"),
    ("a headache which gets worse in the mornings", "urgent", "triage.headache_worsening"),
    ("mild headache now and then, goes with paracetamol", "routine", "triage.report"),
    # stroke signs, seizures
    ("her face is drooping on one side and her speech is slurred", "emergency", "triage.stroke"),
    ("sudden weakness in my left arm", "emergency", "triage.one_sided_weakness"),
    ("suddenly her speech is slurred", "emergency", "triage.sudden_speech"),
    ("she could barely talk, one or two words, then nothing", "urgent", "triage.speech"),
    ("trouble finding words for a few months now", "routine", "triage.report"),
    ("had a fit for the first time this morning", "emergency", "triage.seizure"),
    ("had a seizure years ago as a child, none since", "none", None),
    # breathlessness graded by onset, severity and rest
    ("so breathless I cant finish a sentence", "emergency", "triage.breathless_severe"),
    ("suddenly cant breathe", "emergency", "triage.breathless_severe"),
    ("by wednesday i could barely get my breath", "emergency", "triage.breathless_severe"),
    ("getting more short of breath over the last week", "urgent", "triage.breathless"),
    ("a bit out of breath walking up hills, same as the last few months", "routine", "triage.report"),
    # coughing blood: streaks vs more
    ("coughed up streaks of blood this morning", "urgent", "triage.coughing_blood"),
    ("coughing up a cupful of blood", "emergency", "triage.coughing_blood_heavy"),
    ("coughing up blood and I cant catch my breath", "emergency", "triage.coughing_blood_breathless"),
    # chest pain
    ("crushing chest pain spreading down my left arm", "emergency", "triage.chest_pain"),
    ("chest pain that has spread to my left arm", "emergency", "triage.chest_pain"),
    ("tight chest and a cough", "routine", "triage.report"),  # tightness alone is not sudden pain
    ("sudden severe chest pain", "emergency", "triage.chest_pain"),
    ("mild chest pain that comes and goes", "routine", "triage.report"),
    # a swollen limb that is red or hot: possible infection (cellulitis)
    ("my arm is swollen and red", "urgent", "triage.limb_infection"),
    ("swollen arm, red and hot", "urgent", "triage.limb_infection"),
    ("hot flushes and a swollen arm", "routine", "triage.report"),  # "hot" belongs to the flushes
    # infection on treatment, a complaint that is itself the sign
    ("had chemo on tuesday, diarrhoea 5 times today", "urgent", "triage.infection_on_treatment"),
    ("the skin around my picc line is red and sore, im on chemo", "urgent", "triage.infection_on_treatment"),
    # jaundice
    ("my eyes have gone yellow", "urgent", "triage.jaundice"),
    ("yellow skin and a fever and really bad tummy pain", "emergency", "triage.jaundice_unwell"),
    # fracture: unable to bear weight; sudden severe bone pain
    ("sudden pain in my hip and I cant put weight on it", "emergency", "triage.fracture"),
    ("sudden severe pain in my thigh bone", "urgent", "triage.sudden_bone_pain"),
    ("broke a rib just coughing", "urgent", "triage.fracture_no_injury"),
    ("fractures (breaks) that happen without injury", "urgent", "triage.fracture_no_injury"),
    ("brittle bones", "routine", "triage.report"),
    ("aching bones, same as usual", "routine", "triage.report"),
    # "spread" of the cancer is not a pain spreading or getting worse
    ("my cancer has spread to my bones and my hip aches", "routine", "triage.report"),
    ("it has spread to my lungs and I get chest pain", "routine", "triage.report"),
    # confusion and drowsiness
    ("my dad suddenly doesnt know where he is", "emergency", "triage.sudden_confusion"),
    ("mum has become gradually more forgetful over a few months", "routine", "triage.report"),
    ("mum seems confused", "urgent", "triage.confusion"),
    ("a bit muddled at times", "routine", "triage.report"),
    ("im confused about which pills to take", "none", None),
    ("suddenly very drowsy and hard to wake", "emergency", "triage.sudden_drowsiness"),
    ("a bit more sleepy in the afternoons lately", "routine", "triage.report"),
    # nothing associated, and words in another sense
    ("sprained my ankle playing netball", "none", None),
    ("my clothes fit badly", "none", None),
    ("had a cough last week but its gone now", "none", None),
]


@pytest.mark.parametrize(("text", "level", "rule"), CASES)
def test_each_condition_at_each_level(reader: Reader, text: str, level: str, rule: str | None) -> None:
    triage = lookup_text(text, reader).triage
    assert triage.level == level, [(r.rule.id, r.rule.level) for r in triage.reasons]
    if rule is not None:
        assert rule in [reason.rule.id for reason in triage.reasons if reason.rule.level == level]
    assert triage.action  # every level says what to do in plain words


def test_the_level_is_the_highest_reason_and_reasons_say_what_decided_them(reader: Reader) -> None:
    triage = lookup_text("sudden weakness in both legs and my back hurts, on chemo, temp 38.5", reader).triage
    assert triage.level == "emergency"
    levels = [reason.rule.level for reason in triage.reasons]
    assert levels == sorted(levels, key=["routine", "urgent", "emergency"].index, reverse=True)
    legs = next(reason for reason in triage.reasons if reason.rule.id == "triage.spinal_leg_signs")
    assert "location:leg" in legs.modifiers
    fever = next(reason for reason in triage.reasons if reason.rule.id == "triage.neutropenic_sepsis")
    assert "temperature:38.5C" in fever.modifiers and "treatment:on" in fever.modifiers


def test_a_denied_danger_sign_does_not_raise_the_level(reader: Reader) -> None:
    assert (
        lookup_text("back ache for months, no numbness, no weakness, walking fine", reader).triage.level
        == "routine"
    )
    assert lookup_text("not on chemo, temperature 38.2", reader).triage.level == "routine"


def test_json_has_triage_and_keeps_the_urgent_list(mbc: Mbc) -> None:
    document = parse_document(mbc("symptoms", "had a seizure this morning", "--json").stdout)
    assert document["triage"]["level"] == "emergency"
    reason = document["triage"]["reasons"][0]
    assert reason["rule"] == "triage.seizure" and reason["source"]["publisher"] == "Epilepsy Society"
    assert reason["inputs"] == ["had a seizure this morning"]
    assert document["urgent"][0]["symptom_id"] == "brain.seizures"  # older scripts keep working
    none = parse_document(mbc("symptoms", "toothache", "--json").stdout)
    assert none["triage"] == {"level": "none", "action": none["triage"]["action"], "reasons": []}


def test_the_terminal_leads_with_the_level_in_words_without_colour(mbc: Mbc) -> None:
    out = mbc("symptoms", "coughed up streaks of blood", env={"NO_COLOR": "1"}).stdout
    assert out.lstrip("┏━ \n").startswith("How urgent: urgent") or out.index("URGENT") < out.index("Sites")
    assert "URGENT: contact your care team today" in out
    assert "\x1b[" not in out


def test_explain_shows_which_rule_decided_and_why(mbc: Mbc) -> None:
    out = mbc("symptoms", "fever 38.6 and had chemo last week", "--explain").stdout
    assert "Which triage rules hold, and why" in out
    assert "triage.neutropenic_sepsis" in out and "temperature:38.6C" in out


def test_the_loader_checks_triage_rules(
    mbc: Mbc, table_text: str, write_table: Callable[[str], object]
) -> None:
    broken = table_text.replace("symptoms: [brain.seizures]\n", "symptoms: [brain.fits]\n", 1)
    broken = broken.replace("with_any: [severity:worst]", "with_any: [severity:worstest]", 1)
    result = mbc("validate", str(write_table(broken)))
    assert result.exit_code == 2
    assert "names unknown symptom 'brain.fits'" in result.stdout
    assert "names 'severity:worstest', which no modifier gives" in result.stdout


def test_a_reason_resting_on_the_text_names_the_words_it_rests_on(mbc: Mbc) -> None:
    # Found by the fuzz run: "calcium 3.1" sets urgent through the text alone, and the urgent
    # finding must still say which words it came from (the schema requires them).
    document = parse_document(mbc("symptoms", "calcium 3.1, fit", "--json").stdout)
    finding = next(u for u in document["urgent"] if u["symptom_id"] == "triage.high_calcium")
    assert finding["inputs"] == ["calcium 3.1"]


@pytest.mark.parametrize(
    ("text", "symptom_id"),
    [
        # A health page's second person, as a patient's first: NICE CG75's warning signs
        ("Back pain that stops you from sleeping.", "bone.neck_back"),
        ("A narrow band of pain down the arm or leg or around the body.", "bone.neck_back"),
        ("My right hand and arm stiffen, losing function.", "bone.numbness_weakness"),
        ("All I knew was my legs wouldn't hold me.", "bone.walking"),
        ("You have to take shallower breaths and make more effort to breathe.", "lungs.breathing"),
    ],
)
def test_warning_signs_in_everyday_or_page_words_are_flagged(
    reader: Reader, text: str, symptom_id: str
) -> None:
    result = lookup_text(text, reader)
    assert symptom_id in {match.symptom.id for part in result.inputs for match in part.matches}
    assert result.triage.level in ("urgent", "emergency")


def test_a_temperature_that_has_gone_raises_no_alarm(reader: Reader) -> None:
    # The number qualifies a fever of last week; only a temperature now stands for a fever now.
    gone = lookup_text("on chemo, had a temperature of 38.6 last week with a cold, gone now", reader)
    assert gone.triage.level == "none"
    now = lookup_text("on chemo, temperature 38.6", reader)
    assert now.triage.level == "urgent"
    assert "temperature:38.6C" in now.triage.reasons[0].modifiers
