"""Issue 13's peers: how symptoms are given, batch input and output formats, the Python API."""

from __future__ import annotations

import csv
import io
import math
import os
import pty
import shutil
import subprocess
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from helpers import parse_document, parse_ndjson
from mbc_lookup import load_matcher, lookup
from mbc_lookup.model import Knowledge

Mbc = Callable[..., Result]


def test_unquoted_words_are_joined_into_one_text(mbc: Mbc) -> None:
    joined = parse_document(mbc("symptoms", "headache,", "dizziness", "--json").stdout)
    quoted = parse_document(mbc("symptoms", "headache, dizziness", "--json").stdout)
    assert joined == quoted and joined["text"] == "headache, dizziness"


def test_piped_stdin_is_read_without_a_dash(mbc: Mbc) -> None:
    result = mbc("symptoms", "--json", input="yellow eyes\nitching\n")
    assert [site["site"] for site in parse_document(result.stdout)["sites"]] == ["liver"]


def test_batch_csv_in_csv_out_carries_ids_and_skips_the_header(mbc: Mbc) -> None:
    data = 'patient,note\nA7,"headache, dizziness"\nB2,toothache\nC3,coughing up blood\n'
    result = mbc("batch", "--input-format", "csv", "--id-column", "patient", "--text-column", "note",
                 "--format", "csv", input=data)  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["id"] for row in rows] == ["A7", "B2", "C3"]  # the header is not looked up
    assert rows[0]["line"] == "2" and rows[0]["top_site"] == "brain"
    assert rows[0]["symptom_ids"] == "brain.headache;brain.dizziness"
    assert rows[1]["sites"] == "" and rows[1]["symptom_ids"] == ""
    flag = "triage" if "triage" in rows[0] else "urgent"
    assert rows[2][flag] in ("yes", "emergency", "urgent")


def test_batch_tsv_and_jsonl_inputs_and_ndjson_ids(mbc: Mbc) -> None:
    tsv = mbc("batch", "--input-format", "tsv", "--id-column", "1", "--text-column", "2",
              input="id\ttext\nx1\tyellow eyes\n")  # fmt: skip
    (document,) = parse_ndjson(tsv.stdout)
    assert document["id"] == "x1" and document["line"] == 2 and document["sites"][0]["site"] == "liver"
    jsonl = mbc("batch", "--input-format", "jsonl", "--id-column", "id",
                input='{"id": 5, "text": "wheezing"}\n[1]\n')  # fmt: skip
    (document,) = parse_ndjson(jsonl.stdout)
    assert document["id"] == "5" and "line 2: not an object" in jsonl.stderr


def test_batch_tsv_output_and_a_missing_column(mbc: Mbc) -> None:
    out = mbc("batch", "--format", "tsv", input="headache\n").stdout.splitlines()
    assert out[0].split("\t")[:4] == ["id", "line", "top_site", "sites"] and out[1].split("\t")[2] == "brain"
    bad = mbc("batch", "--input-format", "csv", "--text-column", "nope", input="a,b\n1,2\n")
    assert bad.exit_code == 2 and bad.stderr.startswith("mbc: error: standard input: no column 'nope'")


def test_api_to_dict_is_the_json_document(mbc: Mbc, knowledge: Knowledge) -> None:
    result = lookup("headache, dizziness", knowledge)
    assert result.to_dict() == parse_document(mbc("symptoms", "headache, dizziness", "--json").stdout)


def test_api_repr_is_short_and_rich_draws_the_table(knowledge: Knowledge) -> None:
    from rich.console import Console

    result = lookup("headache, coughing up blood", knowledge)
    assert len(repr(result)) < 200 and "brain" in repr(result)
    console = Console(record=True, width=100, file=io.StringIO())
    console.print(result)
    assert "Severe headache" in console.export_text()
    assert result.disclaimer == knowledge.disclaimer and "not a diagnosis" in result.disclaimer


