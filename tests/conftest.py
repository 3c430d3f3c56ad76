"""Shared fixtures: the CLI in a subprocess, local plugin files, a fake third-party package."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from tests.openai_server import openai_server  # noqa: F401 - one server for the session

# Property tests check behaviour, not speed: hypothesis' default 200 ms deadline per example
# failed them on a loaded 2-core machine.
settings.register_profile("rlvr", deadline=None)
settings.load_profile("rlvr")

# Subprocesses inherit this: a test run must not start a thread pool per core in every worker.
os.environ["OMP_NUM_THREADS"] = "1"

# Generated problem pools (rlvr/cache.py): the test session and its CLI processes share one
# cache in a temporary folder (never the user's), so the math and code pools are built once,
# not in each of about a hundred processes. The generators' own tests turn it off
# (`no_pool_cache`), so that "the same seed draws the same pool" compares two real builds.
# Under pytest-xdist the workers inherit the controller's folder (it removes it at exit).
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("RLVR_TEST_SESSION_CACHE"):
    SESSION_CACHE = os.environ["RLVR_TEST_SESSION_CACHE"]
else:
    SESSION_CACHE = tempfile.mkdtemp(prefix="rlvr-test-cache-")
    atexit.register(shutil.rmtree, SESSION_CACHE, ignore_errors=True)
    os.environ["RLVR_TEST_SESSION_CACHE"] = SESSION_CACHE
os.environ["RLVR_CACHE_DIR"] = SESSION_CACHE

CLI_TIMEOUT_S = 120

RunCli = Callable[..., subprocess.CompletedProcess[str]]
WritePlugin = Callable[[str, str], Path]


@pytest.fixture
def no_pool_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Generated pools are built, never read from the cache (for tests of the generators)."""
    from rlvr.environments import code

    monkeypatch.setenv("RLVR_CACHE_DIR", "")
    code.builtin_records.cache_clear()
    yield
    code.builtin_records.cache_clear()


@pytest.fixture
def run_cli() -> RunCli:
    """`python -m rlvr ARGS...` as a user runs it; returns the completed process (text)."""

    def run(
        *args: object, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        # A wide terminal so that rich does not fold the table cells we look for.
        full_env = {**os.environ, "OMP_NUM_THREADS": "1", "COLUMNS": "400", **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "rlvr", *map(str, args)],
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )

    return run


@pytest.fixture
def write_plugin(tmp_path: Path) -> Iterator[WritePlugin]:
    """Write `<stem>.py` into a temporary folder; the module it imports as is forgotten after."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    stems: list[str] = []

    def write(stem: str, source: str) -> Path:
        path = folder / f"{stem}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        stems.append(stem)
        return path

    yield write
    for stem in stems:
        sys.modules.pop(f"rlvr_plugin_{stem}", None)


FAKE_MODULE = "fakepkg_plugin"
FAKE_ENTRY_POINTS = f"""\
[rlvr.verifiers]
fake_good = {FAKE_MODULE}:GoodVerifier
fake_broken = fakepkg_missing_module:Thing
math = {FAKE_MODULE}:GoodVerifier
"""


@pytest.fixture
def fake_dist(tmp_path: Path) -> Iterator[Path]:
    """A folder holding an installed third-party package `fakepkg` 1.0 that declares three
    `rlvr.verifiers` entry points: a good one, one whose module does not exist, and one that
    clashes with the built-in `math`. Put the folder on sys.path or PYTHONPATH to install it.
    """
    site = tmp_path / "site"
    dist_info = site / "fakepkg-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: fakepkg\nVersion: 1.0\n", encoding="utf-8"
    )
    (dist_info / "entry_points.txt").write_text(FAKE_ENTRY_POINTS, encoding="utf-8")
    (site / f"{FAKE_MODULE}.py").write_text(
        textwrap.dedent(
            """\
            from rlvr import Verdict


            class GoodVerifier:
                name = "fake_good"

                def verify(self, problem, completion):
                    return Verdict(float(completion == "yes"), {"said": completion})
            """
        ),
        encoding="utf-8",
    )
    yield site
    sys.modules.pop(FAKE_MODULE, None)


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[[str, list[Any]], Path]:
    """Write rows (objects, or raw strings taken as lines) to `tmp_path/in/<name>`."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)

    def write(name: str, rows: list[Any]) -> Path:
        path = folder / name
        lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return path

    return write


def build_tiny_model(path: Path) -> Path:
    """A random-init 2-layer Llama with a byte-level BPE tokenizer trained here: trains in
    seconds on two cores, and needs nothing from a model hub."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    corpus = [
        "What is 12 + 7? Put your final answer in \\boxed{}. The answer is \\boxed{19}.",
        "def add(a, b):\n    return a + b\n",
        "Write a short poem about the sea, all in lowercase letters.",
    ] * 10
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=400,
            special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<|im_start|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    fast.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
        "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(path)
    fast.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))
