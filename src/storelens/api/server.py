"""``storelens serve``: the API and dashboard for one store, on uvicorn.

With ``workers > 1`` uvicorn starts that many processes, each building the app with
:func:`app_from_environment` and its own database pool; they share everything that matters
(accounts, sessions, login throttling, siren, data) through the database.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from storelens.api.accounts import AccountStore
from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.api.live import LiveFeed
from storelens.config import StoreConfig, load_config
from storelens.errors import ConfigError
from storelens.runner import open_store_database
from storelens.storage import StoreDatabase

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


def _listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound here rather than by uvicorn: a bad port or a taken
    address is then a one-line error (uvicorn logs it and exits), and never another port."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be 0 to 65535 (0: any free port), got {port}")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart need not wait out TIME_WAIT
        sock.bind((host, port))
        sock.listen()  # connections queue from now on, also while --workers processes start
    except OSError as err:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    sock.set_inheritable(True)  # --workers: the worker processes serve on this same socket
    return sock


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
            default account), a bad number of workers, or the address cannot be listened on.
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
            access_log=access_log,
            log_level="info" if access_log else "warning",
            server_header=False,
            proxy_headers=False,  # the app believes forwarded headers only from api.trusted_proxies
            timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
        )
        reports = _daily_reports(config, db)  # before listening: a missing mail password stops it here
        sock = _listen(host, port)
        shown_host = f"[{host}]" if ":" in host else host
        print(
            f"storelens: serving {config.name!r} from {db.url} on http://{shown_host}:{sock.getsockname()[1]}/ "
            "(Ctrl-C stops)",
            flush=True,
        )
        if config.reports.daily_at is not None:
            mail = config.reports.email
            print(
                f"storelens: daily report at {config.reports.daily_at} ({config.timezone}) into "
                f"{reports.archive.folder}" + (f", mailed to {', '.join(mail.to)}" if mail else ""),
                flush=True,
            )
        if workers == 1:
            with sock, reports:
                app = create_app(config, db, ApiSettings(secure_cookies=secure_cookies))
                _Server(uvicorn.Config(app, **options), app.state.context.feed).run(sockets=[sock])
            return
    os.environ.update(
        {_ENV_CONFIG: str(config_path.resolve()), _ENV_DB: url or "", _ENV_SECURE: "1" if secure_cookies else "0"}
    )
    # As uvicorn.run does with workers, but on the socket bound above; the daily report is made
    # here, in the parent process, once (not in every worker).
    with sock, open_store_database(config, url) as db, _daily_reports(config, db):
        server_config = uvicorn.Config(
            "storelens.api.server:app_from_environment", factory=True, workers=workers, **options
        )
        Multiprocess(server_config, sockets=[sock]).run()


def _daily_reports(config: StoreConfig, db: StoreDatabase) -> AbstractContextManager:
    """The daily report's schedule, run while the server is (nothing if ``reports.daily_at`` is unset).

    Raises:
        ConfigError: The mail password's environment variable is not set.
    """
    if config.reports.daily_at is None:
        return nullcontext()
    from storelens.reports.schedule import DailyReports

    return DailyReports(config, db)
