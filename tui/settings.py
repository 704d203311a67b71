"""One settings model: TOML in the config dir, overridden by `STEPDECK_*` env.

Read once where a command starts (`load_settings`) and passed down; nothing
deeper reads the environment. Precedence: arguments > `STEPDECK_<FIELD>` env >
`config.toml` (see `tui.locations`) > defaults.

The sources are read here, in a few lines, the way pydantic-settings reads them
(env names case-insensitive, empty ones ignored, lists/dicts/models as JSON,
dicts merged across sources), and the values are checked here against the
fields' types, the way pydantic's lax mode checks them ("true" is a bool, "30"
a number). The settings are read before the app's first frame, and pydantic
there cost the cold start ~40 ms of its 600 (issue 15): building any pydantic
validator imports its plugin machinery (`importlib.metadata`, and a scan of
every installed package). The wire formats stay pydantic models, in their
dialects; these are stdlib dataclasses.

Cloud API keys are never stored here: a provider names the environment variable
that holds its key (`key_env`), read only when a request is made.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal
from urllib.parse import urlsplit, urlunsplit

from tui import locations

ENV_PREFIX = "STEPDECK_"

Dialect = Literal["local", "notte", "notte_env", "multion", "thinkrun"]


class SettingsError(Exception):
    """The config file could not be read; the message says where and why."""


class Secret:
    """A value never shown: its repr and str are stars (`get_secret_value` reads it)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    __str__ = __repr__


