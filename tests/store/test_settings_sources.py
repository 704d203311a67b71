"""The one settings model reads its sources the way a person expects (issue 10, issue 15).

Precedence: arguments > `STEPDECK_<FIELD>` env > config.toml > defaults. Env
names in any case, empty ones ignored, lists/dicts as JSON (a url or a JSON
list for cdp_url), a keymap merged across sources, and a clear error naming
the file or the variable.
"""

from __future__ import annotations

import pytest

from tui import locations
from tui.settings import Settings, SettingsError, load_settings


def _config(text: str) -> None:
    path = locations.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_arguments_beat_env_beat_the_file_beat_defaults(monkeypatch):
    assert load_settings().images == "auto" and load_settings().nav_timeout_ms == 15_000
    _config('images = "sixel"\nnav_timeout_ms = 30000\nheaded = true\n')
    monkeypatch.setenv("STEPDECK_IMAGES", "halfcell")
    monkeypatch.setenv("stepdeck_headed", "")  # empty: ignored, the file's value stays
    settings = load_settings(images="unicode", chromium=None)
    assert settings.images == "unicode"  # the flag
    assert load_settings().images == "halfcell"  # the env
    assert settings.nav_timeout_ms == 30000 and settings.headed  # the file
    assert settings.chromium is None and settings.trace is False  # defaults


def test_lists_and_dicts_come_from_env_as_json_and_keymaps_merge(monkeypatch):
    _config('[keymap]\n"app.help" = "f1"\n"app.quit" = "ctrl+q"\n')
    monkeypatch.setenv("Stepdeck_Keymap", '{"app.quit": "ctrl+x"}')
    monkeypatch.setenv("STEPDECK_WS_ENDPOINTS", '["ws://a:1", "ws://b:2"]')
    monkeypatch.setenv("STEPDECK_CDP_URL", "http://127.0.0.1:9222")
    settings = Settings()
    assert settings.keymap == {"app.help": "f1", "app.quit": "ctrl+x"}
    assert settings.ws_endpoints == ["ws://a:1", "ws://b:2"]
    assert settings.cdp_url == "http://127.0.0.1:9222"  # one url as plain text
    monkeypatch.setenv("STEPDECK_CDP_URL", '["ws://a:1", "ws://b:2"]')
    assert Settings().cdp_url == ["ws://a:1", "ws://b:2"]  # or a pool, as JSON


def test_providers_from_the_file_join_the_built_ins():
    _config('[[providers]]\nname = "staging"\ndialect = "notte"\nbase_url = "http://n:1"\n')
    names = [p.name for p in load_settings().all_providers()]
    assert names[0] == "local" and "staging" in names and "multion" in names


def test_a_bad_file_or_variable_is_one_clear_error(monkeypatch):
    _config("images = \n")
    with pytest.raises(SettingsError, match=r"config\.toml"):
        load_settings()
    _config('images = "crayons"\n')
    with pytest.raises(SettingsError, match="images"):
        load_settings()
    _config("")
    monkeypatch.setenv("STEPDECK_WS_ENDPOINTS", "ws://a:1")  # a list, not JSON
    with pytest.raises(SettingsError, match="STEPDECK_WS_ENDPOINTS"):
        load_settings()


def test_secrets_from_env_stay_secret(monkeypatch):
    monkeypatch.setenv("STEPDECK_TOKEN", "tok-123")
    monkeypatch.setenv("STEPDECK_LLM_API_KEY", "sk-456")
    settings = load_settings()
    assert settings.serve_token() == "tok-123" and settings.llm_key() == "sk-456"
    assert "tok-123" not in repr(settings) and "sk-456" not in repr(settings)


def test_text_from_env_is_read_as_its_fields_type_and_a_wrong_one_is_named(monkeypatch):
    monkeypatch.setenv("STEPDECK_HEADED", "yes")
    monkeypatch.setenv("STEPDECK_NAV_TIMEOUT_MS", "30000")
    monkeypatch.setenv("STEPDECK_PROBE_ATTEMPTS", "5")
    _config('unknown_key = 1\n[[providers]]\nname = "s"\ndialect = "notte"\nextra = 2\n')
    settings = load_settings()  # keys it does not know are ignored, in a provider too
    assert settings.headed is True and settings.nav_timeout_ms == 30000.0
    assert settings.probe_attempts == 5 and settings.providers[0].base_url is None
    monkeypatch.setenv("STEPDECK_PROBE_ATTEMPTS", "2.5")
    monkeypatch.setenv("STEPDECK_ENDPOINT_LIMIT", "-1")
    monkeypatch.setenv("STEPDECK_HEADED", "maybe")
    _config('[[providers]]\nname = "s"\ndialect = "browserbase"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings()
    said = str(caught.value)
    for problem in (
        "headed: should be true or false",
        "endpoint_limit: should be at least 0",
        "probe_attempts: should be a whole number",
        "providers: item 1: dialect: should be one of 'local'",
    ):
        assert problem in said
    assert "maybe" not in said and "browserbase" not in said  # values are never repeated
