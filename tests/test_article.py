"""Issue 2's bar: every symptom of the source article, typed as the article words it, is
reported at its own site first; and the table holds all of the article's sites and rows."""

from __future__ import annotations

import pytest

from mbc_lookup.api import lookup
from mbc_lookup.model import Knowledge

ARTICLE = {
    "brain": [
        "Severe headache", "Vision changes", "Stroke", "Confusion", "Seizures", "Memory loss",
        "Mood or personality changes", "Difficulty in balance and hearing", "Dizziness",
        "Difficulty in moving certain parts",
    ],
    "bone": [
        "Constant pain in bone and joints", "Neck or back pain", "Nausea", "Constipation",
        "Lack of appetite", "Extreme thirst", "Numbness and weakness in specific areas of the body",
        "Risk of bone fracture", "Difficulty in urination",
    ],
    "liver": [
        "Jaundice(yellowing of eyes and skin)", "Rashes and itching", "Abdominal swelling",
        "Pain in the abdominal region and around the liver",
    ],
    "lymph_nodes": [
        "Lump or swelling under the armpit",
        "Lump or swelling in the area of the collar bone or breast bone",
        "Swelling in your hand or arm",
    ],
    "lungs": [
        "Cough with blood and mucus", "Wheezing", "Difficulty in breathing and shortness of breath",
        "Never-ending dry cough", "Pain in the lungs area and all around the chest",
    ],
}  # fmt: skip
CASES = [(site, phrase) for site, phrases in ARTICLE.items() for phrase in phrases]


def test_the_table_has_the_article_sites_with_their_counts(knowledge: Knowledge) -> None:
    # Rows from other sources are added (issue 7); the article's own rows are all still there.
    seed = knowledge.restricted_to_seed()
    assert [[sym.name for sym in site.symptoms] for site in seed.sites] == [
        [name.replace("Jaundice(", "Jaundice (") for name in ARTICLE[site.id]] for site in seed.sites
    ]
    assert [(s.id, s.name, len(s.symptoms)) for s in seed.sites] == [
        ("brain", "Brain", 10),
        ("bone", "Bones", 9),
        ("liver", "Liver", 4),
        ("lymph_nodes", "Lymph nodes", 3),
        ("lungs", "Lungs", 5),
    ]
    assert len(CASES) == 31


@pytest.mark.parametrize(("site", "phrase"), CASES)
def test_each_article_phrase_ranks_its_own_site_first(knowledge: Knowledge, site: str, phrase: str) -> None:
    result = lookup(phrase, knowledge)
    assert result.sites, f"{phrase!r} matched nothing"
    top = result.sites[0]
    tied = [s.site.id for s in result.sites if s.score == top.score]
    assert site in tied, f"{phrase!r} -> {[(s.site.id, s.score) for s in result.sites]}"
    assert result.inputs[0].matches[0].method == "exact"


def test_every_article_row_is_sourced_to_the_article(knowledge: Knowledge) -> None:
    names = {s.name.replace(" (", "(") for s in knowledge.symptoms}
    for _, phrase in CASES:
        assert phrase in names
    article = {phrase.replace("(", " (") for _, phrase in CASES}
    assert all(s.source == "seed" for s in knowledge.symptoms if s.name in article)
    assert all(s.source != "seed" for s in knowledge.symptoms if s.name not in article)


def test_the_article_tests_and_treatments_are_in_the_table(knowledge: Knowledge) -> None:
    tests = {t.name for site in knowledge.sites for t in site.tests}
    for expected in ("Blood tests", "CT scan", "Bone scan", "PET scan", "Biopsy", "Bronchoscopy",
                     "Tap (fluid drainage)"):  # fmt: skip
        assert expected in tests
    assert any("MRI" in name for name in tests)
    assert "Bronchoscopy" in {t.name for t in knowledge.site("lungs").tests}
    assert "Bone scan" in {t.name for t in knowledge.site("bone").tests}
    treatments = {t.name for t in knowledge.treatments}
    assert treatments == {
        "Hormonal therapy", "Chemotherapy", "Antibody treatments", "PARP inhibitors",
        "CDK4/6 inhibitors", "Surgery", "Radiation therapy",
    }  # fmt: skip


def test_every_symptom_has_codes_in_the_expected_shape(knowledge: Knowledge) -> None:
    for symptom in knowledge.symptoms:
        assert symptom.codes.hpo.startswith("HP:") and len(symptom.codes.hpo) == 10
        assert symptom.codes.hpo_label
        assert symptom.phrases, symptom.id
