"""The chat-completions client against the scripted server on 127.0.0.1."""

from __future__ import annotations

import pytest

from tui.engine.llm import LLMConfig, chat, parse_json_object
from tui.errors import ServerError, Unreachable
from tui.settings import Settings, load_settings


def test_config_from_the_settings(monkeypatch, stepdeck_home):
    assert LLMConfig.from_settings(Settings()) is None  # no llm_url: the rules agent
    config_file = stepdeck_home / "config" / "config.toml"
    config_file.parent.mkdir(parents=True)
    config_file.write_text('llm_url = "http://127.0.0.1:11434/v1/"\nllm_model = "llama3"\n')
    config = LLMConfig.from_settings(load_settings())
    assert config.endpoint == "http://127.0.0.1:11434/v1/chat/completions"
    assert config.model == "llama3" and config.api_key is None and config.max_steps == 10
    monkeypatch.setenv("STEPDECK_LLM_MODEL", "qwen3")  # env wins over the file
    monkeypatch.setenv("STEPDECK_LLM_API_KEY", "sk-secret")
    config = LLMConfig.from_settings(load_settings())
    assert config.model == "qwen3" and config.api_key == "sk-secret"
    assert "sk-secret" not in repr(config) and "sk-secret" not in repr(load_settings())
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
    config = scripted_model.config
    reply = await chat(config, [{"role": "user", "content": "hi"}])
    assert reply.content == "hello" and reply.usage["total_tokens"] == 15
    sent = scripted_model.received[0]
    assert sent["model"] == "scripted-1" and sent["messages"][0]["content"] == "hi"
    assert scripted_model.auth[0] == "Bearer test-key"


async def test_server_errors_are_typed(scripted_model):
    config = scripted_model.config
    with pytest.raises(ServerError, match="500"):
        await chat(config, [{"role": "user", "content": "hi"}])  # the script is empty
    with pytest.raises(Unreachable):
        await chat(LLMConfig("http://127.0.0.1:9/v1"), [{"role": "user", "content": "hi"}])


async def test_a_server_that_repeats_the_key_does_not_show_it():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Echo(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = f"bad request with {self.headers.get('Authorization')}".encode()
            self.send_response(400)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = LLMConfig(f"http://127.0.0.1:{server.server_address[1]}/v1", api_key="sk-echoed")
        with pytest.raises(ServerError) as err:
            await chat(config, [{"role": "user", "content": "hi"}])
    finally:
        server.shutdown()
        server.server_close()
    assert "bad request with Bearer" in err.value.message and "sk-echoed" not in err.value.message
