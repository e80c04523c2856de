"""Issue 13: one home for output. Every printing command takes --format; each view turns the
same result document into text; the writer picks table at a terminal and plain elsewhere."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from markdown_it import MarkdownIt
from typer.testing import Result

from helpers import parse_document
from mbc_lookup import views
from mbc_lookup.api import find_site, lookup
from mbc_lookup.model import Knowledge
from mbc_lookup.render_json import site_to_dict, sites_to_dict, treatments_to_dict, validation_to_dict
from mbc_lookup.writer import use_color

Mbc = Callable[..., Result]
COMMANDS = [
    ("symptoms", "headache, coughing up blood, no fever, toothache"),
    ("sites",),
    ("site", "bone"),
    ("treatments",),
    ("validate",),
]


def _documents(knowledge: Knowledge) -> list[dict[str, object]]:
    return [
        lookup("headache, coughing up blood, no fever, toothache", knowledge).to_dict(),
        sites_to_dict(knowledge),
        site_to_dict(knowledge, find_site(knowledge, "bone"), phrases=True),
        treatments_to_dict(knowledge),
        validation_to_dict("t.yaml", knowledge, [], knowledge.sha256),
    ]


@pytest.mark.parametrize("fmt", views.FORMATS)
def test_every_view_renders_every_kind_of_document(knowledge: Knowledge, fmt: str) -> None:
    for document in _documents(knowledge):
        text = views.get(fmt)(document, views.Options(explain=True))
        assert text.endswith("\n") and "\x1b" not in text
        if document["kind"] != "validation":
            assert "not a diagnosis" in text.replace("\n", " ")


@pytest.mark.parametrize("args", COMMANDS)
@pytest.mark.parametrize("fmt", views.FORMATS)
def test_every_printing_command_takes_format(mbc: Mbc, args: tuple[str, ...], fmt: str) -> None:
    result = mbc(*args, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        assert parse_document(result.stdout)["kind"] == json.loads(mbc(*args, "--json").stdout)["kind"]
    if fmt == "html":
        assert result.stdout.startswith("<!DOCTYPE html>")
    if fmt == "markdown":
        assert MarkdownIt().parse(result.stdout)


def test_without_a_terminal_the_default_is_plain(mbc: Mbc) -> None:
    result = mbc("site", "bone")
    assert result.stdout == mbc("site", "bone", "--format", "plain").stdout
    assert not set("━┃│╭") & set(result.stdout)


def test_plain_never_cuts_text_short(mbc: Mbc, knowledge: Knowledge) -> None:
    out = mbc("site", "bone", env={"COLUMNS": "40"}).stdout
    assert "…" not in out and "..." not in out
    for symptom in knowledge.site("bone").symptoms:
        assert f"{symptom.codes.hpo} {symptom.codes.hpo_label}" in out
        assert symptom.name in out


def test_plain_shows_what_the_table_shows(mbc: Mbc) -> None:
    text = "headache, coughing up blood, no fever, toothache"
    table = mbc("symptoms", text, "--format", "table").stdout
    plain = mbc("symptoms", text).stdout
    for words in (
        "How urgent: urgent",
        "URGENT: contact",
        "Severe headache",
        "Cough with blood",
        "toothache",
    ):
        assert words in table and words in plain


def test_unknown_format_is_a_usage_error(mbc: Mbc) -> None:
    result = mbc("sites", "--format", "yaml")
    assert result.exit_code == 2 and result.stderr.startswith("mbc: error:") and result.stdout == ""
    assert mbc("batch", "--format", "html", input="headache\n").exit_code == 2


def test_table_colour_follows_color_option(mbc: Mbc) -> None:
    assert "\x1b[" in mbc("sites", "-f", "table", "--color", "always").stdout
    assert "\x1b[" not in mbc("sites", "-f", "table", "--color", "never").stdout
    assert "\x1b[" not in mbc("sites", "-f", "table").stdout  # auto: not a terminal
    assert "\x1b[" not in mbc("sites", "-f", "plain", "--color", "always").stdout


@pytest.mark.parametrize(
    ("flag", "env", "terminal", "expected"),
    [
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"CLICOLOR_FORCE": "1"}, True, False),
        (None, {"NO_COLOR": "1", "CLICOLOR_FORCE": "1"}, True, False),
        (None, {"NO_COLOR": ""}, True, True),  # empty means unset
        (None, {"CLICOLOR_FORCE": "1"}, False, True),
        (None, {"FORCE_COLOR": "1"}, False, True),
        (None, {"FORCE_COLOR": "0"}, False, False),
        (None, {"CLICOLOR": "0"}, True, False),
        (None, {"CLICOLOR": "0", "CLICOLOR_FORCE": "1"}, False, True),
        (None, {"TERM": "dumb"}, True, False),
        (None, {}, True, True),
        (None, {}, False, False),
    ],
)
def test_colour_precedence(
    monkeypatch: pytest.MonkeyPatch, flag: str | None, env: dict[str, str], terminal: bool, expected: bool
) -> None:
    from mbc_lookup import writer

    monkeypatch.setattr(writer, "stdout_is_terminal", lambda: terminal)
    assert use_color(flag, env) is expected


def test_triage_headline_comes_first_in_every_view(knowledge: Knowledge) -> None:
    document = lookup("headache, coughing up blood", knowledge).to_dict()
    document["triage"] = {
        "level": "emergency",
        "action": "Call 999 now.",
        "reasons": [{"rule": "lungs.haemoptysis", "advice": "Bleeding.", "inputs": ["coughing up blood"]}],
    }
    for fmt in ("table", "plain", "markdown"):
        text = views.get(fmt)(document, views.Options(width=120))
        assert text.index("Call 999 now.") < text.index("Severe headache"), fmt
    page = views.get("html")(document, views.Options())
    assert page.index("Call 999 now.") < page.index("What I typed")


def test_typed_markup_and_control_codes_are_text_in_every_view(knowledge: Knowledge) -> None:
    document = lookup("[bold red]headache[/], \x1b]0;x\x07 dizziness, <b>cough</b>", knowledge).to_dict()
    for fmt in ("table", "plain"):
        text = views.get(fmt)(document, views.Options(color=True, width=200))
        assert (
            "[bold red]headache[/]" in re.sub(r"\x1b\[[0-9;]*m", "", text)
            and "\x07" not in text
            and "\x1b]" not in text
        )
    assert "<b>" not in views.get("html")(document, views.Options())
    assert "<b>" not in views.get("markdown")(document, views.Options())


def test_batch_csv_ids_cannot_start_a_spreadsheet_formula(mbc: Mbc) -> None:
    rows = 'id,text\n=HYPERLINK("http://x"),headache\n+1,cough\n'
    args = ["--input-format", "csv", "--id-column", "id", "--text-column", "text", "--format", "csv"]
    out = mbc("batch", *args, input=rows).stdout
    assert "'=HYPERLINK" in out and "\n'+1," in out
