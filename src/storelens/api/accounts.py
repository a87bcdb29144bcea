"""Users, API tokens and browser sessions of the web server, kept in the store's database.

Everything lives in the database (not in a worker's memory), so several server processes,
and the ``storelens user`` / ``storelens token`` commands, see the same accounts at once.
Only hashes of passwords, tokens and session ids are stored.

Every change that takes access away (deleting a user, a new password, revoking a token, logging
out) also writes a new random ``accounts_version`` setting: servers that cache verified
credentials poll it and drop their caches when it moves (see storelens.api.credentials).
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.api.password_policy import password_problem
from storelens.api.passwords import TOKEN_PREFIX, hash_password, hash_secret, new_secret, verify_password
from storelens.errors import StorageError, StorelensError
from storelens.storage import schema
from storelens.storage.engine import storage_errors
from storelens.storage.times import SECOND_US, from_us
from storelens.storage.upsert import dialect_insert

__all__ = [
    "ACCOUNTS_VERSION_SETTING",
    "NAME_PATTERN",
    "AccountError",
    "AccountExists",
    "AccountNotFound",
    "AccountStore",
    "ApiToken",
    "NewSession",
    "Role",
    "Session",
    "TokenGrant",
    "TokenScope",
    "User",
]

NAME_PATTERN = r"^[A-Za-z0-9_.@-]{1,64}$"
"""User and token names: printable in logs and the CLI's tables, no spaces or quotes."""
ACCOUNTS_VERSION_SETTING = "accounts_version"
"""Settings key rewritten (random value) whenever access is taken away."""


class AccountError(StorelensError):
    """A bad account request; ``status_code`` is the HTTP answer the API gives for it."""

    status_code = 400


class AccountExists(AccountError):
    status_code = 409


class AccountNotFound(AccountError):
    status_code = 404


class Role(StrEnum):
    """What a user may do: viewers read, managers also act (acknowledge alerts, siren), admins manage accounts."""

    VIEWER = "viewer"
    MANAGER = "manager"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """Whether this role includes ``needed`` (roles are ordered viewer < manager < admin).

        >>> Role.MANAGER.allows(Role.VIEWER), Role.MANAGER.allows(Role.ADMIN)
        (True, False)
        """
        return _RANK[self] >= _RANK[needed]


_RANK = {role: rank for rank, role in enumerate(Role)}


class TokenScope(StrEnum):
    """What an API token may do, within its user's role: ``full``, everything the role allows;
    ``pos``, post till receipts (``POST /api/pos/receipts``) and nothing else, so a till system's
    token cannot read the store's analytics if it leaks."""

    FULL = "full"
    POS = "pos"


POS_MIN_ROLE = Role.MANAGER
"""Posting receipts changes the store's data: a ``pos`` token must belong to a manager or an admin."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: Role
    created: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    """An API token's record; the token itself is shown once, when created."""

    id: int
    name: str
    user: str
    created: datetime
    scope: TokenScope = TokenScope.FULL


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """Who a bearer token speaks for, and how far (its scope narrows the user's role)."""

    user: User
    scope: TokenScope


