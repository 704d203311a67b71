"""Garbage collection in a process that observes big pages (the app, `stepdeck serve`).

A big page's observation is ~29,000 tracked objects (5,000 actions and their fields), all
alive until the next one. With Python's default thresholds (700, 10, 10) they pass through
a middle collection about twice per observe, each walking up to ~70,000 objects: on the
5,000-element page, 15 observes spent 202-229 ms in middle collections, 61-67 ms in young
ones and one 44-59 ms full collection, ~20 ms an observe, with the GIL held whichever
thread ran them (measured in process, 15 interleaved rounds). With SHORT_PAUSES young
collections wait for 2,000 allocations and middle ones for two of those (83-107 ms in
all, none full): an observe's young objects are walked once or twice, not ten times.

What is left is the full collection, which walks every live observation: 28-70 ms with the
GIL held on the 8,300-element page, whenever the allocations happen to call for one (in
`stepdeck serve`, in the middle of another session's observe). A server decides when
instead (`QuietCollector`): never on its own, and in a moment when no request is waiting.
"""

from __future__ import annotations

import asyncio
import gc
import time

SHORT_PAUSES = (2_000, 2, 250)
NEVER = 1 << 30  # middle collections before a full one: never, in practice

_quiet = False  # a QuietCollector runs the full collections


def short_pauses() -> None:
    """Collect less often, in shorter pauses (process-wide: every stepdeck process hosts
    an engine, and this is how they all run). Full collections wait for a `QuietCollector`
    while one runs."""
    young, middle, full = SHORT_PAUSES
    gc.set_threshold(young, middle, NEVER if _quiet else full)


class QuietCollector:
    """Full collections when nothing waits for them: after `QUIET_S` with no request in
    flight (`busy`), at most every `EVERY_S`; at the latest every `LATEST_S`, quiet or not
    (a server never quiet still lets go of its garbage cycles). Young and middle collections
    go on as before: they are short."""

    QUIET_S = 0.25
    EVERY_S = 10.0
    LATEST_S = 120.0

    def __init__(self) -> None:
        self.busy = 0
        self.checks = 0  # times it looked whether one was due
        now = time.monotonic()
        self._last_busy = now
        self._last = now

    def enter(self) -> None:
        """A request began (its answer is awaited)."""
        self.busy += 1

    def leave(self) -> None:
        """A request was answered."""
        self.busy -= 1
        self._last_busy = time.monotonic()

    def due(self, now: float) -> bool:
        """Whether a full collection should run now."""
        if gc.get_count()[2] == 0:
            return False  # no middle collection since the last full one: nothing new is old
        if now - self._last >= self.LATEST_S:
            return True
        quiet = self.busy == 0 and now - self._last_busy >= self.QUIET_S
        return quiet and now - self._last >= self.EVERY_S

    async def run(self) -> None:
        """Hold the process's full collections until cancelled (then the thresholds it
        found are back)."""
        global _quiet
        found = gc.get_threshold()
        _quiet = True
        short_pauses()
        try:
            while True:
                await asyncio.sleep(self.QUIET_S)
                now = time.monotonic()
                self.checks += 1
                if self.due(now):
                    gc.collect()
                    self._last = time.monotonic()
        finally:
            _quiet = False
            gc.set_threshold(*found)
