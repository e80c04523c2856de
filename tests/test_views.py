"""The Markdown and HTML views of a lookup result: what a person pastes into a message to
their care team, and the page they print for an appointment."""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from markdown_it import MarkdownIt

from mbc_lookup import lookup
from mbc_lookup.model import Knowledge
from mbc_lookup.render_json import result_to_dict
from mbc_lookup.views import html, markdown
from mbc_lookup.views.document import source_map

HOSTILE = [
    "<script>alert(1)</script>",
    "[x](http://evil)",
    "![pic](http://evil/p.png)",
    "\x1b[31mred\x1b[0m",
    "**loud** _quiet_ `code` ~~gone~~ $x$",
    "www.evil.example and mail@evil.example and https://evil.example",
    "\u202eexe.txt",
    "<img src=x onerror=alert(1)>",
    "&copy &amp &#60b&#62",  # entities (a semicolon would split the item)
]
DAY = datetime.date(2026, 11, 25)


def _document(knowledge: Knowledge, text: str) -> dict[str, Any]:
    return result_to_dict(lookup(text, knowledge), knowledge)


def _markdown_html(text: str) -> str:
    """What a GitHub-like Markdown renderer (links, autolinks, tables, strikethrough) makes."""
    return MarkdownIt("gfm-like").render(text)


def _svg(page: str) -> ET.Element:
    return ET.fromstring(page[page.index("<svg") : page.index("</svg>") + len("</svg>")])


def _highlighted(page: str) -> set[str]:
    groups = [g for g in _svg(page).iter("{http://www.w3.org/2000/svg}g") if g.get("data-site")]
    assert {g.get("data-site") for g in groups} == {"brain", "bone", "liver", "lymph_nodes", "lungs"}
    return {str(g.get("data-site")) for g in groups if "associated" in str(g.get("class")).split()}


# --- Markdown -------------------------------------------------------------------------------


def test_markdown_has_what_was_typed_the_urgent_headline_sites_words_and_what_did_not_match(
    knowledge: Knowledge,
) -> None:
    text = markdown.render(_document(knowledge, "headache, coughing up blood, no fever, toothache"))
    assert "> headache, coughing up blood, no fever, toothache" in text
    assert "**Urgent: " in text and "Cough with blood and mucus" in text
    assert text.index("**Urgent: ") < text.index("**Sites of metastatic breast cancer")
    assert "- **Brain**: Severe headache (my words: “headache”)" in text
    assert "- **Lungs**: Cough with blood and mucus [urgent] (my words: “coughing up blood”)" in text
    assert "- “no fever”: you said you do not have this" in text
    assert "- “toothache”: an everyday complaint not associated with these sites" in text
    assert knowledge.disclaimer in text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_typed_text_cannot_make_links_formatting_or_html_in_markdown(
    knowledge: Knowledge, hostile: str
) -> None:
    text = markdown.render(_document(knowledge, f"headache; {hostile}"))
    assert "\x1b" not in text and "\u202e" not in text  # shown as visible escapes instead
    rendered = _markdown_html(text)
    # The only links are the sources' own addresses, from the table; none from the typed text.
    links = re.findall(r'<a href="([^"]*)"', rendered)
    assert all(link.startswith("https://") and "evil" not in link for link in links), links
    rendered = re.sub(r"<a href=[^>]*>[^<]*</a>", "", rendered)
    for made in ("<a ", "<img", "<script", "<strong>loud", "<em>quiet", "<code>", "<s>", "<del>"):
        assert made not in rendered, made
    # Only the view's own emphasis: its bold labels and the italic "Information only."
    assert rendered.count("<strong>") == text.count("**") // 2 and rendered.count("<em>") == 1


def test_typed_lines_cannot_start_headings_lists_or_breaks_in_markdown(knowledge: Knowledge) -> None:
    document = _document(knowledge, "# big; - item; 1. one; ---; > quote; ==; headache")
    document["text"] = "# big\n- item\n1. one\n---\n> quote\n==\n    indented code\nheadache"
    rendered = _markdown_html(markdown.render(document))
    quoted = rendered.split("<blockquote>", 1)[1].split("</blockquote>", 1)[0]
    for block in ("<h1", "<h2", "<ul", "<ol", "<hr", "<pre", "<blockquote"):
        assert block not in quoted, block
    assert "# big" in quoted and "1. one" in quoted and "---" in quoted


# --- HTML -----------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", HOSTILE)
def test_typed_text_is_only_ever_text_in_the_html_report(knowledge: Knowledge, hostile: str) -> None:
    page = html.render(_document(knowledge, f"headache; {hostile}"), today=DAY)
    assert (
        "<script" not in page and "<img" not in page and "onerror=" not in page.replace("onerror=alert", "")
    )
    assert "\x1b" not in page and "\u202e" not in page
    assert 'href="http://evil' not in page and 'href="https://evil' not in page
    shown = re.sub(r"</?mark[^>]*>", "", page)  # the words as typed, whatever parts were marked
    assert html.html.escape(hostile.replace("\x1b", "\\x1b").replace("\u202e", "\\u202e")) in shown


