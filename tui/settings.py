"""One settings model: TOML in the config dir, overridden by `STEPDECK_*` env.

Read once where a command starts (`load_settings`) and passed down; nothing
deeper reads the environment. Precedence: arguments > `STEPDECK_<FIELD>` env >
`config.toml` (see `tui.locations`) > defaults.

The sources are read here, in a few lines, the way pydantic-settings reads them
(env names case-insensitive, empty ones ignored, lists/dicts/models as JSON,
dicts merged across sources): pydantic-settings itself cost the app's cold
start more than its first frame's whole budget (issue 15).

Cloud API keys are never stored here: a provider names the environment variable
that holds its key (`key_env`), read only when a request is made.
"""

from __future__ import annotations

import json
import os
import tomllib
import types
import typing
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from tui import locations

ENV_PREFIX = "STEPDECK_"

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
    """Everything a person can configure, and every knob the code would otherwise guess.

    `Settings(**values)` reads the sources: `values` > `STEPDECK_<FIELD>` env >
    `config.toml` > defaults.
    """

    model_config = ConfigDict(extra="ignore", validate_default=True)

    # the app
    images: Literal["auto", "tgp", "sixel", "halfcell", "unicode", "none"] = "auto"
    keymap: dict[str, str] = Field(default_factory=dict)  # binding id -> keys
    providers: list[ProviderConfig] = Field(default_factory=list)
    # the embedded engine
    headed: bool = False
    cdp_url: str | list[str] | None = None  # a list: a pool of browsers
    ws_endpoints: list[str] = Field(default_factory=list)  # Playwright servers, for the pool
    endpoint_limit: int = Field(default=0, ge=0)  # sessions per pool endpoint (0: no limit)
    chromium: str | None = None  # path to a Chromium binary
    allow_schemes: list[str] = Field(default_factory=list)  # e.g. ["file"]
    idle_timeout_minutes: float = 15
    nav_timeout_ms: float = 15_000  # a slow site may want longer
    action_timeout_ms: float = 5_000
    hold_timeout_s: float = Field(default=50.0, gt=0)  # a paused session refuses held steps then
    trace: bool = False  # record a Playwright trace of every embedded session (--trace)
    # `stepdeck serve`, and the app finding one
    server_url: str = "http://127.0.0.1:8390"
    token: SecretStr | None = None  # STEPDECK_TOKEN; else the token file in the data dir
    probe_timeout_s: float = 3.0  # per /health probe; a loaded machine answers slowly
    probe_attempts: int = 3  # timed-out probes are tried again (they only read)
    # a model for the agent (any OpenAI-compatible chat-completions server)
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None  # STEPDECK_LLM_API_KEY (never in the store or logs)
    llm_key_env: str = "STEPDECK_LLM_API_KEY"  # or name another variable holding the key
    llm_max_steps: int = 10  # actions the model may take for one command
    llm_timeout_s: float = 60.0

    def __repr_args__(self):  # type: ignore[override]
        # Browser and model addresses may carry a token (`?token=`, `user:key@`): not in a repr.
        for name, value in super().__repr_args__():
            if name in _ADDRESSES and value:
                value = (
                    [_address_shown(v) for v in value]
                    if isinstance(value, list)
                    else _address_shown(str(value))
                )
            yield name, value

    def __init__(self, **values: Any) -> None:
        # The file is looked up when settings are made, so STEPDECK_HOME moves it.
        merged = _merge(_merge(_toml(locations.config_file()), _env(type(self))), values)
        super().__init__(**merged)

    def all_providers(self) -> list[ProviderConfig]:
        """Built-ins, overridden or extended by the config file (same name wins)."""
        by_name = {p.name: p for p in BUILTIN_PROVIDERS}
        for p in self.providers:
            by_name[p.name] = p
        return list(by_name.values())

    def serve_token(self) -> str | None:
        """The `stepdeck serve` token: STEPDECK_TOKEN, else the file the server wrote."""
        if self.token is not None and self.token.get_secret_value().strip():
            return self.token.get_secret_value().strip()
        try:
            return locations.token_file().read_text().strip() or None
        except OSError:
            return None

    def llm_key(self) -> str | None:
        """The model server's key: STEPDECK_LLM_API_KEY, or the variable `llm_key_env` names."""
        if self.llm_api_key is not None:
            return self.llm_api_key.get_secret_value() or None
        return os.environ.get(self.llm_key_env) or None


_ADDRESSES = {"cdp_url", "ws_endpoints", "llm_url", "server_url"}


def _address_shown(url: str) -> str:
    """`url` without its user info, query or fragment (where tokens ride)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    tail = "?…" if parts.query or parts.fragment else ""
    return urlunsplit((parts.scheme, host, parts.path, "", "")) + tail


class SettingsError(Exception):
    """The config file could not be read; the message says where and why."""


def _toml(path: Any) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        return {}


def _is_complex(annotation: Any) -> tuple[bool, bool]:
    """(whether env text for this type is JSON, whether plain text may stand instead)."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        parts = [_is_complex(a)[0] for a in typing.get_args(annotation) if a is not type(None)]
        return any(parts), any(parts) and not all(parts)
    if origin is not None:
        return origin in (list, dict, set, tuple), False
    return isinstance(annotation, type) and issubclass(annotation, BaseModel), False


def _env(model: type[BaseModel]) -> dict[str, Any]:
    """`STEPDECK_<FIELD>` variables (any case; empty ones ignored); lists and dicts as JSON."""
    environ = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)}
    out: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        raw = environ.get(ENV_PREFIX + name.upper())
        if not raw:
            continue
        as_json, text_too = _is_complex(field.annotation)
        if not as_json:
            out[name] = raw
            continue
        try:
            out[name] = json.loads(raw)
        except json.JSONDecodeError as exc:
            if not text_too:  # e.g. a list given as plain text: say which variable
                raise SettingsError(f"{ENV_PREFIX}{name.upper()} is not JSON: {exc}") from None
            out[name] = raw  # e.g. cdp_url: one url, or a JSON list of them
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` wins; dicts are merged key by key (a keymap from env adds to the file's)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(**overrides: object) -> Settings:
    """Read the config file (if any) and `STEPDECK_*` env; `overrides` (e.g. command-line
    flags, None meaning "not given") win over both."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        # Said without the values given: a key or token put in the wrong shape stays unseen.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
            for error in exc.errors(include_input=False, include_url=False)
        )
        raise SettingsError(f"{locations.config_file()}: {problems}") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{locations.config_file()}: {exc}") from exc
