"""The stepdeck app: providers, store, keymap, images and shutdown; the cockpit is `MainScreen`.

It knows providers only through `tui.providers.base.Provider`. Everything on
screen, and every worker that calls a provider, lives in the main screen
(`tui.ui.main_screen`); the app only holds what every screen shares.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import termios
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding

from tui.kinds import utcnow
from tui.providers.base import Provider
from tui.records.recording import recording
from tui.settings import Settings
from tui.ui.commands import SessionCommands
from tui.ui.main_screen import MainScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.state import SessionView

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import StepRequest

log = logging.getLogger(__name__)


class StepdeckApp(App[int]):
    """A terminal cockpit for browser sessions.

    `providers`: where sessions live (the first one gets `start_url` and new
    sessions by default). `images`: a renderer name (auto, tgp, sixel, halfcell,
    unicode, none) or an Image widget class. `store`: records sessions and steps
    when given. `keymap`: binding id -> keys. `clock`: "now" for ages (fixed in
    snapshots). `hints`: providers without a key -> how to add it.
    `server_probe`: url -> whether a `stepdeck serve` answers there (tests inject it).
    `painted`: set once the first frame is on screen (`stepdeck` opens its providers'
    gate with it). `images_after_paint`: import the renderer `images` names only then
    (textual-image and Pillow cost more than a frame; the launcher probed the terminal).
    `gc_after_paint`: turn the garbage collector back on with the first frame (the launcher
    pauses it through start-up).
    """

    CSS_PATH = "app.tcss"
    TITLE = "stepdeck"
    # Three cockpit panes from 120 columns, two from 100, one below (modals read them too).
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (100, "-medium"), (120, "-wide")]
    COMMANDS = App.COMMANDS | {SessionCommands}
    BINDINGS: ClassVar = [
        Binding("f1,question_mark", "help", "Help", id="app.help", tooltip="List every key"),
        Binding("ctrl+q", "quit", "Quit", show=False, id="app.quit", priority=True),
    ]

    def __init__(
        self,
        providers: list[Provider],
        *,
        images: str | type | None = "auto",
        store: Any = None,
        start_url: str | None = None,
        keymap: dict[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        hints: dict[str, str] | None = None,
        server_url: str | None = None,
        server_probe: Callable[[str], Awaitable[bool]] | None = None,
        settings: Settings | None = None,
        painted: asyncio.Event | None = None,
        images_after_paint: bool = False,
        gc_after_paint: bool = False,
    ) -> None:
        super().__init__()
        self._gc_after_paint = gc_after_paint
        self.painted = painted if painted is not None else asyncio.Event()
        # Recorded through one wrapper (sessions and steps into the store), as `serve` does.
        self.providers: dict[str, Provider] = {
            p.name: recording(p, store, observe_missing=True) for p in providers
        }
        self.settings = settings if settings is not None else Settings()
        self._images_later = images if isinstance(images, str) and images_after_paint else None
        if self._images_later is not None:
            self.image_class = None  # until the first frame is on screen
        elif isinstance(images, str):
            from tui.ui.images import image_class

            self.image_class = image_class(images)
        else:
            self.image_class = images
        self.store = store
        self.start_url = start_url
        self.keymap = dict(keymap or {})
        self.clock = clock
        self.hints: dict[str, str] = dict(hints or {})
        self.server_url = server_url
        self.server_probe = server_probe
        self.main = MainScreen(
            self.providers,
            store=store,
            image_class=self.image_class,
            clock=clock,
            hints=self.hints,
            start_url=start_url,
            server_url=server_url,
            server_probe=server_probe,
            settings=self.settings,
        )

    @property
    def start_profile(self) -> str | None:
        """`stepdeck --profile NAME`: the first session starts from it (set by run_app)."""
        return self.main.start_profile

    @start_profile.setter
    def start_profile(self, name: str | None) -> None:
        self.main.start_profile = name

    def get_default_screen(self) -> MainScreen:
        return self.main

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        self.call_after_refresh(self.first_frame)

    def first_frame(self) -> None:
        """The first frame is on screen: now the heavy parts may load (`painted` opens)."""
        self.painted.set()
        self._watch_terminal()
        if self._gc_after_paint:
            gc.enable()
        self.main.call_later(self.main.mount_lower_tabs)  # hidden until picked
        if self._images_later is not None:
            self._load_images(self._images_later)

    def _watch_terminal(self) -> None:
        """Quit cleanly (browsers closed, store written) when the terminal goes away.

        A closed SSH connection or tmux pane may not send SIGHUP to the app (it need not be
        in the terminal's foreground group, e.g. under `make run`); its input then reads
        end-of-file forever and the app would spin on, orphaned, with its browsers.
        """
        if self.is_headless or not sys.__stdin__ or not os.isatty(sys.__stdin__.fileno()):
            return
        fd = sys.__stdin__.fileno()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._terminal_gone)

        def check() -> None:
            try:
                termios.tcgetattr(fd)  # a hung-up terminal answers EIO
            except (OSError, termios.error):
                self._terminal_gone()

        self.set_interval(1.0, check, name="terminal watch")

    def _terminal_gone(self) -> None:
        log.warning("the terminal went away: quitting")
        self.exit(0)

    @work(thread=True, exit_on_error=False, group="images", description="load images")
    def _load_images(self, name: str) -> None:
        from tui.ui.images import image_class

        try:
            cls = image_class(name)
        except Exception as exc:  # screenshots stay off; everything else works
            log.exception("loading the %s image renderer", name)
            self.call_from_thread(
                self.notify,
                f"Screenshots are off: {type(exc).__name__}: {exc}",
                severity="warning",
                markup=False,
            )
            return
        self.call_from_thread(self._images_loaded, cls)

    def _images_loaded(self, cls: type | None) -> None:
        self.image_class = cls
        self.main.images_ready(cls)

    async def on_unmount(self) -> None:
        await self.main.live.stop()
        for provider in self.providers.values():
            try:
                await provider.aclose()
            except Exception:  # closing is best effort
                log.exception("closing %s", provider.name)

    # --- the main screen's state, for scripts and tests -----------------------------------

    @property
    def booted(self):
        return self.main.booted

    @property
    def views(self) -> dict[str, SessionView]:
        return self.main.deck.views

    @property
    def selected(self) -> str | None:
        return self.main.deck.selected

    @property
    def current(self) -> SessionView | None:
        return self.main.deck.current

    @property
    def command_bar(self):
        return self.main.command_bar

    @property
    def step_overhead_ms(self) -> list[float]:
        return self.main.step_overhead_ms

    def select_session(self, key: str | None) -> None:
        self.main.select_session(key)

    def run_step(self, request: StepRequest, typed: str | None = None) -> bool:
        return self.main.run_step(request, typed)

    def action_refresh(self) -> None:
        self.main.action_refresh()

    # --- help -----------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.key_rows()))

    def key_rows(self) -> list[tuple[str, str, str]]:
        """(keys, description, binding id) for every stepdeck binding, app first."""
        rows, seen = [], set()
        nodes = [self, self.main, *self.main.walk_children()]
        for node in nodes:
            for cls in type(node).__mro__:
                if not cls.__module__.startswith("tui.") or "BINDINGS" not in cls.__dict__:
                    continue
                for binding in cls.__dict__["BINDINGS"]:
                    if not isinstance(binding, Binding) or not binding.id or binding.id in seen:
                        continue
                    seen.add(binding.id)
                    keys = self.keymap.get(binding.id, binding.key)
                    shown = " ".join(
                        self.get_key_display(Binding(k.strip(), "")) for k in keys.split(",")
                    )
                    rows.append((shown, binding.tooltip or binding.description, binding.id))
        rows.append(("^p", "Command palette", "(textual)"))
        return rows
