"""The commands beyond a single lookup: batch, sites, site, treatments, validate, schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import Result

from helpers import parse_document, parse_ndjson
from mbc_lookup import lookup
from mbc_lookup.model import Knowledge
from mbc_lookup.render_json import dumps, result_to_dict

Mbc = Callable[..., Result]

# --- batch -------------------------------------------------------------------------------------


def test_batch_writes_one_result_per_line_in_input_order(mbc: Mbc) -> None:
    lines = "headache, dizziness\n\nyellow eyes\n   \ntoothache\ncoughing up blood\n"
    result = mbc("batch", "-", input=lines)
    assert result.exit_code == 0
    documents = parse_ndjson(result.stdout)
    assert [d["line"] for d in documents] == [1, 3, 5, 6]  # blank lines skipped, numbers kept
    assert [d["sites"][0]["site"] if d["sites"] else None for d in documents] == [
        "brain", "liver", None, "lungs"
    ]  # fmt: skip
    assert documents[3]["urgent"][0]["symptom_id"] == "lungs.cough_blood"
    assert result.stderr == ""


def test_batch_line_is_the_symptoms_document_plus_line(mbc: Mbc) -> None:
    single = parse_document(mbc("symptoms", "headache; no cough; weezing", "--json").stdout)
    batched = parse_ndjson(mbc("batch", input="headache; no cough; weezing\n").stdout)[0]
    assert batched.pop("line") == 1
    assert batched == single


def test_batch_repeated_lines_give_the_same_bytes_as_a_fresh_lookup(mbc: Mbc, knowledge: Knowledge) -> None:
    text = "cough, bone pain\ncough, bone pain\nnausea\ncough, bone pain\n"
    out = mbc("batch", input=text).stdout.splitlines()
    for number, line in (
        (1, "cough, bone pain"),
        (2, "cough, bone pain"),
        (3, "nausea"),
        (4, "cough, bone pain"),
    ):
        fresh = dumps(result_to_dict(lookup(line, knowledge), knowledge, line=number))
        assert out[number - 1] == fresh


def test_batch_reports_undecodable_lines_by_number_and_goes_on(mbc: Mbc) -> None:
    result = mbc("batch", input=b"headache\n\xff\xfe bad bytes\ncough\n")
    assert result.exit_code == 0
    assert [d["line"] for d in parse_ndjson(result.stdout)] == [1, 3]
    assert result.stderr == "mbc: warning: line 2: not valid UTF-8 at byte 1; skipped\n"


def test_batch_exit_codes(mbc: Mbc, tmp_path: Path) -> None:
    assert mbc("batch", input="toothache\nsunburn\n").exit_code == 1
    assert mbc("batch", input="").exit_code == 1
    missing = mbc("batch", str(tmp_path / "nope.txt"))
    assert missing.exit_code == 2 and missing.stderr.endswith("nope.txt: no such file\n")
    assert mbc("batch", str(tmp_path)).exit_code == 2


def test_batch_reads_a_file_and_writes_output_and_summary(mbc: Mbc, tmp_path: Path) -> None:
    lists = tmp_path / "lists.txt"
    lists.write_text("headache\ncough, wheezing\nheadache, cough\ntoothache\n", encoding="utf-8")
    out = tmp_path / "results.ndjson"
    result = mbc("batch", str(lists), "--output", str(out), "--summary")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert len(parse_ndjson(out.read_text(encoding="utf-8"))) == 4
    summary = result.stderr
    assert "4 lines looked up, 0 skipped" in summary
    assert [line.split() for line in summary.splitlines() if line.startswith("  ")] == [
        ["Brain", "2"], ["Bones", "0"], ["Liver", "0"], ["Lymph", "nodes", "0"], ["Lungs", "2"],
        ["no", "site", "1"],
    ]  # fmt: skip


def test_batch_refuses_to_overwrite_its_input(mbc: Mbc, tmp_path: Path) -> None:
    lists = tmp_path / "lists.txt"
    lists.write_text("headache\n", encoding="utf-8")
    result = mbc("batch", str(lists), "--output", str(lists))
    assert result.exit_code == 2 and "is the input file" in result.stderr
    assert lists.read_text(encoding="utf-8") == "headache\n"


def test_batch_without_a_terminal_writes_nothing_on_stderr(mbc: Mbc, tmp_path: Path) -> None:
    lists = tmp_path / "lists.txt"
    lists.write_text("headache\n" * 3000, encoding="utf-8")
    result = mbc("batch", str(lists))
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 3000


# --- browsing ------------------------------------------------------------------------------------


def test_sites_lists_every_site_with_counts_and_tests(mbc: Mbc, knowledge: Knowledge) -> None:
    out = mbc("sites").stdout
    for site in knowledge.sites:
        assert site.name in out
    assert "Bone scan" in out and "Bronchoscopy" in out
    document = parse_document(mbc("sites", "--json").stdout)
    assert [s["site"] for s in document["sites"]] == ["brain", "bone", "liver", "lymph_nodes", "lungs"]
    counts = {s["site"]: s["symptom_count"] for s in document["sites"]}
    assert counts == {site.id: len(site.symptoms) for site in knowledge.sites}


@pytest.mark.parametrize(
    ("name", "site_id"),
    [("lymph nodes", "lymph_nodes"), ("lymph-nodes", "lymph_nodes"), ("lymph_nodes", "lymph_nodes"),
     ("Lymph Nodes", "lymph_nodes"), ("bones", "bone"), ("BONE", "bone"), ("brian", "brain"),
     ("livr", "liver"), ("lung", "lungs"), ("lymph", "lymph_nodes")],
)  # fmt: skip
def test_site_accepts_names_as_people_write_them(mbc: Mbc, name: str, site_id: str) -> None:
    result = mbc("site", name, "--json")
    assert result.exit_code == 0, result.stderr
    assert parse_document(result.stdout)["site"] == site_id


def test_site_shows_symptoms_codes_urgent_tests_and_sources(mbc: Mbc) -> None:
    out = mbc("site", "brain").stdout
    assert "Severe headache" in out and "HP:0002315" in out
    assert "Needs prompt medical attention" in out and "Seizures" in out
    assert "MRI scan of the brain" in out
    assert "Sources" in out and "breastcancer.org" in out.casefold()
    document = parse_document(mbc("site", "brain", "--json").stdout)
    assert {s["symptom_id"] for s in document["symptoms"] if s["urgent"]} >= {"brain.seizures"}
    assert "phrases" not in document["symptoms"][0]
    assert {source["id"] for source in document["sources"]} >= {"seed", "bco-brain"}


def test_site_all_adds_the_known_phrases(mbc: Mbc) -> None:
    assert "Known phrases" in mbc("site", "liver", "--all").stdout
    document = parse_document(mbc("site", "liver", "--all", "--json").stdout)
    jaundice = next(s for s in document["symptoms"] if s["symptom_id"] == "liver.jaundice")
    assert "yellow eyes" in jaundice["phrases"]


def test_unknown_site_is_one_error_line_listing_the_sites(mbc: Mbc) -> None:
    result = mbc("site", "kidney")
    assert result.exit_code == 2
    assert result.stderr == (
        "mbc: error: no site called 'kidney'; known sites: brain, bone, liver, lymph_nodes, lungs\n"
    )


def test_treatments_lists_the_article_treatments(mbc: Mbc) -> None:
    out = mbc("treatments").stdout
    assert "Hormonal therapy" in out and "Radiation therapy" in out and "not a diagnosis" in out
    document = parse_document(mbc("treatments", "--json").stdout)
    assert len(document["treatments"]) == 7
    assert document["treatments"][0]["source"]["id"] == "seed"


def test_every_command_has_help_with_examples(mbc: Mbc) -> None:
    for command in ("symptoms", "batch", "sites", "site", "treatments", "validate", "schema"):
        help_text = mbc(command, "--help").stdout
        assert "Examples:" in help_text and f"mbc {command}" in help_text, command


def test_site_names_complete_in_the_shell(mbc: Mbc) -> None:
    env = {"_MBC_COMPLETE": "complete_bash", "COMP_WORDS": "mbc site l", "COMP_CWORD": "2"}
    result = mbc(env=env)
    assert result.stdout.split() == ["liver", "lymph_nodes", "lungs"]


# --- your own table --------------------------------------------------------------------------------


def _renamed_table(table_text: str, tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    renamed = table_text.replace('name: "Liver"\n', 'name: "The liver"\n', 1)
    assert renamed != table_text
    path.write_text(renamed, encoding="utf-8")
    return path


def test_data_and_mbc_data_work_for_every_command(mbc: Mbc, table_text: str, tmp_path: Path) -> None:
    mine = str(_renamed_table(table_text, tmp_path))
    runs = [
        ("symptoms", "yellow eyes", "--json"), ("batch", "-"), ("sites", "--json"),
        ("site", "liver", "--json"), ("treatments", "--json"), ("validate", "--json"),
    ]  # fmt: skip
    for args in runs:
        by_option = mbc(*args, "--data", mine, input="yellow eyes\n")
        by_env = mbc(*args, input="yellow eyes\n", env={"MBC_DATA": mine})
        assert by_option.exit_code == 0, (args, by_option.stderr)
        assert by_option.stdout == by_env.stdout
        document = parse_ndjson(by_option.stdout)[0]
        shipped = parse_ndjson(mbc(*args, input="yellow eyes\n").stdout)[0]
        assert document["knowledge_sha256"] != shipped["knowledge_sha256"]
        if args[0] == "site":
            assert document["name"] == "The liver"


# --- validate ------------------------------------------------------------------------------------


def test_the_shipped_table_validates_clean(mbc: Mbc) -> None:
    result = mbc("validate")
    assert result.exit_code == 0
    assert "valid (5 sites" in result.stdout
    document = parse_document(mbc("validate", "--json").stdout)
    assert document["valid"] is True and document["problems"] == []


def test_validate_reports_every_problem_with_file_and_line(
    mbc: Mbc, table_text: str, write_table: Callable[[str], Path]
) -> None:
    broken = (
        table_text.replace("id: brain.vision", "id: brain.headache", 1)
        .replace('hpo: "HP:0002315"', 'hpo: "HP:2315"', 1)
        .replace("        urgent: false\n", "        urgnt: false\n", 1)
        .replace("phrases: [wheezing,", "phrases: [headache, wheezing,", 1)
        .replace("advice_source: bco-brain", "advice_source: nowhere", 1)
    )
    path = write_table(broken)
    result = mbc("validate", str(path))
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    messages = [
        "duplicate symptom id 'brain.headache'", "must look like HP:0000000", "unknown key 'urgnt'",
        "missing field 'urgent'", "is also a phrase of 'brain.headache'", "unknown source 'nowhere'",
    ]  # fmt: skip
    for message in messages:
        found = [line for line in lines if message in line]
        assert found, message
        where, line_number, _ = found[0].split(":", 2)
        assert where == str(path) and int(line_number) > 0, found[0]
    assert lines[-1] == f"{path}: {len(lines) - 1} problems found"
    document = parse_document(mbc("validate", str(path), "--json").stdout)
    assert document["valid"] is False and len(document["problems"]) == len(lines) - 1
    assert all(problem["line"] for problem in document["problems"])


def test_validate_unreadable_paths_exit_2(mbc: Mbc, tmp_path: Path) -> None:
    result = mbc("validate", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'missing.yaml'}: no such file",
        f"{tmp_path / 'missing.yaml'}: 1 problem found",
    ]
    assert parse_document(mbc("validate", str(tmp_path), "--json").stdout)["knowledge_sha256"] is None


# --- schema --------------------------------------------------------------------------------------


def test_schema_command_prints_the_packaged_schema(mbc: Mbc) -> None:
    result = mbc("schema")
    assert result.exit_code == 0
    packaged = resources.files("mbc_lookup").joinpath("schema.json").read_text(encoding="utf-8")
    assert result.stdout == packaged
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
