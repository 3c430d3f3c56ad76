"""Where problem rows come from: a JSONL file (or a `.json` file holding one array), a parquet
file, a folder written by `datasets`' `save_to_disk`, or a hub dataset already on this machine.

`read_rows(source)` yields `(row number, row)` whatever the source, so every reader of rows
(environments, `rlvr verify --in`, `rlvr eval --data`) takes every format and reports a bad
row the same way: file, row and field. JSONL is read by rlvr itself, line by line, so an error
names the line a user opens in an editor; the others go through pyarrow and `datasets`, as
Arrow record batches.

A hub dataset is only ever read from what this machine holds, the `datasets` cache or a
snapshot in the hub cache: `datasets` is put in offline mode for the call, so a run never
downloads (a laptop on a train, a cluster without egress, a pinned dataset that must not
change under a run). A dataset that is not there is a user error saying how to fetch it once.

Tabular formats give every row every column and fill what a row lacks with null (and a
struct's missing keys too: IFEval's `kwargs` on the hub is a list of structs with every
possible key, mostly null). Those nulls are an artifact of the schema, not of the data, so
they are dropped from objects; JSON rows keep theirs exactly as written.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr.errors import RecordError, UserError

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")
HUB_ID = re.compile(
    r"(?P<repo>[A-Za-z0-9][\w.-]{0,95}(?:/[A-Za-z0-9][\w.-]{0,95})?)"
    r"(?::(?P<config>[\w.-]{1,100}))?(?:@(?P<split>[\w.-]{1,100}))?"
)
"""`owner/name[:config][@split]`, e.g. `openai/gsm8k:main@test` (a hub id has no `:` or `@`)."""
SPLIT_SUFFIX = re.compile(r"(?P<path>.+)@(?P<split>[\w.-]{1,100})")
"""`folder@split` picks one split of a `save_to_disk` folder holding several."""
DEFAULT_SPLIT = "train"

Row = dict[str, Any]


@dataclass(frozen=True)
class DataSource:
    """A place rows are read from (`location`: a file, a folder or a hub id) and how its
    columns map onto record fields (`columns: {question: prompt, solution: answer}`).

    Environments receive this as their `data` option and hand it to `load_records`; it
    prints as its location, so an environment's own messages name what the user wrote.
    """

    location: str
    columns: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.location


def data_source(data: str | Path | None, columns: Mapping[str, str] | None = None) -> Any:
    """An environment's `data` option from a run config's `data:` and `columns:`: the plain
    location when there is no mapping (what environments took before), else a `DataSource`."""
    if data is None:
        if columns:
            raise UserError("`columns:` maps the columns of `data:`; give `data:` too")
        return None
    return DataSource(str(data), check_columns(columns)) if columns else data


def check_columns(columns: Any) -> dict[str, str]:
    """A `columns:` mapping (source column -> record field) as given, or a `UserError`."""
    if not isinstance(columns, Mapping) or not all(
        isinstance(k, str) and k and isinstance(v, str) and v for k, v in columns.items()
    ):
        raise UserError(
            "columns: must map source column names to record field names, e.g. "
            "{question: prompt, solution: answer}"
        )
    targets = list(columns.values())
    repeated = sorted({t for t in targets if targets.count(t) > 1})
    if repeated:
        raise UserError(f"columns: several columns map onto {', '.join(repeated)}")
    return dict(columns)


def read_rows(source: str | Path | DataSource) -> Iterator[tuple[int, Row]]:
    """(row number, row) for each row of `source`, streamed where the format allows.

    Row numbers count from 1: a JSONL file's line numbers (blank lines skipped), else the
    row's position in the table. Errors are `RecordError`s naming the source and the row.
    """
    location = str(source)
    path = Path(location).expanduser()
    if path.is_dir() and path.suffix.lower() not in JSONL_SUFFIXES:
        yield from _saved_dataset(path, None)
        return
    if path.exists():
        if path.suffix.lower() in PARQUET_SUFFIXES:
            yield from _parquet(path)
        elif _is_json_array(path):
            yield from _json_array(path)
        else:
            yield from read_jsonl(path)  # a folder named .jsonl is reported as one
        return
    saved = SPLIT_SUFFIX.fullmatch(location)
    if saved and Path(saved["path"]).expanduser().is_dir():
        yield from _saved_dataset(Path(saved["path"]).expanduser(), saved["split"])
        return
    hub = HUB_ID.fullmatch(location)
    if hub and "/" in hub["repo"] and not location.lower().endswith(_DATA_SUFFIXES):
        yield from _cached_hub_dataset(location, hub["repo"], hub["config"], hub["split"])
        return
    raise RecordError(
        "cannot read: No such file or directory; no such file, folder or cached dataset (rows "
        "come from a .jsonl or .parquet file, a folder written by `datasets`' save_to_disk, "
        "or a hub id such as openai/gsm8k:main@test that is in the local Hugging Face cache)",
        path=location,
    )


_DATA_SUFFIXES = (*JSONL_SUFFIXES, *PARQUET_SUFFIXES, ".csv", ".arrow")


def row_error(exc: RecordError, source: str | Path | DataSource, row: int) -> RecordError:
    """`exc` located at row `row` of `source`: `file:line` for a JSONL file, whose rows are
    lines, else `source, row N`."""
    if lines_are_rows(source):
        return exc.at(str(source), row)
    return RecordError(exc.reason, path=f"{source}, row {row}", field=exc.field)


def lines_are_rows(source: str | Path | DataSource) -> bool:
    """Whether `source`'s row numbers are line numbers: a JSONL file."""
    path = Path(str(source)).expanduser()
    return (
        path.is_file() and path.suffix.lower() not in PARQUET_SUFFIXES and not _is_json_array(path)
    )


