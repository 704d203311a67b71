"""Steps: actions on elements by id, and browser actions.

An element action finds its element through the id the last walk stored in
the page (no second walk), acts through Playwright (which waits until the
element is visible, stable and enabled), then settles: it waits for a new
document only when the action started a navigation, otherwise for one
animation frame. There is no fixed sleep after a step.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from playwright.async_api import ElementHandle, Locator, Page, Request
from playwright.async_api import Error as PlaywrightError

from tui.engine.bounds import QUICK_S, PageHung, bounded, check_point
from tui.engine.failures import COVER_JS, element_timeout
from tui.engine.masking import is_secret_field, scrub_url
from tui.engine.perception import perceive, strip_controls, to_markdown
from tui.engine.recovery import page_answers
from tui.engine.registry import BROWSER_NAMES, ELEMENT_NAMES
from tui.engine.target import ActionTarget
from tui.engine.uploads import chosen_file, is_file_input
from tui.engine.urls import normalize_url
from tui.errors import ActionNotFound, InvalidRequest
from tui.model import StepRequest
from tui.offload import off_loop

SETTLE_JS = "() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))"
# One frame, then whether the page started a navigation it has not committed yet (a form
# submission runs in a later task; perception_init.js records it and the navigate event):
# "navigate", "download" (`<a download>`), "external:mailto" (a link handed on),
# "invalid:<fields and why>" (a form the browser would not send) or "".
NAV_SETTLE_JS = (
    "() => new Promise(r => requestAnimationFrame(() => setTimeout(() =>"
    " r(window.__stepdeckNav ? window.__stepdeckNav.pending() : ''), 0)))"
)
FIELD_JS = "el => [el.type || '', el.getAttribute('autocomplete') || '', (el.name || '') + ' ' + (el.id || '')]"
# Finds the element and forgets navigations the page started before this action.
FIND_JS = (
    "id => { window.__stepdeckNav && window.__stepdeckNav.clear();"
    " const el = window.__stepdeck && window.__stepdeck.byId.get(id);"
    " return el && el.isConnected ? el : null; }"
)
MAX_WAIT_MS = 30_000
TEXT_TYPES = {"select", "textarea", "contenteditable"}


@dataclass
class Outcome:
    message: str = ""
    data: Any = None
    secret: bool = False  # a value went into a password field


async def run_action(target: ActionTarget, req: StepRequest) -> Outcome:
    """Run one step on the session's active tab (the caller holds the session lock)."""
    kind = req.type
    if kind == "command":
        raise InvalidRequest(
            "A natural-language command is not an action",
            "the provider runs commands through its agent",
        )
    if req.id and kind in ELEMENT_NAMES:
        return await _element_action(target, req)
    if kind in ELEMENT_NAMES:
        raise InvalidRequest(f"A {kind} step needs an action id", "e.g. B3, or I1 hello")
    handler = BROWSER_HANDLERS.get(kind)
    if handler is None:
        raise InvalidRequest(f"Unknown step type {kind!r}")
    return await handler(target, req)


# --- waiting --------------------------------------------------------------------------------


