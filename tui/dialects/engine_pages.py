"""What served dialects reach past the neutral provider for: the embedded engine's session.

Notte's extras (evaluate_js, actions addressed by selector, CDP) and ThinkRun's selectors
need the engine session itself (its page), so they work on a provider that exposes
`session_target` (the embedded engine), through any wrapper that keeps it as `inner`.
"""

from __future__ import annotations

from typing import Any

from tui.errors import Unsupported
from tui.model import Observation


def engine_session(provider: Any, session_id: str) -> Any:
    """The engine session behind `provider` (unwrapping recording wrappers), or Unsupported."""
    seen = provider
    for _ in range(5):
        target = getattr(type(seen), "session_target", None)
        if target is not None:
            return seen.session_target(session_id)
        seen = getattr(seen, "inner", None)
        if seen is None:
            break
    raise Unsupported(
        "this server's provider does not expose its browser pages",
        "run `stepdeck serve` on the embedded engine",
    )


async def with_selectors(provider: Any, session_id: str, obs: Observation) -> Observation:
    """`obs` with a CSS selector on each action: the engine's observations carry only the
    cheap ones (`#id`, frames') and write the rest on demand; another provider's carry
    whatever it gave (`fill_selectors` asks the page only for those missing)."""
    try:
        sess = engine_session(provider, session_id)
    except Unsupported:
        return obs
    await sess.fill_selectors(obs.actions)
    return obs
