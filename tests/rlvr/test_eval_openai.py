"""`rlvr eval --base-url`: a model behind an OpenAI-compatible endpoint, evaluated through a
real server started on localhost (tests/openai_server.py), not a mock."""

from __future__ import annotations

from tests.openai_server import OpenAIServer, openai_server  # noqa: F401 - a pytest fixture


def test_the_server_answers_a_chat_completion(openai_server: OpenAIServer) -> None:  # noqa: F811
    import openai

    client = openai.OpenAI(base_url=openai_server.base_url, api_key="none")
    reply = client.chat.completions.create(
        model=openai_server.model,
        messages=[{"role": "user", "content": "What is 1 + 1?"}],
        max_tokens=4,
        temperature=1.0,
        seed=1,
    )
    assert reply.choices[0].message.content is not None
