"""The chat-completions client against the scripted server on 127.0.0.1."""

from __future__ import annotations

import pytest

from tui.engine.llm import LLMConfig, chat, parse_json_object
from tui.errors import ServerError, Unreachable


def test_config_from_environment(monkeypatch):
    monkeypatch.delenv("STEPDECK_LLM_URL", raising=False)
    assert LLMConfig.from_env() is None
    monkeypatch.setenv("STEPDECK_LLM_URL", "http://127.0.0.1:11434/v1/")
    monkeypatch.setenv("STEPDECK_LLM_MODEL", "llama3")
    config = LLMConfig.from_env()
    assert config.endpoint == "http://127.0.0.1:11434/v1/chat/completions"
    assert config.model == "llama3" and config.api_key is None
    assert LLMConfig("http://x/v1/chat/completions").endpoint == "http://x/v1/chat/completions"


def test_json_is_found_in_what_models_actually_say():
    assert parse_json_object('{"action": "back"}') == {"action": "back"}
    assert parse_json_object('```json\n{"action": "back"}\n```') == {"action": "back"}
    assert parse_json_object('Sure! {"action": "done"} Hope that helps.') == {"action": "done"}
    assert parse_json_object('[{"a": 1}]') == [{"a": 1}]
    with pytest.raises(ValueError):
        parse_json_object("I would click the button")


async def test_chat_sends_model_messages_and_key(scripted_model):
    scripted_model.script = ["hello"]
    config = LLMConfig.from_env()
    reply = await chat(config, [{"role": "user", "content": "hi"}])
    assert reply.content == "hello" and reply.usage["total_tokens"] == 15
    sent = scripted_model.received[0]
    assert sent["model"] == "scripted-1" and sent["messages"][0]["content"] == "hi"
    assert scripted_model.auth[0] == "Bearer test-key"


async def test_server_errors_are_typed(scripted_model):
    config = LLMConfig.from_env()
    with pytest.raises(ServerError, match="500"):
        await chat(config, [{"role": "user", "content": "hi"}])  # the script is empty
    with pytest.raises(Unreachable):
        await chat(LLMConfig("http://127.0.0.1:9/v1"), [{"role": "user", "content": "hi"}])
