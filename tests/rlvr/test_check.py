"""`rlvr check NAME` in a subprocess: every built-in passes, a good plugin passes, each way a
verifier can break fails the check it should (exit 1), and plugins that cannot be loaded are
exit code 2 with the plugin and the fix named."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from rlvr.registry import Registry

RunCli = Callable[..., subprocess.CompletedProcess[str]]
WritePlugin = Callable[[str, str], Path]

ALL_CHECKS = [
    "loads",
    "pickles",
    "examples",
    "gold scores 1",
    "junk scores 0",
    "deterministic",
    "empty completion",
    "huge completion (1 MB)",
    "non-ASCII completion",
    "deadline",
]

PLUGINS = """\
import json
import os
import random
import threading

from rlvr import Verdict

PROBLEM = {"target": "7"}
EXAMPLES = [(PROBLEM, "7", 1.0), (PROBLEM, " 7\\n", 1.0), (PROBLEM, "8", 0.0)]


class Exact:
    '''Reward 1 when the completion, stripped, is the row's `target`.'''

    name = "exact"
    required_fields = ("target",)

    def __init__(self, strip=True):
        self.strip = strip

    def verify(self, problem, completion):
        text = completion.strip() if getattr(self, "strip", False) else completion
        return Verdict(float(text == problem["target"]), {"status": "judged"})

    def examples(self):
        return EXAMPLES


class Flaky(Exact):
    '''Right on its examples, a random reward on anything else.'''

    name = "flaky"

    def verify(self, problem, completion):
        if completion in [c for _, c, _ in EXAMPLES]:
            return super().verify(problem, completion)
        return Verdict(random.random())


class WrongGold(Exact):
    name = "wrong_gold"

    def verify(self, problem, completion):
        return Verdict(0.0)


class OnlyGold(Exact):
    name = "only_gold"

    def examples(self):
        return EXAMPLES[:1]


class EmptyRaises(Exact):
    name = "empty_raises"

    def verify(self, problem, completion):
        if not completion:
            raise IndexError("no characters")
        return super().verify(problem, completion)


class AsciiOnly(Exact):
    name = "ascii_only"

    def verify(self, problem, completion):
        completion.encode("ascii")
        return super().verify(problem, completion)


class HugeHangs(Exact):
    name = "huge_hangs"

    def verify(self, problem, completion):
        while len(completion) > 100_000:
            pass
        return super().verify(problem, completion)


class HangsAlways(Exact):
    name = "hangs_always"

    def verify(self, problem, completion):
        while True:
            pass

    def examples(self):
        return [*EXAMPLES, (PROBLEM, "six", 0.0), (PROBLEM, "seven", 0.0)]


class HugeCrashes(Exact):
    name = "huge_crashes"

    def verify(self, problem, completion):
        if len(completion) > 100_000:
            os._exit(3)
        return super().verify(problem, completion)


class Forgetful(Exact):
    '''Drops its options when pickled: the copy Ray hosts judges differently.'''

    name = "forgetful"

    def __getstate__(self):
        return {}


class NotAVerdict(Exact):
    name = "not_a_verdict"

    def verify(self, problem, completion):
        return 1.0


class LockInInfo(Exact):
    name = "lock_in_info"

    def verify(self, problem, completion):
        return Verdict(float(completion == problem["target"]), {"lock": threading.Lock()})


class BrokenExamples(Exact):
    name = "broken_examples"

    def examples(self):
        return [(PROBLEM, "7"), ({"other": 1}, "7", 1.0), (PROBLEM, "7", 2.0)]


class RaisingExamples(Exact):
    name = "raising_examples"

    def examples(self):
        raise RuntimeError("examples are not ready")


class NoExamples:
    name = "no_examples"

    def verify(self, problem, completion):
        return Verdict(1.0)
