"""How fast problem records load from each source `data:` takes: the same GSM8K-style rows as
JSONL, parquet and a `datasets` save_to_disk folder, through `rlvr.records.load_records`
(read, recognise the GSM8K row, validate, hash the id).

    .venv/bin/python benchmarks/data_formats.py [--rows 50000] [--repeats 3]

Prints rows/s per source (best of the repeats) and checks that every source gives the same
records. Files are written to a temporary folder and removed.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from rlvr.records import load_records


def rows(count: int) -> list[dict[str, str]]:
    return [
        {
            "question": f"Ann has {i} apples and buys {i % 7} more. How many does she have?",
            "answer": f"She has {i} + {i % 7} = {i + i % 7} apples.\n#### {i + i % 7}",
        }
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    datasets.disable_progress_bars()
    data = rows(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        sources = {
            "jsonl": Path(folder) / "rows.jsonl",
            "parquet": Path(folder) / "rows.parquet",
            "save_to_disk": Path(folder) / "rows_saved",
        }
        sources["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in data))
        pq.write_table(pa.Table.from_pylist(data), sources["parquet"])
        datasets.Dataset.from_list(data).save_to_disk(str(sources["save_to_disk"]))
        loaded = {}
        for name, path in sources.items():
            best = float("inf")
            for _ in range(args.repeats):
                started = time.perf_counter()
                records = list(load_records(path))
                best = min(best, time.perf_counter() - started)
            loaded[name] = records
            size = sum(p.stat().st_size for p in [path, *path.rglob("*")] if p.is_file())
            print(
                f"{name:13s} {len(records):>7,} rows  {best:6.2f} s  "
                f"{len(records) / best:>9,.0f} rows/s  {size / 1e6:6.1f} MB on disk"
            )
        first = loaded["jsonl"]
        assert all(records == first for records in loaded.values()), "sources disagree"
        print("every source gave the same records (ids included)")


if __name__ == "__main__":
    main()
