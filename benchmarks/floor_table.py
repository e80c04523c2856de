"""The terminal framework floor: a minimal typer + rich app that parses the same arguments as
`mbc symptoms TEXT` and prints a two-row table and a panel. Nothing of mbc-lookup is imported."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

app = typer.Typer(rich_markup_mode=None, pretty_exceptions_enable=False)


@app.callback()
def main() -> None:
    """A floor app."""


@app.command()
def symptoms(text: str, explain: Annotated[bool, typer.Option("--explain")] = False) -> None:
    items = [item.strip() for item in text.split(",") if item.strip()]
    table = Table(title="Sites")
    table.add_column("Site")
    table.add_column("Your words")
    table.add_row("Brain", items[0] if items else "")
    table.add_row("Lungs", items[-1] if items else "")
    console = Console(markup=False, emoji=False, highlight=False)
    console.print(table)
    console.print(Panel("Information only.", title="Information only"))


if __name__ == "__main__":
    app()
