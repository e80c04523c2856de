"""The JSON view: the document itself, one line, schema version 1 (`mbc schema`).

Plain `json` only: no rich on this path. The encoder (`render_json.dumps`) is shared with
`batch_run`, which writes the same documents many times a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..render_json import dumps
from . import DEFAULT, Options


def view(document: Mapping[str, Any], options: Options = DEFAULT) -> str:
    return dumps(document) + "\n"
