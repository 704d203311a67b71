"""Helpers every test area shares: waiting for a condition (never for a guessed time).

The machine running the suite may be loaded (2 cores, other work beside it): every
wait here is for a condition, with a generous bound that only a broken test reaches.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


async def eventually(check, what: str, seconds: float = 30) -> None:
    """Wait until `check()` holds; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.05)


async def until_delivering(provider, session_id: str, seen: list, seconds: float = 30) -> None:
    """Until a follower's event stream has delivered an event into `seen` (so it is subscribed).

    A stream is live once an event arrives: resuming a running session is a no-op that emits one.
    """
    deadline = time.monotonic() + seconds
    while not seen:
        assert time.monotonic() < deadline, "the event stream never delivered an event"
        await provider.set_paused(session_id, False)
        await asyncio.sleep(0.05)


async def settle(pilot) -> None:
    """Wait until the app has booted, every worker has answered and the screen caught up.

    A worker's answer is a message whose handler may start the next worker (a new
    session's first command, a tab loading its log), so this waits round by round
    until a round starts nothing new. An exclusive worker superseded by a newer one
    ends as cancelled: that is not a failure, the newer one is waited for next round.

    "Caught up" means the layout held still across a refresh: a widget sized by its
    content (the screenshot's width follows the height it was given) is laid out again
    after the refresh that resized it, and the workers being done says nothing of that.
    """
    from textual.worker import WorkerCancelled

    app = pilot.app
    booted = getattr(app, "booted", None)
    if booted is not None:
        await booted.wait()
    last = None
    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:
            pass
        await pilot.pause()
        await _refreshed(app)
        now = [(w, w.region) for w in app.screen.walk_children(with_self=True)]
        if now == last and all(worker.is_finished for worker in app.workers):
            return
        last = now
    raise AssertionError("the app never settled: workers or the layout kept changing")


async def _refreshed(app) -> None:
    """Until the screen has been refreshed once more (after every pending message)."""
    done = asyncio.get_running_loop().create_future()
    app.call_after_refresh(lambda: done.done() or done.set_result(None))
    await asyncio.wait_for(done, 30)


def toasts(app) -> list[str]:
    """The text (title and message) of every notification on screen (`run_test(notifications=True)`).

    Read from the DOM by the widget's CSS type name: no private Textual module is imported.
    """
    return [str(toast.render()) for toast in app.screen.query("Toast")]


# -- one Chromium shared by the apps of a test module ------------------------------------------


def SharedLocalProvider(owner):
    """A LocalProvider over `owner`'s started engine (one browser for many apps).

    It lists and follows only the sessions it made, and closing it closes those, never
    the browser: each test sees a fresh provider, the module pays for one Chromium.
    """
    from tui.providers.local import LocalProvider

    class _Shared(LocalProvider):
        def __init__(self) -> None:
            super().__init__()
            self.engine = owner.engine
            self.llm = owner.llm
            self.own: set[str] = set()

        async def start(self) -> None:
            pass  # the owner started the engine

        async def create_session(self, request):
            session = await super().create_session(request)
            self.own.add(session.id)
            return session

        async def list_sessions(self):
            return [s for s in await super().list_sessions() if s.id in self.own]

        async def events(self, session_id=None):
            async with contextlib.aclosing(super().events(session_id)) as events:
                async for event in events:
                    if event.session_id in self.own:
                        yield event

        async def aclose(self) -> None:
            for gate in self._resume.values():
                gate.set()
            for session_id in self.own:
                with contextlib.suppress(Exception):
                    await self.engine.close(session_id)

    return _Shared()


# -- `stepdeck serve` as a real process ---------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "test-token-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Serve:
    """A running `stepdeck serve` subprocess."""

    url: str
    token: str
    home: Path
    proc: subprocess.Popen
    output: list[str] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=self.headers, timeout=60, **kwargs)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_serve(
    home: Path,
    *args: str,
    token: str | None = TOKEN,
    extra_env: dict | None = None,
    bound: float = 60,
) -> Serve:
    """`stepdeck serve ARGS` on a free loopback port, once it said so and /health answers.

    It runs this checkout's code (`python -m tui.cli`, the checkout first on PYTHONPATH).
    `token=None` starts it without STEPDECK_TOKEN: the token it made is read back. A port
    found free can be taken before the server binds it (tests run in parallel workers): a
    server that could not listen is started again on another port. `bound` is generous: a
    loaded machine starts Python and FastAPI slowly.
    """
    for _ in range(3):
        try:
            return _start_serve(home, args, token, extra_env, bound)
        except _PortTaken:
            continue
    return _start_serve(home, args, token, extra_env, bound)


class _PortTaken(RuntimeError):
    pass


def _start_serve(
    home: Path, args: tuple[str, ...], token: str | None, extra_env: dict | None, bound: float
) -> Serve:
    port = free_port()
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, STEPDECK_HOME=str(home), PYTHONPATH=path, PYTHONUNBUFFERED="1")
    env.pop("STEPDECK_TOKEN", None)
    if token is not None:
        env["STEPDECK_TOKEN"] = token
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    serve = Serve(url=f"http://127.0.0.1:{port}", token=token or "", home=home, proc=proc)
    reader = threading.Thread(target=lambda: serve.output.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + bound
    while True:
        if proc.poll() is not None:
            reader.join(10)  # all it printed before it died
            output = "".join(serve.output)
            if "cannot listen" in output:
                raise _PortTaken(output)
            raise RuntimeError("stepdeck serve exited:\n" + output)
        # Our own server says it bound the port before /health counts (not another worker's).
        if "stepdeck serve: http" in "".join(serve.output):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{serve.url}/health", timeout=2).status_code == 200:
                    break
        if time.monotonic() > deadline:
            serve.stop(signal.SIGKILL)
            raise RuntimeError(f"stepdeck serve not up in {bound:.0f} s:\n" + "".join(serve.output))
        time.sleep(0.05)  # polling a condition (it said it listens, /health answers), bounded
    if token is None:
        serve.token = (home / "data" / "token").read_text().strip()
    return serve


def spawn_on_pty(
    argv: list[str], *, env: dict, cwd: Path, size: tuple[int, int] | None = None
) -> tuple[subprocess.Popen, int]:
    """`argv` on a new pseudo-terminal, in a session of its own as a terminal starts a shell.

    Returns the process and the terminal's master end: read it (the app blocks once the
    terminal's buffer is full), write keys to it, close it to close the terminal. `size`:
    (columns, rows).
    """
    master, slave = os.openpty()
    if size is not None:
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 960, 1600))
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
    )
    os.close(slave)
    return proc, master


@contextlib.asynccontextmanager
async def started_local(**options: Any):
    """A started LocalProvider (real headless Chromium) with `options`, closed after use."""
    from tui.providers.local import LocalProvider

    provider = LocalProvider(**options)
    await provider.start()
    try:
        yield provider
    finally:
        await provider.aclose()


@contextlib.contextmanager
def loopback_http(handler: Any):
    """An HTTP server with `handler` on 127.0.0.1 (its own threads); yields its base url."""
    from http.server import ThreadingHTTPServer

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def read_http_answer(sock: Any) -> bytes:
    """One HTTP/1.1 answer (headers and a Content-Length body) read from a blocking socket;
    b"" when the server closed the connection before answering."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return b""
        body += chunk
    return head + b"\r\n\r\n" + body
