"""Problem records: reading them, recognising public formats, validating, stable ids.

A record is one JSON object with `id`, `env`, `prompt` (a string or chat messages), optional
`difficulty` and `meta`, plus the fields its environment needs (ARCHITECTURE.md). Rows come
from any source `rlvr.data_formats.read_rows` reads (JSONL, parquet, a `save_to_disk` folder,
a cached hub dataset). GSM8K, MATH, HumanEval, MBPP and IFEval rows load as they are
published, and so do the rows veRL and NeMo-Gym train on: `normalise` maps them onto the
record fields and keeps the rest of the native row under `meta`. Any other layout is mapped
with `columns:` (`apply_columns`), source column -> record field.
"""

from __future__ import annotations

import ast
import builtins
import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from rlvr.data_formats import (
    DataSource,
    check_columns,
    lines_are_rows,
    read_jsonl,
    read_rows,
    row_error,
)
from rlvr.errors import RecordError, UserError
from rlvr.text import boxed_contents

Record = dict[str, Any]

ID_HASH_CHARS = 16
NOT_CONTENT = frozenset(
    {"id", "completion", "reward", "info", "mode", "min_content", "numeric_precision"}
)
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


VERL_MATH_SOURCES = re.compile(r"gsm8k|math|aime|amc|olympiad|numina|deepscaler|dapo", re.I)
"""veRL `data_source`s whose rows are math problems (its reward functions are keyed the same
way: `default_compute_score` sends gsm8k and MATH-like sources to a math checker)."""


def _verl(row: Mapping[str, Any]) -> Record:
    # veRL's RL parquet: `prompt` chat messages, `reward_model.ground_truth`, `data_source`
    # naming the reward function, `ability`, `extra_info`.
    truth = row["reward_model"]["ground_truth"]
    record: Record = {"prompt": row["prompt"]}
    if str(row.get("ability", "")).lower() == "math" or VERL_MATH_SOURCES.search(
        str(row.get("data_source", ""))
    ):
        record["env"] = "math"
    if isinstance(truth, str | int | float) and not isinstance(truth, bool):
        record["answer"] = str(truth)
    record["meta"] = {
        k: row[k] for k in ("data_source", "ability", "reward_model", "extra_info") if k in row
    }
    return record


def _responses_messages(params: Mapping[str, Any]) -> list[dict[str, str]]:
    """The chat messages of OpenAI Responses `create` parameters: `instructions` is the
    system message; `input` is text or messages whose content is text or input_text parts."""
    messages = []
    if isinstance(params.get("instructions"), str):
        messages.append({"role": "system", "content": params["instructions"]})
    given = params["input"]
    if isinstance(given, str):
        return [*messages, {"role": "user", "content": given}]
    for message in given:
        content = message["content"]
        if isinstance(content, list):
            content = "".join(str(part["text"]) for part in content if "text" in part)
        if not isinstance(content, str):
            raise TypeError(f"a message's content is {type(content).__name__}, not text")
        role = str(message["role"])
        # The Responses API's "developer" is what chat templates call "system"; system text
        # before the conversation becomes one message, since many chat templates take a
        # single system message and only first.
        role = "system" if role == "developer" else role
        if role == "system" and messages and all(m["role"] == "system" for m in messages):
            messages[0]["content"] += f"\n\n{content}"
            continue
        messages.append({"role": role, "content": content})
    return messages


def _nemo_gym(row: Mapping[str, Any]) -> Record:
    # NeMo-Gym's JSONL: the policy's request as `responses_create_params`, the gold as
    # `expected_answer` (math, MCQA) or IFEval's fields (instruction following).
    record: Record = {"prompt": _responses_messages(row["responses_create_params"])}
    if "instruction_id_list" in row:
        record.update(
            env="if", instruction_id_list=row["instruction_id_list"], kwargs=row.get("kwargs", [])
        )
    elif "expected_answer" in row:
        record.update(env="math", answer=str(row["expected_answer"]))
    own = {"responses_create_params", "expected_answer", "instruction_id_list", "kwargs"}
    record["meta"] = {k: v for k, v in row.items() if k not in own and k not in PASSTHROUGH}
    return record


