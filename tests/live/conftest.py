"""Fixtures for live tests: a real `stepdeck serve` process and the demo site on 127.0.0.1."""

from __future__ import annotations

import contextlib
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
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "ui"))  # ui_helpers, static_provider

ROOT = Path(__file__).resolve().parents[2]
STEPDECK = ROOT / ".venv" / "bin" / "stepdeck"
TOKEN = "live-token-42"


@dataclass
class Serve:
    url: str
    token: str
    proc: subprocess.Popen
    output: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    """`stepdeck serve` as a subprocess on a free loopback port (token TOKEN)."""
    pytest.importorskip("tui.providers.local", reason="the embedded engine is not built yet")
    port = _free_port()
    home = tmp_path_factory.mktemp("serve-home")
    env = dict(os.environ, STEPDECK_HOME=str(home), STEPDECK_TOKEN=TOKEN, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [str(STEPDECK), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = Serve(url=f"http://127.0.0.1:{port}", token=TOKEN, proc=proc)
    threading.Thread(target=lambda: server.output.extend(proc.stdout), daemon=True).start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                break
        time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("stepdeck serve did not start:\n" + "".join(server.output))
    yield server
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def site():
    from tui.demo.server import DemoServer

    with DemoServer() as demo:
        yield demo.url("/").rstrip("/")
