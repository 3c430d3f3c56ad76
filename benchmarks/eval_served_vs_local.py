"""`rlvr eval --base-url` against `rlvr eval --model` on the same model, greedy.

Serves a model directory with `transformers serve` on localhost, evaluates it through the
OpenAI-compatible engine and in-process with the transformers engine, both at temperature 0,
and compares the completions problem by problem: greedy decoding has one answer, so the two
paths should write the same text where the server renders the chat template as rlvr does.
Reports each path's pass@1 (strict, lenient, Math-Verify), the share of identical
completions and the wall time.

    .venv/bin/python benchmarks/eval_served_vs_local.py [--model DIR] [--limit 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rlvr_eval(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rlvr", "eval", *args], check=True, cwd=REPO)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a model directory [default: the embedded SmolLM2]")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--max-new-tokens", type=int, default=96)
    options = parser.parse_args()
    from rlvr.models import resolve_model

    model = str(resolve_model(options.model))
    port = free_port()
    command = [sys.executable, "-c", "from transformers.cli.transformers import main; main()"]
    command += ["serve", model, "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    server = subprocess.Popen(
        [*command, "--log-level", "warning"],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("transformers serve did not start") from None
                time.sleep(0.5)
        common = ["--envs", "math", "--limit", str(options.limit), "--temperature", "0"]
        common += ["--max-new-tokens", str(options.max_new_tokens), "--log-samples"]
        with tempfile.TemporaryDirectory() as folder:
            local, served = Path(folder, "local"), Path(folder, "served")
            local_s = rlvr_eval("--model", model, *common, "--out", str(local))
            url = f"http://127.0.0.1:{port}/v1"
            served_s = rlvr_eval("--base-url", url, *common, "--out", str(served))
            report(local, served, local_s, served_s)
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(local: Path, served: Path, local_s: float, served_s: float) -> None:
    def samples(out: Path) -> dict[str, dict]:
        rows = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
        return {row["id"]: row for row in rows}

    ours, theirs = samples(local), samples(served)
    same = sum(ours[i]["completion"] == theirs[i]["completion"] for i in ours)
    print(f"identical greedy completions: {same}/{len(ours)}")
    for name, out, seconds in (("local", local, local_s), ("served", served, served_s)):
        block = json.loads((out / "eval.json").read_text())["math"]
        readings = {"strict": block, "lenient": block["lenient"]}
        if "math_verify" in block:
            readings["math_verify"] = block["math_verify"]
        scores = ", ".join(f"{k} {v['pass@1']:.3f}" for k, v in readings.items())
        print(f"{name}: pass@1 {scores}; errors {block['errors']}; {seconds:.0f} s wall")


if __name__ == "__main__":
    main()
