"""A real OpenAI-compatible server on localhost, for tests of clients of such an endpoint.

`transformers serve` (FastAPI + uvicorn) serves the tiny random-init model of conftest.py
from a local directory: chat completions as vLLM, SGLang or llama.cpp's server answer them, no
mock in between. tests/conftest.py registers the fixture once (one server for the whole
session, whichever modules use it); a test takes it by name:

    def test_x(openai_server):
        client = openai.OpenAI(base_url=openai_server.base_url, api_key="none")
        client.chat.completions.create(model=openai_server.model, messages=[...])

One server per test session (it takes 5-25 s to start on two busy cores); tests that need it
are skipped, saying why, where FastAPI is not installed (it is in rlvr's `dev` extra).

What this server does not do, unlike vLLM: it ignores `n` (one choice per request, with a
warning) and rejects `top_k`/`min_p` (HTTP 422: they are not OpenAI fields). Its model's
generation config says `do_sample: true`, so that a request's temperature samples as it would
on vLLM (transformers serve keeps a model's own do_sample and only turns it off at
temperature 0).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

READY_DEADLINE_S = 180.0
"""Start-up on two cores shared with other test runs: model load plus FastAPI import."""
STOP_DEADLINE_S = 10.0


class OpenAIServer(NamedTuple):
    base_url: str
    """http://127.0.0.1:PORT/v1, as the openai client takes it."""
    model: str
    """The name the server knows the model by (the `model` of a request)."""


def free_port() -> int:
    """A port nothing listens on now (the server binds it a moment later: a small race that a
    retry of the fixture would win; none has been seen on one machine)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serving_copy(model: Path, folder: Path) -> Path:
    """The model in a folder of its own, its generation config sampling by default."""
    served = folder / "served-model"
    shutil.copytree(model, served, dirs_exist_ok=True)
    config_path = served / "generation_config.json"
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    config["do_sample"] = True
    config_path.write_text(json.dumps(config))
    return served


def wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it exits or the deadline
    passes."""
    deadline = time.monotonic() + READY_DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"transformers serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    stop(process)
    pytest.fail(f"transformers serve not ready within {READY_DEADLINE_S:.0f} s:\n{log.read_text()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's own process group (uvicorn may fork), then SIGKILL."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_DEADLINE_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture(scope="session")
def openai_server(
    tiny_model: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenAIServer]:
    """`transformers serve` on a free localhost port, serving the tiny model; stopped at the
    end of the session."""
    pytest.importorskip("fastapi", reason="transformers serve needs FastAPI (rlvr[dev])")
    folder = tmp_path_factory.mktemp("openai-server")
    model = serving_copy(tiny_model, folder)
    port = free_port()
    log = folder / "server.log"
    command = [
        sys.executable,
        "-c",
        "from transformers.cli.transformers import main; main()",
        "serve",
        str(model),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--device",
        "cpu",
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        wait_until_ready(process, f"http://127.0.0.1:{port}/health", log)
        yield OpenAIServer(f"http://127.0.0.1:{port}/v1", str(model))
    finally:
        stop(process)
