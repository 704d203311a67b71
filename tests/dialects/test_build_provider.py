"""Configured providers become the right clients, and say what they cannot do."""

from __future__ import annotations

import dataclasses

import pytest

from tui.dialects import build_provider, build_providers, key_hint
from tui.dialects.multion.client import MultionClient
from tui.dialects.notte_env.client import NotteEnvClient
from tui.dialects.thinkrun.client import ThinkRunClient
from tui.providers.base import Provider
from tui.settings import BUILTIN_PROVIDERS, ProviderConfig, Settings


async def test_every_builtin_provider_is_built_without_a_network_call(monkeypatch):
    for var in ("NOTTE_API_KEY", "MULTION_API_KEY", "THINKRUN_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    providers = build_providers(Settings(), local=False)
    try:
        by_name = {p.name: p for p in providers}
        assert set(by_name) == {c.name for c in BUILTIN_PROVIDERS} - {"local"}
        assert isinstance(by_name["multion"], MultionClient)
        assert isinstance(by_name["notte_env"], NotteEnvClient)
        assert isinstance(by_name["thinkrun"], ThinkRunClient)
        for provider in providers:
            assert isinstance(provider, Provider)
            caps = provider.capabilities
            for name, value in dataclasses.asdict(caps).items():
                if value is False:  # everything missing says why, in words
                    assert len(caps.reason(name)) > 20, (provider.name, name)
    finally:
        for provider in providers:
            await provider.aclose()


def test_a_provider_without_its_key_says_how_to_add_it(monkeypatch):
    multion = next(c for c in BUILTIN_PROVIDERS if c.name == "multion")
    monkeypatch.delenv("MULTION_API_KEY", raising=False)
    assert key_hint(multion) == "set MULTION_API_KEY"
    monkeypatch.setenv("MULTION_API_KEY", "sk-1")
    assert key_hint(multion) is None
    local = next(c for c in BUILTIN_PROVIDERS if c.name == "local")
    assert key_hint(local) is None


async def test_a_config_file_provider_keeps_its_name_and_address():
    config = ProviderConfig(
        name="staging", dialect="thinkrun", base_url="http://127.0.0.1:9", label="Staging"
    )
    provider = build_provider(config)
    try:
        assert (provider.name, provider.label) == ("staging", "Staging")
    finally:
        await provider.aclose()


def test_an_unknown_dialect_is_named():
    # A dialect this build does not know (a newer config file, say), past the settings' check.
    config = object.__new__(ProviderConfig)
    config.__dict__.update(name="x", dialect="browserbase", base_url=None)
    with pytest.raises(ValueError, match="browserbase"):
        build_provider(config)
