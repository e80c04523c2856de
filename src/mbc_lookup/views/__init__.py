"""One home for output: a view turns a result document into text.

A result document is one of the dicts `render_json` builds (kind "lookup", "sites", "site",
"treatments" or "validation"); it is the same object `--json` prints. Each format is one
module with one job, reached through one small interface, `View`:

    text = views.get("plain")(document, Options())

- `table`: rich tables and framed notices for a terminal (colour when `Options.color`)
- `plain`: the table's content as plain lines: no box drawing, nothing cut short; what a pipe,
  a file or a screen reader gets
- `markdown`: text to paste into a message; `html`: a self-contained page to print
- `json`: the document itself (schema version 1)

The views only make text; `writer` puts it on standard output. Each module is imported only
when its format is asked for, so the JSON path never loads rich.
"""

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import datetime

FORMATS = ("table", "plain", "markdown", "html", "json")
# Formats whose bytes are always UTF-8 (files and machine input); the screen formats follow the
# terminal's encoding, with escapes for what it cannot show.
UTF8_FORMATS = frozenset({"markdown", "html", "json"})


class Options(NamedTuple):
    color: bool = False  # colour codes (table only)
    width: int | None = None  # columns to draw the table in (None: 100)
    explain: bool = False  # lookup: add how each part was read
    sources: Mapping[str, Any] | None = None  # source id -> source, for markdown/html lookups
    today: "datetime.date | None" = None  # the date an HTML report carries (None: today)


DEFAULT = Options()


# A view: a result document and the options, to the text to write. (A Callable alias, not a
# Protocol class: this module is on every lookup's path, and a Protocol is slow to define.)
View = Callable[[Mapping[str, Any], Options], str]


def get(name: str) -> View:
    """The view for a format named in FORMATS."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r}; formats: {', '.join(FORMATS)}")
    view: View = import_module(f"{__name__}.{name}").view
    return view
