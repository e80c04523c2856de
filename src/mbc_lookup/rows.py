"""Lookups as rows: the unit of work for Spark, Dask or any engine that maps a function over
partitions of texts, with the same answers as `mbc batch`.

    from mbc_lookup.rows import lookup_rows
    for row in lookup_rows(["headache, dizziness", "yellow eyes"]):
        print(row["id"], row["top_site"], row["sites"])

Every row has the same flat columns (`COLUMNS`):

- `id`: the id given with the text (for `lookup_frame`, its id column), else its position
- `top_site`: the id of the first site, or None
- `sites`: the site ids in rank order
- `urgent`: whether anything in the list needs prompt medical care
- `symptom_ids`: the symptoms the list's items matched in the present (negated, past or
  someone else's left out), in order: the `symptom_ids` column of `mbc batch --format csv`
- `json`: the object `mbc batch` writes for the same text, byte for byte, less its "line";
  None for a blank text, which `mbc batch` skips

The matcher is built once per process, table and cutoff (from the compiled-table cache) and
kept: `_renderer` is an `functools.lru_cache` of at most `RENDERERS` entries. Each keeps the
same bounded caches of repeated lines as `mbc batch`. pandas and pyarrow are imported only by
the functions that take or make their batches, never on the `mbc` start-up path.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from .api import load_matcher
from .batch_run import BatchRun, symptom_ids

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

COLUMNS = ("id", "top_site", "sites", "urgent", "symptom_ids", "json")
# The same schema in Spark's DDL, for DataFrame.mapInPandas(lookup_batches, SPARK_SCHEMA).
SPARK_SCHEMA = (
    "id long, top_site string, sites array<string>, urgent boolean, symptom_ids array<string>, json string"
)
RENDERERS = 4  # (table, cutoff, seed_only) combinations kept per process
ROW_CACHE_LIMIT = 4_096  # distinct texts whose symptom ids are kept; emptied when full


class Row(TypedDict):
    id: int
    top_site: str | None
    sites: list[str]
    urgent: bool
    symptom_ids: list[str]
    json: str | None


_Values = tuple[int, str | None, list[str], bool, list[str], str | None]  # a row, in COLUMNS order


class _Renderer:
    """One table's `BatchRun` and the row parts it does not give directly."""

    def __init__(self, run: BatchRun) -> None:
        self.run = run
        self.head = run.prefix + b"," + run.constant + b","
        self.symptoms: dict[str, list[str]] = {}

    def values(self, row_id: int, text: str | None) -> _Values:
        if text is None or not text.strip():
            return (row_id, None, [], False, [], None)
        body, sites, urgent = self.run.render(text)
        document = (self.head + body).decode("utf-8")
        return (
            row_id,
            sites[0] if sites else None,
            list(sites),
            urgent,
            self._symptom_ids(text, body),
            document,
        )

    def _symptom_ids(self, text: str, body: bytes) -> list[str]:
        """As `mbc batch --format csv` reads them from the same JSON."""
        found = self.symptoms.get(text)
        if found is None:
            found = symptom_ids(json.loads(b"{" + body))
            if len(self.symptoms) >= ROW_CACHE_LIMIT:
                self.symptoms.clear()
            self.symptoms[text] = found
        return list(found)


def _values(
    texts: Iterable[str | None],
    ids: Iterable[int] | None,
    data: str | Path | None,
    threshold: float | None,
    seed_only: bool,
) -> Iterator[_Values]:
    renderer = _renderer(None if data is None else str(data), threshold, seed_only)
    numbered = enumerate(texts) if ids is None else zip(ids, texts, strict=True)
    for row_id, text in numbered:
        yield renderer.values(int(row_id), text)


@lru_cache(maxsize=RENDERERS)
def _renderer(data: str | None, threshold: float | None, seed_only: bool) -> _Renderer:
    matcher = load_matcher(data, threshold, seed_only=seed_only)
    return _Renderer(BatchRun(matcher, io.BytesIO(), flush_each_line=False))


