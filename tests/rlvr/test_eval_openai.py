"""`rlvr eval --base-url`: a model behind an OpenAI-compatible endpoint, evaluated through a
real server started on localhost (tests/openai_server.py: `transformers serve`), not a mock;
and a server that fails mid-run (a local HTTP server answering 503), whose lost samples are
null, never 0."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rlvr.evaluate import (
    EnvTask,
    OpenAIEngine,
    Settings,
    evaluate_tasks,
    open_judges,
    policy_blocks,
)
from tests.openai_server import OpenAIServer, free_port

RunCli = Any

PARITY_PLUGIN = """\
from rlvr import Verdict


class ParityServed:
    '''Reward 1 for a completion of even length: a coin flip for a random model.'''

    name = "parity_served"

    def verify(self, problem, completion):
        return Verdict(float(len(completion) % 2 == 0), {"length": len(completion)})
"""


def parity_rows(write_jsonl: Any) -> Path:
    return write_jsonl(
        "served.jsonl",
        [
            {
                "id": f"p{i}",
                "env": "served",
                "verifier": "parity_served",
                "prompt": [
                    {"role": "system", "content": "You answer in one word."},
                    {"role": "user", "content": f"Say {i}."},
                ],
            }
            for i in range(3)
        ],
    )


def test_a_served_model_is_evaluated_with_its_samples_logged(
    openai_server: OpenAIServer,
    run_cli: RunCli,
    tmp_path: Path,
    write_jsonl: Any,
    write_plugin: Any,
) -> None:
    plugin = write_plugin("parity_served", PARITY_PLUGIN)
    out = tmp_path / "out"
    result = run_cli(
        "eval",
        "--base-url",
        openai_server.base_url,
        "--data",
        parity_rows(write_jsonl),
        "--plugin",
        plugin,
        "--n",
        3,
        "--k",
        "1,3",
        "--max-new-tokens",
        5,
        "--top-p",
        0.9,
        "--out",
        out,
        "--log-samples",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    block = json.loads((out / "eval.json").read_text())["served"]
    assert block["n_problems"] == 3
    assert block["errors"] == 0
    assert block["pass@3"] is not None
    settings = json.loads((out / "settings.json").read_text())
    assert settings["engine"] == "openai"
    assert settings["served_model"] == openai_server.model  # the only one it lists
    assert settings["base_url"] == openai_server.base_url
    assert settings["top_p"] == 0.9
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    # this server ignores `n`: every problem's 3 samples came from 3 requests
    assert [(s["id"], s["sample"]) for s in samples] == [
        (f"p{i}", j) for i in range(3) for j in range(3)
    ]
    for sample in samples:
        assert sample["prompt"][0] == {"role": "system", "content": "You answer in one word."}
        assert isinstance(sample["completion"], str)
        assert sample["reward"] == float(len(sample["completion"]) % 2 == 0)


def test_greedy_decoding_through_the_server(openai_server: OpenAIServer) -> None:
    settings = Settings(
        n=1, ks=(1,), temperature=0, max_new_tokens=4, base_url=openai_server.base_url
    )
    engine = OpenAIEngine(settings, api_key=None)
    prompts = [[{"role": "user", "content": "Say 1."}], [{"role": "user", "content": "Say 2."}]]
    first = engine.generate(prompts, 1, [1, 2])
    assert engine.generate(prompts, 1, [3, 4]) == first  # greedy: the seed changes nothing
    assert all(isinstance(texts[0], str) for texts in first)
    sampled = OpenAIEngine(
        Settings(n=4, ks=(1,), max_new_tokens=4, base_url=openai_server.base_url), api_key=None
    )
    assert len(set(sampled.generate(prompts[:1], 4, [1])[0])) > 1  # topped up, each seeded apart


def test_an_unreachable_server_is_one_line_and_exit_2(
    run_cli: RunCli, write_jsonl: Any, write_plugin: Any
) -> None:
    plugin = write_plugin("parity_served", PARITY_PLUGIN)
    dead = f"http://127.0.0.1:{free_port()}/v1"
    result = run_cli(
        "eval", "--base-url", dead, "--data", parity_rows(write_jsonl), "--plugin", plugin
    )
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("rlvr: error:")
    assert "cannot reach an OpenAI-compatible server" in result.stderr
    assert dead in result.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"served_model": "no-such-model"}, "'no-such-model': not served at"),
        # transformers serve refuses top_k (HTTP 422): said at start, not one null per sample
        ({"top_k": 5}, "not every server takes them"),
    ],
)
def test_a_model_or_setting_the_server_refuses_is_said_at_start(
    openai_server: OpenAIServer,
    settings: dict[str, Any],
    message: str,
) -> None:
    from rlvr.errors import UserError

    with pytest.raises(UserError) as refused:
        OpenAIEngine(Settings(base_url=openai_server.base_url, **settings), api_key=None)
    assert message in str(refused.value)


class FailingServer(BaseHTTPRequestHandler):
    """Lists one model and answers the first chat request (the engine's start-up check), then
    fails every request with 503: a server that went down mid-run."""

    chats = 0

    def do_GET(self) -> None:
        self._reply(200, {"object": "list", "data": [{"id": "m", "object": "model"}]})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).chats += 1
        if type(self).chats > 1:
            self._reply(503, {"error": {"message": "overloaded"}})
            return
        message = {"role": "assistant", "content": "OK"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        self._reply(
            200,
            {
                "id": "1",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [choice],
            },
        )

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class OneChoiceServer(FailingServer):
    """Refuses `n` > 1 with 400, as llama.cpp's server does; answers each request with one
    numbered choice."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if body.get("n", 1) > 1:
            self._reply(400, {"error": {"message": "Only one completion choice is allowed"}})
            return
        type(self).chats += 1
        message = {"role": "assistant", "content": f"sample {type(self).chats}"}
        choice = {"index": 0, "message": message, "finish_reason": "stop"}
        reply = {"id": "1", "object": "chat.completion", "created": 0, "model": "m"}
        self._reply(200, {**reply, "choices": [choice]})


def serve(handler: type[FailingServer]) -> Iterator[str]:
    handler.chats = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


@pytest.fixture
def failing_server() -> Iterator[str]:
    yield from serve(FailingServer)


@pytest.fixture
def one_choice_server() -> Iterator[str]:
    yield from serve(OneChoiceServer)


def test_a_server_that_refuses_n_gets_one_request_per_sample(one_choice_server: str) -> None:
    engine = OpenAIEngine(Settings(n=3, base_url=one_choice_server), api_key=None)
    assert engine.one_choice
    prompts = [[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]]
    samples = engine.generate(prompts, 3, [1, 2])
    assert [len(texts) for texts in samples] == [3, 3]
    flat = [text for texts in samples for text in texts]
    assert all(isinstance(text, str) and text.startswith("sample ") for text in flat)
    assert len(set(flat)) == 6


def test_samples_a_failing_server_did_not_give_are_null_not_wrong(
    failing_server: str, monkeypatch: pytest.MonkeyPatch, write_plugin: Any
) -> None:
    from rlvr.registry import get_verifier, load_plugin

    load_plugin(write_plugin("parity_served", PARITY_PLUGIN))
    monkeypatch.setattr(OpenAIEngine, "MAX_RETRIES", 1)  # backoff: about a second, not 15
    settings = Settings(n=2, ks=(1,), base_url=failing_server, max_new_tokens=4)
    engine = OpenAIEngine(settings, api_key=None)
    assert engine.model == "m"  # the only model listed
    problems = [{"id": "a", "env": "served", "prompt": "Say a."}]
    task = EnvTask("served", problems, [[{"role": "user", "content": "Say a."}]], ["parity_served"])
    task.verifiers = [get_verifier("parity_served")]
    with open_judges([task]) as judges:
        results = evaluate_tasks(engine.generate, [task], settings, judges=judges)
    tally = results["served"][0].tallies[None]
    assert tally.rewards == [None, None]
    assert "InternalServerError" in tally.infos[0]["error"] or "503" in tally.infos[0]["error"]
    block = policy_blocks(results, settings)["served"]
    assert block["errors"] == 2
    assert block["pass@1"] is None  # nothing scored: no number, not 0
