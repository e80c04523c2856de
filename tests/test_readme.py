"""The README's quick start is what CI proves: two commands, the second run word for word."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def test_quick_start_is_two_commands_that_make_their_own_venv() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    for command in commands:
        assert "\n" not in command
        # A bare `pip install` fails on Debian and Ubuntu (externally-managed-environment).
        assert command.startswith("python3 -m venv .venv && . .venv/bin/activate && python -m pip install ")
    assert commands[0].endswith('mbc symptoms "headache, dizziness"')
    assert commands[1].endswith("python -m pytest")


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    ci = ROOT / ".ci" / "run"
    if not ci.exists():
        pytest.skip("no .ci/run here (an sdist)")
    ci_lines = ci.read_text(encoding="utf-8").splitlines()
    test_command = _quick_start_commands()[1]
    assert any(line == test_command or line.startswith(test_command + " ||") for line in ci_lines)


def test_install_section_names_pipx_and_uv() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    install = readme.split("\n## Install\n", 1)[1].split("\n## ", 1)[0]
    assert "pipx install ." in install and "uv tool install ." in install