class _NavWatch:
    """Notices whether an action started a main-frame navigation, then waits for it.

    Three signs, any one is enough: the navigation's request (the browser's word, which
    can come late under load), a committed main frame, or the page's own record of a form
    submission or navigate event it did not prevent (in order with the frame wait, so it
    cannot come late). Element actions pass `no_wait_after` to Playwright: its own wait is
    bounded by the action timeout, and a page slower than that failed a step whose click
    or key had happened. Here the navigation timeout bounds the wait.

    Some navigations never commit a document: a download (`Content-Disposition:
    attachment`, `<a download>`), a `mailto:` or `tel:` link, an answer 204 or 205. Their
    request fails (Chromium aborts it) or a download starts; either wakes the wait at once
    (tabs.py), and `settle` says what happened instead: the page stays as it was.
    """

    def __init__(self, target: ActionTarget, page: Page) -> None:
        self.target = target
        self.page = page
        self.started = False
        self.request: Request | None = None  # the latest main-frame navigation request
        self.future = target.tabs.nav_waiter()
        self.downloads = target.tabs.downloads
        self.mark = self.downloads.mark()

    def _on_request(self, request: Request) -> None:
        if request.is_navigation_request() and request.frame == self.page.main_frame:
            self.started = True
            self.request = request

    def __enter__(self) -> _NavWatch:
        self.page.on("request", self._on_request)
        return self

    def __exit__(self, *exc: object) -> None:
        self.page.remove_listener("request", self._on_request)
        self.target.tabs.drop_waiter(self.future)

    async def settle(self, *, quick: bool = False) -> str:
        """Wait for the new document if a navigation started, else one frame.

        `quick` (fill, select, check: their input events run synchronously inside the
        action) skips the frame wait when no navigation started. Returns what happened
        instead of a new document ("" when nothing, or a document, did): "; " and a note.
        """
        if not self.started and quick:
            return await self.downloaded()
        said = ""  # the page said a navigation ("navigate") or a download is on its way
        if not self.started and not self.future.done():
            with contextlib.suppress(PlaywrightError):  # the old document went away: committed
                said = await bounded(
                    self.page.evaluate(NAV_SETTLE_JS),
                    self.target.limits.call_budget_s(),
                    "waiting for a frame",
                )
            if said == "download":
                return await self.downloaded(wait=True)
            if said.startswith("external:"):
                return _external(said.removeprefix("external:"))
            if said.startswith("invalid:"):  # the browser kept the form: it says why
                return f"; the form was not sent: {said.removeprefix('invalid:')}"
            if not (said or self.started or self.future.done()):
                return await self.downloaded()
        timeout = self.target.limits.nav_timeout_ms / 1000
        try:
            await asyncio.wait_for(asyncio.shield(self.future), timeout)
        except TimeoutError:
            if not self.started:
                return ""  # announced, never requested (cancelled by the page): the page as it is
            raise PageHung(f"The page did not load within {timeout:.0f} s") from None
        if not self.target.live or self.page.is_closed():
            return ""
        note = await self.no_document()
        if note is not None:
            return note
        try:
            await self.page.wait_for_load_state(
                "domcontentloaded", timeout=self.target.limits.nav_timeout_ms
            )
        except PlaywrightError as exc:
            if "Timeout" in str(exc):
                raise PageHung("The page did not finish loading") from exc
            raise
        return ""

    async def no_document(self) -> str | None:
        """What the navigation did if it ended without a document (None: it did not)."""
        if self.downloads.count > self.mark:
            return await self.downloaded(wait=True)
        request = self.request
        if request is None or "ERR_ABORTED" not in (request.failure or ""):
            return None  # committed, or a network error (Chromium shows its error page)
        scheme = request.url.split(":", 1)[0].lower()
        if scheme not in ("http", "https", "file"):
            return _external(scheme)
        response = None
        with contextlib.suppress(PlaywrightError, PageHung):
            response = await bounded(
                request.response(), self.target.limits.call_budget_s(), "reading the answer"
            )
        if response is None:
            return "; the navigation was cancelled: the page stays"
        if response.status in (204, 205):
            return f"; the server answered {response.status} ({response.status_text or 'No Content'}): the page stays"
        # A download is announced just after its request is aborted: wait for it, within the
        # navigation timeout when the answer said it is an attachment.
        attachment = (
            (response.headers.get("content-disposition") or "").lower().startswith("attachment")
        )
        return await self.downloaded(wait=True, within=None if attachment else QUICK_S)

    async def downloaded(self, *, wait: bool = False, within: float | None = None) -> str:
        """What the downloads this action started became (waiting for the first if `wait`)."""
        nav_s = self.target.limits.nav_timeout_ms / 1000
        if wait and self.downloads.count == self.mark:
            fut = self.downloads.waiter()
            try:
                await asyncio.wait_for(fut, within or nav_s)
            except TimeoutError:
                return ""
            finally:
                self.downloads.drop_waiter(fut)
        started = self.downloads.since(self.mark)
        if not started:
            return ""
        # Each is written by the time a page would have loaded (a big file: not finished yet).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(k.done.wait() for k in started)), nav_s)
        return "; " + "; ".join(k.describe() for k in started) + ": the page stays"


def _external(scheme: str) -> str:
    return f"; opened a {scheme}: link: no page to load, the page stays"


# --- element actions ------------------------------------------------------------------------


async def _find(page: Page, action_id: str, seconds: float) -> ElementHandle | None:
    handle = await bounded(page.evaluate_handle(FIND_JS, action_id), seconds, "finding")
    element = handle.as_element()
    if element is None:
        await handle.dispose()
    return element


