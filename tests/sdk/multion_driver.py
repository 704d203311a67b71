"""Drive MultiOn's API with the official `multion` 1.3.8 SDK (run under .venv-multion).

Commands (JSON out on the last line):
  session URL TOKEN PAGE   create / step / step_stream / retrieve / screenshot / list / close
                           against `stepdeck serve` (URL is its root; the SDK gets /v1/web)
  resend                   stdin {"calls": [[method, args], ...]}: make each call with the SDK
                           against a loopback recorder; out the bodies the SDK sent, or the
                           SDK's error (a field it does not take, a bad type)
  responses                bodies built from the SDK's response models (nulls, extras)
"""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from multion.client import MultiOn
from multion.core.unchecked_base_model import construct_type
from multion.types import SessionCreated, SessionStepSuccess


def session(url: str, token: str, page: str) -> dict:
    client = MultiOn(api_key=token, base_url=f"{url}/v1/web", agentops_api_key=None)
    out: dict = {}
    created = client.sessions.create(url=page, include_screenshot=True)
    sid = created.session_id
    out["create"] = {"status": created.status, "url": created.url, "shot": created.screenshot[:22]}
    step = client.sessions.step(sid, cmd="scroll down")
    out["step"] = {"status": step.status, "message": step.message, "url": step.url}
    chunks = list(client.sessions.step_stream(sid, cmd="scroll up", include_screenshot=True))
    out["stream"] = [
        {"type": c.type, "delta": getattr(c, "delta", None), "data": c.data.dict()} for c in chunks
    ]
    got = client.retrieve(cmd="the page title", session_id=sid, fields=["title"], format="json")
    out["retrieve"] = {"status": got.status, "data": got.data, "url": got.url}
    shot = client.sessions.screenshot(sid)
    out["screenshot"] = shot.screenshot[:22]
    out["list"] = client.sessions.list().session_ids
    out["session_id"] = sid
    out["close"] = client.sessions.close(sid).status
    return out


def resend() -> dict:
    seen: list = []

    class Recorder(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def _answer(self) -> None:
            n = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(n) if n else b""
            seen.append(
                {"method": self.command, "path": self.path, "body": json.loads(raw or b"null")}
            )
            body = json.dumps(
                {
                    "status": "DONE",
                    "message": "",
                    "session_id": "s",
                    "url": "",
                    "screenshot": "",
                    "session_ids": [],
                    "data": [],
                }
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = MultiOn(api_key="k", base_url=f"http://127.0.0.1:{server.server_address[1]}")
    results = []
    for method, args in json.load(sys.stdin)["calls"]:
        sessions = ("create", "step", "step_stream", "close", "screenshot")
        target = client.sessions if method in sessions else client
        before = len(seen)
        try:
            answer = getattr(target, method)(**args)
            if method == "step_stream":
                list(answer)  # the request goes out when the stream is read
        except TypeError as exc:  # the SDK does not take these arguments
            results.append({"error": f"{type(exc).__name__}: {exc}"[:500]})
            continue
        except Exception:  # the recorder's plain JSON is no event stream: the body is what counts
            pass
        results.append({"body": seen[before]["body"] if len(seen) > before else None})
    server.shutdown()
    return {"results": results}


def responses() -> dict:
    """Answers as the SDK reads them (`construct_type`, as its clients do): nulls and extras."""
    created = {
        "status": "CONTINUE",
        "message": "Session created",
        "session_id": "s-1",
        "url": "https://a.b/",
        "screenshot": None,
        "new_field": 1,
    }
    step = {
        "status": "ASK_USER",
        "message": "Which size?",
        "session_id": "s-1",
        "url": "https://a.b/",
        "screenshot": None,
        "metadata": None,
        "extra": {"x": 1},
    }
    out = {}
    for name, model, body in (
        ("created", SessionCreated, created),
        ("step", SessionStepSuccess, step),
    ):
        parsed = construct_type(type_=model, object_=body)
        assert parsed.session_id == "s-1" and parsed.screenshot is None
        out[name] = json.loads(json.dumps(body))
    return out


def main() -> None:
    command = sys.argv[1]
    out = (
        session(*sys.argv[2:5])
        if command == "session"
        else resend()
        if command == "resend"
        else responses()
    )
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
