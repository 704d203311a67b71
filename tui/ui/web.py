"""`stepdeck web`'s server: textual-serve behind a token, like `stepdeck serve`.

Whoever opens the page drives the app, and through it every session and every cloud
provider whose key is in the environment: any local process could, on a port with no
token. The url printed at start carries a fresh token; opening it sets a same-site,
http-only cookie that the page's own requests (the terminal's websocket, its static
files) carry. Anything else gets 401.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from aiohttp import web
from textual_serve.server import Server

COOKIE = "stepdeck_web"


def token_check(token: str) -> Any:
    """aiohttp middleware: `?token=` (which sets the cookie) or the cookie, else 401."""

    @web.middleware
    async def check(request: web.Request, handler: Any) -> web.StreamResponse:
        given = request.query.get("token")
        if given is not None and hmac.compare_digest(given.encode(), token.encode()):
            response = await handler(request)
            response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
            return response
        if hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), token.encode()):
            return await handler(request)
        return web.Response(
            status=401,
            text="stepdeck web: open the url `stepdeck web` printed (it carries the token)\n",
        )

    return check


class TokenServer(Server):
    """textual-serve's Server with every route behind `token`."""

    def __init__(self, *args: Any, token: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.token = token or secrets.token_urlsafe(24)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(token_check(self.token))
        return app

    async def on_startup(self, app: web.Application) -> None:
        await super().on_startup(app)
        url = f"{self.public_url}/?token={self.token}"
        self.console.print(f"open {url}", highlight=False, markup=False, soft_wrap=True)
