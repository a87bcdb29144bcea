"""Recently verified API tokens and sessions, so most requests need no database round trip.

A dashboard polling every second, or a script, would otherwise cost one query per request just
to say who is asking. Only positive answers are kept (an unknown token is looked up every
time, so guessing cannot fill memory), keyed by the secret's SHA-256. Entries go when:

- this process takes access away (the account store's ``on_revoke``);
- another process does: it rewrites the ``accounts_version`` setting, which the live poller
  reads every ``poll_s`` (0.5 s), so a revoked token or closed session stops working everywhere
  within about that;
- they are ``ttl_s`` old, in case polling stalls; a session also at its own expiry.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from storelens.api.accounts import Session, TokenGrant
from storelens.api.passwords import hash_secret

__all__ = ["CredentialCache"]


class CredentialCache:
    """Thread-safe map of secret -> verified token grant (user and scope) or session.

    Args:
        ttl_s: Longest time an entry is trusted without asking the database again.
        max_entries: Beyond this many, the cache is emptied (it refills from live traffic).
    """

    def __init__(self, ttl_s: float = 30.0, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, TokenGrant | Session]] = {}
        self._version: str | None = None
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Take before a database lookup and pass to :meth:`put`: an answer read while the cache
        was being emptied (access taken away meanwhile) is then not kept."""
        return self._generation

    def get(self, kind: str, secret: str, now: datetime) -> TokenGrant | Session | None:
        """The cached token grant or session for ``secret`` (``kind`` "token" or "session"), if still valid."""
        key = f"{kind}:{hash_secret(secret)}"
        entry = self._entries.get(key)
        if entry is None:
            return None
        cached_at, value = entry
        if time.monotonic() - cached_at > self.ttl_s or (isinstance(value, Session) and value.expires <= now):
            self._entries.pop(key, None)
            return None
        return value

    def put(self, kind: str, secret: str, value: TokenGrant | Session, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[f"{kind}:{hash_secret(secret)}"] = (time.monotonic(), value)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()

    def accounts_version(self, version: str | None) -> None:
        """Note the database's accounts version; a new one empties the cache."""
        if version != self._version:
            self._version = version
            self.clear()
