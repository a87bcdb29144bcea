"""Login throttling that holds under concurrency and does not let a stranger lock a user out.

A try is counted *before* its password is checked: :meth:`LoginThrottle.admit` checks the
limits and records the try in one transaction that holds a lock every server process shares
(SQLite's write lock, a PostgreSQL advisory lock), so of 40 concurrent guesses for one user
only the first few are ever checked, however the requests interleave. A try stays counted as
a failure unless its password was right.

Tries are counted in three sliding-window buckets (:class:`ThrottlePolicy`):

- per client and user name: someone guessing from one address. The real user, on another
  address, is not affected by it;
- per user name from anywhere: a slower limit, for guesses spread over many addresses (only such
  a distributed attack can keep the real user waiting);
- per client, any names: one address trying many accounts.

A success forgets that client's tries for that user name only: an address that owns one valid
account must not reset the count of its guesses at other accounts.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.storage import schema
from storelens.storage.engine import IMMEDIATE_OPTION, storage_errors
from storelens.storage.times import SECOND_US

__all__ = ["LoginThrottle", "ThrottlePolicy"]

_ADMIT_LOCK_ID = 0x5707_10C1
"""PostgreSQL advisory lock serialising login admissions (each holds it for a few queries, no hashing)."""


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """Tries allowed within a sliding window before logins wait.

    Attributes:
        window_s: Length of the window, seconds.
        per_client_user: Failed tries for one user name from one client address.
        per_user: Failed tries for one user name from all addresses together.
        per_client: Failed tries from one client address, for any names; higher than
            ``per_client_user``, since several people may share an address.
    """

    window_s: float = 15 * 60
    per_client_user: int = 5
    per_user: int = 30
    per_client: int = 20


class LoginThrottle:
    """Admits login tries within the policy's limits, counting each before it is checked."""

    def __init__(
        self, engine: Engine, policy: ThrottlePolicy = ThrottlePolicy(), clock: Callable[[], float] = time.time
    ):
        self._engine = engine
        self.policy = policy
        self._clock = clock

    def admit(self, username: str, client: str) -> int:
        """Seconds until ``client`` may try ``username`` again, or 0: the try may go ahead, and is
        counted as a failure until :meth:`succeeded` says otherwise."""
        table = schema.login_attempts
        now_us = int(self._clock() * SECOND_US)
        since = now_us - int(self.policy.window_s * SECOND_US)
        with (
            storage_errors(self._engine.url, "check login attempts"),
            self._engine.connect().execution_options(**{IMMEDIATE_OPTION: True}) as conn,
            conn.begin(),
        ):
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_ADMIT_LOCK_ID)))
            wait_s = self._wait_s(conn, username, client, since)
            if wait_s == 0:
                conn.execute(table.delete().where(table.c.ts_us <= since))
                conn.execute(table.insert(), {"ts_us": now_us, "username": username, "client": client})
        return wait_s

    def succeeded(self, username: str, client: str) -> None:
        """The password was right: forget this client's tries for ``username`` (this one included)."""
        table = schema.login_attempts
        with storage_errors(self._engine.url, "clear failed logins"), self._engine.begin() as conn:
            conn.execute(table.delete().where(table.c.username == username, table.c.client == client))

    def _wait_s(self, conn: sa.Connection, username: str, client: str, since: int) -> int:
        table = schema.login_attempts
        buckets = (
            ((table.c.username == username, table.c.client == client), self.policy.per_client_user),
            ((table.c.username == username,), self.policy.per_user),
            ((table.c.client == client,), self.policy.per_client),
        )
        waits = [0]
        for where, limit in buckets:
            # The limit-th newest try in the window: once it leaves the window, one more is allowed.
            oldest_counted = conn.execute(
                sa.select(table.c.ts_us)
                .where(*where, table.c.ts_us > since)
                .order_by(table.c.ts_us.desc())
                .offset(limit - 1)
                .limit(1)
            ).scalar()
            if oldest_counted is not None:
                waits.append(max(1, math.ceil((oldest_counted - since) / SECOND_US)))
        return max(waits)
