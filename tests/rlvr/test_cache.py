"""The cache of generated problem pools (rlvr/cache.py): read only what the same inputs built."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rlvr.cache import CACHE_ENV, cache_dir, cached_records


class Builder:
    """A pool builder that counts its calls."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.calls = 0

    def __call__(self) -> list[dict[str, Any]]:
        self.calls += 1
        return [dict(r) for r in self.records]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "src" / "generator.py"
    path.parent.mkdir()
    path.write_text("VERSION = 1\n")
    return path


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(path))
    return path


def test_a_pool_is_built_once_and_read_back_equal(folder: Path, source: Path) -> None:
    build = Builder([{"id": "a", "answer": "1", "difficulty": 2, "meta": {"x": [1, None]}}])
    first = cached_records("demo", {"seed": 0}, [source], build)
    second = cached_records("demo", {"seed": 0}, [source], build)
    assert first == second == build.records
    assert build.calls == 1
    assert [p.name.startswith("demo-") for p in folder.iterdir()] == [True]


@pytest.mark.parametrize("change", ["key", "source", "kind"])
def test_anything_the_pool_depends_on_makes_another_entry(
    folder: Path, source: Path, change: str
) -> None:
    build = Builder([{"id": "a"}])
    cached_records("demo", {"seed": 0}, [source], build)
    kind, key = "demo", {"seed": 0}
    if change == "key":
        key = {"seed": 1}
    elif change == "source":
        source.write_text("VERSION = 2\n")  # the generator's code changed: never the old pool
    else:
        kind = "other"
    cached_records(kind, key, [source], build)
    assert build.calls == 2
    cached_records(kind, key, [source], build)
    assert build.calls == 2


@pytest.mark.parametrize(
    "damage",
    ["", "{not json", '{"identity": 3, "records": []}', "[1, 2]", '{"records": "x"}'],
)
def test_a_damaged_entry_is_rebuilt_and_replaced(folder: Path, source: Path, damage: str) -> None:
    build = Builder([{"id": "a"}])
    cached_records("demo", {}, [source], build)
    (entry,) = folder.iterdir()
    entry.write_text(damage)
    assert cached_records("demo", {}, [source], build) == build.records
    assert build.calls == 2
    assert json.loads(entry.read_text())["records"] == build.records


def test_an_entry_written_for_other_inputs_is_not_read(folder: Path, source: Path) -> None:
    """The file name is a hash of the inputs; the inputs are also inside, and must match."""
    build = Builder([{"id": "a"}])
    cached_records("demo", {"seed": 0}, [source], build)
    (entry,) = folder.iterdir()
    stored = json.loads(entry.read_text())
    stored["identity"]["key"] = {"seed": 9}
    stored["records"] = [{"id": "forged"}]
    entry.write_text(json.dumps(stored))
    assert cached_records("demo", {"seed": 0}, [source], build) == [{"id": "a"}]


def test_an_unwritable_folder_still_gives_the_pool(
    tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv(CACHE_ENV, str(blocked / "cache"))
    build = Builder([{"id": "a"}])
    assert cached_records("demo", {}, [source], build) == build.records
    assert cached_records("demo", {}, [source], build) == build.records
    assert build.calls == 2


def test_records_that_are_not_json_are_returned_and_leave_no_file(
    folder: Path, source: Path
) -> None:
    build = Builder([{"id": "a", "value": {1, 2}}])
    assert cached_records("demo", {}, [source], build) == build.records
    assert not any(folder.iterdir())  # no half-written or temporary file either


def test_the_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: Path
) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "rlvr"
    monkeypatch.setenv(CACHE_ENV, "")
    assert cache_dir() is None
    build = Builder([{"id": "a"}])
    cached_records("demo", {}, [source], build)
    cached_records("demo", {}, [source], build)
    assert build.calls == 2
    assert not (tmp_path / "xdg").exists()


def test_the_builtin_pools_read_back_equal_to_a_fresh_build(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rlvr.environments import code
    from rlvr.environments.math import MathEnvironment

    options = {"seed": 4, "size": 300, "families": ["arithmetic", "fractions"]}
    built = MathEnvironment(**options).problems("train")  # builds and writes the entry
    assert MathEnvironment(**options).problems("train") == built  # read back
    monkeypatch.setenv(CACHE_ENV, "")
    assert MathEnvironment(**options).problems("train") == built  # generated afresh
    assert MathEnvironment(**{**options, "seed": 5}).problems("train") != built

    monkeypatch.setenv(CACHE_ENV, str(folder))
    code.builtin_records.cache_clear()
    try:
        written = code.builtin_records()
        code.builtin_records.cache_clear()
        assert code.builtin_records() == written
        assert list(written) == code._build_records()
    finally:
        code.builtin_records.cache_clear()
    assert sorted(p.name.split("-")[0] for p in folder.iterdir()) == ["code", "math"]
