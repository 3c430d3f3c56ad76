"""Problem records: reading them, recognising public formats, validating, stable ids.

A record is one JSON object a line with `id`, `env`, `prompt` (a string or chat messages),
optional `difficulty` and `meta`, plus the fields its environment needs (ARCHITECTURE.md).
GSM8K, MATH, HumanEval, MBPP and IFEval rows load as they are published: `normalise` maps
them onto the record fields and keeps the rest of the native row under `meta`.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rlvr.errors import RecordError, UserError
from rlvr.text import boxed_contents

Record = dict[str, Any]

ID_HASH_CHARS = 16
NOT_CONTENT = frozenset({"id", "completion", "reward", "info", "mode", "min_content"})
"""Fields that say how a row is scored, not what the problem is: left out of its hash."""


def stable_id(row: Mapping[str, Any], env: str) -> str:
    """A content hash of the row, prefixed by env; `id` and scoring fields are left out.

    The same problem gets the same id on every machine and in every run, whatever the key
    order, so per-problem statistics can accumulate across runs.
    """
    content = {k: v for k, v in row.items() if k not in NOT_CONTENT}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    # surrogatepass: JSON can carry a lone surrogate ("\ud83d", half an emoji); hash it too.
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{env}-{digest[:ID_HASH_CHARS]}"


def last_boxed(text: str) -> str | None:
    """The content of the last `\\boxed{...}` in `text` (a MATH solution's answer)."""
    boxes = boxed_contents(text)
    return boxes[-1] if boxes else None


# --- public formats -------------------------------------------------------------------------
# Each recogniser maps a native row onto record fields; native fields that are not record
# fields are kept under `meta` so nothing is lost (canonical solutions, levels, task types).


def _gsm8k(row: Mapping[str, Any]) -> Record:
    solution = str(row["answer"])
    answer = solution.rsplit("####", 1)[1].strip().replace(",", "")
    return {
        "env": "math",
        "prompt": row["question"],
        "answer": answer,
        "meta": {"solution": solution},
    }


def _math(row: Mapping[str, Any]) -> Record:
    answer = row.get("answer") or last_boxed(str(row["solution"]))
    if answer is None:
        raise RecordError("MATH row has no \\boxed{} answer in its solution", field="solution")
    record: Record = {"env": "math", "prompt": row["problem"], "answer": answer}
    level = re.fullmatch(r"Level (\d)", str(row.get("level", "")))
    if level:
        record["difficulty"] = int(level.group(1))
    record["meta"] = {k: row[k] for k in ("solution", "type", "subject", "level") if k in row}
    return record


def _humaneval(row: Mapping[str, Any]) -> Record:
    meta = {k: row[k] for k in ("canonical_solution",) if k in row}
    return {
        "id": str(row["task_id"]),
        "env": "code",
        "language": "python",
        "prompt": row["prompt"],
        "test": row["test"],
        "entry_point": row["entry_point"],
        "meta": meta,
    }


def _tested_function(test: str) -> str | None:
    """The function an MBPP assert tests: the first call of a name that is not a builtin
    (`assert set(similar(a, b)) == ...` tests `similar`). Parsed, never run."""
    try:
        tree = ast.parse(test)
    except SyntaxError:
        return None
    calls = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Call)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for call in calls:
        if isinstance(call.func, ast.Name) and not hasattr(builtins, call.func.id):
            return call.func.id
    return None


def _mbpp(row: Mapping[str, Any]) -> Record:
    tests = [str(t) for t in row["test_list"]]
    entry_point = _tested_function(tests[0]) if tests else None
    if entry_point is None:
        raise RecordError("MBPP row's first test does not call a function", field="test_list")
    # The sanitized variant says `prompt` for `text` and lists its imports in `test_imports`.
    imports = [str(line) for line in row.get("test_imports") or ()]
    setup = "\n".join([*imports, str(row.get("test_setup_code") or "")]).strip()
    text = row["text"] if "text" in row else row["prompt"]
    prompt = f"{text}\nYour code should pass this test:\n{tests[0]}"
    meta = {k: row[k] for k in ("code", "challenge_test_list", "source_file") if k in row}
    return {
        "id": f"mbpp/{row['task_id']}",
        "env": "code",
        "language": "python",
        "prompt": prompt,
        "test": "\n".join([setup, *tests]).strip() + "\n",
        "entry_point": entry_point,
        "meta": meta,
    }


def _ifeval(row: Mapping[str, Any]) -> Record:
    return {
        "id": f"ifeval/{row['key']}",
        "env": "if",
        "prompt": row["prompt"],
        "instruction_id_list": row["instruction_id_list"],
        "kwargs": row["kwargs"],
    }


FORMATS: dict[str, tuple[frozenset[str], Any]] = {
    "humaneval": (frozenset({"task_id", "prompt", "test", "entry_point"}), _humaneval),
    "mbpp": (frozenset({"task_id", "text", "test_list"}), _mbpp),
    "mbpp-sanitized": (frozenset({"task_id", "prompt", "test_list"}), _mbpp),
    "ifeval": (frozenset({"key", "prompt", "instruction_id_list", "kwargs"}), _ifeval),
    "math": (frozenset({"problem", "solution"}), _math),
    "gsm8k": (frozenset({"question", "answer"}), _gsm8k),
}
"""Public formats by name: the fields that identify a row, and its recogniser."""


