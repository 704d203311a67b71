"""A real `stepdeck serve` subprocess (the command line's own wiring) for the pool tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "pool-test-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Serve:
    url: str
    home: Path
    proc: subprocess.Popen
    output: list[str] = field(default_factory=list)

    def client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_serve(home: Path, *args: str, bound: float = 60) -> Serve:
    """`stepdeck serve ARGS` on a free port, once /health answers (within `bound` seconds).

    Another test worker may take the port between finding it and binding it: then serve
    exits saying so, and another port is tried.
    """
    for _ in range(3):
        serve = _start_once(home, args, bound)
        if serve is not None:
            return serve
    raise AssertionError("stepdeck serve found no free port in 3 tries")


def _start_once(home: Path, args: tuple[str, ...], bound: float) -> Serve | None:
    port = free_port()
    env = dict(
        os.environ,
        STEPDECK_HOME=str(home),
        STEPDECK_TOKEN=TOKEN,
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    serve = Serve(url=f"http://127.0.0.1:{port}", home=home, proc=proc)
    reader = threading.Thread(target=lambda: serve.output.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + bound
    while True:
        out = "".join(serve.output)
        if proc.poll() is not None:
            reader.join(5)
            out = "".join(serve.output)
            if "cannot listen" in out:
                return None
            raise AssertionError("stepdeck serve exited:\n" + out)
        # Our own server bound the port (it says so) before /health counts.
        if "stepdeck serve: http" in out:
            try:
                if httpx.get(f"{serve.url}/health", timeout=2).status_code == 200:
                    return serve
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            serve.stop()
            raise AssertionError(f"stepdeck serve not up in {bound} s:\n" + out)
        time.sleep(0.1)  # polling a condition (the port answering), bounded above