async def _resolve(
    target: ActionTarget, action_id: str
) -> tuple[ElementHandle | Locator, dict[str, Any]]:
    page = await target.page()
    action_id = action_id.strip().upper()
    raw = target.perceived.raw.get(action_id) if target.perceived else None
    # Calls into the page are bounded by the action timeout: a fixed 2-4 s, on a machine
    # busy enough, called a working page stuck and stopped its scripts.
    seconds = target.limits.call_budget_s()
    element = await _find(page, action_id, seconds) if raw is not None else None
    if element is None:
        # The page changed (or was never observed): walk again, then look once more.
        target.perceived = await bounded(
            perceive(page, html=False), target.limits.walk_timeout_s, "reading the page"
        )
        raw = target.perceived.raw.get(action_id)
        element = await _find(page, action_id, seconds) if raw is not None else None
    if element is None or raw is None:
        known = [a.id for a in target.perceived.actions] if target.perceived else []
        raise ActionNotFound(action_id, known)
    if raw.get("frame") and raw.get("selector"):
        # Inside a frame, Playwright must act through the frame (a handle taken from the
        # top document would click at the wrong place): its frame-piercing selector does.
        _release(element)
        return page.locator(raw["selector"]), raw
    return element, raw


def _is_fillable(raw: dict[str, Any]) -> bool:
    return raw.get("kind") == "I" and raw.get("type") != "select"


def _is_select(raw: dict[str, Any]) -> bool:
    return raw.get("type") == "select"


def _is_checkable(raw: dict[str, Any]) -> bool:
    return raw.get("type") in ("checkbox", "radio") or raw.get("role") in (
        "checkbox",
        "radio",
        "switch",
        "menuitemcheckbox",
        "menuitemradio",
    )


def _what(action_id: str, raw: dict[str, Any]) -> str:
    desc = raw.get("description") or ""
    role = raw.get("role") or raw.get("tag") or "element"
    return f"{action_id} ({role}{': ' + desc if desc else ''})"


def _inputs(target: ActionTarget) -> str:
    ids = (
        [a.id for a in target.perceived.actions if a.id.startswith("I")] if target.perceived else []
    )
    return ", ".join(ids[:12]) or "none on this page"


async def _element_action(target: ActionTarget, req: StepRequest) -> Outcome:
    assert req.id is not None
    action_id = req.id.strip().upper()
    element, raw = await _resolve(target, action_id)
    page = await target.page()
    kind = req.type
    if kind == "auto":
        if req.value is None:
            kind = "click"
        elif _is_select(raw):
            kind = "select"
        elif _is_fillable(raw):
            kind = "fill"
        else:
            raise InvalidRequest(
                f"{_what(action_id, raw)} does not take a value",
                f"click it with `{action_id}` alone, or fill an input: {_inputs(target)}",
            )
    # Know what the field is before typing into it: a secret is masked in every log and
    # event from the first keystroke on, even when the page was never observed.
    secret = (
        bool(req.value)
        and kind in ("fill", "select")
        and await _secret_field(element, raw, target.limits.call_budget_s())
    )
    if secret and req.value:
        target.secrets.add(req.value)
    timeout = target.limits.action_timeout_ms
    try:
        with _NavWatch(target, page) as watch:
            if kind == "click":
                await element.click(timeout=timeout, no_wait_after=True)
                message = f"clicked {_what(action_id, raw)}"
            elif kind == "fill":
                if _is_select(raw):
                    message = await _select(element, action_id, raw, req.value or "", timeout)
                elif is_file_input(raw):
                    path = chosen_file(req, target.limits.allow_schemes)
                    await element.set_input_files(path, timeout=timeout)
                    message = f"chose {path.name} in {_what(action_id, raw)}"
                elif not _is_fillable(raw):
                    raise InvalidRequest(
                        f"{_what(action_id, raw)} is not an input",
                        f"click it with `{action_id}`, or fill an input: {_inputs(target)}",
                    )
                else:
                    await _type(element, req.value or "", timeout, secret)
                    message = f"filled {_what(action_id, raw)}"
                if req.enter:
                    await element.press("Enter", timeout=timeout, no_wait_after=True)
                    message += " and pressed Enter"
            elif kind == "select":
                if not _is_select(raw):
                    if _is_fillable(raw):  # a combobox typed into
                        await _type(element, req.value or "", timeout, secret)
                        message = f"filled {_what(action_id, raw)}"
                    else:
                        raise InvalidRequest(
                            f"{_what(action_id, raw)} is not a select",
                            f"pick a select among: {_inputs(target)}",
                        )
                else:
                    message = await _select(element, action_id, raw, req.value or "", timeout)
            elif kind in ("check", "uncheck"):
                if not _is_checkable(raw):
                    raise InvalidRequest(
                        f"{_what(action_id, raw)} is not a checkbox, radio or switch",
                        f"click it with `{action_id}`",
                    )
                want = kind == "check"
                if raw.get("tag") == "input":
                    await element.set_checked(want, timeout=timeout)
                elif bool(raw.get("checked")) != want:
                    await element.click(timeout=timeout)
                message = f"{kind}ed {_what(action_id, raw)}"
            else:  # pragma: no cover - guarded by run_action
                raise InvalidRequest(f"Unknown step type {kind!r}")
            message += await watch.settle(quick=kind != "click" and not req.enter)
    except PlaywrightError as exc:
        text = str(exc)
        if "Timeout" in text and not await page_answers(page):
            # Not covered: the page stopped answering (a script that never yields).
            raise PageHung(f"{kind} {_what(action_id, raw)}: the page stopped answering") from exc
        if "Timeout" in text:
            cover = await _covering(target, element)
            raise element_timeout(kind, _what(action_id, raw), exc, cover) from exc
        raise
    finally:
        _release(element)
    return Outcome(message=message, secret=secret)


