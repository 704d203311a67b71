"""A terminal that goes away (a dropped SSH connection, a closed tmux pane) ends the app.

The app runs as a person runs it, `stepdeck demo` on a pseudo-terminal, in a session of its
own: closing the terminal does not signal it (as under `make run`, where make is in front), so
only the app itself can notice that its terminal is gone.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

from tests.support import ROOT, spawn_on_pty


def test_the_app_quits_when_its_terminal_is_closed(tmp_path):
    env = dict(os.environ, STEPDECK_HOME=str(tmp_path), TERM="xterm-256color", PYTHONPATH=str(ROOT))
    env.pop("TEXTUAL", None)
    argv = [sys.executable, "-m", "tui.cli", "--images", "none", "demo"]
    proc, master = spawn_on_pty(argv, env=env, cwd=ROOT)
    try:
        seen = b""
        deadline = time.monotonic() + 120  # a loaded machine starts Python and Textual slowly
        while b"Stepdeck Store" not in seen:  # the demo session's page is on screen
            assert proc.poll() is None, seen[-2000:]
            assert time.monotonic() < deadline, "the demo never showed its shop"
            if select.select([master], [], [], 0.5)[0]:
                seen += os.read(master, 1 << 16)
        os.close(master)  # the terminal goes away, without a signal to the app
        master = -1
        assert proc.wait(timeout=60) == 0
    finally:
        if master >= 0:
            os.close(master)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