def detect_format(row: Mapping[str, Any]) -> str | None:
    """The public format a row is in, or None for an rlvr record."""
    if "prompt" in row and ("env" in row or "verifier" in row):
        return None
    for name, (keys, _) in FORMATS.items():
        if keys <= row.keys():
            if name == "gsm8k" and "####" not in str(row["answer"]):
                continue
            return name
    return None


PASSTHROUGH = ("id", "env", "verifier", "difficulty", "mode", "min_content", "completion")
"""Fields an rlvr-specific key overrides in a native row (an explicit env, id or mode wins)."""


def normalise(row: Mapping[str, Any], *, env: str | None = None) -> Record:
    """A validated problem record from a row in rlvr's own format or a public one.

    `env` is the environment the row is loaded for; a row's own `env` wins. A row without an
    `id` gets `stable_id`. Raises `RecordError` naming the field at fault.
    """
    if not isinstance(row, Mapping):
        raise RecordError(f"expected a JSON object, got {type(row).__name__}")
    fmt = detect_format(row)
    if fmt is None:
        record: Record = dict(row)
        if "prompt" not in record:  # plain rows: {"question": ..., "answer": ...}
            for name in ("question", "problem"):
                if isinstance(record.get(name), str):
                    record["prompt"] = record.pop(name)
                    break
    else:
        try:
            record = FORMATS[fmt][1](row)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise RecordError(f"malformed {fmt} row ({exc})") from None
        record.update({k: row[k] for k in PASSTHROUGH if k in row})
    if "env" not in record:
        if env is None and "verifier" not in record:
            raise RecordError(
                "missing; say which environment the row belongs to "
                '(e.g. "env": "math") or which "verifier" scores it',
                field="env",
            )
        record["env"] = env if env is not None else record["verifier"]
    validate(record)
    if "id" not in record:
        record["id"] = stable_id(record, record["env"])
    return record


def validate(record: Mapping[str, Any]) -> None:
    """Check the common record fields; raise `RecordError` naming the first one at fault."""
    for name in ("env", "verifier"):
        if name in record and not (isinstance(record[name], str) and record[name]):
            raise RecordError("must be a non-empty string", field=name)
    if "id" in record and (
        isinstance(record["id"], bool) or not isinstance(record["id"], str | int)
    ):
        raise RecordError("must be a string or an integer", field="id")
    if "prompt" not in record:
        raise RecordError("missing", field="prompt")
    prompt = record["prompt"]
    if isinstance(prompt, list):
        for i, message in enumerate(prompt):
            if not (
                isinstance(message, Mapping)
                and isinstance(message.get("role"), str)
                and isinstance(message.get("content"), str)
            ):
                raise RecordError(
                    f"message {i} must be an object with string 'role' and 'content'",
                    field="prompt",
                )
    elif not isinstance(prompt, str):
        raise RecordError("must be a string or a list of chat messages", field="prompt")
    difficulty = record.get("difficulty")
    if difficulty is not None and (
        isinstance(difficulty, bool) or not isinstance(difficulty, int | float)
    ):
        raise RecordError("must be a number", field="difficulty")
    if "meta" in record and not isinstance(record["meta"], Mapping):
        raise RecordError("must be an object", field="meta")


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


def load_records(path: str | Path, *, env: str | None = None) -> Iterator[Record]:
    """Validated problem records from a JSONL file, streamed; ids checked for uniqueness."""
    seen: dict[str, int] = {}
    for line_no, row in read_jsonl(path):
        try:
            record = normalise(row, env=env)
        except RecordError as exc:
            raise exc.at(path, line_no) from None
        record_id = str(record["id"])
        if record_id in seen:
            raise RecordError(
                f"duplicate id {record_id!r} (first on line {seen[record_id]})",
                path=path,
                line=line_no,
                field="id",
            )
        seen[record_id] = line_no
        yield record


HELDOUT_BUCKETS = 10_000


def split_of(problem_id: str, heldout_fraction: float) -> str:
    """ "train" or "heldout", by a fixed hash of the id alone.

    The split never depends on the pool's size, seed or order, so a problem is held out in
    every run that sees it, and the two splits are disjoint by construction.
    """
    digest = hashlib.sha256(f"rlvr-split/{problem_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % HELDOUT_BUCKETS
    return "heldout" if bucket < heldout_fraction * HELDOUT_BUCKETS else "train"


def environment_problems(name: str, environment: Any, split: str) -> list[Record]:
    """`environment.problems(split)`, each record tagged `env: name`. An environment may build
    its pool lazily and check its options only then: a `ValueError` there is the user's option,
    reported as theirs."""
    try:
        return [dict(p, env=name) for p in environment.problems(split)]
    except ValueError as exc:
        raise UserError(f"environment {name!r}: {exc}") from None