async def _covering(
    target: ActionTarget, element: ElementHandle | Locator
) -> tuple[str, list[str]] | None:
    """What lies over an element an action timed out on: its words and the actions in it,
    named ("B2 (button: Accept all)"); None when nothing does, or the page will not say."""
    try:
        found = await bounded(element.evaluate(COVER_JS), target.limits.call_budget_s(), "")
    except (PlaywrightError, PageHung):
        return None
    if not found:
        return None
    raws = target.perceived.raw if target.perceived else {}
    words, ids = found
    return strip_controls(words), [_what(i, raws[i]) for i in ids if i in raws]


async def _type(element: ElementHandle | Locator, value: str, timeout: float, secret: bool) -> None:
    """Fill a field as typing would end: the value, then its last key's keyup. `fill` fires
    `input` only, and a page that reads keyup (mdbook's search, older autocompletes) saw
    nothing typed. Not for a secret: its characters go nowhere but the field."""
    await element.fill(value, timeout=timeout)
    if value and not secret:
        keyup = {"key": value[-1], "bubbles": True}
        # The value is in: a field the page replaced as it was typed into (a re-render)
        # takes no keyup, and that is no failure of the fill.
        with contextlib.suppress(PlaywrightError):
            if isinstance(element, Locator):
                await element.dispatch_event("keyup", keyup, timeout=timeout)
            else:
                await element.dispatch_event("keyup", keyup)


async def _secret_field(
    element: ElementHandle | Locator, raw: dict[str, Any], seconds: float
) -> bool:
    """Whether the element takes a secret: its type, autofill tokens, name and id say so."""
    if raw.get("type") == "password":
        return True
    try:
        kind, autocomplete, name = await bounded(
            element.evaluate(FIELD_JS), seconds, "reading the field"
        )
    except PlaywrightError:
        return False
    return is_secret_field(str(kind), str(autocomplete), str(name))


_pending: set[asyncio.Task[None]] = set()


def _release(element: ElementHandle | Locator) -> None:
    """Dispose of a handle without waiting for the browser's answer (one round trip less)."""
    if not isinstance(element, ElementHandle):
        return

    async def dispose() -> None:
        with contextlib.suppress(PlaywrightError):
            await element.dispose()

    task = asyncio.get_running_loop().create_task(dispose())
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def _select(
    element: ElementHandle | Locator,
    action_id: str,
    raw: dict[str, Any],
    value: str,
    timeout: float,
) -> str:
    labels: list[str] = raw.get("options") or []
    values: list[str] = raw.get("optionValues") or []
    want = value.strip().casefold()
    for i, label in enumerate(labels):
        if label.casefold() == want or (i < len(values) and values[i].casefold() == want):
            await element.select_option(index=i, timeout=timeout)
            return f"selected {label!r} in {_what(action_id, raw)}"
    for i, label in enumerate(labels):  # a unique prefix is enough
        if want and label.casefold().startswith(want):
            await element.select_option(index=i, timeout=timeout)
            return f"selected {label!r} in {_what(action_id, raw)}"
    raise InvalidRequest(
        f"{_what(action_id, raw)} has no option {value!r}",
        "pick one of: " + ", ".join(labels[:20]),
    )