@dataclass(frozen=True, slots=True)
class Session:
    """A live browser session: whose it is and the hash of its CSRF token."""

    user: User
    csrf_hash: str
    expires: datetime


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: the secrets go to the browser once, the database keeps their hashes."""

    session_id: str
    csrf_token: str
    expires: datetime


class AccountStore:
    """Accounts in the database behind ``engine`` (at schema version 3 or later).

    Args:
        engine: The store database's engine (``StoreDatabase.engine``).
        clock: Seconds since the epoch (``time.time``); tests pass their own.
        on_revoke: Called after this store took access away (e.g. to drop a credential cache).
    """

    def __init__(
        self, engine: Engine, clock: Callable[[], float] = time.time, on_revoke: Callable[[], None] | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._on_revoke = on_revoke

    def _now_us(self) -> int:
        return int(self._clock() * SECOND_US)

    # ------------------------------------------------------------------ users

    def add_user(self, name: str, role: Role | str, password: str) -> User:
        """Create a user.

        Raises:
            AccountError: a malformed name, unknown role or weak password (see storelens.api.password_policy).
            AccountExists: the name is taken.
        """
        _check_name(name, "user")
        role = _role(role)
        _check_password(password, name)
        row = {"name": name, "role": role.value, "password_hash": hash_password(password), "created_us": self._now_us()}
        table = schema.users
        try:
            with self._write(f"add user {name!r}") as conn:
                user_id = conn.execute(table.insert().returning(table.c.id), row).scalar_one()
        except StorageError as err:
            if isinstance(err.__cause__, sa.exc.IntegrityError):
                raise AccountExists(f"user {name!r} already exists") from None
            raise
        return User(int(user_id), name, role, from_us(row["created_us"]))

    def users(self) -> list[User]:
        """All users, by name."""
        table = schema.users
        return [_user(r) for r in self._read(sa.select(table).order_by(table.c.name), "read users")]

    def count_users(self) -> int:
        return int(self._read(sa.select(sa.func.count()).select_from(schema.users), "count users")[0][0])

    def delete_user(self, name: str) -> None:
        """Delete a user with their tokens and sessions.

        Raises:
            AccountNotFound: no such user.
        """
        table = schema.users
        with self._write(f"delete user {name!r}", revokes=True) as conn:
            # Children first: SQLite enforces ON DELETE CASCADE only with foreign keys on.
            user_id = conn.execute(sa.select(table.c.id).where(table.c.name == name)).scalar()
            if user_id is None:
                raise AccountNotFound(f"no user {name!r}")
            for child in (schema.api_tokens, schema.sessions):
                conn.execute(child.delete().where(child.c.user_id == user_id))
            conn.execute(table.delete().where(table.c.id == user_id))

    def set_password(self, name: str, password: str) -> None:
        """Replace a user's password and end their browser sessions.

        Raises:
            AccountError: a weak password (see storelens.api.password_policy).
            AccountNotFound: no such user.
        """
        _check_password(password, name)
        table = schema.users
        with self._write(f"set the password of {name!r}", revokes=True) as conn:
            user_id = conn.execute(sa.select(table.c.id).where(table.c.name == name)).scalar()
            if user_id is None:
                raise AccountNotFound(f"no user {name!r}")
            conn.execute(table.update().where(table.c.id == user_id).values(password_hash=hash_password(password)))
            conn.execute(schema.sessions.delete().where(schema.sessions.c.user_id == user_id))

    def check_password(self, name: str, password: str) -> User | None:
        """The user if ``password`` is theirs, else None; takes as long for unknown names."""
        table = schema.users
        rows = self._read(sa.select(table).where(table.c.name == name), "read users")
        ok = verify_password(password, rows[0].password_hash if rows else None)
        return _user(rows[0]) if ok else None

    # ------------------------------------------------------------------ API tokens

    def create_token(
        self, user_name: str, token_name: str, scope: TokenScope | str = TokenScope.FULL
    ) -> tuple[ApiToken, str]:
        """A new bearer token for a user: its record and the token itself (not stored, shown once).

        Raises:
            AccountError: a malformed token name, an unknown scope, or a ``pos`` token for a user
                whose role may not post receipts.
            AccountNotFound: no such user.
        """
        _check_name(token_name, "token")
        scope = _scope(scope)
        token = new_secret(TOKEN_PREFIX)
        created_us = self._now_us()
        users, tokens = schema.users, schema.api_tokens
        with self._write(f"create a token for {user_name!r}") as conn:
            user = conn.execute(sa.select(users.c.id, users.c.role).where(users.c.name == user_name)).first()
            if user is None:
                raise AccountNotFound(f"no user {user_name!r}")
            if scope is TokenScope.POS and not Role(user.role).allows(POS_MIN_ROLE):
                raise AccountError(
                    f"{user_name!r} is a {user.role}, who may not post receipts: create the pos token for a "
                    f"{POS_MIN_ROLE} or an admin"
                )
            row = {
                "user_id": user.id,
                "name": token_name,
                "token_hash": hash_secret(token),
                "created_us": created_us,
                "scope": scope.value,
            }
            token_id = conn.execute(tokens.insert().returning(tokens.c.id), row).scalar_one()
        return ApiToken(int(token_id), token_name, user_name, from_us(created_us), scope), token

    def tokens(self) -> list[ApiToken]:
        """All API tokens (without the secrets), oldest first."""
        users, tokens = schema.users, schema.api_tokens
        query = (
            sa.select(tokens.c.id, tokens.c.name, users.c.name.label("user"), tokens.c.created_us, tokens.c.scope)
            .join(users, users.c.id == tokens.c.user_id)
            .order_by(tokens.c.id)
        )
        return [
            ApiToken(int(r.id), r.name, r.user, from_us(r.created_us), TokenScope(r.scope))
            for r in self._read(query, "read tokens")
        ]

    def revoke_token(self, token_id: int) -> None:
        """Delete a token; requests bearing it fail from now on.

        Raises:
            AccountNotFound: no token has this id.
        """
        table = schema.api_tokens
        with self._write(f"revoke token {token_id}", revokes=True) as conn:
            if not conn.execute(table.delete().where(table.c.id == token_id)).rowcount:
                raise AccountNotFound(f"no token with id {token_id}")

    def user_for_token(self, token: str) -> User | None:
        """The user a bearer token belongs to, or None for an unknown (or revoked) token."""
        grant = self.grant_for_token(token)
        return grant.user if grant else None

    def grant_for_token(self, token: str) -> TokenGrant | None:
        """The user a bearer token belongs to and its scope, or None for an unknown (or revoked) token."""
        users, tokens = schema.users, schema.api_tokens
        query = (
            sa.select(users, tokens.c.scope)
            .join(tokens, tokens.c.user_id == users.c.id)
            .where(tokens.c.token_hash == hash_secret(token))
        )
        rows = self._read(query, "check an API token")
        return TokenGrant(_user(rows[0]), TokenScope(rows[0].scope)) if rows else None

    # ------------------------------------------------------------------ sessions

    def open_session(self, user: User, ttl_s: float) -> NewSession:
        """Start a browser session for ``user`` lasting ``ttl_s``; expired sessions are removed on the way."""
        session_id, csrf_token = new_secret(), new_secret()
        now_us = self._now_us()
        expires_us = now_us + int(ttl_s * SECOND_US)
        table = schema.sessions
        row = {
            "token_hash": hash_secret(session_id),
            "user_id": user.id,
            "csrf_hash": hash_secret(csrf_token),
            "created_us": now_us,
            "expires_us": expires_us,
        }
        with self._write("open a session") as conn:
            conn.execute(table.delete().where(table.c.expires_us <= now_us))
            conn.execute(table.insert(), row)
        return NewSession(session_id, csrf_token, from_us(expires_us))

    def session(self, session_id: str) -> Session | None:
        """The unexpired session with this id, or None."""
        users, sessions = schema.users, schema.sessions
        query = (
            sa.select(users, sessions.c.csrf_hash, sessions.c.expires_us)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.token_hash == hash_secret(session_id), sessions.c.expires_us > self._now_us())
        )
        rows = self._read(query, "check a session")
        if not rows:
            return None
        return Session(_user(rows[0]), rows[0].csrf_hash, from_us(rows[0].expires_us))

    def close_session(self, session_id: str) -> None:
        """End a session (log out); unknown ids are ignored."""
        table = schema.sessions
        with self._write("close a session", revokes=True) as conn:
            conn.execute(table.delete().where(table.c.token_hash == hash_secret(session_id)))

    # ------------------------------------------------------------------ internals

    @contextmanager
    def _write(self, action: str, revokes: bool = False) -> Iterator[sa.Connection]:
        """A transaction; with ``revokes``, it also moves the accounts version and tells ``on_revoke``."""
        with storage_errors(self._engine.url, action), self._engine.begin() as conn:
            yield conn
            if revokes:
                insert = dialect_insert(conn, schema.settings)
                conn.execute(
                    insert.on_conflict_do_update(index_elements=["key"], set_={"value": insert.excluded.value}),
                    {"key": ACCOUNTS_VERSION_SETTING, "value": secrets.token_hex(8)},
                )
        if revokes and self._on_revoke is not None:
            self._on_revoke()

    def _read(self, query: sa.Select, action: str) -> list[sa.Row]:
        with storage_errors(self._engine.url, action), self._engine.connect() as conn:
            return list(conn.execute(query))


def _user(row: sa.Row) -> User:
    return User(int(row.id), row.name, Role(row.role), from_us(row.created_us))


def _check_name(name: str, what: str) -> None:
    if not re.fullmatch(NAME_PATTERN, name):
        raise AccountError(f"{what} name {name!r} must be 1-64 letters, digits, '_', '.', '@' or '-'")


def _check_password(password: str, user_name: str) -> None:
    problem = password_problem(password, user_name)
    if problem is not None:
        raise AccountError(problem)


def _scope(scope: TokenScope | str) -> TokenScope:
    try:
        return TokenScope(scope)
    except ValueError:
        scopes = ", ".join(s.value for s in TokenScope)
        raise AccountError(f"unknown token scope {scope!r}; use one of {scopes}") from None


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}") from None