class _Checked:
    """Dataclass fields checked and coerced by their types when made (`_check`)."""

    def __post_init__(self) -> None:
        problems = _check(self, {f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        if problems:
            raise SettingsError("; ".join(problems))


# --- checking values against the fields' types -----------------------------------------------

_TRUE = {"1", "true", "t", "yes", "y", "on"}
_FALSE = {"0", "false", "f", "no", "n", "off"}
_HINTS: dict[type, dict[str, Any]] = {}


class _Wrong(ValueError):
    """A value that is not of its field's type (the message says what was wanted)."""


def _check(obj: Any, values: dict[str, Any]) -> list[str]:
    """Set each of `values` on `obj`, coerced to its field's type; the problems, one a field
    (the value itself never in them: a key in the wrong shape stays unseen)."""
    cls = type(obj)
    hints = _hints(cls)
    limits = {f.name: f.metadata for f in dataclasses.fields(cls)}
    problems = []
    for name, value in values.items():
        try:
            value = _coerce(value, hints[name])
            _within(value, limits.get(name) or {})
        except (_Wrong, SettingsError) as exc:  # SettingsError: a provider's own fields
            problems.append(f"{name}: {exc}")
        else:
            object.__setattr__(obj, name, value)
    return problems


def _hints(cls: type) -> dict[str, Any]:
    """The fields' types, resolved once a class."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


def _within(value: Any, limits: typing.Mapping[str, float]) -> None:
    if "ge" in limits and value < limits["ge"]:
        raise _Wrong(f"should be at least {limits['ge']}")
    if "gt" in limits and value <= limits["gt"]:
        raise _Wrong(f"should be more than {limits['gt']}")


def _coerce(value: Any, kind: Any) -> Any:
    """`value` as `kind` (a str, bool, int, float, Literal, list, dict, Secret, union or
    checked dataclass), converting text the way an env variable or a flag gives it."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        wanted = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(value, option)
            except _Wrong as exc:
                wanted.append(str(exc))
        raise _Wrong(" or ".join(wanted))
    if origin is Literal:
        allowed = typing.get_args(kind)
        if value in allowed:
            return value
        raise _Wrong("should be one of " + ", ".join(repr(a) for a in allowed))
    if origin is list:
        if not isinstance(value, list | tuple):
            raise _Wrong("should be a list")
        (item,) = typing.get_args(kind)
        out = []
        for n, v in enumerate(value, 1):
            try:
                out.append(_coerce(v, item))
            except (_Wrong, SettingsError) as exc:
                raise _Wrong(f"item {n}: {exc}") from None
        return out
    if origin is dict:
        if not isinstance(value, dict):
            raise _Wrong("should be a table of names to values")
        key, item = typing.get_args(kind)
        return {_coerce(k, key): _coerce(v, item) for k, v in value.items()}
    if kind is str:
        if isinstance(value, str):
            return value
        raise _Wrong("should be text")
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise _Wrong("should be true or false")
    if kind is int:
        return _number(value, int, "a whole number")
    if kind is float:
        return _number(value, float, "a number")
    if kind is Secret:
        if isinstance(value, Secret):
            return value
        if isinstance(value, str):
            return Secret(value)
        raise _Wrong("should be text")
    if isinstance(kind, type) and issubclass(kind, _Checked):
        if isinstance(value, kind):
            return value
        if not isinstance(value, dict):
            raise _Wrong(f"should be a table of {kind.__name__} fields")
        names = {f.name for f in dataclasses.fields(kind)}
        missing = [f.name for f in dataclasses.fields(kind) if f.name not in value and _required(f)]
        if missing:
            raise _Wrong("missing " + ", ".join(missing))
        return kind(**{k: v for k, v in value.items() if k in names})  # others ignored
    raise TypeError(f"no check for {kind!r}")  # a field of a type this module does not know


def _required(f: dataclasses.Field) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


def _number(value: Any, kind: type, what: str) -> Any:
    if isinstance(value, bool):
        raise _Wrong(f"should be {what}")
    if isinstance(value, int | float):
        if kind is int and value != int(value):
            raise _Wrong(f"should be {what}")
        return kind(value)
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _Wrong(f"should be {what}") from None
        return _number(number, kind, what)
    raise _Wrong(f"should be {what}")


@dataclass
class ProviderConfig(_Checked):
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


def _at_least(bound: float) -> dict[str, float]:
    return {"ge": bound}


def _above(bound: float) -> dict[str, float]:
    return {"gt": bound}


@dataclass(init=False, repr=False)
class Settings:
    """Everything a person can configure, and every knob the code would otherwise guess.

    `Settings(**values)` reads the sources: `values` > `STEPDECK_<FIELD>` env >
    `config.toml` > defaults. Keys it does not know are ignored.
    """

    # the app
    images: Literal["auto", "tgp", "sixel", "halfcell", "unicode", "none"] = "auto"
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys
    providers: list[ProviderConfig] = field(default_factory=list)
    # the embedded engine
    headed: bool = False
    cdp_url: str | list[str] | None = None  # a list: a pool of browsers
    ws_endpoints: list[str] = field(default_factory=list)  # Playwright servers, for the pool
    endpoint_limit: int = field(default=0, metadata=_at_least(0))  # per endpoint (0: no limit)
    chromium: str | None = None  # path to a Chromium binary
    allow_schemes: list[str] = field(default_factory=list)  # e.g. ["file"]
    idle_timeout_minutes: float = 15
    nav_timeout_ms: float = 15_000  # a slow site may want longer
    action_timeout_ms: float = 5_000
    hold_timeout_s: float = field(default=50.0, metadata=_above(0))  # then held steps refused
    trace: bool = False  # record a Playwright trace of every embedded session (--trace)
    # `stepdeck serve`, and the app finding one
    server_url: str = "http://127.0.0.1:8390"
    token: Secret | None = None  # STEPDECK_TOKEN; else the token file in the data dir
    probe_timeout_s: float = 3.0  # per /health probe; a loaded machine answers slowly
    probe_attempts: int = 3  # timed-out probes are tried again (they only read)
    # a model for the agent (any OpenAI-compatible chat-completions server)
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: Secret | None = None  # STEPDECK_LLM_API_KEY (never in the store or logs)
    llm_key_env: str = "STEPDECK_LLM_API_KEY"  # or name another variable holding the key
    llm_max_steps: int = 10  # actions the model may take for one command
    llm_timeout_s: float = 60.0

    _ADDRESSES: ClassVar = frozenset({"cdp_url", "ws_endpoints", "llm_url", "server_url"})

    def __init__(self, **values: Any) -> None:
        # The file is looked up when settings are made, so STEPDECK_HOME moves it.
        merged = _merge(_merge(_toml(locations.config_file()), _env(type(self))), values)
        given = {}
        for f in dataclasses.fields(self):
            if f.name in merged:
                given[f.name] = merged[f.name]
            elif f.default_factory is not dataclasses.MISSING:
                given[f.name] = f.default_factory()
            else:
                given[f.name] = f.default
        problems = _check(self, given)
        if problems:
            raise _Invalid("; ".join(problems))

    def __repr__(self) -> str:
        # Browser and model addresses may carry a token (`?token=`, `user:key@`): not in a repr.
        shown = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in self._ADDRESSES and value:
                value = (
                    [_address_shown(v) for v in value]
                    if isinstance(value, list)
                    else _address_shown(str(value))
                )
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"

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


class _Invalid(SettingsError):
    """Values of the wrong type or out of range (`load_settings` names the file)."""


def _address_shown(url: str) -> str:
    """`url` without its user info, query or fragment (where tokens ride)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    tail = "?…" if parts.query or parts.fragment else ""
    return urlunsplit((parts.scheme, host, parts.path, "", "")) + tail


# --- the sources ------------------------------------------------------------------------------


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
    return isinstance(annotation, type) and issubclass(annotation, _Checked), False


def _env(model: type) -> dict[str, Any]:
    """`STEPDECK_<FIELD>` variables (any case; empty ones ignored); lists and dicts as JSON."""
    environ = {k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)}
    hints = _hints(model)
    out: dict[str, Any] = {}
    for f in dataclasses.fields(model):
        name = f.name
        raw = environ.get(ENV_PREFIX + name.upper())
        if not raw:
            continue
        as_json, text_too = _is_complex(hints[name])
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
    except _Invalid as exc:
        raise SettingsError(f"{locations.config_file()}: {exc}") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{locations.config_file()}: {exc}") from exc
