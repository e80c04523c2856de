"""Never crash, never mislead: odd and hostile input, broken tables, the real process.

Each case ends in a clear result or one clear error line, with exit 0, 1 or 2 and no
traceback; typed text never styles or steers the terminal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from helpers import parse_document, parse_ndjson
from mbc_lookup.cli import app
from mbc_lookup.knowledge import KnowledgeError, load_knowledge
from mbc_lookup.matching import Matcher
from mbc_lookup.model import Knowledge

Mbc = Callable[..., Result]


FULL_WIDTH_HEADACHE = "".join(chr(0xFF00 + ord(ch) - 0x20) for ch in "headache")


def _no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


# --- what a person can type or pipe ---------------------------------------------------------


@pytest.mark.parametrize("text", ["", ",,;;", "   ", " , ;\n;, "])
def test_nothing_to_look_up_is_one_error_line(mbc: Mbc, text: str) -> None:
    for args in (("symptoms", text), ("symptoms", text, "--json")):
        result = mbc(*args)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.startswith("mbc: error: nothing to look up") and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "text",
    [
        "a", "x" * 100_000, "headache\x00cough", "headache \U0001f915, \U0001f600", "כאב ראש",
        "e\u0301\u0301\u0301dema", FULL_WIDTH_HEADACHE, "головная боль, headache", "\u202eehcadaeh",
        "\ufeffheadache", "\U0010ffff", "\ud800", "head\udcffache",
    ],
)  # fmt: skip
def test_odd_text_gives_a_result_never_a_crash(mbc: Mbc, text: str) -> None:
    table = mbc("symptoms", text)
    _no_traceback(table)
    assert table.exit_code in (0, 1)
    assert "not a diagnosis" in table.stdout
    as_json = mbc("symptoms", text, "--json")
    assert as_json.exit_code == table.exit_code
    document = parse_document(as_json.stdout)
    assert document["inputs"]


def test_full_width_letters_and_emoji_still_match(mbc: Mbc) -> None:
    document = parse_document(
        mbc(
            "symptoms", "\uff48\uff45\uff41\uff44\uff41\uff43\uff48\uff45, coughing \U0001f637", "--json"
        ).stdout
    )
    assert [s["site"] for s in document["sites"]] == ["brain", "lungs"]


def test_a_100000_character_argument_is_answered(mbc: Mbc) -> None:
    text = "headache " + "very " * 20_000
    result = mbc("symptoms", text, "--json")
    assert result.exit_code == 0
    assert parse_document(result.stdout)["inputs"][0]["text"] == text.strip()


def test_ten_thousand_items_on_stdin(mbc: Mbc) -> None:
    items = ", ".join(
        ["headache", "yellow eyes", "xyzzy", "no cough"][i % 4] + f" {i}" for i in range(10_000)
    )
    result = mbc("symptoms", "-", "--json", input=items)
    assert result.exit_code == 0
    document = parse_document(result.stdout)
    assert len(document["inputs"]) == 10_000
    assert [s["site"] for s in document["sites"]] == ["brain", "liver"]


def test_invalid_utf8_on_stdin_is_reported_by_line_and_the_rest_used(mbc: Mbc) -> None:
    result = mbc("symptoms", "-", "--json", input=b"headache\n\xc3\x28 broken\ncough\n")
    assert result.exit_code == 0
    assert result.stderr == "mbc: warning: standard input line 2: not valid UTF-8 at byte 1; skipped\n"
    assert [i["text"] for i in parse_document(result.stdout)["inputs"]] == ["headache", "cough"]


def test_batch_survives_hostile_lines(mbc: Mbc) -> None:
    lines = [b"headache", b"\x00\x00", b"[bold red]x[/]", b"\x1b[2J\x1b]0;title\x07", b"\xff", b"x" * 200_000]
    result = mbc("batch", input=b"\n".join(lines) + b"\n")
    assert result.exit_code == 0
    documents = parse_ndjson(result.stdout)
    assert [d["line"] for d in documents] == [1, 2, 3, 4, 6]
    assert "\x1b" not in result.stdout
    assert result.stderr == "mbc: warning: line 5: not valid UTF-8 at byte 1; skipped\n"


@pytest.mark.parametrize(
    "markup", ["[bold red]x[/]", "[/]", "[link=https://example.com]click[/link]", "[/bold"]
)
def test_markup_is_shown_literally_everywhere(mbc: Mbc, markup: str) -> None:
    result = mbc("symptoms", f"headache, {markup}", "--explain")
    assert result.exit_code == 0
    assert markup in result.stdout  # shown as typed, never read as markup
    assert "\x1b]8;" not in result.stdout  # no hyperlink escape
    site = mbc("site", markup)
    assert site.exit_code == 2 and markup in site.stderr


def test_ansi_and_control_codes_are_escaped_in_the_table_and_json(mbc: Mbc) -> None:
    hostile = "headache \x1b[31mred\x1b[0m, \x1b]0;pwned\x07, \x9b2J, \u202eevil, \x08\x08back"
    table = mbc("symptoms", hostile, "--explain").stdout
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\x08"):
        assert raw not in table
    assert "\\x1b[31mred" in table and "\\u202eevil" in table
    raw_json = mbc("symptoms", hostile, "--json").stdout
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\x08"):
        assert raw not in raw_json
    assert parse_document(raw_json)["inputs"][0]["text"] == "headache \x1b[31mred\x1b[0m"


def test_typer_pretty_exceptions_are_off() -> None:
    assert app.pretty_exceptions_enable is False
    assert app.pretty_exceptions_show_locals is False


# --- knowledge files --------------------------------------------------------------------------


def _broken_tables(table_text: str) -> dict[str, str]:
    return {
        "empty": "",
        "not YAML": "sites: [unclosed\n  - :",
        "duplicate keys": table_text.replace("format: 1\n", "format: 1\nformat: 1\n", 1),
        "wrong types": table_text.replace('knowledge_version: "2026.12.07.2"', "knowledge_version: 7", 1),
        "unknown keys": table_text.replace("format: 1\n", "format: 1\nextra: true\n", 1),
        "no sites": table_text[: table_text.index("\nsites:")] + "\nsites: []\n",
        "alias bomb": "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "binary": "\x00\x01\x02",
    }


def test_every_broken_table_is_one_clear_line_with_file_and_place(
    mbc: Mbc, table_text: str, tmp_path: Path
) -> None:
    for name, text in _broken_tables(table_text).items():
        path = tmp_path / f"{name.replace(' ', '_')}.yaml"
        path.write_text(text, encoding="utf-8")
        result = mbc("symptoms", "headache", "--data", str(path))
        assert result.exit_code == 2, name
        assert result.stdout == "", name
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"mbc: error: {path}"), name
        _no_traceback(result)
        report = mbc("validate", str(path))
        assert report.exit_code == 2 and report.stdout.endswith("found\n"), name


def test_a_table_with_no_sites_says_so(table_text: str, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(table_text[: table_text.index("\nsites:")] + "\nsites: []\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(path)
    assert any("has no sites" in str(problem) for problem in caught.value.problems)


def test_a_very_large_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(200_000_000)  # sparse: costs no disk
    with pytest.raises(KnowledgeError, match="larger than 5 MB"):
        load_knowledge(path)


def test_a_large_valid_table_loads(table_text: str, tmp_path: Path) -> None:
    extra_sources = "".join(
        f'  - {{id: extra{i}, publisher: "P{i}", title: "T{i}", url: null}}\n' for i in range(20_000)
    )
    big = table_text.replace("\nsources:\n", "\nsources:\n" + extra_sources, 1)
    assert len(big) > 1_000_000
    path = tmp_path / "big.yaml"
    path.write_text(big, encoding="utf-8")
    assert len(load_knowledge(path).sources) > 20_000


def test_an_unreadable_table_is_one_line(
    mbc: Mbc, table_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(table_text, encoding="utf-8")
    path.chmod(0)
    if os.name == "nt" or os.geteuid() == 0:  # root reads any file: make the read fail as it would
        real_open = Path.open

        def refuse(self: Path, *args: object, **kwargs: object) -> object:
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

        monkeypatch.setattr(Path, "open", refuse)
    result = mbc("symptoms", "headache", "--data", str(path))
    assert result.exit_code == 2 and result.stderr == f"mbc: error: {path}: permission denied\n"


# --- the real process ----------------------------------------------------------------------------


def _mbc() -> str:
    return str(Path(sysconfig.get_path("scripts")) / "mbc")


def _peak_rss_kb(args: list[str], cwd: Path) -> int:
    """Peak resident memory of one `mbc` run, from the kernel's account of the child."""
    process = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return int(usage.ru_maxrss)


