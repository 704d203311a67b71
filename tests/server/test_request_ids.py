"""A client's own id for its step travels the wire and comes back on the step's events.

Over a real `stepdeck serve` on 127.0.0.1: the app's client (Notte dialect) sends its
step's `request_id` as `X-Request-Id`; another client, speaking ThinkRun's wire, names
its own step the same way; a client that sends no id gets none. Each step's event
carries exactly its own client's id, so the app tells its steps from the others' by id.
"""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from tests.support import until_delivering
from tui.dialects.http import REQUEST_ID_HEADER
from tui.dialects.notte.client import connect
from tui.model import CreateSession, StepRequest


async def test_each_steps_events_echo_the_id_its_client_chose(serve, demo_server):
    client = connect(serve.url, serve.token)
    await client.start()
    other = httpx.AsyncClient(base_url=serve.url, headers=serve.headers, timeout=60)
    try:
        sid = (await client.create_session(CreateSession(url=f"{demo_server}/shop"))).id
        events = []

        async def follow() -> None:
            async with contextlib.aclosing(client.events(sid)) as stream:
                async for event in stream:
                    events.append(event)
                    if sum(e.kind == "step" for e in events) == 3:
                        return

        follower = asyncio.create_task(follow())
        await until_delivering(client, sid, events)  # the stream is subscribed
        # the app's own step: its id goes out as X-Request-Id
        mine = await client.step(sid, StepRequest(type="scroll_down", request_id="app-1"))
        assert mine.success
        # another client on ThinkRun's wire names its step with the header
        reply = await other.post(
            f"/api/sessions/{sid}/scroll",
            json={"direction": "up"},
            headers={REQUEST_ID_HEADER: "thinkrun-7"},
        )
        assert reply.status_code == 200, reply.text
        # a client that names nothing (Notte's wire, no header)
        reply = await other.post(f"/sessions/{sid}/page/execute", json={"type": "scroll_down"})
        assert reply.status_code == 200 and reply.json()["success"], reply.text
        await asyncio.wait_for(follower, 60)
        steps = [e for e in events if e.kind == "step" and e.session_id == sid]
        assert [e.data.get("request_id") for e in steps] == ["app-1", "thinkrun-7", None]
        # the id names the step; it is not one of the step's parameters
        log = await client.action_log(sid)
        assert all("request_id" not in entry.params for entry in log)
        # an id too long for a step is refused before anything runs
        reply = await other.post(
            f"/api/sessions/{sid}/scroll",
            json={"direction": "up"},
            headers={REQUEST_ID_HEADER: "x" * 101},
        )
        assert reply.status_code in (400, 422), reply.text
        await client.close_session(sid)
    finally:
        await other.aclose()
        await client.aclose()
