"""Start the app: read the settings once, stand in for the providers, probe the terminal, run.

The app's first frame comes before anything heavy is imported: the providers are
stand-ins (`DeferredProvider`) that build the real ones with `tui.dialects.build_provider`
(the one place that builds them) after that frame, and the screenshot widgets load then too.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
from typing import Any
from urllib.parse import urlsplit

from tui.dialects import build_provider, connect_serve, provider_hints
from tui.errors import StepdeckError
from tui.providers.deferred import DeferredProvider
from tui.settings import Settings, SettingsError, load_settings

# The name `connect_serve`'s client files its sessions under (tui.dialects.notte.client's
# SERVE_PROVIDER; a stand-in built under another name fails loudly, and a test checks it).
SERVE_NAME = "serve"


def deferred_providers(
    settings: Settings, *, connect: str | None = None, gate: asyncio.Event | None = None
) -> list[Any]:
    """Stand-ins for the providers `tui.dialects.build_providers` would build, in its order.

    Each builds its real provider (in a thread) on first use, once `gate` is set.
    """
    if connect:
        where = urlsplit(connect).netloc or connect
        build = functools.partial(connect_serve, settings, connect)
        return [DeferredProvider(SERVE_NAME, f"stepdeck serve ({where})", build, gate=gate)]
    return [
        DeferredProvider(
            config.name,
            config.label or config.name,
            functools.partial(build_provider, config, settings),
            gate=gate,
            config=config,
        )
        for config in settings.all_providers()
    ]


def run_app(
    *,
    images: str | None = None,
    connect: str | None = None,
    cdp_url: str | tuple[str, ...] | None = None,
    headed: bool = False,
    chromium: str | None = None,
    ws_endpoints: tuple[str, ...] = (),
    endpoint_limit: int | None = None,
    demo: bool = False,
    providers: list[Any] | None = None,
    profile: str | None = None,
    trace: bool = False,
    allow_file: bool = False,
) -> int:
    """Run the app in this terminal; returns the exit code.

    The garbage collector pauses until the first frame (`stepdeck`'s command pauses it before
    importing this module): start-up allocates ~200,000 objects that all stay alive, and
    collections walking them cost ~7% of the time to the first frame. The app turns it back on
    once that frame is on screen (`gc_after_paint`), and it is on again when this returns.
    """
    gc.disable()
    try:
        return _run_app(**locals())  # the arguments above, by name
    finally:
        gc.enable()


def _run_app(
    *,
    images: str | None,
    connect: str | None,
    cdp_url: str | tuple[str, ...] | None,
    headed: bool,
    chromium: str | None,
    ws_endpoints: tuple[str, ...],
    endpoint_limit: int | None,
    demo: bool,
    providers: list[Any] | None,
    profile: str | None,
    trace: bool,
    allow_file: bool,
) -> int:
    try:
        # Command-line flags win over env and the config file (a flag not given is None).
        settings = load_settings(
            images=images,
            cdp_url=cdp_url or None,  # --cdp-url repeated (and --ws-endpoint): a pool
            ws_endpoints=ws_endpoints or None,
            endpoint_limit=endpoint_limit,
            headed=headed or None,
            chromium=chromium,
            trace=trace or None,
            allow_schemes=["file"] if allow_file else None,
        )
    except SettingsError as exc:
        print(f"stepdeck: cannot read the config: {exc}", file=sys.stderr)
        return 2
    # Before the first frame only what it shows: the providers are stand-ins that build the
    # real ones (Playwright, the engine, httpx and the dialect models) in a thread after it.
    from tui.ui.images import probe_terminal

    probe_terminal(settings.images)  # textual-image asks the terminal now or never (stdin)
    painted = asyncio.Event()
    try:
        if providers is None:
            providers = deferred_providers(settings, connect=connect, gate=painted)
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
            images=settings.images,
            images_after_paint=True,
            gc_after_paint=True,
            painted=painted,
            store=store,
            start_url=start_url,
            keymap=settings.keymap,
            settings=settings,
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


def run_web(host: str = "127.0.0.1", port: int = 8391, allow_remote: bool = False) -> int:
    """Serve the app to a web browser through textual-serve, behind a token (ui/web.py)."""
    from tui.server import refuse_remote

    if refuse_remote("web", host, allow_remote, "the app"):
        return 2
    from tui.ui.web import TokenServer

    command = f"{sys.executable} -m tui.cli --images halfcell"
    TokenServer(command, host=host, port=port, title="stepdeck").serve()
    return 0