@pytest.mark.skipif(not hasattr(os, "wait4"), reason="needs os.wait4")
def test_a_million_line_batch_runs_in_flat_memory(tmp_path: Path) -> None:
    if not Path(_mbc()).exists():
        pytest.skip("the mbc entry point is not installed in this environment")
    lists = ["headache, dizziness", "yellow eyes", "cough, wheezing", "no cough", "xyzzy", "bone pain"]
    small, large = tmp_path / "small.txt", tmp_path / "large.txt"
    small.write_text("".join(f"{lists[i % 6]}\n" for i in range(10_000)), encoding="utf-8")
    large.write_text("".join(f"{lists[i % 6]}\n" for i in range(1_000_000)), encoding="utf-8")
    small_kb = _peak_rss_kb([_mbc(), "batch", str(small), "-o", os.devnull], tmp_path)
    large_kb = _peak_rss_kb([_mbc(), "batch", str(large), "-o", os.devnull], tmp_path)
    # The benchmark reports the exact ratio; this only guards against memory growing with input.
    assert large_kb < small_kb * 1.25, (small_kb, large_kb)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_batch_into_a_full_disk_is_one_clear_error(tmp_path: Path) -> None:
    lists = tmp_path / "lists.txt"
    lists.write_text("headache\n" * 1000, encoding="utf-8")
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "mbc_lookup", "batch", str(lists)],
            cwd=tmp_path, stdout=full, stderr=subprocess.PIPE, timeout=60,
        )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.decode().splitlines() == [
        "mbc: error: cannot write the output: No space left on device"
    ]