"""


@pytest.fixture
def plugins(write_plugin: WritePlugin) -> Path:
    return write_plugin("check_plugins", PLUGINS)


def check_table(stdout: str) -> dict[str, tuple[str, str]]:
    """{check: (result, detail)} from the printed table (one line per check when piped)."""
    rows = {}
    for line in stdout.splitlines():
        parts = re.split(r"\s{2,}", line.strip(), maxsplit=2)
        if len(parts) >= 2 and parts[1] in {"ok", "failed", "skipped"}:
            rows[parts[0]] = (parts[1], parts[2] if len(parts) == 3 else "")
    return rows


def failed(table: dict[str, tuple[str, str]]) -> set[str]:
    return {check for check, (result, _) in table.items() if result == "failed"}


BUILTINS = sorted(p.name for p in Registry().plugins("verifiers") if p.builtin)


def test_the_builtins_are_math_code_and_if() -> None:
    assert BUILTINS == ["code", "if", "math"]


@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_verifier_passes(run_cli: RunCli, name: str) -> None:
    result = run_cli("check", name)
    assert result.returncode == 0, result.stdout + result.stderr
    table = check_table(result.stdout)
    assert set(ALL_CHECKS) <= set(table)
    assert {result for result, _ in table.values()} == {"ok"}, result.stdout
    assert "(built-in)" in table["loads"][1]
    assert "slowest call" in table["deadline"][1]
    assert f"rlvr check: {name!r} passes all" in result.stderr


def test_a_good_plugin_file_passes(run_cli: RunCli, plugins: Path) -> None:
    result = run_cli("check", "exact", "--plugin", plugins)
    assert result.returncode == 0, result.stdout + result.stderr
    table = check_table(result.stdout)
    assert list(table) == ALL_CHECKS
    assert not failed(table)
    assert table["loads"][1] == f"check_plugins.py:Exact, from file {plugins.resolve()}"
    assert table["gold scores 1"][1] == "2 of 2 examples"
    assert "the copy agrees on" in table["pickles"][1]


@pytest.mark.parametrize(
    ("name", "failing", "detail"),
    [
        ("flaky", {"deterministic"}, "empty completion, problem 1: reward 0."),
        ("wrong_gold", {"gold scores 1"}, "example 1: expected 1, got reward 0"),
        ("only_gold", {"junk scores 0"}, "no example expects it: add junk (0.0)"),
        ("empty_raises", {"empty completion"}, "raised IndexError: no characters"),
        ("ascii_only", {"non-ASCII completion"}, "raised UnicodeEncodeError"),
        ("huge_crashes", {"huge completion (1 MB)"}, "its worker process died"),
        ("forgetful", {"pickles"}, "example 2: reward 1 (judged), but the copy gives reward 0"),
        (
            "not_a_verdict",
            {
                "gold scores 1",
                "junk scores 0",
                "empty completion",
                "huge completion (1 MB)",
                "non-ASCII completion",
            },
            "returned float, not an rlvr.Verdict",
        ),
        (
            "lock_in_info",
            {
                "gold scores 1",
                "junk scores 0",
                "empty completion",
                "huge completion (1 MB)",
                "non-ASCII completion",
            },
            "could not be sent back from the worker (TypeError: cannot pickle '_thread.lock'",
        ),
        ("broken_examples", {"examples"}, "example 2's problem lacks required field(s) ['target']"),
        ("raising_examples", {"examples"}, "examples() raised RuntimeError: examples are not"),
    ],
)
def test_each_broken_verifier_fails_its_check(
    run_cli: RunCli, plugins: Path, name: str, failing: set[str], detail: str
) -> None:
    result = run_cli("check", name, "--plugin", plugins)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    table = check_table(result.stdout)
    assert failed(table) == failing, result.stdout
    assert any(detail in table[check][1] for check in failing), result.stdout
    assert f"rlvr check: {name!r} fails" in result.stderr


@pytest.mark.parametrize(
    ("name", "failing"),
    [
        ("huge_hangs", {"huge completion (1 MB)", "deadline"}),
        ("hangs_always", {"gold scores 1", "junk scores 0", "deadline"}),
    ],
)
def test_a_verifier_that_hangs_fails_the_deadline_in_bounded_time(
    run_cli: RunCli, plugins: Path, name: str, failing: set[str]
) -> None:
    started = time.monotonic()
    result = run_cli("check", name, "--plugin", plugins, "--timeout", 1)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    table = check_table(result.stdout)
    assert failed(table) == failing
    assert "no verdict within the 1 s deadline" in table["deadline"][1]
    # One hung chunk, then at most a few hung calls alone: not one deadline per call.
    assert elapsed < 30
    if name == "huge_hangs":  # the other checks still ran, on the calls that answered
        assert table["deterministic"][0] == table["empty completion"][0] == "ok"
        assert table["non-ASCII completion"][0] == "ok"
    else:  # nothing answered: what needs an answer is skipped, not passed
        assert table["deterministic"][0] == table["empty completion"][0] == "skipped"


def test_a_verifier_without_examples_gets_the_checks_that_need_none(
    run_cli: RunCli, plugins: Path
) -> None:
    result = run_cli("check", "no_examples", "--plugin", plugins)
    assert result.returncode == 0, result.stdout + result.stderr
    table = check_table(result.stdout)
    assert table["loads"][0] == table["pickles"][0] == "ok"
    assert table["examples"] == ("skipped", "no examples()")
    for check in ALL_CHECKS[3:]:
        assert table[check] == ("skipped", "needs examples()")
    assert "note: 'no_examples' has no examples()" in result.stdout
    assert "(problem, completion, expected reward)" in result.stdout


# -- plugins that cannot be loaded: exit code 2, the plugin and the fix named --------------------


@pytest.mark.parametrize(
    ("source", "name", "message"),
    [
        (
            "class Locked:\n"
            "    name = 'locked'\n"
            "    def __init__(self):\n"
            "        import threading\n"
            "        self.lock = threading.Lock()\n"
            "    def verify(self, problem, completion): ...\n",
            "locked",
            "verifier 'locked' does not pickle",
        ),
        (
            "class Needy:\n"
            "    name = 'needy'\n"
            "    def __init__(self, cutoff): ...\n"
            "    def verify(self, problem, completion): ...\n",
            "needy",
            "cannot be called as Verifier() (missing a required argument: 'cutoff'); give every",
        ),
        (
            "class MyMath:\n    name = 'math'\n    def verify(self, problem, completion): ...\n",
            "math",
            "name clash: verifier 'math' (rlvr.verifiers.math:MathVerifier, from rlvr 0.1.0 "
            "(built-in)) already has this name (a built-in); rename the verifier in file",
        ),
        ("def broken(:\n", "anything", "importing it failed, line 1: SyntaxError"),
    ],
)
def test_a_plugin_file_that_cannot_be_loaded_is_exit_code_2(
    run_cli: RunCli, write_plugin: WritePlugin, source: str, name: str, message: str
) -> None:
    path = write_plugin("unloadable", source)
    result = run_cli("check", name, "--plugin", path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("rlvr: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_unknown_name_is_exit_code_2_and_lists_the_installed(run_cli: RunCli) -> None:
    result = run_cli("check", "nope")
    assert result.returncode == 2
    assert "rlvr: error: unknown verifier 'nope'; installed: code, if, math" in result.stderr


def test_broken_third_party_plugins_fail_alone(run_cli: RunCli, fake_dist: Path) -> None:
    pythonpath = os.pathsep.join(p for p in (str(fake_dist), os.environ.get("PYTHONPATH")) if p)
    env = {"PYTHONPATH": pythonpath}
    broken = run_cli("check", "fake_broken", env=env)
    assert broken.returncode == 2
    assert (
        "verifier 'fake_broken' (fakepkg_missing_module:Thing, from fakepkg 1.0) cannot be used: "
        "cannot load fakepkg_missing_module:Thing: ModuleNotFoundError" in broken.stderr
    )
    assert "fix or reinstall fakepkg 1.0" in broken.stderr
    # The same package's good plugin and the built-in it tried to shadow still work.
    good = run_cli("check", "fake_good", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "fakepkg_plugin:GoodVerifier, from fakepkg 1.0" in good.stdout
    builtin = run_cli("check", "math", env=env)
    assert builtin.returncode == 0, builtin.stdout + builtin.stderr
    assert "rlvr.verifiers.math:MathVerifier, from rlvr 0.1.0 (built-in)" in builtin.stdout


# -- the guide's example works as the guide says ------------------------------------------------

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "writing-a-verifier.md"


def guide_block(language: str, first_line: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    (block,) = [b for b in blocks if b.startswith(first_line)]
    return block


def test_the_guides_word_count_passes_the_check_and_scores_its_rows(
    run_cli: RunCli, write_plugin: WritePlugin, tmp_path: Path
) -> None:
    path = write_plugin("word_count", guide_block("python", "# word_count.py"))
    result = run_cli("check", "word_count", "--plugin", path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not failed(check_table(result.stdout))

    rows = tmp_path / "rows.jsonl"
    rows.write_text(guide_block("json", '{"verifier": "word_count"'), encoding="utf-8")
    out = tmp_path / "scored.jsonl"
    scored = run_cli("verify", "--plugin", path, "--in", rows, "--out", out)
    assert scored.returncode == 0, scored.stderr
    rewards = [json.loads(line)["reward"] for line in out.read_text().splitlines()]
    assert rewards == [1.0, 1.0]
