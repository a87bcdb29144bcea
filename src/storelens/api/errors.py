"""Error answers: every failure a client can cause is a 4xx with a one-line reason; the rest a bare 500.

``StorageError`` (database down or locked too long) is 503, so clients retry; account errors
carry their own status (404, 409, 400). Anything else is a bug: logged with its traceback,
answered with a generic 500 that reveals nothing of the server.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from storelens.api.accounts import AccountError
from storelens.errors import StorageError

__all__ = ["install_error_handlers"]

logger = logging.getLogger(__name__)


async def _account_error(_: Request, err: AccountError) -> JSONResponse:
    return JSONResponse({"detail": str(err)}, status_code=err.status_code)


async def _storage_error(request: Request, err: StorageError) -> JSONResponse:
    logger.error("%s %s: %s", request.method, request.url.path, err)
    return JSONResponse({"detail": "the database is unavailable; try again shortly"}, status_code=503)


async def _unexpected(request: Request, err: Exception) -> JSONResponse:
    logger.exception("%s %s failed", request.method, request.url.path, exc_info=err)
    return JSONResponse({"detail": "internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AccountError, _account_error)
    app.add_exception_handler(StorageError, _storage_error)
    app.add_exception_handler(Exception, _unexpected)
