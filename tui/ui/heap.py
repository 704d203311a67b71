"""Keep full garbage collections short once the app has booted.

A full collection walks every tracked object. After boot the app holds ~120,000
of them (Textual, the widgets, the engine, Playwright, the dialect models) that
live as long as the process; walking them took 100-300 ms of the UI's turn on a
busy 2-core machine, whenever a collection happened to fall (measured while the
1 MB page was shown and paged). `gc.freeze()` moves them out of the collector's
sight: later full collections walk only what came after. Objects still free by
reference counting as usual; only cycles among the frozen ones are never found,
so the heap is collected once first (an app's boot, not a page, pays for it).
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_boot_heap() -> None:
    """Collect, then freeze what is alive: once per process (one app per process)."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
