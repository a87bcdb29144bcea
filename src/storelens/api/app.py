"""The FastAPI application behind ``storelens serve``: JSON API under ``/api``, dashboard pages at ``/``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from storelens import __version__
from storelens.api.auth import SESSION_COOKIE, AuthMiddleware, Viewer
from storelens.api.context import ApiContext, ApiSettings
from storelens.api.errors import install_error_handlers
from storelens.api.limits import BodyLimitMiddleware
from storelens.api.routes import ROUTERS
from storelens.config import StoreConfig
from storelens.storage import StoreDatabase

__all__ = ["create_app"]

DESCRIPTION = """Store analytics from storelens: live occupancy, visitor counts, zones, heatmaps, alerts.

Every call but `POST /api/login` needs credentials: the session cookie that login sets (then
send its `csrf_token` as `X-CSRF-Token` with every POST, PUT and DELETE), or an API token from
`storelens token create` as `Authorization: Bearer <token>`. Times are ISO 8601; `from`/`to`
without a zone are the store's local time and default to today.

Every GET that answers JSON with a table in it also answers that table as CSV: send
`Accept: text/csv` or add `.csv` to the path (`/api/traffic.csv?from=...`), same credentials and
parameters; `table` picks another table where there are several. An answer with no table is a
406 (docs/api.md, "CSV export").
"""


SECURITY_SCHEMES = {
    "apiToken": {"type": "http", "scheme": "bearer", "description": "API token from `storelens token create`"},
    "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE, "description": "Set by POST /api/login"},
}


def _openapi_with_security(app: FastAPI) -> dict:
    """The OpenAPI schema with the two ways in declared on every operation but login.

    Declared here rather than as FastAPI security dependencies, which would be solved on every
    request although the middleware has already checked the credentials.
    """
    if app.openapi_schema is None:
        schema = FastAPI.openapi(app)
        schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if (method, path) != ("post", "/api/login"):
                    operation["security"] = [{name: []} for name in SECURITY_SCHEMES]
                for response in operation["responses"].values():
                    events = response.get("content", {}).get("text/event-stream")
                    if events is not None:
                        _events_as_openapi_31(events)
    return app.openapi_schema


def _events_as_openapi_31(media: dict) -> None:
    """Make an event stream's media type valid OpenAPI 3.1, the version the schema declares.

    FastAPI describes each event with ``itemSchema``, which only OpenAPI 3.2 has: it is kept as
    the extension ``x-itemSchema``, the model declared for the response (what an event's data
    holds) becomes its data's ``contentSchema``, and the body itself is a string.
    """
    item = media.pop("itemSchema")
    model = media.pop("schema", None)
    if model is not None:
        item["properties"]["data"] = {"type": "string", "contentMediaType": "application/json", "contentSchema": model}
    media["schema"] = {"type": "string"}
    media["x-itemSchema"] = item


def create_app(
    config: StoreConfig,
    db: StoreDatabase,
    settings: ApiSettings | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """The application for one store.

    Args:
        config: The store's config (layout, zones, lines, time zone).
        db: Its database, opened by the caller (who closes it after the server stops).
        settings: Server settings; defaults serve the dashboard's files if installed.
        clock: Seconds since the epoch; tests pass their own to fix "today".
    """
    settings = settings or ApiSettings()
    context = ApiContext(config, db, settings, clock)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        feed = asyncio.create_task(context.feed.run(), name="storelens-live-feed")
        try:
            yield
        finally:
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed
            context.close()

    app = FastAPI(
        title="storelens",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=None,  # served below, behind authentication like everything else
        docs_url=None,
        redoc_url=None,
    )
    app.state.context = context
    for router in ROUTERS:
        app.include_router(router)

    app.openapi = partial(_openapi_with_security, app)

    @app.get("/api/openapi.json", include_in_schema=False)
    async def openapi(_: Viewer) -> dict:
        return app.openapi()

    install_error_handlers(app)
    static = settings.static_dir is not None and settings.static_dir.is_dir()
    if static:
        app.mount("/", StaticFiles(directory=settings.static_dir, html=True), name="static")
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(AuthMiddleware, context=context, static=static)
    if config.api.trusted_proxies:  # added last: runs first, so every layer sees the real client
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[str(n) for n in config.api.trusted_proxies])
    return app
