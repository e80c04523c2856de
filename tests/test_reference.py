"""The generated command reference (docs/commands.md) and `mbc help`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from mbc_lookup.reference import markdown

Mbc = Callable[..., Result]
ROOT = Path(__file__).resolve().parents[1]


def test_docs_commands_md_is_current() -> None:
    """Regenerate with: python -m mbc_lookup.reference > docs/commands.md"""
    assert (ROOT / "docs" / "commands.md").read_text(encoding="utf-8") == markdown()


def test_every_command_is_in_the_reference() -> None:
    text = markdown()
    for name in ("symptoms", "batch", "sites", "site", "treatments", "validate", "schema", "help"):
        assert f"## mbc {name}\n" in text


def test_the_readme_points_to_the_reference_instead_of_a_command_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/commands.md" in readme and "| command | what it does |" not in readme


def test_help_prints_the_tool_or_one_command(mbc: Mbc) -> None:
    assert mbc("help").stdout == mbc("--help").stdout
    result = mbc("help", "batch")
    assert result.exit_code == 0 and "--input-format" in result.stdout
    assert result.stdout.splitlines()[0] == mbc("batch", "--help").stdout.splitlines()[0]
    bad = mbc("help", "bogus")
    assert bad.exit_code == 2 and bad.stderr.startswith("mbc: error: no command 'bogus'")


def test_version_names_the_tool_and_the_table(mbc: Mbc) -> None:
    out = mbc("--version").stdout
    assert out.startswith("mbc 1.0.0\n") and "knowledge table 2026" in out
