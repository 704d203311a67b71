"""Live follow: other clients' steps, tabs and sessions, as they happen.

`LiveFollow` is a non-visual widget. It keeps one event stream per provider
(a plain task: it never ends, and tests wait for every worker), posts each
event as `LiveEvent`, and when asked (`queue`) looks at a session again in a
worker, coalescing a burst of events into one or two looks (`LiveRefreshed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from textual import work
from textual.widget import Widget

from tui.kinds import SessionStatus
from tui.providers.base import Provider, SessionGone, SessionNotFound, Unsupported
from tui.ui import messages as msg
from tui.ui.state import Deck, SessionView

if TYPE_CHECKING:  # the neutral model (pydantic) loads after the app's first frame
    from tui.model import Event

log = logging.getLogger(__name__)

# Live events that change what the page looks like (refresh the observation).
PAGE_EVENTS = frozenset({"step", "tab", "status", "paused"})


def own_event(view: SessionView, event: Event) -> bool:
    """Whether an event reports this app's own step (already shown when it answered).

    With a request id on the event the match is exact: the engine stamps a step's
    events with its `request_id`, and a command's sub-steps with the command's. Once
    the provider has echoed one of our ids, a step event without an id is another
    client's, even while ours runs. Before that (a provider that keeps no ids), a
    step event stamped while one of our recent steps ran is taken for ours.
    """
    rid = event.data.get("request_id")
    if rid:
        if rid in view.request_ids:
            view.ids_echoed = True
            return True
        return False
    if event.kind == "step" and view.ids_echoed:
        return False
    if view.busy:
        return True
    if event.kind != "step":
        return False
    for result in view.results[-3:]:
        if result.ended_at is None or result.started_at is None:
            continue
        start = (event.timestamp - result.started_at).total_seconds()
        end = (event.timestamp - result.ended_at).total_seconds()
        if start >= -0.5 and end <= 1.0:
            return True
    return False


class LiveFollow(Widget):
    """Follows every provider that has live events; looks again at what they touched."""

    DEFAULT_CSS = "LiveFollow { display: none; }"

    def __init__(self, providers: dict[str, Provider], deck: Deck) -> None:
        super().__init__()
        self.providers = providers
        self.deck = deck
        self._followers: dict[str, asyncio.Task] = {}
        self._to_look: dict[str, set[str]] = {}  # key -> event kinds not looked at yet
        self._looking = False

    def follow(self, name: str) -> None:
        """Follow a provider's live events (one stream for all its sessions) until exit."""
        provider = self.providers.get(name)
        caps = getattr(provider, "capabilities", None)
        if provider is None or name in self._followers or not getattr(caps, "events", False):
            return
        self._followers[name] = asyncio.create_task(self._follow(name), name=f"follow {name}")

    async def stop(self) -> None:
        followers = list(self._followers.values())
        self._followers.clear()
        for task in followers:
            task.cancel()
        for task in followers:
            with contextlib.suppress(BaseException):
                await task

    async def on_unmount(self) -> None:
        await self.stop()

    async def _follow(self, name: str) -> None:
        provider = self.providers[name]
        try:
            async with contextlib.aclosing(provider.events(None)) as events:
                async for event in events:
                    self.post_message(msg.LiveEvent(name, event))
        except asyncio.CancelledError:
            raise
        except Unsupported:
            pass
        except Exception as exc:  # following is a bonus: r still refreshes
            log.info("stopped following %s: %s", name, exc)
        self._followers.pop(name, None)

    def queue(self, key: str, kind: str) -> None:
        """Look at a session (or `list:<provider>`) again soon."""
        self._to_look.setdefault(key, set()).add(kind)
        if not self._looking:
            self._looking = True
            self._refresh()

    @work(group="live", exit_on_error=False, description="live refresh")
    async def _refresh(self) -> None:
        try:
            while self._to_look:
                key = next(iter(self._to_look))
                kinds = self._to_look.pop(key)
                if key.startswith("list:"):
                    name = key.removeprefix("list:")
                    try:
                        sessions = await self.providers[name].list_sessions()
                    except Exception as exc:
                        log.info("listing %s after an event: %s", name, exc)
                        continue
                    self.post_message(msg.SessionsLoaded(name, sessions))
                    continue
                view = self.deck.views.get(key)
                if view is None:
                    continue
                provider = self.providers[view.provider]
                session = observation = None
                answers = len(view.results)  # a step answered after this look: it is older
                try:
                    if kinds & PAGE_EVENTS:
                        session = await provider.get_session(view.session.id)
                        selected = key == self.deck.selected
                        if selected and session.status.is_live and not view.busy:
                            observation = await provider.observe(view.session.id)
                except (SessionGone, SessionNotFound):
                    session = view.session.model_copy(update={"status": SessionStatus.ENDED})
                except Exception as exc:
                    log.info("live refresh of %s: %s", key, exc)
                    continue
                self.post_message(msg.LiveRefreshed(key, kinds, session, observation, answers))
        finally:
            self._looking = False
