"""A minimal client for any OpenAI-compatible chat-completions server.

Configured from the settings (`llm_url`, `llm_model`, `llm_api_key`, `llm_max_steps` in
config.toml or `STEPDECK_LLM_*` env), so that OpenAI, vLLM, Ollama or llama.cpp all work the
same way: `llm_url` is a base url, e.g. http://127.0.0.1:11434/v1 (or the full
.../chat/completions url); the key is an optional bearer token (never logged).

Without `llm_url` there is no model and the agent uses its rules.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from tui.engine.masking import scrub
from tui.errors import AuthError, BadResponse, ServerError, StepTimeout, Unreachable

if TYPE_CHECKING:
    from tui.settings import Settings

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_MAX_STEPS = 10


@dataclass(frozen=True)
class LLMConfig:
    url: str
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    timeout: float = 60.0
    max_steps: int = DEFAULT_MAX_STEPS  # actions the model may take for one command

    def __repr__(self) -> str:  # the key never reaches a log
        return f"LLMConfig(url={self.url!r}, model={self.model!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> LLMConfig | None:
        """The model the settings name (None: no `llm_url`, the agent uses its rules)."""
        url = (settings.llm_url or "").strip()
        if not url:
            return None
        return cls(
            url=url,
            model=(settings.llm_model or "").strip() or DEFAULT_MODEL,
            api_key=settings.llm_key(),
            timeout=settings.llm_timeout_s,
            max_steps=settings.llm_max_steps,
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
        raise AuthError(
            "The model server refused the key", "check STEPDECK_LLM_API_KEY (llm_api_key)"
        )
    if response.status_code >= 400:
        # Some servers repeat the request's key in their error: never on screen.
        said = scrub(response.text[:200], {config.api_key} if config.api_key else set())
        raise ServerError(
            f"The model server answered {response.status_code}: {said}",
            "check llm_url and llm_model (config.toml or STEPDECK_LLM_URL / STEPDECK_LLM_MODEL)",
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
