"""Every JSON document a test reads goes through here and is checked against the published
schema (`src/mbc_lookup/schema.json`, the file `mbc schema` prints)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(resources.files("mbc_lookup").joinpath("schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def check(document: Any) -> dict[str, Any]:
    """Raise if `document` does not follow the schema; return it."""
    validator().validate(document)
    assert isinstance(document, dict)
    return document


def parse_document(text: str | bytes) -> dict[str, Any]:
    """One JSON document, alone on one line, checked against the schema."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    assert text.endswith("\n") and text.count("\n") == 1, "one document, one line"
    return check(json.loads(text))


def parse_ndjson(text: str | bytes, check_every: int = 1) -> list[dict[str, Any]]:
    """Batch output: one JSON document per line. Every line is checked against the schema, or
    for long outputs every `check_every`-th line and the last (schema checks are slow)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    assert text == "" or text.endswith("\n"), "output ends with a complete line"
    documents = [json.loads(line) for line in text.splitlines()]
    for index, document in enumerate(documents):
        if index % check_every == 0 or index == len(documents) - 1:
            check(document)
    return documents
