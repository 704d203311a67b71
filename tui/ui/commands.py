"""Command palette (ctrl+p): jump to a session, run an action, create or close a session."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.ui.state import clean


class SessionCommands(Provider):
    """Sessions and the selected session's actions, as palette entries."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        main = getattr(self.app, "main", None)
        if main is None:
            return []
        out: list[tuple[str, Callable[[], object], str]] = [
            ("New session", main.action_new_session, "Open a session on a provider"),
        ]
        for key, view in main.deck.views.items():
            label = f"Go to session: {view.name} ({view.session.id[:8]})"
            out.append((label, partial(main.select_session, key), clean(view.url)))
        current = main.deck.current
        if current is not None:
            out.append((f"Close session: {current.name}", main.action_close_session, "Asks first"))
            out.append(("Save session as profile", main.action_save_profile, "Cookies and storage"))
            if current.observation is not None:
                for action in current.observation.actions:
                    label = f"Run {action.id}: {clean(action.description)[:60]}"
                    out.append((label, partial(main.run_picked_action, action), action.role or ""))
        return out

    async def discover(self) -> Hits:
        for label, callback, help_text in self._commands()[:40]:
            yield DiscoveryHit(Text(label), callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, callback, help_text in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), callback, help=help_text)