# --- browser actions ------------------------------------------------------------------------


async def _goto(target: ActionTarget, req: StepRequest) -> Outcome:
    page = await target.page()
    url = normalize_url(req.url or req.value or "", target.limits.allow_schemes, base=page.url)
    with _NavWatch(target, page) as watch:
        try:
            await _navigate(target, lambda: page.goto(url, wait_until="domcontentloaded"))
        except PlaywrightError as exc:
            # An address that answers with a file or with 204 brings no document either.
            note = None
            if "Download is starting" in str(exc):
                note = await watch.downloaded(wait=True)
            elif "net::ERR_ABORTED" in str(exc):
                note = await watch.no_document()
            if not note:
                raise
            return Outcome(message=f"opened {scrub_url(url)}{note}")
    return Outcome(message=f"went to {page.url}")


async def _navigate(target: ActionTarget, call) -> Any:
    page = await target.page()
    committed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_commit(frame) -> None:
        if frame.parent_frame is None and not committed.done():
            committed.set_result(None)

    try:
        try:
            return await call()
        except PlaywrightError as exc:
            # After a failed load Chromium commits its error page late; it can cut the
            # next navigation short. That one is worth a second try.
            if "interrupted by another navigation" not in str(exc):
                raise
            return await call()
    except PlaywrightError as exc:
        text = str(exc)
        if "Timeout" in text:
            # Stopped by the step's recovery, so the page answers again at once.
            raise PageHung(
                f"The page did not load within {target.limits.nav_timeout_ms / 1000:.0f} s"
            ) from exc
        if (
            "net::" in text
            and "ERR_ABORTED" not in text
            and not page.url.startswith("chrome-error:")
        ):
            # Let Chromium's error page commit now, so it cannot interrupt the next step
            # (an aborted navigation, a download or an answer 204, commits none).
            page.on("framenavigated", on_commit)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(committed, 2.0)
            finally:
                page.remove_listener("framenavigated", on_commit)
        raise


async def _back(target: ActionTarget, req: StepRequest) -> Outcome:
    page = await target.page()
    response = await _navigate(target, lambda: page.go_back(wait_until="domcontentloaded"))
    if response is None and page.url in ("", "about:blank"):
        return Outcome(message="no previous page")
    return Outcome(message=f"back to {page.url}")


async def _forward(target: ActionTarget, req: StepRequest) -> Outcome:
    page = await target.page()
    await _navigate(target, lambda: page.go_forward(wait_until="domcontentloaded"))
    return Outcome(message=f"forward to {page.url}")


async def _reload(target: ActionTarget, req: StepRequest) -> Outcome:
    page = await target.page()
    await _navigate(target, lambda: page.reload(wait_until="domcontentloaded"))
    return Outcome(message=f"reloaded {page.url}")


async def _scroll(target: ActionTarget, direction: int) -> Outcome:
    page = await target.page()
    pos = await bounded(
        page.evaluate(
            "d => { window.scrollBy(0, d * Math.round(window.innerHeight * 0.9));"
            " return Math.round(window.scrollY); }",
            direction,
        ),
        target.limits.call_budget_s(),
        "scroll",
    )
    await bounded(page.evaluate(SETTLE_JS), target.limits.call_budget_s(), "waiting for a frame")
    return Outcome(message=f"scrolled {'down' if direction > 0 else 'up'} to y={pos}")


async def _scroll_down(target: ActionTarget, req: StepRequest) -> Outcome:
    return await _scroll(target, 1)


async def _scroll_up(target: ActionTarget, req: StepRequest) -> Outcome:
    return await _scroll(target, -1)


async def _press_key(target: ActionTarget, req: StepRequest) -> Outcome:
    key = (req.key or req.value or "").strip()
    if not key:
        raise InvalidRequest("press_key needs a key", "e.g. press Enter, press Escape")
    page = await target.page()
    try:
        with _NavWatch(target, page) as watch:
            await bounded(page.keyboard.press(key), target.limits.call_budget_s(), f"press {key}")
            note = await watch.settle()
    except PlaywrightError as exc:
        if "Unknown key" in str(exc):
            raise InvalidRequest(
                f"Unknown key {key!r}", "keys are named like Enter, Escape, Tab, ArrowDown, a"
            ) from exc
        raise
    return Outcome(message=f"pressed {key}{note}")


def _index(req: StepRequest) -> int | None:
    if req.index is not None:
        return req.index
    if req.value is not None and req.value.strip().lstrip("-").isdigit():
        return int(req.value)
    return None


