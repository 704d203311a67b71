"""One settings model: TOML in the config dir, overridden by `STEPDECK_*` env.

API keys are never stored here: a provider names the environment variable
that holds its key (`key_env`), and the key is read from the environment only
when a request is made.
"""

from __future__ import annotations

import os
import tomllib
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from tui import locations

Dialect = Literal["local", "notte", "notte_env", "multion", "thinkrun"]


class ProviderConfig(BaseModel):
    """A place sessions live: the embedded engine or a cloud API."""

    name: str
    dialect: Dialect
    base_url: str | None = None
    key_env: str | None = None  # the environment variable holding the API key
    label: str = ""
    timeout: float = 30.0

    def api_key(self) -> str | None:
        return os.environ.get(self.key_env) if self.key_env else None


BUILTIN_PROVIDERS = [
    ProviderConfig(name="local", dialect="local", label="Local Chromium"),
    ProviderConfig(
        name="notte",
        dialect="notte",
        base_url="https://api.notte.cc",
        key_env="NOTTE_API_KEY",
        label="Notte",
    ),
    ProviderConfig(
        name="notte_env",
        dialect="notte_env",
        base_url="https://api.notte.cc",
        key_env="NOTTE_API_KEY",
        label="Notte (env API)",
    ),
    ProviderConfig(
        name="multion",
        dialect="multion",
        base_url="https://api.multion.ai/v1/web",
        key_env="MULTION_API_KEY",
        label="MultiOn",
    ),
    ProviderConfig(
        name="thinkrun",
        dialect="thinkrun",
        base_url="https://api.thinkrun.ai",
        key_env="THINKRUN_API_KEY",
        label="ThinkRun",
    ),
]


class Settings(BaseModel):
    """Everything a person can configure."""

    images: Literal["auto", "tgp", "sixel", "halfcell", "unicode", "none"] = "auto"
    headed: bool = False
    cdp_url: str | None = None
    chromium: str | None = None  # path to a Chromium binary
    allow_schemes: list[str] = Field(default_factory=list)  # e.g. ["file"]
    idle_timeout_minutes: float = 15
    server_url: str = "http://127.0.0.1:8390"
    keymap: dict[str, str] = Field(default_factory=dict)  # binding id -> keys
    providers: list[ProviderConfig] = Field(default_factory=list)
    llm_url: str | None = None
    llm_model: str | None = None
    llm_key_env: str = "STEPDECK_LLM_API_KEY"

    def all_providers(self) -> list[ProviderConfig]:
        """Built-ins, overridden or extended by the config file (same name wins)."""
        by_name = {p.name: p for p in BUILTIN_PROVIDERS}
        for p in self.providers:
            by_name[p.name] = p
        return list(by_name.values())


class SettingsError(Exception):
    """The config file could not be read; the message says where and why."""


_ENV = {
    "STEPDECK_IMAGES": "images",
    "STEPDECK_CDP_URL": "cdp_url",
    "STEPDECK_CHROMIUM": "chromium",
    "STEPDECK_SERVER_URL": "server_url",
    "STEPDECK_LLM_URL": "llm_url",
    "STEPDECK_LLM_MODEL": "llm_model",
}


def load_settings() -> Settings:
    """Read the config file (if any) and apply `STEPDECK_*` overrides."""
    data: dict = {}
    path = locations.config_file()
    if path.exists():
        try:
            data = tomllib.loads(path.read_text())
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"{path}: {exc}") from exc
    for env, field in _ENV.items():
        if os.environ.get(env):
            data[field] = os.environ[env]
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"{path}: {exc}") from exc
