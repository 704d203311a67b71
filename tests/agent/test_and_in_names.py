"""'and' inside a name is part of the name: a chain splits on 'and' only before a command."""

from __future__ import annotations

from urllib.parse import quote

from tui.engine.agent import split_chain
from tui.model import CreateSession, StepRequest, StepStatus

TERMS_PAGE = (
    "<title>Sign up</title><form>"
    "<label><input type=checkbox id=terms> Terms and Conditions</label>"
    "<label><input type=checkbox id=news> Newsletter</label>"
    "<button type=button onclick=\"document.title='Saved'\">Save and Continue</button>"
    "</form>"
)


def test_and_splits_only_before_a_command():
    assert split_chain("check Terms and Conditions") == ["check Terms and Conditions"]
    assert split_chain("click Save and Continue") == ["click Save and Continue"]
    assert split_chain("check Terms and Conditions and click Save and Continue") == [
        "check Terms and Conditions",
        "click Save and Continue",
    ]
    assert split_chain("search for salt and pepper and open the first result") == [
        "search for salt and pepper",
        "open the first result",
    ]
    assert split_chain('write a post saying "hi" and publish it') == [
        'write a post saying "hi"',
        "publish it",
    ]
    assert split_chain("fill name with Ada and city with Paris") == [
        "fill name with Ada",
        "city with Paris",
    ]


async def test_check_terms_and_conditions_on_a_page(local_provider):
    s = await local_provider.create_session(
        CreateSession(url="data:text/html," + quote(TERMS_PAGE))
    )
    r = await local_provider.step(
        s.id,
        StepRequest(type="command", cmd="check Terms and Conditions and click Save and Continue"),
    )
    assert r.status == StepStatus.DONE, r.message
    obs = r.observation or await local_provider.observe(s.id, screenshot=False)
    boxes = {a.description: a.checked for a in obs.actions if a.checked is not None}
    assert boxes.get("Terms and Conditions") is True, boxes
    assert boxes.get("Newsletter") is False
    assert obs.metadata.title == "Saved"