async def _new_tab(target: ActionTarget, req: StepRequest) -> Outcome:
    wanted = req.url or req.value
    current = target.tabs.page.url if target.tabs.page else None
    url = normalize_url(wanted, target.limits.allow_schemes, base=current) if wanted else None
    page = await target.tabs.open()
    target.tabs.announce("opened", index=target.tabs.active, url=url or "about:blank")
    if url:
        await _navigate(target, lambda: page.goto(url, wait_until="domcontentloaded"))
    return Outcome(message=f"opened tab {target.tabs.active}" + (f" at {page.url}" if url else ""))


def _check_index(target: ActionTarget, index: int | None, what: str) -> int:
    count = len(target.tabs.pages)
    if index is None:
        raise InvalidRequest(f"{what} needs a tab index", f"tabs are 0 to {count - 1}")
    if index < 0:
        index += count
    if not 0 <= index < count:
        raise InvalidRequest(f"No tab {index}", f"tabs are 0 to {count - 1}")
    return index


async def _switch_tab(target: ActionTarget, req: StepRequest) -> Outcome:
    index = _check_index(target, _index(req), "switch_tab")
    page = target.tabs.activate(index)
    with contextlib.suppress(PlaywrightError):
        await bounded(page.bring_to_front(), target.limits.call_budget_s(), "switching tabs")
    target.tabs.announce("switched", index=index)
    return Outcome(message=f"switched to tab {index}: {page.url}")


async def _close_tab(target: ActionTarget, req: StepRequest) -> Outcome:
    given = _index(req)
    index = _check_index(target, target.tabs.active if given is None else given, "close_tab")
    if len(target.tabs.pages) == 1:
        raise InvalidRequest("This is the session's last tab", "close the session instead")
    page = target.tabs.pages[index]
    await bounded(page.close(), target.limits.call_budget_s(), "closing the tab")
    target.tabs.forget(page)  # the close event may arrive later; the tab list must not wait
    return Outcome(message=f"closed tab {index}")


async def _wait(target: ActionTarget, req: StepRequest) -> Outcome:
    ms = _index(req)
    if ms is None:
        ms = 1000
    if ms < 0:
        raise InvalidRequest("wait needs a positive number of milliseconds")
    ms = min(ms, MAX_WAIT_MS)
    with contextlib.suppress(TimeoutError):  # a session that ends ends its wait too
        await asyncio.wait_for(target.ended.wait(), ms / 1000)
    return Outcome(message=f"waited {ms} ms")


async def _scrape(target: ActionTarget, req: StepRequest) -> Outcome:
    page = await target.page()
    perceived = await bounded(perceive(page), target.limits.walk_timeout_s, "reading the page")
    target.perceived = perceived
    html = perceived.html or ""
    markdown = await off_loop(to_markdown, html, perceived.url, perceived.mark, size=len(html))
    perceived.html = None
    return Outcome(message=f"scraped {len(markdown)} characters", data={"markdown": markdown})


async def _done(target: ActionTarget, req: StepRequest) -> Outcome:
    return Outcome(message=req.value or "done")


async def _click_xy(target: ActionTarget, req: StepRequest) -> Outcome:
    page = await target.page()
    size = page.viewport_size or {"width": target.viewport[0], "height": target.viewport[1]}
    x, y = check_point(req.x, req.y, size["width"], size["height"])
    with _NavWatch(target, page) as watch:
        await bounded(page.mouse.click(x, y), target.limits.call_budget_s(), "click_xy")
        note = await watch.settle()
    return Outcome(message=f"clicked at {x:.0f},{y:.0f}{note}")


BROWSER_HANDLERS = {
    "goto": _goto,
    "back": _back,
    "forward": _forward,
    "reload": _reload,
    "scroll_down": _scroll_down,
    "scroll_up": _scroll_up,
    "press_key": _press_key,
    "new_tab": _new_tab,
    "switch_tab": _switch_tab,
    "close_tab": _close_tab,
    "wait": _wait,
    "scrape": _scrape,
    "done": _done,
    "click_xy": _click_xy,
}

# The registry is the one list of actions: every browser action it names has a handler here.
if set(BROWSER_HANDLERS) != BROWSER_NAMES:  # pragma: no cover - a programming error
    raise RuntimeError(
        f"actions and the registry disagree: {sorted(set(BROWSER_HANDLERS) ^ BROWSER_NAMES)}"
    )