FORMATS: dict[str, tuple[frozenset[str], Any]] = {
    "verl": (frozenset({"prompt", "reward_model"}), _verl),
    "nemo-gym": (frozenset({"responses_create_params"}), _nemo_gym),
    "humaneval": (frozenset({"task_id", "prompt", "test", "entry_point"}), _humaneval),
    "mbpp": (frozenset({"task_id", "text", "test_list"}), _mbpp),
    "mbpp-sanitized": (frozenset({"task_id", "prompt", "test_list"}), _mbpp),
    "ifeval": (frozenset({"key", "prompt", "instruction_id_list", "kwargs"}), _ifeval),
    "math": (frozenset({"problem", "solution"}), _math),
    "gsm8k": (frozenset({"question", "answer"}), _gsm8k),
}
"""Public formats by name: the fields that identify a row, and its recogniser."""

FORMAT_CHECKS: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "verl": lambda row: (
        isinstance(row["reward_model"], Mapping) and "ground_truth" in row["reward_model"]
    ),
    "gsm8k": lambda row: "####" in str(row["answer"]),
}
"""Formats whose keys alone are too common to say which it is."""


def detect_format(row: Mapping[str, Any]) -> str | None:
    """The public format a row is in, or None for an rlvr record."""
    if "prompt" in row and ("env" in row or "verifier" in row):
        return None
    for name, (keys, _) in FORMATS.items():
        if keys <= row.keys() and FORMAT_CHECKS.get(name, lambda _: True)(row):
            return name
    return None


PASSTHROUGH = (
    "id",
    "env",
    "verifier",
    "difficulty",
    "mode",
    "min_content",
    "numeric_precision",
    "completion",
)
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


def apply_columns(row: Mapping[str, Any], columns: Mapping[str, str]) -> dict[str, Any]:
    """`row` with each source column moved onto its record field; a dotted source reaches into
    objects (`reward_model.ground_truth: answer`). A mapped field replaces one the row already
    has: the mapping is the user's explicit word. Raises `RecordError` naming a missing
    column and the columns the row has."""
    if not columns:
        return dict(row)
    moved = copy.deepcopy(dict(row))
    values = {}
    # Every value is taken before any is placed, so a mapping may swap two columns.
    for source, target in columns.items():
        *parents, leaf = source.split(".")
        holder: Any = moved
        for part in parents:
            holder = holder.get(part) if isinstance(holder, Mapping) else None
        if not isinstance(holder, dict) or leaf not in holder:
            raise RecordError(
                f"column missing (mapped by columns: onto {target!r}); the row has "
                f"{', '.join(sorted(map(str, row))) or 'no columns'}",
                field=source,
            )
        values[target] = holder.pop(leaf)
    moved.update(values)
    return moved


def load_records(
    source: str | Path | DataSource,
    *,
    env: str | None = None,
    columns: Mapping[str, str] | None = None,
) -> Iterator[Record]:
    """Validated problem records from any source `read_rows` reads, streamed; ids checked for
    uniqueness. `columns` (default: the source's own, for a `DataSource`) maps source columns
    onto record fields before the row is recognised."""
    if columns is None:
        columns = source.columns if isinstance(source, DataSource) else {}
    columns = check_columns(columns) if columns else {}
    unit = "line" if lines_are_rows(source) else "row"
    seen: dict[str, int] = {}
    for row_no, row in read_rows(source):
        try:
            record = normalise(apply_columns(row, columns), env=env)
        except RecordError as exc:
            raise row_error(exc, source, row_no) from None
        record_id = str(record["id"])
        if record_id in seen:
            duplicate = RecordError(
                f"duplicate id {record_id!r} (first on {unit} {seen[record_id]})", field="id"
            )
            raise row_error(duplicate, source, row_no)
        seen[record_id] = row_no
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


__all__ = [
    "FORMATS",
    "Record",
    "apply_columns",
    "check_columns",
    "detect_format",
    "environment_problems",
    "last_boxed",
    "load_records",
    "normalise",
    "read_jsonl",  # its home before rlvr.data_formats; readers import it from here
    "read_rows",
    "split_of",
    "stable_id",
    "validate",
]