def test_api_takes_a_list_of_items(knowledge: Knowledge) -> None:
    listed = lookup(["headache", "no cough"], knowledge)
    assert [item.text for item in listed.inputs] == ["headache", "no cough"]
    assert [site.site.id for site in listed.sites] == ["brain"]


@pytest.mark.parametrize("threshold", [-1, 100.5, math.nan, math.inf, "75", True])
def test_api_refuses_a_threshold_outside_0_to_100(knowledge: Knowledge, threshold: object) -> None:
    with pytest.raises(ValueError, match="0 to 100"):
        lookup("headache", knowledge, threshold=threshold)  # type: ignore[arg-type]


def test_api_writes_no_cache_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    lookup("headache")
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists()
    load_matcher(cache_dir=tmp_path / "mine")
    assert len(list((tmp_path / "mine").iterdir())) == 1


def test_the_cli_cache_folder_comes_from_platformdirs_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    from mbc_lookup import cli

    monkeypatch.delenv("MBC_CACHE_DIR")
    monkeypatch.setattr(cli.sys, "platform", "darwin")
    assert str(cli.user_cache_dir()) == platformdirs.user_cache_dir("mbc-lookup", appauthor=False)


# --- the real process ---------------------------------------------------------------------------


def _mbc() -> str:
    found = shutil.which("mbc", path=sysconfig.get_path("scripts"))
    if found is None:
        pytest.skip("the mbc entry point is not installed in this environment")
    return found


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM")}
    return {**env, "TERM": "xterm", **extra}


def test_piped_stdin_and_piped_output_in_the_real_process(tmp_path: Path) -> None:
    done = subprocess.run([_mbc(), "symptoms"], input=b"headache, dizziness\n", capture_output=True,
                          env=_env(), timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0 and b"Site: Brain; Score: 2" in done.stdout and b"\x1b" not in done.stdout
    site = subprocess.run([_mbc(), "site", "bone"], capture_output=True, env=_env(), timeout=60, check=False)
    assert b"\xe2\x80\xa6" not in site.stdout and b"HP:0002653 Bone pain" in site.stdout


def _at_terminal(args: list[str], **env: str) -> bytes:
    """Run mbc with a pseudo-terminal as standard output (and input); return what it drew."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([_mbc(), *args], stdin=follower, stdout=follower, stderr=follower,
                               env=_env(COLUMNS="100", **env))  # fmt: skip
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    process.wait(timeout=60)
    os.close(leader)
    return out


@pytest.mark.parametrize(
    ("env", "coloured"),
    [({}, True), ({"NO_COLOR": "1"}, False), ({"CLICOLOR": "0"}, False), ({"TERM": "dumb"}, False)],
)
def test_colour_at_a_terminal_follows_the_environment(env: dict[str, str], coloured: bool) -> None:
    out = _at_terminal(["sites"], **env)
    assert "━" in out.decode("utf-8")  # a terminal gets the table
    assert (b"\x1b[" in out) is coloured


def test_forced_colour_reaches_a_pipe_only_for_the_table() -> None:
    forced = subprocess.run([_mbc(), "sites", "-f", "table"], capture_output=True, timeout=60, check=False,
                            env=_env(CLICOLOR_FORCE="1"))  # fmt: skip
    assert b"\x1b[" in forced.stdout


def test_a_dash_at_a_terminal_says_how_to_finish() -> None:
    leader, follower = pty.openpty()
    process = subprocess.Popen([_mbc(), "symptoms", "-"], stdin=follower, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=_env())  # fmt: skip
    os.write(leader, b"headache\n\x04")
    _, stderr = process.communicate(timeout=60)
    os.close(follower)
    os.close(leader)
    assert b"Ctrl-D" in stderr and process.returncode == 0


def test_no_words_at_a_terminal_is_an_error_not_a_wait() -> None:
    leader, follower = pty.openpty()
    done = subprocess.run([_mbc(), "symptoms"], stdin=follower, capture_output=True, env=_env(), timeout=60,
                          check=False)  # fmt: skip
    os.close(follower)
    os.close(leader)
    assert done.returncode == 2 and done.stderr.startswith(b"mbc: error: nothing to look up")
