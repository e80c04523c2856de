"""Parquet in, Parquet out, with Dask: `mbc batch` for inputs too large for one machine.

    pip install "mbc-lookup[dask]"
    python -m mbc_lookup.dask_job texts.parquet results.parquet

The input has a text column (default "text") and an id column (default "id"); the output has
the columns of `mbc_lookup.rows` (`COLUMNS`), one row per input row, the same answers as
`mbc batch`. Dask's own Parquet reader and writer do the I/O; each partition is one call of
`rows.lookup_frame`, and each worker process builds the matcher once. The local scheduler
("processes", one per core) needs no cluster; pass a `distributed.Client`'s scheduler, or
run it under one, to spread the same graph over many machines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .rows import arrow_schema, empty_frame, lookup_frame


def lookup_parquet(
    source: str | Path,
    target: str | Path,
    *,
    text_column: str = "text",
    id_column: str = "id",
    data: str | Path | None = None,
    threshold: float | None = None,
    seed_only: bool = False,
    scheduler: Any = "processes",
    num_workers: int | None = None,
) -> None:
    """Look up every text of the Parquet dataset `source`; write the rows to `target`."""
    import dask
    import dask.dataframe as dd

    texts = dd.read_parquet(str(source), columns=[id_column, text_column])
    rows = texts.map_partitions(
        lookup_frame,
        text_column=text_column,
        id_column=id_column,
        data=None if data is None else str(data),
        threshold=threshold,
        seed_only=seed_only,
        meta=empty_frame(),
    )
    write = rows.to_parquet(str(target), write_index=False, schema=arrow_schema(), compute=False)
    with dask.config.set(scheduler=scheduler, num_workers=num_workers):
        # Optimised first, each partition is one task (read, look up, write) and no rows
        # travel back to this process: computed as it comes, the local process scheduler
        # ships every partition's rows here and back (measured: 1.2 GB instead of 140 MB for
        # 100,000 lines).
        write.optimize().compute()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mbc_lookup.dask_job", description="Look up the texts of a Parquet dataset with Dask."
    )
    parser.add_argument("source", help="Parquet file or directory with the texts")
    parser.add_argument("target", help="directory to write the result rows to (Parquet)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--id-column", default="id")
    parser.add_argument("--data", help="another knowledge table (as mbc --data)")
    parser.add_argument("--threshold", type=float, help="fuzzy-match cutoff, 0-100 (as mbc --threshold)")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--scheduler", default="processes", help="threads, processes or synchronous")
    parser.add_argument("--workers", type=int, help="local worker processes; default: one per core")
    options = parser.parse_args(argv)
    lookup_parquet(
        options.source, options.target, text_column=options.text_column, id_column=options.id_column,
        data=options.data, threshold=options.threshold, seed_only=options.seed_only,
        scheduler=options.scheduler, num_workers=options.workers,
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
