"""``storelens serve``: the API and dashboard for one store, on uvicorn.

With ``workers > 1`` uvicorn starts that many processes, each building the app with
:func:`app_from_environment` and its own database pool; they share everything that matters
(accounts, sessions, login throttling, siren, data) through the database.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI

from storelens.api.accounts import AccountStore
from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.api.live import LiveFeed
from storelens.config import StoreConfig, load_config
from storelens.errors import ConfigError
from storelens.runner import open_store_database

__all__ = ["app_from_environment", "serve"]

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 3
"""On Ctrl-C, requests still running get this long before they are cancelled."""
_ENV_CONFIG, _ENV_DB, _ENV_SECURE = "STORELENS_SERVE_CONFIG", "STORELENS_SERVE_DB", "STORELENS_SERVE_SECURE_COOKIES"


class _Server(uvicorn.Server):
    """Ends open live streams as soon as it is asked to stop, so Ctrl-C does not wait out the
    grace period for them (with ``--workers`` uvicorn makes its own servers, which do)."""

    def __init__(self, config: uvicorn.Config, feed: LiveFeed) -> None:
        super().__init__(config)
        self._feed = feed

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._feed.close()
        super().handle_exit(sig, frame)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def app_from_environment() -> FastAPI:
    """uvicorn factory for worker processes: the app for the config and database ``serve`` passed on."""
    config = load_config(Path(os.environ[_ENV_CONFIG]))
    db = open_store_database(config, os.environ.get(_ENV_DB) or None)
    return create_app(config, db, ApiSettings(secure_cookies=os.environ.get(_ENV_SECURE) == "1"))


def serve(
    config: StoreConfig,
    config_path: Path,
    url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    secure_cookies: bool = False,
    workers: int = 1,
    access_log: bool = False,
) -> None:
    """Serve until interrupted.

    Raises:
        ConfigError: the database has no users yet (nobody could log in, and there is no
            default account), or a bad number of workers.
        StorageError: the database cannot be opened.
    """
    if workers < 1:
        raise ConfigError(f"--workers must be 1 or more, got {workers}")
    with open_store_database(config, url) as db:
        if AccountStore(db.engine).count_users() == 0:
            raise ConfigError(
                f"{db.url} has no users, so nobody could log in: add one first with "
                "`storelens user add NAME --role admin --config CONFIG`"
            )
        if not _is_loopback(host) and not secure_cookies:
            logger.warning(
                "serving on %s over plain HTTP: passwords and session cookies cross the network unencrypted; "
                "put a TLS proxy in front and pass --secure-cookies",
                host,
            )
        options = dict(
            host=host,
            port=port,
            access_log=access_log,
            log_level="info" if access_log else "warning",
            server_header=False,
            proxy_headers=False,  # the app believes forwarded headers only from api.trusted_proxies
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
        print(f"storelens: serving {config.name!r} from {db.url} on http://{host}:{port}/ (Ctrl-C stops)")
        if workers == 1:
            app = create_app(config, db, ApiSettings(secure_cookies=secure_cookies))
            _Server(uvicorn.Config(app, **options), app.state.context.feed).run()
            return
    os.environ.update(
        {_ENV_CONFIG: str(config_path.resolve()), _ENV_DB: url or "", _ENV_SECURE: "1" if secure_cookies else "0"}
    )
    uvicorn.run("storelens.api.server:app_from_environment", factory=True, workers=workers, **options)
