"""Change detection for ``/api/live``: one cheap database poll per server process, pushed to every client.

The pipeline writes from other processes, so the server cannot be told about new records; it
asks instead. Every ``poll_s`` one query reads a fingerprint (newest point time, highest record
ids, acknowledged alert count, siren); when it moves, the live state is recomputed once and
handed to all subscribers. The state is also recomputed every ``refresh_s`` even without
writes, since people fade from the floor as time passes; either way it is pushed only if it
differs from the last one pushed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.api.accounts import ACCOUNTS_VERSION_SETTING
from storelens.api.siren import SIREN_SETTING
from storelens.errors import StorageError
from storelens.storage import schema
from storelens.storage.engine import storage_errors

__all__ = ["Fingerprint", "LiveFeed", "fingerprint"]

logger = logging.getLogger(__name__)


class Fingerprint(NamedTuple):
    """What the poll reads: the data the live view shows, and the accounts version."""

    data: tuple
    accounts: str | None


def fingerprint(engine: Engine) -> Fingerprint:
    """Values that change whenever something the live view shows, or access, changes (index
    lookups only, but for counting acknowledged alerts, a small table)."""
    s, a = schema, schema.alerts

    def setting(key: str):
        return sa.select(s.settings.c.value).where(s.settings.c.key == key).scalar_subquery()

    query = sa.select(
        sa.select(sa.func.max(s.positions.c.ts_us)).scalar_subquery(),
        *(sa.select(sa.func.max(t.c.id)).scalar_subquery() for t in (s.line_crossings, s.visits, s.zone_visits, a)),
        sa.select(sa.func.count()).select_from(a).where(a.c.acknowledged.is_(True)).scalar_subquery(),
        setting(SIREN_SETTING),
        setting(ACCOUNTS_VERSION_SETTING),
    )
    with storage_errors(engine.url, "poll for changes"), engine.connect() as conn:
        *data, accounts = conn.execute(query).one()
    return Fingerprint(tuple(data), accounts)


class LiveFeed:
    """Polls for changes and broadcasts the live state to any number of async subscribers.

    Args:
        poll: Returns the current fingerprint (blocking; run in a worker thread).
        compute: Returns the live state (blocking), after ``changed`` was called if data moved.
        changed: Called (in the event loop) with the new fingerprint when it moves, e.g. to drop caches.
        same: Whether two states would show the same (ignoring e.g. their generation time).
        poll_s: Seconds between fingerprint polls.
        refresh_s: Seconds between recomputations when nothing was written.
    """

    def __init__(
        self,
        poll: Callable[[], Any],
        compute: Callable[[], Any],
        changed: Callable[[Any], None],
        same: Callable[[Any, Any], bool],
        poll_s: float = 0.5,
        refresh_s: float = 2.0,
    ) -> None:
        self._poll, self._compute, self._changed_cb, self._same = poll, compute, changed, same
        self.poll_s, self.refresh_s = poll_s, refresh_s
        self.state: Any = None
        self._fingerprint: Any = None
        self._computed_at = 0.0
        self._updated = asyncio.Event()
        self._failing = False
        self._closed = False

    def close(self) -> None:
        """End every subscriber's stream (the server is stopping); call from the event loop."""
        self._closed = True
        self._updated.set()

    async def run(self) -> None:
        """Poll until cancelled; database errors are logged once and polling goes on."""
        while True:
            try:
                await self._step()
                if self._failing:
                    logger.info("live updates: database reachable again")
                self._failing = False
            except StorageError as err:
                if not self._failing:
                    logger.warning("live updates paused: %s", err)
                self._failing = True
            await asyncio.sleep(self.poll_s)

    async def _step(self) -> None:
        current = await asyncio.to_thread(self._poll)
        moved = current != self._fingerprint
        if moved:
            self._fingerprint = current
            self._changed_cb(current)
        if not moved and self.state is not None and time.monotonic() - self._computed_at < self.refresh_s:
            return
        state = await asyncio.to_thread(self._compute)
        self._computed_at = time.monotonic()
        if self.state is None or not self._same(state, self.state):
            self.state = state
            self._updated.set()
            self._updated = asyncio.Event()

    async def updates(self) -> AsyncIterator[Any]:
        """The current state (once there is one), then every new one as it is computed, until :meth:`close`."""
        sent = None
        while not self._closed:
            if self.state is not None and self.state is not sent:
                sent = self.state
                yield sent
                continue  # it may have changed again while the client was being sent this one
            await self._updated.wait()
