"""Raw: the last request and response of the selected session, as JSON.

The neutral `StepRequest`/`StepResult` (the screenshot replaced by its size),
and, when the provider keeps it (`last_exchange`), its last wire exchange.
Rendered only while the tab is on show: a big page makes a big document.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pydantic import BaseModel
from textual.app import ComposeResult
from textual.widgets import TextArea

from tui.model import Observation, StepResult
from tui.ui.state import SessionView, clean
from tui.ui.tabs.base import SessionTab, pane_active


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # Capabilities
        return _plain(dataclasses.asdict(value))
    if isinstance(value, bytes):
        return f"<{len(value):,} bytes>"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def observation_json(observation: Observation | None) -> Any:
    """An observation as JSON, its screenshot replaced by a note of its size."""
    if observation is None:
        return None
    data = observation.model_dump(mode="json", exclude={"screenshot", "browser_actions"})
    shot = observation.screenshot
    data["screenshot"] = f"<PNG, {len(shot):,} bytes>" if shot else None
    return data


def result_json(result: StepResult) -> dict[str, Any]:
    data = result.model_dump(mode="json", exclude={"observation", "request"})
    data["observation"] = observation_json(result.observation)
    return data


def raw_document(view: SessionView | None, exchange: Any = None, capabilities: Any = None) -> str:
    """The JSON the tab shows for a session: last request, response, wire, capabilities."""
    if view is None:
        return ""
    doc: dict[str, Any] = {"provider": view.provider, "session": view.session.id}
    last = view.last
    if last is None:
        doc["request"] = None
        doc["response"] = "(no step yet on this session; the current observation follows)"
        doc["observation"] = observation_json(view.observation)
    else:
        # The request id is the app's own bookkeeping (matching live events), not the step.
        doc["request"] = last.request.model_dump(
            mode="json", exclude_defaults=True, exclude={"request_id"}
        )
        doc["response"] = result_json(last)
    if exchange is not None:
        doc["wire"] = _plain(exchange)
    if capabilities is not None:
        doc["capabilities"] = _plain(capabilities)
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


class RawView(TextArea):
    """The JSON, read-only and unhighlighted.

    Not `language="json"`: tree-sitter-json 0.24.8 with tree-sitter 0.26.1 crashes
    the process (segfault) now and then when its TextAreas are built.
    """


class RawTab(SessionTab):
    """The last request and response of the selected session."""

    TITLE = "Raw"
    TAB_ID = "tab-raw"

    DEFAULT_CSS = """
    RawTab RawView { height: 1fr; border: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.view: SessionView | None = None
        self._mark: object = None
        self.text = ""

    def compose(self) -> ComposeResult:
        yield RawView("", read_only=True, soft_wrap=True, id="raw-view")

    def show(self, view: SessionView | None, force: bool = False) -> None:
        # Drawn only while on show; a hidden tab draws when it next comes into view.
        self.view = view
        if force or pane_active(self):
            self.draw(view)

    def on_show(self) -> None:
        self.draw(self.view)

    def draw(self, view: SessionView | None) -> None:
        provider = self.providers.get(view.provider) if view else None
        exchange = getattr(provider, "last_exchange", None)
        mark = (view.key, id(view.last), id(view.observation), id(exchange)) if view else None
        if mark == self._mark:
            return
        self._mark = mark
        capabilities = getattr(provider, "capabilities", None)
        self.text = clean(raw_document(view, exchange, capabilities))
        area = self.query_one(RawView)
        area.load_text(self.text)
        area.scroll_home(animate=False)