def _is_json_array(path: Path) -> bool:
    """A `.json` file holding one array of rows (not JSON Lines): its first character is `[`."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            start = handle.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return start.startswith(b"[")


def _json_array(path: Path) -> Iterator[tuple[int, Row]]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"cannot read: {exc}", path=path) from None
    except json.JSONDecodeError as exc:
        raise RecordError(
            f"not valid JSON ({exc.msg}, line {exc.lineno}, column {exc.colno})", path=path
        ) from None
    for row_no, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise RecordError(
                f"expected a JSON object, got {type(row).__name__}", path=f"{path}, row {row_no}"
            )
        yield row_no, row


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line, streamed; errors name file and line."""
    try:
        # Bytes, decoded line by line: a text-mode file decodes ahead in chunks, so a bad byte
        # would be reported on the line being read when the chunk was decoded, not its own.
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise RecordError(f"cannot read: {exc.strerror}", path=path) from None
    with handle:
        try:
            for line_no, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8-sig" if line_no == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise RecordError(
                        f"not UTF-8 text (byte {exc.start + 1})", path=path, line=line_no
                    ) from None
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise RecordError(
                        f"not valid JSON ({exc.msg}, column {exc.colno})", path=path, line=line_no
                    ) from None
                if not isinstance(row, dict):
                    raise RecordError(
                        f"expected a JSON object, got {type(row).__name__}", path=path, line=line_no
                    )
                yield line_no, row
        except OSError as exc:
            raise RecordError(f"cannot read: {exc.strerror}", path=path) from None


# -- tabular sources -------------------------------------------------------------------------