def lookup_rows(
    texts: Iterable[str | None],
    *,
    ids: Iterable[int] | None = None,
    data: str | Path | None = None,
    threshold: float | None = None,
    seed_only: bool = False,
) -> Iterator[Row]:
    """One row per text, in order. `ids` (default 0, 1, 2, ...) are copied into the rows;
    `data`, `threshold` and `seed_only` are those of `mbc batch`. Raises `KnowledgeError`
    for a bad table."""
    for row_id, top_site, sites, urgent, found, document in _values(texts, ids, data, threshold, seed_only):
        yield Row(id=row_id, top_site=top_site, sites=sites, urgent=urgent, symptom_ids=found, json=document)


def lookup_pairs(
    pairs: Iterable[tuple[int, str | None]],
    *,
    data: str | Path | None = None,
    threshold: float | None = None,
    seed_only: bool = False,
) -> list[Row]:
    """Rows for (id, text) pairs: a Dask bag's `map_partitions(lookup_pairs)`, or Spark's
    `rdd.mapPartitions(lookup_pairs)`."""
    ids: list[int] = []
    texts: list[str | None] = []
    for row_id, text in pairs:
        ids.append(row_id)
        texts.append(text)
    return list(lookup_rows(texts, ids=ids, data=data, threshold=threshold, seed_only=seed_only))


def lookup_frame(
    frame: pd.DataFrame,
    *,
    text_column: str = "text",
    id_column: str = "id",
    data: str | Path | None = None,
    threshold: float | None = None,
    seed_only: bool = False,
) -> pd.DataFrame:
    """A pandas batch of texts to a pandas batch of rows (`COLUMNS`), for Dask's
    `DataFrame.map_partitions` (with `meta=empty_frame()`). Ids come from `id_column`, else
    from the frame's index."""
    import pandas as pd

    texts = [text if isinstance(text, str) else None for text in frame[text_column]]
    ids = frame[id_column] if id_column in frame.columns else frame.index
    columns = list(zip(*_values(texts, ids, data, threshold, seed_only), strict=True))
    if not columns:
        return empty_frame()
    return pd.DataFrame(dict(zip(COLUMNS, columns, strict=True))).astype(_dtypes())


def lookup_batches(
    batches: Iterable[pd.DataFrame],
    *,
    text_column: str = "text",
    id_column: str = "id",
    data: str | Path | None = None,
    threshold: float | None = None,
    seed_only: bool = False,
) -> Iterator[pd.DataFrame]:
    """`lookup_frame` over an iterator of pandas batches: Spark's
    `DataFrame.mapInPandas(lookup_batches, SPARK_SCHEMA)`."""
    for frame in batches:
        yield lookup_frame(
            frame, text_column=text_column, id_column=id_column, data=data, threshold=threshold,
            seed_only=seed_only,
        )  # fmt: skip


def lookup_arrow(
    batch: pa.RecordBatch,
    *,
    text_column: str = "text",
    id_column: str = "id",
    data: str | Path | None = None,
    threshold: float | None = None,
    seed_only: bool = False,
) -> pa.RecordBatch:
    """An Arrow batch of texts to an Arrow batch of rows (`arrow_schema()`), for engines that
    hand over Arrow (Spark's `mapInArrow`, Ray's `map_batches`)."""
    import pyarrow as pa

    texts = batch.column(text_column).to_pylist()
    names = batch.schema.names
    ids = batch.column(id_column).to_pylist() if id_column in names else range(batch.num_rows)
    rows = lookup_rows(texts, ids=ids, data=data, threshold=threshold, seed_only=seed_only)
    return pa.RecordBatch.from_pylist(list(rows), schema=arrow_schema())


def empty_frame() -> pd.DataFrame:
    """No rows, the right columns and types: Dask's `meta`."""
    import pandas as pd

    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in _dtypes().items()})


def arrow_schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema(
        [
            ("id", pa.int64()),
            ("top_site", pa.string()),
            ("sites", pa.list_(pa.string())),
            ("urgent", pa.bool_()),
            ("symptom_ids", pa.list_(pa.string())),
            ("json", pa.string()),
        ]
    )


def _dtypes() -> dict[str, Any]:
    return {"id": "int64", "top_site": "string", "sites": object, "urgent": "bool", "symptom_ids": object,
            "json": "string"}  # fmt: skip
