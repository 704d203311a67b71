"""Garbage collection in a process that observes big pages (the app, `stepdeck serve`).

A big page's observation is ~29,000 tracked objects (5,000 actions and their fields), all
alive until the next one. With Python's default thresholds (700, 10, 10) they pass through
a middle collection about twice per observe, each walking up to ~70,000 objects: on the
5,000-element page, 15 observes spent 202-229 ms in middle collections, 61-67 ms in young
ones and one 44-59 ms full collection, ~20 ms an observe, with the GIL held whichever
thread ran them (measured in process, 15 interleaved rounds). With SHORT_PAUSES young
collections wait for 2,000 allocations and middle ones for two of those (83-107 ms in
all, none full): an observe's young objects are walked once or twice, not ten times.
"""

from __future__ import annotations

import gc

SHORT_PAUSES = (2_000, 2, 250)


def short_pauses() -> None:
    """Collect less often, in shorter pauses (process-wide: every stepdeck process hosts
    an engine, and this is how they all run)."""
    gc.set_threshold(*SHORT_PAUSES)
