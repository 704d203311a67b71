"""CPU work off the event loop, by size: a small page's inline, a big page's in a thread.

A worker thread costs a handoff each way that a small page's work does not repay: the
markdown of a 1 KB page takes ~0.1 ms, of a 40 KB page ~1 ms, of a 1.3 MB page ~30 ms
(~24 ns a character, 2 cores). Work under `INLINE_BELOW` characters runs on the loop;
bigger work runs in a thread, where it would otherwise hold every other session's requests.

While big work runs in a thread, the loop waits for the GIL each time it wants it back, up
to the switch interval (Python's default: 5 ms): a `/health` beside big observes took
10-50 ms at p95. `stepdeck serve` asks for quick handbacks (`quick_handback`): the interval
is 0.5 ms while big work is in a thread, and Python's default otherwise. Kept short always,
the loop and the threads of small jobs traded the GIL every 0.5 ms for nothing.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable

INLINE_BELOW = 32_000  # characters of a page's HTML, markdown or JSON: under ~1 ms of work
SHORT_S = 0.0005  # the switch interval while big work is in a thread (when asked for)

_lock = threading.Lock()
_busy = 0  # big jobs running in threads
_quick = False
_default_s = sys.getswitchinterval()


def quick_handback(on: bool = True) -> None:
    """While big work runs in a thread, make it hand the GIL back to the loop within 0.5 ms."""
    global _quick, _default_s
    with _lock:
        if on and not _quick:
            _default_s = sys.getswitchinterval()
        _quick = on
        sys.setswitchinterval(SHORT_S if on and _busy else _default_s)


def _big[T](fn: Callable[..., T], args: tuple) -> T:
    """`fn(*args)` in its worker thread, the interval short while it runs (and asked for)."""
    global _busy
    with _lock:
        _busy += 1
        if _busy == 1 and _quick:
            sys.setswitchinterval(SHORT_S)
    try:
        return fn(*args)
    finally:
        with _lock:
            _busy -= 1
            if _busy == 0 and _quick:
                sys.setswitchinterval(_default_s)


async def off_loop[T](fn: Callable[..., T], /, *args: object, size: int, io: bool = False) -> T:
    """`fn(*args)` where it costs the loop least: inline when its input is under
    `INLINE_BELOW` characters (`size`), else in a worker thread. `io` work (files, the
    store) always goes to a thread: it waits on the disk."""
    if size >= INLINE_BELOW:
        return await asyncio.to_thread(_big, fn, args)
    if io:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)
