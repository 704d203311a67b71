"""Start the app: build providers from settings, pick the image renderer, run.

`build_providers` is the hook where remote providers (`--connect`, the cloud
dialects from the config file) join the embedded engine.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from tui import locations
from tui.errors import StepdeckError
from tui.settings import Settings, SettingsError, load_settings


def build_providers(
    settings: Settings,
    *,
    connect: str | None = None,
    cdp_url: str | None = None,
    headed: bool = False,
    chromium: str | None = None,
) -> list[Any]:
    """The providers the app shows.

    With `connect`: one provider, a running `stepdeck serve` reached through its
    Notte-shaped API. Otherwise the embedded engine first, then every configured
    cloud provider; `provider_hints` names those whose API key is missing.
    """
    from tui.dialects import build_provider
    from tui.settings import ProviderConfig

    if connect:
        if not os.environ.get("STEPDECK_TOKEN"):
            token_file = locations.token_file()
            if token_file.exists():
                os.environ["STEPDECK_TOKEN"] = token_file.read_text().strip()
        config = ProviderConfig(
            name="serve",
            dialect="notte",
            base_url=connect.rstrip("/"),
            key_env="STEPDECK_TOKEN",
            label=f"stepdeck serve · {connect}",
        )
        return [build_provider(config, settings)]

    from tui.providers.local import LocalProvider

    providers: list[Any] = [
        LocalProvider(
            chromium=chromium or settings.chromium,
            cdp_url=cdp_url or settings.cdp_url,
            headed=headed or settings.headed,
            allow_schemes=tuple(settings.allow_schemes),
            idle_timeout_minutes=settings.idle_timeout_minutes,
        )
    ]
    # Every cloud provider, keyed or not: one without a key is listed with a hint (see hints).
    for config in settings.all_providers():
        if config.dialect != "local":
            providers.append(build_provider(config, settings))
    return providers


def provider_hints(providers: list[Any]) -> dict[str, str]:
    """name -> how to make it usable, for providers built without their API key."""
    from tui.dialects import key_hint

    hints = {}
    for provider in providers:
        config = getattr(provider, "config", None)
        hint = key_hint(config) if config is not None else None
        if hint:
            hints[provider.name] = hint
    return hints


def run_app(
    *,
    images: str | None = None,
    connect: str | None = None,
    cdp_url: str | None = None,
    headed: bool = False,
    chromium: str | None = None,
    demo: bool = False,
    providers: list[Any] | None = None,
    profile: str | None = None,
) -> int:
    """Run the app in this terminal; returns the exit code."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"stepdeck: cannot read the config: {exc}", file=sys.stderr)
        return 2
    # textual-image probes the terminal on import: before App.run(), never after.
    from tui.ui.images import image_class

    image = image_class(images or settings.images)

    try:
        if providers is None:
            providers = build_providers(
                settings, connect=connect, cdp_url=cdp_url, headed=headed, chromium=chromium
            )
    except StepdeckError as exc:
        print(f"stepdeck: {exc}", file=sys.stderr)
        return 2

    from tui.ui.app import StepdeckApp

    demo_server = None
    start_url = None
    if demo:
        from tui.demo.server import DemoServer

        demo_server = DemoServer()
        start_url = demo_server.start().rstrip("/") + "/shop"
    store = None
    try:
        from tui.store import Store

        store = Store()
    except Exception as exc:  # the app works without its history
        print(
            f"stepdeck: the store is unavailable ({exc}); steps will not be kept", file=sys.stderr
        )
    try:
        app = StepdeckApp(
            providers,
            images=image,
            store=store,
            start_url=start_url,
            keymap=settings.keymap,
            hints=provider_hints(providers),
            server_url=None if (connect or demo) else settings.server_url,
        )
        app.start_profile = profile  # the first session starts from it (its url unless --demo)
        code = app.run()
        return code or 0
    finally:
        if store is not None:
            store.close()
        if demo_server is not None:
            demo_server.stop()


def run_web(host: str = "127.0.0.1", port: int = 8391) -> int:
    """Serve the app to a web browser through textual-serve."""
    from textual_serve.server import Server

    command = f"{sys.executable} -m tui.cli --images halfcell"
    Server(command, host=host, port=port, title="stepdeck").serve()
    return 0
