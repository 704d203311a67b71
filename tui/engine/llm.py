"""A minimal client for any OpenAI-compatible chat-completions server.

Configured from the environment, so that OpenAI, vLLM, Ollama or llama.cpp
all work the same way:

    STEPDECK_LLM_URL      base url, e.g. http://127.0.0.1:11434/v1 (or the full
                          .../chat/completions url)
    STEPDECK_LLM_MODEL    the model name the server expects
    STEPDECK_LLM_API_KEY  optional bearer token (never logged)

Without `STEPDECK_LLM_URL` there is no model and the agent uses its rules.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import httpx

from tui.errors import AuthError, BadResponse, ServerError, StepTimeout, Unreachable

DEFAULT_MODEL = "gpt-4o-mini"


@dataclass(frozen=True)
class LLMConfig:
    url: str
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    timeout: float = 60.0

    @classmethod
    def from_env(cls) -> LLMConfig | None:
        url = os.environ.get("STEPDECK_LLM_URL", "").strip()
        if not url:
            return None
        return cls(
            url=url,
            model=os.environ.get("STEPDECK_LLM_MODEL", "").strip() or DEFAULT_MODEL,
            api_key=os.environ.get("STEPDECK_LLM_API_KEY") or None,
        )

    @property
    def endpoint(self) -> str:
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else url + "/chat/completions"


@dataclass
class Completion:
    content: str
    duration_ms: float
    usage: dict[str, Any]


async def chat(
    config: LLMConfig,
    messages: list[dict[str, str]],
    *,
    client: httpx.AsyncClient | None = None,
    temperature: float = 0.0,
) -> Completion:
    """One chat completion. Raises the typed errors of `tui.errors`; never retries."""
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    body = {"model": config.model, "messages": messages, "temperature": temperature}
    started = time.perf_counter()
    own = client is None
    http = client or httpx.AsyncClient(timeout=config.timeout)
    try:
        response = await http.post(config.endpoint, json=body, headers=headers)
    except httpx.TimeoutException as e:
        raise StepTimeout(f"The model at {config.endpoint} did not answer in time") from e
    except httpx.HTTPError as e:
        raise Unreachable(f"Cannot reach the model at {config.endpoint}: {e}") from e
    finally:
        if own:
            await http.aclose()
    if response.status_code in (401, 403):
        raise AuthError("The model server refused the key", "check STEPDECK_LLM_API_KEY")
    if response.status_code >= 400:
        raise ServerError(
            f"The model server answered {response.status_code}: {response.text[:200]}",
            "check STEPDECK_LLM_URL and STEPDECK_LLM_MODEL",
        )
    try:
        payload = response.json()
        content = payload["choices"][0]["message"]["content"] or ""
    except (json.JSONDecodeError, KeyError, IndexError, TypeError) as e:
        raise BadResponse(f"The model server answered something unreadable: {e}") from e
    return Completion(
        content=content,
        duration_ms=(time.perf_counter() - started) * 1000,
        usage=payload.get("usage") or {},
    )


def parse_json_object(text: str) -> Any:
    """The first JSON value in a model's answer, tolerating ``` fences and prose around it."""
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text.split("\n", 1)[1] if "\n" in text else text
        text = text.rsplit("```", 1)[0]
    decoder = json.JSONDecoder()
    for i, ch in enumerate(text):
        if ch in "{[":
            try:
                value, _ = decoder.raw_decode(text[i:])
                return value
            except json.JSONDecodeError:
                continue
    raise ValueError("no JSON object in the answer")
