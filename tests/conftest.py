"""Shared fixtures. Terminal forcing is switched off before typer/rich are imported, so
CliRunner output is plain text whatever CI environment variables say."""

from __future__ import annotations

import os
import tempfile

os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
# The compiled-table cache goes to a private directory for this run, never the user's.
os.environ["MBC_CACHE_DIR"] = tempfile.mkdtemp(prefix="mbc-test-cache-")
os.environ.pop("FORCE_COLOR", None)
os.environ.pop("PY_COLORS", None)
os.environ.pop("MBC_DATA", None)
os.environ["COLUMNS"] = "120"

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from mbc_lookup.cli import app
from mbc_lookup.knowledge import default_path, load_knowledge
from mbc_lookup.matching import Matcher
from mbc_lookup.model import Knowledge
from mbc_lookup.reading import Reader


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def matcher(knowledge: Knowledge) -> Matcher:
    return Matcher(knowledge)


@pytest.fixture(scope="session")
def reader(matcher: Matcher) -> Reader:
    return Reader(matcher)


@pytest.fixture(scope="session")
def table_text() -> str:
    return default_path().read_text(encoding="utf-8")


@pytest.fixture
def mbc() -> Callable[..., Result]:
    """Run the CLI in-process: mbc("symptoms", "headache", "--json")."""
    runner = CliRunner()

    def run(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env=env, prog_name="mbc")

    return run


@pytest.fixture
def write_table(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "table.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write
