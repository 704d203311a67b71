"""Perception sees what a person sees: script-only clickables once each, named fields, focus."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
import pytest_asyncio

from tui.model import CreateSession, Observation, StepRequest

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Clickable only through a listener, an onclick property or cursor:pointer: one action each.
SCRIPTED = [
    "START",  # a cover that starts the page's activity
    "alpha",  # word links
    "bravo",
    "Ann Lunch on Friday?",  # inbox rows (their children are not actions of their own)
    "Bob Quarterly report",
    "Documents",  # tree nodes (mousedown)
    "Taxes",
    "trash",  # an icon with no text, named from its class; onclick property
    "Weekly plan and notes",  # cursor:pointer card
    "Row with hover cursor",  # cursor:pointer on :hover only
    "Submit",  # a div "button"
    "Shadow action",  # inside an open shadow root
    "Framed action",  # inside a same-origin iframe
]


@pytest_asyncio.fixture(loop_scope="module")
async def widgets(agent_provider, agent_pages):
    session = await agent_provider.create_session(CreateSession(url=f"{agent_pages}/widgets.html"))
    # The iframe's document loads after the page's (a session opens at domcontentloaded, which
    # does not wait for frames): under load the first observe can come before it.
    deadline = time.monotonic() + 30
    while not framed_loaded(await agent_provider.observe(session.id, screenshot=False)):
        assert time.monotonic() < deadline, "the iframe's document never loaded"
        await asyncio.sleep(0.05)
    yield session.id
    await agent_provider.close_session(session.id)


def framed_loaded(obs: Observation) -> bool:
    return any(a.description == "Framed action" for a in obs.actions)


def named(obs: Observation, description: str):
    hits = [a for a in obs.actions if a.description == description]
    assert len(hits) == 1, f"{description!r}: {[(a.id, a.description) for a in hits]}"
    return hits[0]


async def test_script_only_clickables_appear_once_with_their_text(agent_provider, widgets):
    obs = await agent_provider.observe(widgets, screenshot=False)
    for text in SCRIPTED:
        named(obs, text)
    descriptions = [a.description for a in obs.actions]
    # no flooding: nested children of a row, the page-wide listener, plain text are no actions
    for text in ("Ann", "Lunch on Friday?", "Bob", "Not clickable at all, just text.", "Widgets"):
        assert text not in descriptions
    # a listener around a native button adds nothing: the button is there once
    assert named(obs, "Save draft").id.startswith("B")
    # the listener really is what a click reaches
    r = await agent_provider.step(widgets, StepRequest(id=named(obs, "Submit").id))
    assert r.observation.metadata.title == "Widgets: submitted"
    r = await agent_provider.step(widgets, StepRequest(id=named(obs, "Framed action").id))
    assert r.observation.metadata.title == "Widgets: framed"


async def test_every_field_gets_a_human_description(agent_provider, widgets):
    obs = await agent_provider.observe(widgets, screenshot=False)
    fields = [a for a in obs.actions if a.field]
    assert all(a.description and not re.fullmatch(r"[A-Z]\d+", a.description) for a in fields)
    assert named(obs, "Name").field == "text input"  # the text just before it
    assert named(obs, "2nd text input").field == "text input"  # nothing names it: position
    assert named(obs, "3rd text input").field == "text input"
    slider = named(obs, "slider")
    assert (slider.role, slider.value) == ("slider", "3")
    assert named(obs, "Birthday").field == "date input"  # a loose <label> before it
    assert named(obs, "Notes").field == "text area"  # contenteditable
    colour = named(obs, "Colour")  # ARIA combobox, aria-labelledby
    assert (colour.field, colour.value) == ("dropdown", "Green")
    assert named(obs, "Small").role == named(obs, "Large").role == "radio"  # text after a radio
    assert named(obs, "Quantity").field == "number input"  # inside a shadow root


async def test_focus_and_values_are_in_the_action_space(agent_provider, widgets):
    obs = await agent_provider.observe(widgets, screenshot=False)
    assert [a.description for a in obs.actions if a.focused] == ["Email"]  # autofocus
    password = named(obs, "Password")
    assert password.value == "••••••"
    assert "hunter2" not in obs.model_dump_json()
    r = await agent_provider.step(widgets, StepRequest(id=named(obs, "Name").id, value="Riley"))
    after = r.observation
    assert [a.description for a in after.actions if a.focused] == ["Name"]
    assert named(after, "Name").value == "Riley"
