"""What every request handler shares: the config, the database, accounts, and the live-state cache."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Request

from storelens.api.accounts import AccountStore
from storelens.api.credentials import CredentialCache
from storelens.api.live import Fingerprint, LiveFeed, fingerprint
from storelens.api.positions import camera_last_seen
from storelens.api.schemas import LiveOut
from storelens.api.siren import read_siren
from storelens.api.summary import live_state
from storelens.api.throttle import LoginThrottle, ThrottlePolicy
from storelens.config import StoreConfig
from storelens.detect.base import Detector
from storelens.storage import StoreDatabase
from storelens.storage.times import to_us

__all__ = ["DEFAULT_STATIC_DIR", "ApiContext", "ApiSettings", "LiveView", "get_context"]

DEFAULT_STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"
"""The dashboard's pages, served at ``/`` when present."""


@dataclass(frozen=True, slots=True)
class ApiSettings:
    """Server settings that are not part of the store config.

    Attributes:
        session_ttl_s: How long a login lasts.
        secure_cookies: Mark cookies Secure even when the request came over plain HTTP (set
            it behind a TLS-terminating proxy); requests over https always get Secure cookies.
        max_age_s: Oldest live state (summary, positions) a request is served. The live feed
            recomputes it after every write it polls and every ``refresh_s``, so requests only
            compute it themselves when the feed is not running (or after this process wrote).
        poll_s / refresh_s: Live feed timing, see :class:`storelens.api.live.LiveFeed`.
        camera_cache_s: How long camera activity is cached.
        static_dir: Folder of web pages served at ``/``; None or missing: none.
        throttle: Failed logins allowed.
    """

    session_ttl_s: float = 12 * 3600
    secure_cookies: bool = False
    max_age_s: float = 5.0
    poll_s: float = 0.5
    refresh_s: float = 2.0
    camera_cache_s: float = 5.0
    static_dir: Path | None = DEFAULT_STATIC_DIR
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)


@dataclass(frozen=True, slots=True)
class LiveView:
    """The live state and its JSON, encoded once however many clients are sent it."""

    state: LiveOut
    live_json: str
    summary_json: bytes
    positions_json: bytes

    @classmethod
    def of(cls, state: LiveOut) -> LiveView:
        return cls(
            state,
            state.model_dump_json(),
            state.summary.model_dump_json().encode(),
            state.positions.model_dump_json().encode(),
        )


def _same_view(a: LiveView, b: LiveView) -> bool:
    """Whether two live states show the same (they always differ in when they were made)."""
    drop = {"summary": {"generated_at"}}
    return a.state.model_dump(exclude=drop) == b.state.model_dump(exclude=drop)


CHECK_IMAGE_MAX_AGE_S = 60.0
"""A camera's check image is remade when older than this (a frame a minute is plenty)."""


class ApiContext:
    """Shared state of one server process; request handlers get it with :func:`get_context`.

    Args:
        config: The store.
        db: Its database (this process's own connection pool).
        settings: Server settings.
        clock: Seconds since the epoch; tests pass their own to fix "today".
    """

    def __init__(
        self,
        config: StoreConfig,
        db: StoreDatabase,
        settings: ApiSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.db = db
        self.settings = settings
        self.clock = clock
        self.credentials = CredentialCache()
        self.accounts = AccountStore(db.engine, clock, on_revoke=self.credentials.clear)
        self.throttle = LoginThrottle(db.engine, settings.throttle, clock)
        self.feed = LiveFeed(
            poll=lambda: fingerprint(db.engine),
            compute=lambda: self.live(force=True),
            changed=self._moved,
            same=_same_view,
            poll_s=settings.poll_s,
            refresh_s=settings.refresh_s,
        )
        self._live_lock = threading.Lock()
        self._camera_lock = threading.Lock()
        self._live: tuple[float, LiveView] | None = None
        self._cameras: tuple[float, dict[str, int | None]] | None = None
        self._check_lock = threading.Lock()
        self._check_dir: tempfile.TemporaryDirectory | None = None
        self._checks: dict[str, float] = {}
        self._detector: Detector | None = None

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def data_changed(self) -> None:
        """Drop the cached live state: this process wrote something it shows (an acknowledgement)."""
        self._live = None

    def _moved(self, current: Fingerprint) -> None:
        # The feed recomputes the live state right after this; until then requests get the last one.
        self.credentials.accounts_version(current.accounts)

    def fresh_live(self) -> LiveView | None:
        """The cached live state if it is young enough, without waiting or querying (None: call :meth:`live`)."""
        cached = self._live
        if cached and time.monotonic() - cached[0] < self.settings.max_age_s:
            return cached[1]
        return None

    def live(self, force: bool = False) -> LiveView:
        """The live state: the cached one if young enough (and not ``force``), else computed now.

        One thread computes while concurrent requests wait for its result, so a burst of
        dashboards costs one set of queries.
        """
        with self._live_lock:
            fresh = None if force else self.fresh_live()
            if fresh is not None:
                return fresh
            view = LiveView.of(live_state(self.config, self.db, read_siren(self.db.engine).on, self.now()))
            self._live = (time.monotonic(), view)
            return view

    def camera_last_seen(self, camera_ids: list[str]) -> dict[str, int | None]:
        """Newest stored point per camera (us), cached for ``camera_cache_s``."""
        with self._camera_lock:
            cached = self._cameras
            if (
                cached
                and time.monotonic() - cached[0] < self.settings.camera_cache_s
                and set(cached[1]) == set(camera_ids)
            ):
                return cached[1]
            seen = camera_last_seen(self.db.engine, camera_ids, to_us(self.now()))
            self._cameras = (time.monotonic(), seen)
            return seen

    def camera_check_image(self, camera_id: str) -> Path:
        """Path of the camera's check image (`storelens.calibrate`), remade when older than a minute.

        The images (camera frames, heads pixelated) live in a temporary folder made on first use
        and removed by :meth:`close` when the server stops, or at exit if it never stops cleanly.

        Raises:
            SourceError, CalibrationError: The camera cannot be read or mapped now.
        """
        from storelens.calibrate import check_image_path, run_calibrate
        from storelens.detect import make_detector

        with self._check_lock:  # one image at a time: each reads a frame and runs the detector
            if self._check_dir is None:
                self._check_dir = tempfile.TemporaryDirectory(prefix="storelens-check-")
            out_dir = Path(self._check_dir.name)
            path = check_image_path(out_dir, camera_id)
            made = self._checks.get(camera_id)
            if made is None or time.monotonic() - made > CHECK_IMAGE_MAX_AGE_S or not path.is_file():
                if self._detector is None:
                    self._detector = make_detector()
                run_calibrate(self.config, camera_id, out_dir, detector=self._detector)
                self._checks[camera_id] = time.monotonic()
            return path

    def close(self) -> None:
        """Remove the check images: the server is stopping."""
        with self._check_lock:
            if self._check_dir is not None:
                self._check_dir.cleanup()
                self._check_dir = None
                self._checks.clear()


async def get_context(request: Request) -> ApiContext:
    """FastAPI dependency: the application's :class:`ApiContext` (async: no worker thread needed)."""
    return request.app.state.context
