"""Generated problem pools, built once per machine instead of once per process.

The built-in math pool (2,000 problems written by sympy) and the built-in code problems
(large tests whose expected outputs the reference solutions compute) take seconds to build,
and every `rlvr train`, `eval`, `verify` or `problems` process built them again: the first
thing a user waited for, and a good part of the test suite's time. `cached_records` keeps a
pool as JSON under the cache folder, keyed by what the pool depends on: the options that
shape it, the bytes of the source and data files that generate it, and the Python and
library versions whose output it holds. Any change to one of them is another key, so a
stale pool is never read; a missing, unreadable or damaged file is rebuilt; a folder that
cannot be written is no error (the pool is then built every time, as before).

The folder: `$RLVR_CACHE_DIR`, else `$XDG_CACHE_HOME/rlvr`, else `~/.cache/rlvr`;
`RLVR_CACHE_DIR=` (empty) turns the cache off. It holds gold answers and tests, so it is as
trusted as the package's own files: nothing a completion runs in the code sandbox can read
or write there (bwrap binds no home or cache folder), and it belongs to the user who runs
rlvr, like Hugging Face's dataset cache. (The opt-in `rlimits` mode, for trusted code only,
isolates no files: there a program reaches this folder as it reaches the package itself.)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

CACHE_ENV = "RLVR_CACHE_DIR"
FORMAT = 1
"""Bumped when the layout of a cache file changes."""

Record = dict[str, Any]


def cache_dir() -> Path | None:
    """The cache folder, or None when `RLVR_CACHE_DIR` is set empty (the cache is off)."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rlvr"


def fingerprint(files: Iterable[Path]) -> str:
    """SHA-256 over the names and bytes of `files`, in sorted order."""
    digest = hashlib.sha256()
    for path in sorted(Path(f) for f in files):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def cached_records(
    kind: str,
    key: Mapping[str, Any],
    sources: Iterable[Path],
    build: Callable[[], list[Record]],
) -> list[Record]:
    """`build()`'s records, read from the cache when a pool of the same `kind`, `key` and
    source files was built before on this machine, else built and written there.

    `key` holds everything else the pool depends on (options, seed, library versions), as
    JSON-able values. A record list is returned either way; reading or writing the cache
    never raises."""
    folder = cache_dir()
    if folder is None:
        return build()
    identity = {
        "format": FORMAT,
        "kind": kind,
        "key": dict(key),
        "sources": fingerprint(sources),
        "python": list(sys.version_info[:2]),
    }
    name = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:32]
    path = folder / f"{kind}-{name}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("identity") == identity and isinstance(stored.get("records"), list):
            return stored["records"]
    except (OSError, ValueError, AttributeError):
        pass  # not there yet, or damaged: build it again
    records = build()
    _write_atomically(path, {"identity": identity, "records": records})
    return records


def _write_atomically(path: Path, content: Any) -> None:
    """Write JSON to a temporary file beside `path`, then rename it into place: a reader (a
    second training process) sees the old file or the whole new one, never half of it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(content, out)
        os.replace(temporary, path)
    except (OSError, TypeError, ValueError):
        Path(temporary).unlink(missing_ok=True)