def test_the_report_has_the_date_typed_words_marked_headline_findings_and_disclaimer(
    knowledge: Knowledge,
) -> None:
    document = _document(knowledge, "headache, coughing up blood, hoarse voice, no fever, toothache")
    page = html.render(document, source_map(knowledge), today=DAY)
    assert '<time datetime="2026-11-25">25 November 2026</time>' in page
    assert '<mark class="counted">headache</mark>' in page
    assert 'no <mark class="not-counted">fever</mark>' in page  # the denied mention itself
    assert '<mark class="unmatched">toothache</mark>' in page
    assert page.index('class="headline urgent"') < page.index("What I typed")
    assert "Coughing up blood" in page.split('class="headline', 1)[1].split("</section>", 1)[0]
    # Each finding names its source, linked to the publisher's page when the source has one.
    lungs = page.split('data-site="lungs"><h3>', 1)[1].split("</article>", 1)[0]
    hoarse = next(item for item in lungs.split("<li>") if "Hoarse voice" in item)
    assert '<a href="https://breastcancernow.org/' in hoarse and "Breast Cancer Now" in hoarse
    assert "Source: Unattributed web article" in lungs  # the article's own rows: no address
    assert "Not counted" in page and "Not matched" in page
    assert html.html.escape(knowledge.disclaimer) in page


@pytest.mark.parametrize(
    "text",
    ["headache, yellow eyes", "toothache", "nausea", "lump in my armpit, wheezing, back pain", "xyzzy"],
)
def test_the_body_map_highlights_exactly_the_associated_sites(knowledge: Knowledge, text: str) -> None:
    document = _document(knowledge, text)
    page = html.render(document, today=DAY)
    associated = {site["site"] for site in document["sites"]}
    assert _highlighted(page) == associated
    svg = _svg(page)
    for group in svg.iter("{http://www.w3.org/2000/svg}g"):
        label = "".join(group.itertext())
        if group.get("data-site") in associated:
            assert "associated" in label.split()  # said in words, not by colour alone


def test_the_disclaimer_is_always_there(knowledge: Knowledge) -> None:
    for text in ("headache", "toothache", "no headache", "coughing up blood"):
        document = _document(knowledge, text)
        assert knowledge.disclaimer in markdown.render(document)
        assert html.html.escape(knowledge.disclaimer) in html.render(document, today=DAY)


def test_the_report_is_one_self_contained_printable_page(knowledge: Knowledge) -> None:
    page = html.render(_document(knowledge, "headache"), today=DAY)
    assert page.startswith("<!DOCTYPE html>") and page.count("<html") == 1
    for outside in ("<script", "<link", "<img", "<iframe", "@import", "url(", " src="):
        assert outside not in page, outside
    assert "default-src 'none'" in page  # nothing can load or run even if something slipped in
    assert "@page" in page and "@media print" in page


def test_sources_with_other_schemes_are_never_links(knowledge: Knowledge) -> None:
    sources = source_map(knowledge)
    sources["seed"] = {"id": "seed", "publisher": "P", "title": "T", "url": "javascript:alert(1)"}
    page = html.render(_document(knowledge, "headache"), sources, today=DAY)
    assert "javascript:" not in page


def test_optional_fields_text_spans_context_and_triage_are_shown(knowledge: Knowledge) -> None:
    document = _document(knowledge, "bad headache; I had a cough; no fever")
    document["text"] = "A bad headache every day.\nI had a cough, no fever"
    starts = {"bad headache": 2, "I had a cough": 26, "no fever": 41}
    for item in document["inputs"]:
        start = starts[item["text"]]
        for match in item["matches"]:
            match["span"] = {"start": start, "end": start + len(item["text"])}
            match["context"] = "negated" if item["negated"] else "present"
    document["inputs"][1]["matches"][0]["context"] = "historical"
    document["sites"] = [site for site in document["sites"] if site["site"] == "brain"]
    document["triage"] = {
        "level": "emergency",
        "action": "Call your emergency number now.",
        "reasons": [{"rule": "brain.headache", "level": "emergency", "advice": "Test advice.",
                     "source": None, "inputs": ["bad headache"]}],
    }  # fmt: skip
    page = html.render(document, today=DAY)
    assert 'A <mark class="counted">bad headache</mark> every day.<br>' in page
    assert '<mark class="not-counted">I had a cough</mark>, <mark class="not-counted">no fever</mark>' in page
    assert (
        '<section class="headline emergency" role="alert"><h2>Emergency: Call your emergency number now.'
        in page
    )
    assert "<strong>Severe headache</strong> (from <q>bad headache</q>): Test advice." in page
    assert "<q>I had a cough</q>: said as something in the past" in page
    text = markdown.render(document)
    assert "**Emergency: Call your emergency number now\\.**" not in text  # "." is never escaped
    assert "**Emergency: Call your emergency number now.**" in text
    assert "> A bad headache every day.\n> I had a cough, no fever" in text
    assert "- “I had a cough”: said as something in the past" in text
    document["triage"]["level"] = "none"
    assert 'class="headline' not in html.render(document, today=DAY)


def test_without_the_whole_text_each_item_is_marked(knowledge: Knowledge) -> None:
    document = _document(knowledge, "headache; toothache")
    del document["text"]  # a document from before whole texts were read
    page = html.render(document, today=DAY)
    assert '<mark class="counted">headache</mark>, <mark class="unmatched">toothache</mark>' in page


def test_the_json_path_loads_no_other_view_and_no_rich() -> None:
    code = (
        "import sys; from mbc_lookup.cli import main; sys.argv = ['mbc', 'symptoms', 'headache', '--json']\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('mbc_lookup.views.', 'rich'))"
        " and m != 'mbc_lookup.views.json'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert re.search(r"^\[\]$", done.stdout, flags=re.M), done.stdout + done.stderr
