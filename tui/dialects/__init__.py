"""Dialects: one folder per wire format, holding both ends of it.

`build_provider` turns a configured provider (built in, or from the TOML
config) into the Provider the app talks to. Each client is imported only
when its dialect is used, so the app's cold start pays for one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from tui.providers.base import Provider
    from tui.settings import ProviderConfig, Settings

# dialect -> (module, class); every class is built as Class(config, transport=...).
CLIENTS = {
    "notte": ("tui.dialects.notte.client", "NotteClient"),
    "notte_env": ("tui.dialects.notte_env.client", "NotteEnvClient"),
    "multion": ("tui.dialects.multion.client", "MultionClient"),
    "thinkrun": ("tui.dialects.thinkrun.client", "ThinkRunClient"),
}


def build_provider(
    config: ProviderConfig,
    settings: Settings | None = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Provider:
    """The Provider for `config`: the embedded engine (`local`) or a dialect client."""
    import importlib

    if config.dialect == "local":
        from tui.providers.local import LocalProvider

        provider = LocalProvider.from_settings(settings) if settings else LocalProvider()
        if config.name != "local":
            provider.name = config.name
        if config.label:
            provider.label = config.label
        return provider
    try:
        module_name, class_name = CLIENTS[config.dialect]
    except KeyError:
        raise ValueError(
            f"provider {config.name!r}: unknown dialect {config.dialect!r} "
            f"(known: local, {', '.join(CLIENTS)})"
        ) from None
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(config, transport=transport)


def key_hint(config: ProviderConfig) -> str | None:
    """How to add a provider's missing key (None when it has one, or needs none).

    The app lists a provider without a key with this hint instead of hiding it.
    """
    if config.dialect == "local" or not config.key_env or config.api_key():
        return None
    # One short line: the sidebar is narrow (keys are read at start-up; README says so).
    return f"set {config.key_env}"


def build_providers(
    settings: Settings, *, connect: str | None = None, local: bool = True
) -> list[Provider]:
    """The providers a command works with: the one place that builds them.

    With `connect`: one provider, the running `stepdeck serve` at that url (token from the
    settings or the server's token file). Otherwise every configured provider (built-ins and
    the config file), the embedded engine first unless `local` is False. Providers without
    a key are built too: they answer AuthError naming the variable, and `key_hint` says so.
    """
    if connect:
        return [connect_serve(settings, connect)]
    providers = []
    for config in settings.all_providers():
        if config.dialect == "local" and not local:
            continue
        providers.append(build_provider(config, settings))
    return providers


def connect_serve(settings: Settings, url: str) -> Provider:
    """A client for the `stepdeck serve` at `url`; AuthError (with what to do) without a token."""
    from tui.dialects.notte.client import connect

    return connect(url.rstrip("/"), settings.serve_token())


def provider_hints(providers: list[Any]) -> dict[str, str]:
    """name -> how to make it usable, for providers built without their API key."""
    hints = {}
    for provider in providers:
        config = getattr(provider, "config", None)
        hint = key_hint(config) if config is not None else None
        if hint:
            hints[provider.name] = hint
    return hints
