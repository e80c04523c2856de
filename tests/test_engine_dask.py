"""The engine path: Dask, in local mode, gives the same rows as `mbc batch` on the same input.

Needs the `dask` extra (`pip install -e ".[dask]"`, as CI does); skipped without it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from mbc_lookup.batch import read_batch
from mbc_lookup.rows import COLUMNS, lookup_frame, lookup_pairs, lookup_rows
from test_parallel import generated_lines

dd = pytest.importorskip("dask.dataframe", reason="the dask extra is not installed")
db = pytest.importorskip("dask.bag", reason="the dask extra is not installed")
pd = pytest.importorskip("pandas", reason="the dask extra is not installed")
pytest.importorskip("pyarrow", reason="the dask extra is not installed")

Mbc = Callable[..., Result]
# dask's own Parquet writer calls a pandas API that pandas 3.1 deprecates: not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")


def batch_objects(mbc: Mbc, data: bytes) -> dict[int, str]:
    """`mbc batch`'s output: each line's JSON object less its "line", by line number."""
    result = mbc("batch", "-", "--jobs", "1", input=data)
    assert result.exit_code == 0
    objects = {}
    for text in result.stdout.splitlines():
        number = json.loads(text)["line"]
        less_line = text.replace(f',"line":{number},', ",", 1)
        assert less_line != text
        objects[number] = less_line
    return objects


def input_frame(data: bytes) -> Any:
    """The readable lines as `mbc batch` reads them: id = line number, text."""
    lines = [(line.line, line.text) for line in read_batch(io.BytesIO(data)) if line.text is not None]
    return pd.DataFrame({"id": [n for n, _ in lines], "text": [t for _, t in lines]})


def check_rows(rows: list[dict[str, Any]], expected: dict[int, str]) -> None:
    assert [row["id"] for row in rows] == sorted(expected)
    for row in rows:
        assert row["json"] == expected[row["id"]]
        document = json.loads(row["json"])
        assert list(row["sites"]) == [site["site"] for site in document["sites"]]
        assert row["top_site"] == (document["sites"][0]["site"] if document["sites"] else None)
        assert row["urgent"] == bool(document["urgent"])
        symptom_ids: list[str] = []
        for item in document["inputs"]:
            found = [m["symptom_id"] for m in item["matches"] if m.get("context", "present") == "present"]
            symptom_ids += [symptom_id for symptom_id in found if symptom_id not in symptom_ids]
        assert list(row["symptom_ids"]) == symptom_ids


def test_dask_parquet_in_and_out_gives_the_rows_of_mbc_batch(mbc: Mbc, tmp_path: Path) -> None:
    from mbc_lookup.dask_job import lookup_parquet

    data = generated_lines(3000, seed=21)
    expected = batch_objects(mbc, data)
    source, target = tmp_path / "texts", tmp_path / "rows"
    dd.from_pandas(input_frame(data), npartitions=4).to_parquet(str(source), write_index=False)

    lookup_parquet(source, target, scheduler="processes", num_workers=2)

    rows = dd.read_parquet(str(target)).compute().sort_values("id")
    assert list(rows.columns) == list(COLUMNS)
    check_rows(rows.to_dict("records"), expected)
    assert rows["urgent"].any() and rows["top_site"].isna().any()


def test_dask_bag_of_pairs_gives_the_rows_of_mbc_batch(mbc: Mbc) -> None:
    data = generated_lines(500, seed=22)
    expected = batch_objects(mbc, data)
    frame = input_frame(data)
    bag = db.from_sequence(list(zip(frame["id"], frame["text"], strict=True)), npartitions=3)
    rows = bag.map_partitions(lookup_pairs).compute(scheduler="synchronous")
    check_rows(sorted(rows, key=lambda row: row["id"]), expected)


def test_rows_of_an_iterable_a_pandas_batch_and_a_blank_text() -> None:
    rows = list(lookup_rows(["headache, no cough, coughing up blood", "   ", "xyzzy"]))
    assert [row["id"] for row in rows] == [0, 1, 2]
    assert rows[0]["top_site"] == "brain" and rows[0]["urgent"] is True
    assert rows[0]["symptom_ids"] == ["brain.headache", "lungs.cough_blood"]  # "no cough" is negated
    assert rows[1]["json"] is None and rows[1]["sites"] == []
    assert rows[2]["top_site"] is None and rows[2]["json"] is not None

    frame = lookup_frame(pd.DataFrame({"id": [7, 9], "text": ["yellow eyes", None]}))
    assert frame["id"].tolist() == [7, 9] and frame["top_site"].iloc[0] == "liver"
    assert pd.isna(frame["json"].iloc[1])
