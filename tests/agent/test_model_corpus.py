"""The model loop on corpus pages, against the scripted loopback model server.

The script plays a model that reads what it is shown (the page text with ids inline and the
element list) and answers with tool calls; every call must be valid, bad output is answered
and retried, and an irreversible click the task did not ask for is asked about, not done.
"""

from __future__ import annotations

import json
import re

import pytest
import pytest_asyncio

from tests.agent.conftest import element_id
from tests.agent.corpus.runner import Case, run_case
from tui.model import CreateSession

pytestmark = pytest.mark.asyncio(loop_scope="module")


def call(action: str, description: str | None = None, **extra):
    """A scripted answer: `action` on the element the page shows as `description`."""

    def answer(messages):
        body = {"action": action, **extra}
        if description is not None:
            body["id"] = element_id(messages, description)
        return json.dumps(body)

    return answer


DONE = '{"action": "done", "message": "Done."}'

# (case, the model's answers, in order)
SCRIPTED = [
    (
        Case("form.html", 'Type "Riley" into the first name field', {"first": "Riley"}),
        [call("fill", "First name", value="Riley"), DONE],
    ),
    (  # a custom ARIA dropdown: open it, then its option appears as an element
        Case("aria.html", "Select Spanish from the language dropdown", {"language": "Spanish"}),
        [call("click", "Language"), call("click", "Spanish"), DONE],
    ),
    (  # rows clickable only through a listener
        Case("listeners.html", "Open the email from Bob", {"opened": "Bob"}),
        [call("click", "Bob Invoice for March"), DONE],
    ),
    (  # inside an open shadow root
        Case(
            "shadow.html",
            "Type me@example.com into the email field and click Join",
            {"joined": "me@example.com"},
        ),
        [call("fill", "Your email", value="me@example.com"), call("click", "Join"), DONE],
    ),
    (  # inside an iframe
        Case("frame.html", "Choose Billing as the topic", {"topic": "Billing"}),
        [call("select", "Topic", value="Billing"), DONE],
    ),
    (
        Case("inputs.html", "Set the volume slider to 7", {"vol": "7"}),
        [call("fill", "Volume", value="7"), DONE],
    ),
    (  # bad output first: prose, then an unknown id; both answered, neither executed
        Case(
            "login.html",
            "Log in with username alice and password s3cret",
            {"login": "alice/s3cret"},
        ),
        [
            "Sure! I will log in now.",
            '{"action": "click", "id": "B42"}',
            call("fill", "Username", value="alice"),
            call("fill", "Password", value="s3cret", enter=True),
            DONE,
        ],
    ),
    (  # the model reaches for Pay now on its own: asked, not done
        Case("shop.html", "Finish the checkout", {}, "ASK_USER"),
        [call("click", "Pay now")],
    ),
]


@pytest_asyncio.fixture(loop_scope="module")
async def model_session(agent_provider, agent_pages):
    session = await agent_provider.create_session(
        CreateSession(url=f"{agent_pages}/corpus/single.html")
    )
    yield session.id
    await agent_provider.close_session(session.id)


async def test_model_loop_on_the_corpus(agent_provider, agent_pages, model_session, scripted_model):
    failures = []
    for n, (case, script) in enumerate(SCRIPTED):
        scripted_model.script = list(script)
        scripted_model.received.clear()
        outcome = await run_case(agent_provider, model_session, agent_pages, case, n)
        if not outcome.ok:
            failures.append(f"{case.cmd!r}: {'; '.join(outcome.problems)}")
        assert not outcome.irreversible_mistake, case.cmd
        assert not scripted_model.script, f"{case.cmd!r}: the loop stopped early"
        # the model saw the page a person sees: its text with the ids inline, and the list
        first = scripted_model.received[0]["messages"][1]["content"]
        assert f"Task: {case.cmd}" in first
        listed = re.findall(r"^([LBIFOM]\d+): ", first, re.M)
        page_text = first.split("\nPage:\n", 1)[1]
        inline = [i for i in listed if f"[{i} " in page_text or f"[{i}]" in page_text]
        # (the page text does not hold open shadow roots yet: their elements are listed only)
        assert listed and (inline == listed or case.page == "shadow.html"), (listed, inline)
    assert not failures, "\n".join(failures)


async def test_model_bad_output_is_answered_with_the_reason(
    agent_provider, agent_pages, model_session, scripted_model
):
    scripted_model.script = ["not json at all", '{"action": "fill", "id": "I1"}', DONE]
    case = Case("single.html", "Type Hello into the textbox", {})
    await run_case(agent_provider, model_session, agent_pages, case, 99)
    told = [m["messages"][-1]["content"] for m in scripted_model.received[1:]]
    assert "not usable" in told[0]
    assert '"fill" needs a "value"' in told[1]
