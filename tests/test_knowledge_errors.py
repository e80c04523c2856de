"""A broken knowledge table ends in one clear line naming the file and place, exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from mbc_lookup.knowledge import KnowledgeError, load_knowledge, parse_knowledge

Mbc = Callable[..., Result]


def _problems(text: str) -> list[str]:
    with pytest.raises(KnowledgeError) as caught:
        parse_knowledge(text, "t.yaml")
    return [str(p) for p in caught.value.problems]


def test_the_shipped_table_is_valid(table_text: str) -> None:
    parse_knowledge(table_text, "symptoms.yaml")


def test_duplicate_keys_are_rejected_with_their_line(table_text: str) -> None:
    broken = table_text.replace("format: 1\n", "format: 1\nformat: 1\n", 1)
    line = broken.splitlines().index("format: 1") + 2
    assert f"t.yaml:{line}: duplicate key 'format'" in _problems(broken)


def test_unknown_and_missing_fields_are_named(table_text: str) -> None:
    broken = table_text.replace("        urgent: false\n", "        urgnt: false\n", 1)
    problems = _problems(broken)
    assert any("unknown key 'urgnt'" in p for p in problems)
    assert any("missing field 'urgent'" in p for p in problems)


def test_wrong_types_are_reported(table_text: str) -> None:
    broken = table_text.replace('knowledge_version: "2026.12.07.2"', "knowledge_version: [1, 2]", 1)
    assert any("knowledge_version must be non-empty text" in p for p in _problems(broken))


def test_duplicate_ids_and_bad_codes_are_reported(table_text: str) -> None:
    broken = table_text.replace("id: brain.vision", "id: brain.headache", 1)
    broken = broken.replace('hpo: "HP:0002315"', 'hpo: "HP:2315"', 1)
    problems = _problems(broken)
    assert any("duplicate symptom id 'brain.headache'" in p for p in problems)
    assert any("must look like HP:0000000" in p for p in problems)


def test_a_phrase_claimed_by_two_symptoms_is_reported(table_text: str) -> None:
    broken = table_text.replace("phrases: [wheezing,", "phrases: [headache, wheezing,", 1)
    assert any("is also a phrase of 'brain.headache'" in p for p in _problems(broken))


def test_site_descriptions_are_checked_like_every_other_field(table_text: str) -> None:
    misspelt = table_text.replace(
        "    description_source: bco-liver\n", "    description_sorce: bco-liver\n", 1
    )
    problems = _problems(misspelt)
    assert any("unknown key 'description_sorce'" in p for p in problems)
    assert any("'description' and 'description_source' go together" in p for p in problems)
    wrong_type = table_text.replace("    description_source: bco-liver\n", "    description_source: [1]\n", 1)
    assert any("site 'liver'.description_source must be non-empty text" in p for p in _problems(wrong_type))
    unknown = table_text.replace(
        "    description_source: bco-liver\n", "    description_source: nowhere\n", 1
    )
    line = unknown.splitlines().index("    description_source: nowhere") + 1
    expected = f"t.yaml:{line}: the description of site 'liver' names unknown source 'nowhere'"
    assert expected in _problems(unknown)


def test_unknown_source_is_reported(table_text: str) -> None:
    broken = table_text.replace("advice_source: bco-brain", "advice_source: nowhere", 1)
    assert any("unknown source 'nowhere'" in p for p in _problems(broken))


def test_not_yaml_and_empty_and_no_sites() -> None:
    assert "not valid YAML" in _problems("a: [1, 2\nb: ]")[0]
    assert "empty" in _problems("")[0]
    assert "must be a mapping" in _problems("- just\n- a list\n")[0]


def test_alias_bomb_is_rejected_before_it_expands() -> None:
    # Nine levels of five-fold aliases would expand to ~18 million items. The loader refuses
    # the first alias while building the node graph, so nothing is ever expanded (no timing
    # is asserted here: speed belongs to the benchmark, not to unit tests).
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
    problems = _problems(bomb)
    assert "anchors and aliases are not allowed" in problems[0]
    assert problems[0].startswith("t.yaml:1:") or problems[0].startswith("t.yaml:2:")


def test_missing_file_directory_and_binary(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="no such file"):
        load_knowledge(tmp_path / "nope.yaml")
    with pytest.raises(KnowledgeError, match="is a directory"):
        load_knowledge(tmp_path)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage")
    with pytest.raises(KnowledgeError, match="not UTF-8"):
        load_knowledge(binary)


def test_cli_reports_a_broken_table_in_one_line(
    mbc: Mbc, write_table: Callable[[str], Path], table_text: str
) -> None:
    path = write_table(table_text.replace("format: 1\n", "format: 1\nformat: 1\n", 1))
    result = mbc("symptoms", "headache", "--data", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert f"{path}:" in result.stderr and "duplicate key 'format'" in result.stderr


def test_mbc_data_environment_variable_selects_the_table(mbc: Mbc, tmp_path: Path) -> None:
    result = mbc("symptoms", "headache", env={"MBC_DATA": str(tmp_path / "none.yaml")})
    assert result.exit_code == 2 and "none.yaml: no such file" in result.stderr


def test_a_context_rule_gives_one_literal_or_a_list(table_text: str) -> None:
    both = table_text.replace("  - {literal: side effect, ", "  - {literal: side effect, literals: [x], ", 1)
    assert any("give literal or literals" in p for p in _problems(both))


def test_a_context_rule_word_list_must_be_a_list_of_words(table_text: str) -> None:
    for key in ("needs_before", "unless"):
        broken = table_text.replace(
            "  - {literal: side effect, ", f"  - {{literal: side effect, {key}: 3, ", 1
        )
        assert any(key in problem for problem in _problems(broken)), key
