"""Request bodies are small JSON objects: anything over :data:`MAX_BODY_BYTES` is refused (413) unread.

The one exception, :data:`PATH_LIMITS`, is a till system's batch of receipts; it is reached only
with credentials (authentication runs before this middleware).

Without a limit, one unauthenticated ``POST /api/login`` with a gigabyte body would be read into
memory before anything looked at it. A declared ``Content-Length`` is checked up front; a body
without one (chunked) is read up to the limit and then handed on.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MAX_BODY_BYTES", "PATH_LIMITS", "BodyLimitMiddleware"]

MAX_BODY_BYTES = 64 * 1024
PATH_LIMITS = {"/api/pos/receipts": 4 * 1024 * 1024}
"""Larger bodies allowed on these paths: 5000 receipts of a few lines are about 2 MB of JSON."""


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        max_bytes = max(self.max_bytes, PATH_LIMITS.get(scope["path"], 0))
        if length is not None:
            if not length.isdigit() or int(length) > max_bytes:
                await self._refuse(scope, receive, send, max_bytes)
                return
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > max_bytes:
                await self._refuse(scope, receive, send, max_bytes)
                return
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        response = JSONResponse(
            {"detail": f"request body too large: at most {max_bytes} bytes"},
            status_code=413,
            headers={"connection": "close"},
        )
        await response(scope, receive, send)
