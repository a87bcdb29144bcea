"""Who is asking, checked for every request before any route runs.

Secure by default: :class:`AuthMiddleware` refuses every request without valid credentials
(401) except the login call, the login page and the static files it needs, so a route added
later cannot be left open by forgetting a dependency. Routes then state the role they need
with :data:`Viewer`, :data:`Manager` or :data:`Admin` (403 when the role is too low).

Credentials are either an API token (``Authorization: Bearer ...``, for scripts) or the session
cookie set by ``POST /api/login`` (for the browser). Cookie requests that change something must
also send the session's CSRF token in ``X-CSRF-Token``: a cookie is attached by the browser to
requests another site makes, a header set by script is not. Token requests need no CSRF token.
Verified credentials are remembered briefly, so most requests cost no query (see
:mod:`storelens.api.credentials` for how revocation still reaches every server process).

A token's scope narrows its user's role: a ``pos`` token (a till system's) is refused (403) on
every request but those of :data:`SCOPE_ROUTES`, here in the middleware, so no route can forget.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storelens.api.accounts import Role, TokenScope, User
from storelens.api.context import ApiContext
from storelens.api.passwords import hash_secret
from storelens.errors import StorageError

__all__ = [
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "LOGIN_PAGE",
    "SESSION_COOKIE",
    "Admin",
    "AuthMiddleware",
    "Manager",
    "Principal",
    "SCOPE_ROUTES",
    "Viewer",
    "is_public",
    "require",
]

SESSION_COOKIE = "storelens_session"
CSRF_COOKIE = "storelens_csrf"
"""Readable by the page's script (not HttpOnly), which copies it into the CSRF header."""
CSRF_HEADER = "X-CSRF-Token"
LOGIN_PAGE = "/login.html"
PUBLIC_PATHS = frozenset({"/api/login", "/login", "/login/", LOGIN_PAGE, "/login/index.html"})
PUBLIC_ASSET_SUFFIXES = (".css", ".js", ".mjs", ".map", ".svg", ".png", ".jpg", ".ico", ".woff", ".woff2")
"""Static files the login page may need; they hold code and styling, never store data."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SECURITY_HEADERS = (
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    (
        "content-security-policy",
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
)
_PRINCIPAL = "storelens.principal"
SCOPE_ROUTES: dict[TokenScope, frozenset[tuple[str, str]]] = {
    TokenScope.POS: frozenset({("POST", "/api/pos/receipts")}),
}
"""The (method, path) pairs a narrowed token may call; a ``full`` token is limited by its role only."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller: the user, how they proved it (``"session"`` or ``"token"``), and
    the token's scope (sessions have full access)."""

    user: User
    via: str
    session_id: str | None = None
    scope: TokenScope = TokenScope.FULL


def is_public(path: str, static: bool) -> bool:
    """Whether ``path`` is served without credentials: the login call and page, and (when the
    dashboard's files are served) their static assets, but never anything under ``/api/``."""
    if path in PUBLIC_PATHS:
        return True
    return static and not path.startswith("/api/") and path.endswith(PUBLIC_ASSET_SUFFIXES)


class AuthMiddleware:
    """ASGI middleware: authenticate, check CSRF, add security headers (see the module doc).

    Args:
        app: The application.
        context: Where accounts are looked up.
        static: Whether the dashboard's static files are served (their assets are public and
            a browser asking for a page without a session is sent to the login page).
    """

    def __init__(self, app: ASGIApp, context: ApiContext, static: bool) -> None:
        self.app = app
        self.context = context
        self.static = static

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        send = _with_security_headers(send, api=path.startswith("/api/"))
        if not is_public(path, self.static):
            outcome = await self._authenticate(Headers(scope=scope), scope["method"], path)
            if isinstance(outcome, Response):
                await outcome(scope, receive, send)
                return
            allowed = SCOPE_ROUTES.get(outcome.scope)
            if allowed is not None and (scope["method"], path) not in allowed:
                calls = ", ".join(f"{m} {p}" for m, p in sorted(allowed))
                refusal = JSONResponse(
                    {"detail": f"this API token's scope is {outcome.scope.value!r}: it may only call {calls}"},
                    status_code=403,
                )
                await refusal(scope, receive, send)
                return
            scope[_PRINCIPAL] = outcome
        await self.app(scope, receive, send)

    async def _authenticate(self, headers: Headers, method: str, path: str) -> Principal | Response:
        authorization = headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _unauthorized("the Authorization header must be 'Bearer <API token>'")
            grant = await self._verified("token", token.strip())
            if isinstance(grant, Response):
                return grant
            if grant is None:
                return _unauthorized("unknown or revoked API token")
            return Principal(grant.user, "token", scope=grant.scope)
        session_id = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE)
        session = await self._verified("session", session_id) if session_id else None
        if isinstance(session, Response):
            return session
        if session is None:
            if self.static and method == "GET" and not path.startswith("/api/"):
                return RedirectResponse(LOGIN_PAGE, status_code=303)
            why = "the session has expired or was closed" if session_id else "authentication required"
            return _unauthorized(f"{why}: log in (POST /api/login) or send 'Authorization: Bearer <API token>'")
        if method not in SAFE_METHODS:
            csrf = headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(hash_secret(csrf), session.csrf_hash):
                return JSONResponse(
                    {"detail": f"missing or wrong {CSRF_HEADER} header: send the csrf_token that login returned"},
                    status_code=403,
                )
        return Principal(session.user, "session", session_id)

    async def _verified(self, kind: str, secret: str):
        """The grant of a token (`TokenGrant`) or the session of a session id: from the cache, else
        the database (in a worker thread); None if unknown, a 503 response if the database is down."""
        cache, now = self.context.credentials, self.context.now()
        found = cache.get(kind, secret, now)
        if found is not None:
            return found
        generation = cache.generation
        lookup = self.context.accounts.grant_for_token if kind == "token" else self.context.accounts.session
        try:
            found = await anyio.to_thread.run_sync(lookup, secret)
        except StorageError:
            return JSONResponse({"detail": "the database is unavailable; try again shortly"}, status_code=503)
        if found is not None:
            cache.put(kind, secret, found, generation)
        return found


def _unauthorized(detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def _with_security_headers(send: Send, api: bool) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in SECURITY_HEADERS:
                headers.setdefault(name, value)
            if api:
                headers.setdefault("cache-control", "no-store")
        await send(message)

    return wrapped


def require(role: Role):
    """Dependency: the caller, who must have at least ``role`` (403 otherwise)."""

    async def check(request: Request) -> Principal:
        principal: Principal | None = request.scope.get(_PRINCIPAL)
        if principal is None:  # only if the middleware is missing: fail closed
            raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
        if not principal.user.role.allows(role):
            raise HTTPException(403, f"this needs the {role} role; {principal.user.name!r} is a {principal.user.role}")
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Manager = Annotated[Principal, Depends(require(Role.MANAGER))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
