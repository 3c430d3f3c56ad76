"""`rlvr verify` in a subprocess, as a user runs it: scored rows, the summary, and bad input."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunCli = Callable[..., subprocess.CompletedProcess[str]]
WritePlugin = Callable[[str, str], Path]
WriteJsonl = Callable[[str, list[Any]], Path]

CHECKERS = """\
import os
import signal

from rlvr import Verdict


class Exact:
    '''Reward 1 when the completion is the row's `target`, stripped.'''

    name = "exact"
    required_fields = ("target",)

    def verify(self, problem, completion):
        target = problem["target"]
        return Verdict(float(completion.strip() == target), {"target": target})


class Raises:
    name = "raises"

    def verify(self, problem, completion):
        if problem.get("explode"):
            raise RuntimeError(f"checker bug on {problem['target']}")
        return Verdict(1.0)


class Killer:
    '''Kills the worker process that scores a row marked `die`, as a segfault or the OOM killer.'''

    name = "killer"
    required_fields = ("target",)

    def verify(self, problem, completion):
        if problem.get("die") == "exit":
            os._exit(3)
        if problem.get("die") == "sigkill":
            os.kill(os.getpid(), signal.SIGKILL)
        if problem.get("die") == "hang":
            while True:
                pass
        if problem.get("die") == "hang_in_c":
            pow(7, 10**12)  # one C call: holds the GIL, no Python-level interrupt reaches it
        return Verdict(float(completion == problem["target"]))