def _parquet(path: Path) -> Iterator[tuple[int, Row]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise RecordError(f"not a readable parquet file ({exc})", path=path) from None
    row_no = 0
    with table:
        # Record batches: a large file is streamed, never held as Python objects at once.
        for batch in table.iter_batches(batch_size=1024):
            for row in batch.to_pylist():
                row_no += 1
                yield row_no, _tabular_row(row, f"{path}, row {row_no}")


def _saved_dataset(path: Path, split: str | None) -> Iterator[tuple[int, Row]]:
    import datasets

    try:
        loaded = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise RecordError(
            f"not a folder written by `datasets`' save_to_disk ({exc})", path=path
        ) from None
    label = f"{path}@{split}" if split else str(path)
    yield from _dataset_rows(_one_split(loaded, split, label), label)


def _cached_hub_dataset(
    location: str, repo: str, config: str | None, split: str | None
) -> Iterator[tuple[int, Row]]:
    """A hub dataset from what this machine already holds: the `datasets` cache that
    `load_dataset` fills, else a snapshot of the repository in the hub cache (`hf download
    --repo-type dataset`), read by `datasets` as a local folder."""
    import datasets
    import datasets.config

    with _offline(datasets.config):
        try:
            loaded = datasets.load_dataset(repo, config)
        except (ConnectionError, FileNotFoundError):
            snapshot = _hub_snapshot(repo)
            if snapshot is None:
                raise UserError(
                    f"{location}: not a local file or folder, and dataset {repo!r} is in neither "
                    f"the local datasets cache ({datasets.config.HF_DATASETS_CACHE}) nor the hub "
                    "cache; rlvr never downloads. Fetch it once where there is network "
                    f"(datasets.load_dataset({repo!r}{f', {config!r}' if config else ''}) or "
                    f"`hf download --repo-type dataset {repo}`), or give a file or a "
                    "save_to_disk folder"
                ) from None
            try:
                loaded = datasets.load_dataset(str(snapshot), config)
            except (ValueError, FileNotFoundError, RuntimeError) as exc:
                raise UserError(
                    f"{location}: the hub cache's copy ({snapshot}) cannot be read as a "
                    f"dataset: {' '.join(str(exc).split())}"
                ) from None
        except ValueError as exc:  # a config that is not cached names those that are
            raise UserError(f"{location}: {' '.join(str(exc).split())}") from None
    yield from _dataset_rows(_one_split(loaded, split, location), location)


def _hub_snapshot(repo: str) -> Path | None:
    """The folder of the newest snapshot of dataset `repo` in the hub cache, or None."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo, repo_type="dataset", local_files_only=True))
    except (OSError, ValueError):  # LocalEntryNotFoundError is an OSError
        return None


@contextlib.contextmanager
def _offline(config: Any) -> Iterator[None]:
    # `datasets` reads HF_DATASETS_OFFLINE once, at import (TRL imports it first): the flag
    # is set on its config module for the call, and put back as it was. Its "using the
    # cached version" warnings and progress bars are quiet meanwhile: reading a cache is
    # what was asked for, and rlvr's own output should not drown in them.
    import datasets

    before = config.HF_HUB_OFFLINE
    verbosity = datasets.utils.logging.get_verbosity()
    bars = datasets.is_progress_bar_enabled()
    config.HF_HUB_OFFLINE = True
    datasets.utils.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    try:
        yield
    finally:
        config.HF_HUB_OFFLINE = before
        datasets.utils.logging.set_verbosity(verbosity)
        if bars:
            datasets.enable_progress_bars()


def _one_split(loaded: Any, split: str | None, location: str) -> Any:
    """The split asked for, or the only one, or `train`; a `Dataset` is its own split."""
    import datasets

    if isinstance(loaded, datasets.Dataset):
        if split is not None:
            raise UserError(f"{location}: holds a single split; drop `@{split}`")
        return loaded
    splits = sorted(loaded)
    if split is None:
        if len(splits) == 1:
            return loaded[splits[0]]
        if DEFAULT_SPLIT in loaded:
            return loaded[DEFAULT_SPLIT]
        raise UserError(
            f"{location}: holds splits {', '.join(splits)}; name one as {location}@SPLIT"
        )
    if split not in loaded:
        raise UserError(f"{location}: no split {split!r}; it holds {', '.join(splits)}")
    return loaded[split]


def _dataset_rows(dataset: Any, label: str) -> Iterator[tuple[int, Row]]:
    # Arrow batches, as for parquet: a row at a time through `datasets`' formatter is half
    # the speed (8.6k vs 17k GSM8K rows/s on 2 cores), for the same Python values.
    row_no = 0
    for batch in dataset.with_format("arrow").iter(batch_size=1024):
        for row in batch.to_pylist():
            row_no += 1
            yield row_no, _tabular_row(row, f"{label}, row {row_no}")


def _tabular_row(row: Mapping[str, Any], where: str) -> Row:
    return {str(k): _json_value(v, where, str(k)) for k, v in row.items() if v is not None}


def _json_value(value: Any, where: str, column: str) -> Any:
    """`value` as JSON would hold it: records are JSON (ids hash it, `rlvr verify` writes it)."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return {str(k): _json_value(v, where, column) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_json_value(v, where, column) for v in value]
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise RecordError(
        f"holds {type(value).__name__} data; a record's fields are text, numbers, lists and "
        "objects (drop the column or map another onto the field with `columns:`)",
        path=where,
        field=column,
    )


__all__ = [
    "DataSource",
    "check_columns",
    "data_source",
    "lines_are_rows",
    "read_jsonl",
    "read_rows",
    "row_error",
]
