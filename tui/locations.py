"""Every path stepdeck reads or writes, in one place.

`STEPDECK_HOME` moves everything under one folder (tests use it so they never
touch a person's real config or data).
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir


def _home() -> Path | None:
    home = os.environ.get("STEPDECK_HOME")
    return Path(home) if home else None


def config_dir() -> Path:
    home = _home()
    return home / "config" if home else Path(user_config_dir("stepdeck"))


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(user_data_dir("stepdeck"))


def config_file() -> Path:
    return config_dir() / "config.toml"


def store_file() -> Path:
    return data_dir() / "stepdeck.sqlite3"


def shots_dir() -> Path:
    """Screenshots saved beside the store, one file per step."""
    return data_dir() / "shots"


def token_file() -> Path:
    return data_dir() / "token"


def exports_dir() -> Path:
    return data_dir() / "exports"


def traces_dir() -> Path:
    """Playwright traces of embedded-engine sessions recorded with --trace."""
    return data_dir() / "traces"


def downloads_dir() -> Path:
    """Files the embedded engine's sessions downloaded, one folder per session."""
    return data_dir() / "downloads"


def profiles_dir() -> Path:
    """Saved browser state (cookies, storage), one 0600 file per profile."""
    return data_dir() / "profiles"


def ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
