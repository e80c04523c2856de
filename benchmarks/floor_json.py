"""The JSON framework floor: a minimal typer app that parses the same arguments as
`mbc symptoms TEXT --json` and prints a small JSON object. Nothing of mbc-lookup is imported."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)


@app.callback()
def main() -> None:
    """A floor app."""


@app.command()
def symptoms(
    text: str,
    json_output: Annotated[bool, typer.Option("--json")] = False,
    threshold: Annotated[float | None, typer.Option("--threshold")] = None,
) -> None:
    items = [item.strip() for item in text.split(",") if item.strip()]
    print(json.dumps({"items": items, "sites": [], "threshold": threshold}))


if __name__ == "__main__":
    app()
