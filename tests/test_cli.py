"""`mbc` through typer's CliRunner: what a person at a terminal and a script piping JSON see."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from helpers import parse_document

Mbc = Callable[..., Result]


def test_symptoms_table_shows_sites_symptoms_and_disclaimer(mbc: Mbc) -> None:
    result = mbc("symptoms", "headache, dizziness")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Brain" in out and "Severe headache" in out and "Dizziness" in out
    assert "exact" in out
    assert "not a diagnosis" in out
    assert "\x1b[" not in out  # not a terminal: plain text


def test_urgent_symptoms_stand_above_the_table(mbc: Mbc) -> None:
    out = mbc("symptoms", "headache, had a seizure").stdout
    assert out.index("How urgent: emergency") < out.index("Sites these symptoms")
    assert out.index("EMERGENCY: get help now") < out.index("Sites these symptoms")


def test_unmatched_phrases_are_listed_with_did_you_mean(mbc: Mbc) -> None:
    result = mbc("symptoms", "headache, toothache, xyzzy")
    assert result.exit_code == 0
    assert "toothache: an everyday complaint not associated with these sites" in result.stdout
    assert "xyzzy: no known symptom matched. Did you mean:" in result.stdout


def test_json_is_one_object_with_the_documented_fields(mbc: Mbc) -> None:
    result = mbc("symptoms", "yellow skin; itching", "--json")
    assert result.exit_code == 0
    document = parse_document(result.stdout)
    assert result.stdout.count("\n") == 1
    assert document["schema_version"] == 1
    assert document["sites"][0]["site"] == "liver"
    assert document["sites"][0]["name"] == "Liver"
    match = document["inputs"][0]["matches"][0]
    assert match["symptom_id"] == "liver.jaundice"
    assert match["method"] == "exact" and match["score"] == 100.0
    assert match["codes"] == {
        "hpo": "HP:0000952",
        "hpo_label": "Jaundice",
        "snomed": "18165001",
        "umls": "C0022346",
    }
    assert document["disclaimer"] and document["tool_version"] and document["knowledge_version"]
    # New jaundice needs medical advice the same day (nidirect): triage says so, and so does
    # the `urgent` list that older scripts read.
    assert document["triage"]["level"] == "urgent"
    assert [finding["symptom_id"] for finding in document["urgent"]] == ["liver.jaundice"]


def test_json_urgent_list_has_advice(mbc: Mbc) -> None:
    document = parse_document(mbc("symptoms", "coughing up blood", "--json").stdout)
    assert document["urgent"][0]["symptom_id"] == "lungs.cough_blood"
    assert document["urgent"][0]["input"] == "coughing up blood"
    assert "today" in document["urgent"][0]["advice"]
    assert document["triage"]["level"] == "urgent"
    assert document["triage"]["reasons"][0]["rule"] == "triage.coughing_blood"


def test_exit_code_1_when_nothing_matched(mbc: Mbc) -> None:
    result = mbc("symptoms", "toothache, sunburn", "--json")
    assert result.exit_code == 1
    document = parse_document(result.stdout)
    assert document["sites"] == []
    assert [i["text"] for i in document["inputs"]] == ["toothache", "sunburn"]


def test_exit_code_2_for_empty_input_with_one_line(mbc: Mbc) -> None:
    for text in ("", " , ;; ,"):
        result = mbc("symptoms", text)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("mbc: error:")
        assert result.stdout == ""


def test_exit_code_2_for_a_missing_knowledge_file(mbc: Mbc, tmp_path: Path) -> None:
    result = mbc("symptoms", "headache", "--data", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert "missing.yaml: no such file" in result.stderr
    assert "Traceback" not in result.output


def test_usage_errors_exit_2(mbc: Mbc) -> None:
    assert mbc("symptoms").exit_code == 2
    assert mbc("symptoms", "headache", "--threshold", "150").exit_code == 2
    assert mbc("nonsense").exit_code == 2


def test_rich_markup_in_input_is_shown_literally(mbc: Mbc) -> None:
    result = mbc("symptoms", "[bold red]x[/], pain [/] here, :pill: headache")
    assert result.exit_code == 0, result.output
    assert "[bold red]x[/]" in result.stdout
    assert "pain [/] here" in result.stdout
    assert ":pill: headache" in result.stdout


def test_control_characters_never_reach_the_terminal_raw(mbc: Mbc) -> None:
    result = mbc("symptoms", "headache \x1b[31mred\x1b[0m, \x07bell")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[31mred" in result.stdout
    document = parse_document(mbc("symptoms", "headache \x1b[2J, \x9b2J", "--json").stdout)
    assert document["inputs"][0]["text"] == "headache \x1b[2J"
    raw = mbc("symptoms", "headache \x1b[2J, \x9b2J", "--json").stdout
    assert "\x1b" not in raw and "\x9b" not in raw


def test_no_color_gives_no_escape_codes(mbc: Mbc) -> None:
    result = mbc("symptoms", "had a fit", env={"NO_COLOR": "1", "FORCE_COLOR": ""})
    assert "\x1b[" not in result.stdout


def test_explain_shows_normalised_text_method_score_and_cutoff(mbc: Mbc) -> None:
    out = mbc("symptoms", "Really bad HEADACHE!!, weezing", "--explain").stdout
    assert "How each part was read" in out
    assert "headache" in out and "fuzzy" in out and "75" in out


def test_threshold_makes_fuzzy_matching_stricter(mbc: Mbc) -> None:
    assert mbc("symptoms", "weezing", "--json").exit_code == 0
    strict = mbc("symptoms", "weezing", "--json", "--threshold", "95")
    assert strict.exit_code == 1
    assert parse_document(strict.stdout)["fuzzy_cutoff"] == 95.0


def test_stdin_dash_reads_the_list(mbc: Mbc) -> None:
    result = mbc("symptoms", "-", "--json", input="cough\nwheezing\n")
    assert result.exit_code == 0
    assert [i["text"] for i in parse_document(result.stdout)["inputs"]] == ["cough", "wheezing"]


def test_version_and_help(mbc: Mbc) -> None:
    version = mbc("--version")
    assert version.exit_code == 0 and version.stdout.startswith("mbc ")
    help_text = mbc("symptoms", "--help").stdout
    assert "--json" in help_text and "Examples" in help_text


def test_non_specific_symptoms_are_marked_in_json_and_table(mbc: Mbc) -> None:
    match = parse_document(mbc("symptoms", "nausea", "--json").stdout)["inputs"][0]["matches"][0]
    assert match["non_specific"] is True
    assert match["sites"] == ["bone", "brain", "liver"]
    assert "(non-specific)" in mbc("symptoms", "nausea").stdout