# --- issue 14: one line and a documented exit for every ending ---------------------------------


def _one_error_line(result: Result, starts: str = "mbc: error: ") -> str:
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(starts), result.stderr
    assert "\x1b" not in result.stderr
    _no_traceback(result)
    return result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("symptoms", "--bogus"), ("nonsense",), ("symptoms",), ("site",),
        ("symptoms", "headache", "--threshold", "150"), ("batch", "-", "--threshold", "x"),
    ],
)  # fmt: skip
def test_usage_errors_are_one_line_not_a_usage_block(mbc: Mbc, args: tuple[str, ...]) -> None:
    result = mbc(*args)
    assert result.exit_code == 2 and result.stdout == ""
    line = _one_error_line(result)
    assert "Usage:" not in line and "--help" in line  # the hint fits on the same line


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "+inf"])
def test_a_threshold_that_is_not_a_number_from_0_to_100_is_refused(mbc: Mbc, value: str) -> None:
    for args in (("symptoms", "headache", "--json"), ("symptoms", "headache"), ("batch", "-")):
        result = mbc(*args, "--threshold", value, input="headache\n")
        assert result.exit_code == 2 and result.stdout == "", (args, value)
        assert "--threshold" in _one_error_line(result)


def test_an_unforeseen_exception_is_one_internal_error_line_exit_70(
    mbc: Mbc, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mbc_lookup.api

    def broken(*args: object) -> None:
        raise RuntimeError("boom \x1b[31m")

    monkeypatch.setattr(mbc_lookup.api, "lookup_text", broken)
    result = mbc("symptoms", "headache", "--json")
    assert result.exit_code == 70  # never 1, which means "nothing matched"
    assert _one_error_line(result, "mbc: internal error: RuntimeError: boom \\x1b[31m")
    assert "MBC_DEBUG=1" in result.stderr
    debug = mbc("symptoms", "headache", "--json", env={"MBC_DEBUG": "1"})
    assert debug.exit_code == 70 and "Traceback" in debug.stderr
    assert debug.stderr.splitlines()[-1].startswith("mbc: internal error: RuntimeError")


def test_escape_sequences_in_a_file_name_are_shown_escaped(mbc: Mbc) -> None:
    result = mbc("batch", "\x1b[2J\x1b[31mX")
    assert result.exit_code == 2
    assert _one_error_line(result) == "mbc: error: \\x1b[2J\\x1b[31mX: no such file\n"


@pytest.mark.skipif(os.name == "nt" or sys.platform == "darwin", reason="needs a byte file name")
def test_a_file_name_that_is_not_utf8_is_shown_with_escapes(
    mbc: Mbc, table_text: str, tmp_path: Path
) -> None:
    path = Path(os.fsdecode(bytes(tmp_path) + b"/caf\xe9.yaml"))
    path.write_text(table_text, encoding="utf-8")
    text = mbc("validate", str(path))
    knowledge = load_knowledge()
    counts = f"{len(knowledge.sites)} sites, {len(knowledge.symptoms)} symptoms"
    assert text.exit_code == 0 and text.stdout.endswith(
        f"caf\\xe9.yaml: valid ({counts}, version {knowledge.knowledge_version})\n"
    )
    document = parse_document(mbc("validate", str(path), "--json").stdout)
    assert document["path"].endswith("caf\\xe9.yaml") and document["valid"]
    missing = mbc("symptoms", "headache", "--data", str(path) + "x")
    assert _one_error_line(missing).endswith("caf\\xe9.yamlx: no such file\n")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("big", "format: " + "9" * 5000 + "\n", "big.yaml:1: not valid YAML: a number with too many digits"),
        ("deep", "a: " + "[" * 200 + "]" * 200 + "\n", "deep.yaml:1: nested more than 50 levels deep"),
        ("deeper", "a: " + "[" * 999 + "]" * 999 + "\n", "deeper.yaml:1: nested more than 50 levels deep"),
        ("date", "format: 1\nwhen: 2024-13-45\n", "date.yaml:2: not valid YAML: month must be in 1..12"),
    ],
)
def test_yaml_python_cannot_build_is_a_problem_with_a_line(
    mbc: Mbc, tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    report = mbc("validate", str(path))
    assert report.exit_code == 2 and report.stdout.startswith(f"{tmp_path}/{message}\n"), report.output
    result = mbc("symptoms", "headache", "--data", str(path))
    assert result.exit_code == 2 and _one_error_line(result) == f"mbc: error: {tmp_path}/{message}\n"


def test_control_characters_in_a_table_are_refused_at_load(mbc: Mbc, table_text: str, tmp_path: Path) -> None:
    path = tmp_path / "esc.yaml"
    path.write_text(table_text.replace('name: "Liver"', 'name: "Liver\\e[31m"', 1), encoding="utf-8")
    report = mbc("validate", str(path))
    assert report.exit_code == 2 and "\x1b" not in report.stdout
    assert "'Liver\\\\x1b[31m' holds a control character" in report.stdout
    result = mbc("symptoms", "yellow eyes", "--data", str(path))
    assert result.exit_code == 2 and "control character" in _one_error_line(result)


def test_the_lookup_view_escapes_text_from_the_table(knowledge: Knowledge) -> None:
    """Even a table built in code (no loader to refuse it) never styles the terminal."""
    from mbc_lookup.api import lookup
    from mbc_lookup.views import Options, plain, table

    evil = knowledge._replace(
        disclaimer="\x1b]0;pwned\x07Not a diagnosis.",
        sites=tuple(
            site._replace(
                name=f"\x1b[31m{site.name}",
                symptoms=tuple(s._replace(name=f"{s.name}\x1b[2J") for s in site.symptoms),
            )
            for site in knowledge.sites
        ),
    )
    document = lookup("headache, no cough, headach, xyzzyq", evil).to_dict()
    for view in (table.view, plain.view):
        out = view(document, Options(color=True, explain=True))
        assert "\x07" not in out and "\x1b]" not in out and "\x1b[2J" not in out and "\x1b[31m" not in out
        assert "\\x1b[2J" in out


def test_shell_completion_with_a_broken_table_offers_nothing(mbc: Mbc, tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("format: " + "9" * 5000 + "\n", encoding="utf-8")
    env = {"_MBC_COMPLETE": "complete_bash", "COMP_WORDS": f"mbc site --data {path} ", "COMP_CWORD": "4"}
    result = mbc(env=env)
    assert result.exit_code == 0 and result.stdout.strip() == "" and result.stderr == ""


def test_a_table_typer_thinks_unreadable_gets_mbcs_own_message(
    mbc: Mbc, table_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text(table_text, encoding="utf-8")
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # what typer's check asks
    monkeypatch.setattr(Path, "open", refuse)
    for args in (("symptoms", "headache", "--data", str(path)), ("validate", str(path))):
        result = mbc(*args)
        assert result.exit_code == 2
        assert f"{path}: permission denied" in result.output and "is not readable" not in result.output


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs /proc")
def test_a_read_error_is_reported_as_a_read_error(mbc: Mbc) -> None:
    result = mbc("batch", "/proc/self/mem")
    assert result.exit_code == 2
    assert _one_error_line(result).startswith("mbc: error: /proc/self/mem: cannot read: ")


def test_a_stdin_line_over_1_mb_is_answered_by_symptoms(mbc: Mbc) -> None:
    text = ", ".join(["headache", "yellow eyes"] * 80_000)  # 1.7 MB on one line
    assert len(text) > 1_000_000
    result = mbc("symptoms", "-", "--json", input=text + "\n")
    assert result.exit_code == 0 and result.stderr == ""
    assert [i["text"] for i in parse_document(result.stdout)["inputs"]] == ["headache", "yellow eyes"]


def test_batch_caches_are_bounded_by_bytes_and_skip_long_lines(matcher: Matcher) -> None:
    import io

    from mbc_lookup import batch_run

    run = batch_run.BatchRun(matcher, io.BytesIO(), flush_each_line=False)
    long_line = "headache, " + "x" * (batch_run.CACHEABLE_CHARS + 1)
    run.render(long_line)
    assert long_line not in run.cache and not any(
        len(key) > batch_run.CACHEABLE_CHARS for key in run.item_cache
    )
    for index in range(3000):
        for _ in range(2):  # a line's JSON is kept from its second time on
            run.render(f"headache {index}, " + "y" * 1500)
        assert run.line_bytes <= batch_run.LINE_CACHE_BYTES and run.item_bytes <= batch_run.ITEM_CACHE_BYTES
    assert run.cache  # and lines are kept
