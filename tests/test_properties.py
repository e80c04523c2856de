"""Property tests: whatever text arrives, lookup returns a complete, deterministic answer."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from helpers import parse_document, parse_ndjson
from mbc_lookup.api import lookup_text
from mbc_lookup.batch_input import Record
from mbc_lookup.batch_run import BatchRun, Row
from mbc_lookup.cli import app
from mbc_lookup.matching import Matcher
from mbc_lookup.model import BatchLine, Knowledge
from mbc_lookup.reading import Reader
from mbc_lookup.render_json import dumps, result_to_dict
from mbc_lookup.text import split_parts
from mbc_lookup.triage import index_rules

WORDS = st.sampled_from(
    ["headache", "no", "cough", "yellow", "eyes", "pain", "my", "[/]", ":", "\x1b[2J", "ü", "😀"]
)
TEXT = st.one_of(
    st.text(max_size=200), st.lists(WORDS, max_size=12).map(" ".join), st.lists(WORDS).map(", ".join)
)


@pytest.fixture(scope="module")
def second_matcher(knowledge: Knowledge) -> Matcher:
    """A matcher of its own, built apart from the shared one: answers must not depend on
    which matcher, or which of its caches, gave them."""
    return Matcher(knowledge)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT)
def test_any_text_gives_valid_deterministic_json(
    knowledge: Knowledge, matcher: Matcher, second_matcher: Matcher, text: str
) -> None:
    parts = split_parts(text)
    first = dumps(result_to_dict(lookup_text(text, matcher), knowledge))
    second = dumps(result_to_dict(lookup_text(text, second_matcher), knowledge))
    assert first == second
    document = parse_document(first + "\n")
    assert document["disclaimer"]
    assert len(document["inputs"]) <= len(parts)
    for item in document["inputs"]:
        assert item["matches"] or item["negated"] is False
    for site in document["sites"]:
        assert site["score"] > 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.one_of(st.binary(max_size=60), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass"))))
)
def test_any_batch_input_gives_complete_valid_ndjson(lines: list[bytes]) -> None:
    stdin = b"\n".join(lines)
    result = CliRunner().invoke(app, ["batch", "-"], input=stdin)
    assert result.exit_code in (0, 1), result.output
    documents = parse_ndjson(result.stdout)
    numbers = [d["line"] for d in documents]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert all(d["disclaimer"] for d in documents)


PHRASES = st.sampled_from(
    ["headache", "no cough", "temp 38.5", "on chemo", "weezing", "yellow eyes", "ü pain", "😀", "\x7f", "[/]"]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.lists(PHRASES, min_size=1, max_size=5).map(", ".join), min_size=1, max_size=8))
def test_batch_encoder_gives_the_json_views_bytes(
    knowledge: Knowledge, matcher: Matcher, lines: list[str]
) -> None:
    # Batch encodes a part once and writes its spans in where it stands, and a triage rule's
    # own words once: each line must still be byte for byte the `symptoms --json` document.
    run = BatchRun(matcher, io.BytesIO(), flush_each_line=False)
    records = [Record(BatchLine(number, line, None, len(line) + 1)) for number, line in enumerate(lines, 1)]
    for number, row in enumerate(run.results(records), 1):
        assert isinstance(row, Row)
        fresh = dumps(result_to_dict(lookup_text(lines[number - 1], matcher), knowledge, line=number))
        assert run.encode(row).decode("utf-8") == fresh + "\n"


TRIAGE_WORDS = st.sampled_from(
    ["sudden", "severe", "headache", "weakness", "legs", "on chemo", "temp 38.5", "36.1", "fever",
     "worse", "no", "confused", "calcium 3.1", "cant breathe", "back pain", "numb", ",", "."]
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(TRIAGE_WORDS, max_size=10).map(" ".join))
def test_triage_index_gives_what_trying_every_rule_gives(
    knowledge: Knowledge, matcher: Matcher, text: str
) -> None:
    # The index only skips rules nothing in the text can start: trying every rule on every
    # text must give the same triage.
    table = knowledge.triage
    every_rule = index_rules(table)._replace(always=tuple(range(len(table.rules))), by_key={})
    reader = Reader(matcher)
    indexed = lookup_text(text, reader, index_rules(table)).triage
    assert lookup_text(text, reader, every_rule).triage == indexed
