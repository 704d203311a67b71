"""Remote browsers for the pool tests: Chromiums with --remote-debugging-port, and a
`playwright run-server`, each a real process on 127.0.0.1 that a test can kill and restart.

Startup waits for the line each prints when it listens (bounded), never for a guessed time.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from tui.engine.browser import HEADLESS_SHELL, launch_args


class Proc:
    """A process whose output lines are read into a queue (so its pipe never fills)."""

    def __init__(self, argv: list[str], stream: str) -> None:
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE if stream == "stdout" else subprocess.DEVNULL,
            stderr=subprocess.PIPE if stream == "stderr" else subprocess.DEVNULL,
            text=True,
            start_new_session=True,  # its own process group: kill() takes its children too
        )
        self.lines: queue.Queue[str] = queue.Queue()
        pipe = self.proc.stdout if stream == "stdout" else self.proc.stderr
        threading.Thread(target=self._read, args=(pipe,), daemon=True).start()

    def _read(self, pipe) -> None:
        for line in pipe:
            self.lines.put(line)

    def wait_for(self, marker: str, bound: float = 30) -> str:
        """The first output line containing `marker` (fails after `bound` seconds)."""
        deadline = time.monotonic() + bound
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise AssertionError(f"{marker!r} never printed (exit code {self.proc.poll()})")
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if marker in line:
                return line.strip()

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)


class RemoteChromium:
    """Debian's headless shell with a DevTools port: a `--cdp-url` endpoint."""

    def __init__(self) -> None:
        self.profile_dir = tempfile.mkdtemp(prefix="stepdeck-pool-chromium-")
        self.port = 0
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RemoteChromium:
        argv = [
            HEADLESS_SHELL,
            f"--remote-debugging-port={self.port}",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={self.profile_dir}",
            *launch_args(HEADLESS_SHELL),
            "about:blank",
        ]
        self.proc = Proc(argv, "stderr")
        line = self.proc.wait_for("DevTools listening on ws://")
        self.port = int(line.split("ws://127.0.0.1:")[1].split("/")[0])  # port 0 -> a free one
        return self

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()


class PlaywrightServer:
    """`playwright run-server` (Playwright's own remote protocol): a `--ws-endpoint`.

    No browser can be downloaded here, so the server runs with --unsafe and the
    endpoint url asks it (in `launch-options`) to launch Debian's headless shell.
    """

    def __init__(self) -> None:
        self.port = 0
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        options = {"executablePath": HEADLESS_SHELL, "args": launch_args(HEADLESS_SHELL)}
        return f"ws://127.0.0.1:{self.port}/?launch-options={quote(json.dumps(options))}"

    def start(self) -> PlaywrightServer:
        from playwright._impl._driver import compute_driver_executable

        node, cli = compute_driver_executable()
        port = self.port or _free_port()
        argv = [node, cli, "run-server", "--port", str(port), "--host", "127.0.0.1", "--unsafe"]
        self.proc = Proc([str(a) for a in argv], "stdout")
        self.proc.wait_for("Listening on ws://")
        self.port = port
        return self

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cleanup(*dirs: str | Path) -> None:
    import shutil

    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