"""


@pytest.fixture
def checkers(write_plugin: WritePlugin) -> Path:
    return write_plugin("checkers", CHECKERS)


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def exact_rows(n: int) -> list[dict[str, Any]]:
    """Rows for `exact`, every third one answered wrongly; fields in no particular order."""
    rows = []
    for i in range(n):
        completion = f" {i}\n" if i % 3 else "wrong"
        rows.append(
            {
                "target": str(i),
                "verifier": "exact",
                "prompt": f"Say {i}.",
                "completion": completion,
                "meta": {"n": i},
            }
        )
    return rows


def read_out(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_scores_rows_in_input_order_across_workers(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    rows = exact_rows(203)  # several 32-row chunks in flight on 2 workers, the last one short
    in_path = write_jsonl("rows.jsonl", rows)
    out_path = out_dir / "scored.jsonl"
    result = run_cli(
        "verify", "--in", in_path, "--out", out_path, "--workers", 2, "--plugin", checkers
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    scored = read_out(out_path)
    assert len(scored) == len(rows)
    for row, out in zip(rows, scored, strict=True):
        expected_reward = 0.0 if row["completion"] == "wrong" else 1.0
        assert out == {**row, "reward": expected_reward, "info": {"target": row["target"]}}
        assert list(out)[: len(row)] == list(row)  # the input row as written, then the scores
    wrong = sum(1 for i in range(203) if i % 3 == 0)
    mean = (203 - wrong) / 203
    assert "Traceback" not in result.stderr
    assert "rlvr verify: 203 rows" in result.stderr
    assert "2 workers), 0 errors" in result.stderr
    assert f"exact: 203 rows, mean reward {mean:.3f}, 0 errors" in result.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["scored.jsonl"]


def test_one_worker_gives_the_same_output(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    in_path = write_jsonl("rows.jsonl", exact_rows(40))
    outs = []
    for workers in (1, 2):
        out_path = out_dir / f"scored-{workers}.jsonl"
        result = run_cli(
            "verify", "--in", in_path, "--out", out_path, "--workers", workers, "--plugin", checkers
        )
        assert result.returncode == 0, result.stderr
        outs.append(out_path.read_text(encoding="utf-8"))
    assert outs[0] == outs[1]
    assert "1 worker)" in result.stderr or "2 workers)" in result.stderr


def test_chat_completion_is_judged_on_the_last_assistant_turn(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    chat = [{"role": "user", "content": "Say 7."}, {"role": "assistant", "content": "7"}]
    row = {"verifier": "exact", "prompt": "Say 7.", "target": "7", "completion": chat}
    in_path = write_jsonl("chat.jsonl", [row])
    out_path = out_dir / "scored.jsonl"
    result = run_cli(
        "verify", "--in", in_path, "--out", out_path, "--workers", 1, "--plugin", checkers
    )
    assert result.returncode == 0, result.stderr
    assert read_out(out_path) == [{**row, "reward": 1.0, "info": {"target": "7"}}]


def test_non_ascii_and_lone_surrogates_round_trip(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    # "\ud83d" is half an emoji, legal JSON; the output must hold the same strings.
    lines = [
        '{"verifier": "exact", "prompt": "caf\\u00e9 \\ud83d", "target": "\\u00e9", '
        '"completion": "\\u00e9"}',
        '{"verifier": "exact", "prompt": "p", "target": "x", "completion": "cut \\ud83d"}',
    ]
    in_path = write_jsonl("unicode.jsonl", lines)
    out_path = out_dir / "scored.jsonl"
    result = run_cli(
        "verify", "--in", in_path, "--out", out_path, "--workers", 1, "--plugin", checkers
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in lines]
    assert read_out(out_path) == [
        {**rows[0], "reward": 1.0, "info": {"target": "é"}},
        {**rows[1], "reward": 0.0, "info": {"target": "x"}},
    ]


def test_raising_verifier_is_a_null_reward_not_a_crash(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    rows = [
        {
            "verifier": "raises",
            "prompt": "p",
            "target": str(i),
            "completion": "c",
            "explode": i in (2, 5),
        }
        for i in range(8)
    ]
    in_path = write_jsonl("rows.jsonl", rows)
    out_path = out_dir / "scored.jsonl"
    result = run_cli(
        "verify", "--in", in_path, "--out", out_path, "--workers", 2, "--plugin", checkers
    )
    assert result.returncode == 0, result.stderr
    scored = read_out(out_path)
    assert [r["reward"] for r in scored] == [1.0, 1.0, None, 1.0, 1.0, None, 1.0, 1.0]
    assert scored[2]["info"]["error"] == "verifier 'raises' raised RuntimeError: checker bug on 2"
    assert "RuntimeError" in scored[5]["info"]["traceback"]
    assert "8 rows" in result.stderr
    assert "2 errors" in result.stderr
    assert "raises: 8 rows, mean reward 1.000, 2 errors" in result.stderr


@pytest.mark.parametrize("how", ["exit", "sigkill"])
def test_row_that_kills_its_worker_is_the_only_casualty(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path, how: str
) -> None:
    fatal = 77
    rows = []
    for i in range(150):
        row = {
            "verifier": "killer",
            "prompt": "p",
            "target": str(i),
            "completion": str(i) if i % 2 else "no",
        }
        if i == fatal:
            row["die"] = how
        rows.append(row)
    in_path = write_jsonl("rows.jsonl", rows)
    out_path = out_dir / "scored.jsonl"
    result = run_cli(
        "verify", "--in", in_path, "--out", out_path, "--workers", 2, "--plugin", checkers
    )
    assert result.returncode == 0, result.stderr
    scored = read_out(out_path)
    assert [r["target"] for r in scored] == [str(i) for i in range(150)]
    assert scored[fatal]["reward"] is None
    assert "worker process died" in scored[fatal]["info"]["error"]
    for i, out in enumerate(scored):
        if i != fatal:
            assert out["reward"] == float(i % 2), (i, out)
    assert "150 rows" in result.stderr
    assert "1 errors" in result.stderr


@pytest.mark.parametrize("how", ["hang", "hang_in_c"])
@pytest.mark.parametrize("workers", [1, 2])
def test_row_that_hangs_times_out_alone(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path, how: str, workers: int
) -> None:
    stuck = 40
    rows = [
        {"verifier": "killer", "prompt": "p", "target": str(i), "completion": str(i)}
        for i in range(70)
    ]
    rows[stuck]["die"] = how
    out_path = out_dir / "scored.jsonl"
    result = run_cli(
        "verify",
        "--in",
        write_jsonl("rows.jsonl", rows),
        "--out",
        out_path,
        "--workers",
        workers,
        "--timeout",
        0.5,
        "--plugin",
        checkers,
    )
    assert result.returncode == 0, result.stderr
    scored = read_out(out_path)
    assert [r["reward"] for r in scored] == [0.0 if i == stuck else 1.0 for i in range(70)]
    assert scored[stuck]["info"]["status"] == "timeout"
    assert "0 errors" in result.stderr


# -- bad input: exit 2, one line naming file, line and field, nothing written ---------------


def assert_user_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rlvr: error: ")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


GOOD = {"verifier": "exact", "prompt": "Say 1.", "target": "1", "completion": "1"}

BAD_ROWS = [
    pytest.param('{"verifier": "exact", "prompt": "p", ', "not valid JSON", id="malformed-json"),
    pytest.param("[1, 2, 3]", "expected a JSON object, got list", id="not-an-object"),
    pytest.param(
        {"verifier": "exact", "prompt": "p", "target": "1"},
        "field 'completion': missing",
        id="no-completion",
    ),
    pytest.param(
        {**GOOD, "completion": 17},
        "field 'completion': a completion must be",
        id="completion-not-text",
    ),
    pytest.param(
        {"env": "no_such_env", "prompt": "p", "completion": "c"},
        "field 'env': unknown environment 'no_such_env'; installed: ",
        id="unknown-env",
    ),
    pytest.param(
        {**GOOD, "verifier": "no_such_verifier"},
        "unknown verifier 'no_such_verifier'",
        id="unknown-verifier",
    ),
    pytest.param(
        {"verifier": "exact", "prompt": "p", "completion": "c"},
        "field 'target': missing; verifier 'exact' needs it",
        id="required-field",
    ),
    pytest.param(
        {"verifier": "exact", "completion": "c", "target": "1"},
        "field 'prompt': missing",
        id="no-prompt",
    ),
    pytest.param(
        {"prompt": "p", "completion": "c", "target": "1"}, "field 'env': missing", id="no-env"
    ),
]


@pytest.mark.parametrize(("bad", "message"), BAD_ROWS)
def test_bad_row_stops_the_run(
    run_cli: RunCli,
    checkers: Path,
    write_jsonl: WriteJsonl,
    out_dir: Path,
    bad: Any,
    message: str,
) -> None:
    # The bad row comes after two full chunks, so scoring has started when it is read.
    bad_line = 70
    rows: list[Any] = [GOOD] * (bad_line - 1) + [bad] + [GOOD] * 5
    in_path = write_jsonl("rows.jsonl", rows)
    out_path = out_dir / "scored.jsonl"
    result = run_cli(
        "verify", "--in", in_path, "--out", out_path, "--workers", 2, "--plugin", checkers
    )
    line = assert_user_error(result, message)
    if "unknown verifier" not in message:
        assert line.startswith(f"rlvr: error: {in_path}:{bad_line}: ")
    assert list(out_dir.iterdir()) == []


def test_unknown_env_lists_what_is_installed(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    in_path = write_jsonl("rows.jsonl", [{"env": "nope", "prompt": "p", "completion": "c"}])
    result = run_cli(
        "verify",
        "--in",
        in_path,
        "--out",
        out_dir / "o.jsonl",
        "--plugin",
        checkers,
        "--workers",
        1,
    )
    line = assert_user_error(result, f"{in_path}:1: field 'env'")
    installed = re.search(r"installed: ([^.]*)\.", line)
    assert installed is not None
    assert {"exact", "killer", "math", "raises"} <= set(installed.group(1).split(", "))


def test_non_utf8_input_names_the_line(
    run_cli: RunCli, checkers: Path, tmp_path: Path, out_dir: Path
) -> None:
    good = json.dumps(GOOD).encode()
    in_path = tmp_path / "latin1.jsonl"
    in_path.write_bytes(b"\n".join([good, good, b'{"prompt": "caf\xe9"}', good]) + b"\n")
    result = run_cli(
        "verify",
        "--in",
        in_path,
        "--out",
        out_dir / "o.jsonl",
        "--plugin",
        checkers,
        "--workers",
        1,
    )
    assert_user_error(result, f"{in_path}:3: not UTF-8")
    assert list(out_dir.iterdir()) == []


def test_missing_input_file(run_cli: RunCli, checkers: Path, tmp_path: Path, out_dir: Path) -> None:
    in_path = tmp_path / "absent.jsonl"
    result = run_cli("verify", "--in", in_path, "--out", out_dir / "o.jsonl", "--plugin", checkers)
    assert_user_error(result, f"{in_path}: cannot read: No such file")
    assert list(out_dir.iterdir()) == []


def test_unreadable_input(run_cli: RunCli, checkers: Path, tmp_path: Path, out_dir: Path) -> None:
    # A directory: unreadable as a file even for root (file modes do not stop root).
    in_path = tmp_path / "a_directory.jsonl"
    in_path.mkdir()
    result = run_cli("verify", "--in", in_path, "--out", out_dir / "o.jsonl", "--plugin", checkers)
    assert_user_error(result, f"{in_path}: cannot read: Is a directory")
    assert list(out_dir.iterdir()) == []


def test_existing_output_is_left_untouched_on_error(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    out_path = out_dir / "scored.jsonl"
    out_path.write_text("previous results\n", encoding="utf-8")
    in_path = write_jsonl("rows.jsonl", [GOOD, "{broken"])
    result = run_cli(
        "verify", "--in", in_path, "--out", out_path, "--plugin", checkers, "--workers", 1
    )
    assert_user_error(result, f"{in_path}:2: not valid JSON")
    assert out_path.read_text(encoding="utf-8") == "previous results\n"
    assert [p.name for p in out_dir.iterdir()] == ["scored.jsonl"]


def test_output_directory_must_exist(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    in_path = write_jsonl("rows.jsonl", [GOOD])
    result = run_cli(
        "verify", "--in", in_path, "--out", tmp_path / "nowhere" / "o.jsonl", "--plugin", checkers
    )
    assert_user_error(result, "output directory does not exist")


def test_output_must_differ_from_input(
    run_cli: RunCli, checkers: Path, write_jsonl: WriteJsonl
) -> None:
    in_path = write_jsonl("rows.jsonl", [GOOD])
    before = in_path.read_text(encoding="utf-8")
    result = run_cli("verify", "--in", in_path, "--out", in_path, "--plugin", checkers)
    assert_user_error(result, "--out must differ from --in")
    assert in_path.read_text(encoding="utf-8") == before
    assert [p.name for p in in_path.parent.iterdir()] == ["rows.jsonl"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("class Broken(:\n", "importing it failed, line 1: SyntaxError"),
        ("x = 1\n", "defines no plugin"),
    ],
)
def test_broken_plugin_file_is_exit_code_2(
    run_cli: RunCli,
    write_plugin: WritePlugin,
    write_jsonl: WriteJsonl,
    out_dir: Path,
    source: str,
    message: str,
) -> None:
    plugin = write_plugin("broken_cli", source)
    in_path = write_jsonl("rows.jsonl", [GOOD])
    result = run_cli("verify", "--in", in_path, "--out", out_dir / "o.jsonl", "--plugin", plugin)
    assert_user_error(result, f"--plugin {plugin}", message)
    assert list(out_dir.iterdir()) == []


def test_missing_required_option_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("verify", "--out", tmp_path / "o.jsonl")
    assert result.returncode == 2
    assert "--in" in result.stderr
    assert "Traceback" not in result.stderr


def test_native_gsm8k_row_with_builtin_math_verifier(
    run_cli: RunCli, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    row = {
        "question": "What is 1,000 + 234?",
        "answer": "1000 + 234 = 1234\n#### 1,234",
        "completion": "The total is \\boxed{1234}.",
    }
    in_path = write_jsonl("gsm8k.jsonl", [row])
    out_path = out_dir / "scored.jsonl"
    result = run_cli("verify", "--in", in_path, "--out", out_path, "--workers", 1)
    assert result.returncode == 0, result.stderr
    (scored,) = read_out(out_path)
    assert scored["reward"] == 1.0
    assert scored["info"]["extracted"] == "1234"
    assert "math: 1 rows, mean reward 1.000" in result.stderr


def test_native_rows_of_every_math_format_and_a_lenient_row(
    run_cli: RunCli, write_jsonl: WriteJsonl, out_dir: Path
) -> None:
    rows = [
        {
            "problem": "Halve 1.",
            "solution": "It is $\\boxed{\\frac{1}{2}}$.",
            "level": "Level 1",
            "completion": "\\boxed{0.5}",
        },
        {"question": "2+2?", "answer": "#### 4", "completion": "the answer is 4"},
        {
            "question": "2+2?",
            "answer": "#### 4",
            "completion": "the answer is 4",
            "mode": "lenient",
        },
        {
            "env": "math",
            "prompt": "Roots of x^2=4?",
            "answer": "\\{-2, 2\\}",
            "completion": "\\boxed{2} or \\boxed{-2}",
        },
    ]
    out_path = out_dir / "scored.jsonl"
    result = run_cli("verify", "--in", write_jsonl("m.jsonl", rows), "--out", out_path)
    assert result.returncode == 0, result.stderr
    scored = read_out(out_path)
    assert [r["reward"] for r in scored] == [1.0, 0.0, 1.0, 0.0]
    assert [r["info"]["status"] for r in scored] == ["correct", "no_answer", "correct", "hedged"]
