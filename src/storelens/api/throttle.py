"""Login throttling: too many failed logins for a user name, or from one address, wait a while.

Failures are rows in the database, so every server process counts the same ones. A success
clears the user name's failures but not the address's: one valid account must not reset the
count of someone guessing other accounts' passwords from the same address.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.storage import schema
from storelens.storage.engine import storage_errors
from storelens.storage.times import SECOND_US

__all__ = ["LoginThrottle", "ThrottlePolicy"]


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    """Failures allowed within a sliding window before logins wait.

    Attributes:
        window_s: Length of the window, seconds.
        per_user: Failures for one user name (from anywhere) within the window.
        per_client: Failures from one client address (for any names) within the window;
            higher, since several people may share an address.
    """

    window_s: float = 15 * 60
    per_user: int = 5
    per_client: int = 20


class LoginThrottle:
    """Counts failed logins and says how long a user name or address must wait."""

    def __init__(
        self, engine: Engine, policy: ThrottlePolicy = ThrottlePolicy(), clock: Callable[[], float] = time.time
    ):
        self._engine = engine
        self.policy = policy
        self._clock = clock

    def retry_after_s(self, username: str, client: str) -> int:
        """Seconds until a login for ``username`` from ``client`` may be tried again; 0: now."""
        table = schema.login_attempts
        now_us = int(self._clock() * SECOND_US)
        since = now_us - int(self.policy.window_s * SECOND_US)
        waits = [0]
        with storage_errors(self._engine.url, "check login attempts"), self._engine.connect() as conn:
            limits = (
                (table.c.username, username, self.policy.per_user),
                (table.c.client, client, self.policy.per_client),
            )
            for column, key, limit in limits:
                # The limit-th newest failure in the window: once it leaves the window, one more try is allowed.
                oldest_counted = conn.execute(
                    sa.select(table.c.ts_us)
                    .where(column == key, table.c.ts_us > since)
                    .order_by(table.c.ts_us.desc())
                    .offset(limit - 1)
                    .limit(1)
                ).scalar()
                if oldest_counted is not None:
                    waits.append(math.ceil((oldest_counted - since) / SECOND_US))
        return max(waits)

    def failed(self, username: str, client: str) -> None:
        """Record a failed login (and drop failures that have left the window)."""
        table = schema.login_attempts
        now_us = int(self._clock() * SECOND_US)
        with storage_errors(self._engine.url, "record a failed login"), self._engine.begin() as conn:
            conn.execute(table.delete().where(table.c.ts_us <= now_us - int(self.policy.window_s * SECOND_US)))
            conn.execute(table.insert(), {"ts_us": now_us, "username": username, "client": client})

    def succeeded(self, username: str) -> None:
        """Forget the user name's failures after a successful login."""
        table = schema.login_attempts
        with storage_errors(self._engine.url, "clear failed logins"), self._engine.begin() as conn:
            conn.execute(table.delete().where(table.c.username == username))
