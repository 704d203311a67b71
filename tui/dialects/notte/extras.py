"""What `stepdeck serve` adds to Notte's page actions for notte-sdk 1.10: actions the neutral
step does not have (evaluate_js, form_fill, captcha_solve), actions addressed by `selector=`,
and instructions turned into a schema for the extractor.

They reach the engine session itself (its page): see `tui.dialects.engine_pages`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tui.dialects.engine_pages import engine_session
from tui.dialects.request_ids import asked_by_client
from tui.errors import InvalidRequest
from tui.model import StepRequest, StepResult, StepStatus, utcnow

# Actions the neutral step has no type for; the route runs them here.
SPECIAL_ACTIONS = ("evaluate_js", "form_fill", "captcha_solve")


def selector_text(selector: Any) -> str:
    """The selector a client sent: a string, or notte's NodeSelectors object."""
    if isinstance(selector, str):
        return selector
    if isinstance(selector, dict):
        for key in ("playwright_selector", "css_selector"):
            if selector.get(key):
                return str(selector[key])
        if selector.get("xpath_selector"):
            return f"xpath={selector['xpath_selector']}"
    raise InvalidRequest("the selector is empty", 'send "selector": "#id" (CSS or xpath=...)')


# The id the last walk gave the element (null: not one of the page's actions).
_ID_OF_JS = """(el) => {
    const s = window.__stepdeck;
    if (s && s.byId) for (const [id, e] of s.byId) if (e === el) return id;
    return null;
}"""


async def selector_id(provider: Any, session_id: str, selector: Any) -> str:
    """The action id of the element `selector` finds (so the step runs, and is logged, by id)."""
    text = selector_text(selector)
    obs = await provider.observe(session_id, screenshot=False)
    sess = engine_session(provider, session_id)
    page = await sess.ensure_page()
    try:
        handle = await page.locator(text).first.element_handle(timeout=2000)
    except Exception as exc:  # Playwright: no match in time, or a selector it cannot parse
        raise InvalidRequest(
            f"no element of the page matches the selector {text!r}",
            "observe the page and use an id, or check the selector",
        ) from exc
    try:
        found = await page.evaluate(_ID_OF_JS, handle)
    finally:
        await handle.dispose()
    if not isinstance(found, str) or obs.action(found) is None:
        raise InvalidRequest(
            f"{text!r} is not one of the page's interactive elements",
            "observe the page: ids and their elements are in the action space",
        )
    return found


def _result(kind: str, ok: bool, message: str, started: Any, data: Any = None) -> StepResult:
    return StepResult(
        status=StepStatus.DONE if ok else StepStatus.ERROR,
        success=ok,
        message=message,
        request=StepRequest(type="command", cmd=kind, source="api"),
        started_at=started,
        ended_at=utcnow(),
        data=data,
    )


async def run_special(provider: Any, session_id: str, kind: str, body: Any) -> StepResult:
    """evaluate_js, form_fill or captcha_solve, as a StepResult (failed, never raised)."""
    started = utcnow()
    if kind == "captcha_solve":
        return _result(
            kind,
            False,
            "stepdeck solves no CAPTCHAs: it runs offline, with no solving service",
            started,
        )
    if kind == "evaluate_js":
        code = body.code or (body.value if isinstance(body.value, str) else None)
        if not code:
            raise InvalidRequest("evaluate_js needs code", 'send "code": "document.title"')
        sess = engine_session(provider, session_id)
        sess.check_live()
        page = await sess.ensure_page()
        try:
            value = await page.evaluate(code)
        except Exception as exc:  # the page's own error: a failed action, said as it is
            return _result(kind, False, f"the script failed: {exc}".splitlines()[0], started)
        text = value if isinstance(value, str) else json.dumps(value, default=str)
        return _result(kind, True, "evaluated the script", started, data=text)
    # form_fill: each value into the input whose label says its key
    values = body.value if isinstance(body.value, dict) else None
    if not values:
        raise InvalidRequest("form_fill needs a value object", 'send "value": {"email": "a@b.c"}')
    obs = await provider.observe(session_id, screenshot=False)
    inputs = [a for a in obs.actions if a.takes_value]
    filled, missing = [], []
    for key, value in values.items():
        words = re.sub(r"[_\-]+", " ", str(key)).strip().lower()
        action = next(
            (a for a in inputs if words and words in (a.description or "").lower()), None
        ) or next((a for a in inputs if (a.selector or "").lower().endswith(f"#{key}")), None)
        if action is None:
            missing.append(str(key))
            continue
        step = StepRequest(type="fill", id=action.id, value=str(value), source="api")
        result = await provider.step(session_id, asked_by_client(step))
        if not result.success:
            return _result(kind, False, f"{key}: {result.message}", started)
        filled.append(str(key))
    if missing:
        return _result(
            kind,
            False,
            f"filled {', '.join(filled) or 'nothing'}; no field for {', '.join(missing)}",
            started,
        )
    return _result(kind, True, f"filled {', '.join(filled)}", started)


_LEAD = re.compile(
    r"^(?:please\s+)?(?:extract|get|scrape|list|find|return|give me|collect|show)?\s*"
    r"(?:me\s+)?(?:all\s+|every\s+|each\s+)?(?:the\s+)?",
    re.I,
)


def schema_for_instructions(instructions: str) -> dict[str, Any]:
    """A records schema from plain instructions ("the names and prices of the products").

    The extractor's model (when configured) reads the instructions themselves; the rules
    without a model need field names, taken from the words before "of"/"for"/"from".
    """
    text = _LEAD.sub("", instructions.strip().rstrip(".")).strip()
    head = re.split(r"\s+(?:of|for|from|on|in)\s+", text, maxsplit=1)[0]
    fields: dict[str, Any] = {}
    for part in re.split(r",|\band\b|&", head):
        words = re.findall(r"[a-z0-9]+", part.lower())
        if not words or words[-1] in ("the", "all"):
            continue
        name = words[-1]
        if len(name) > 3 and name.endswith("s") and not name.endswith("ss"):
            name = name[:-1]
        fields[name] = {"type": "number" if name in ("price", "rating", "count") else "string"}
    if not fields:
        fields = {"name": {"type": "string"}}
    return {
        "type": "array",
        "description": instructions,
        "items": {"type": "object", "properties": fields},
    }
