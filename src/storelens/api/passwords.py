"""Password hashing (scrypt) and random secrets (API tokens, session cookies) hashed for storage.

Passwords are slow to guess: scrypt with a per-user salt and n=2**14, r=8, p=1 costs about
70 ms and 16 MiB per try. Tokens and session ids are 256 random bits, so one fast SHA-256
is enough to keep them useless to whoever reads the database.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

__all__ = ["TOKEN_PREFIX", "hash_password", "hash_secret", "new_secret", "verify_password"]

TOKEN_PREFIX = "slt_"
"""Marks API tokens, so secret scanners and people recognise a leaked one."""

_SCHEME = "scrypt"
_N, _R, _P = 2**14, 8, 1
_SALT_BYTES = 16
_KEY_BYTES = 32
_MAXMEM = 64 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$key``: the parameters travel with the hash, so they can be raised later.

    >>> hash_password("correct horse battery").startswith("scrypt$16384$8$1$")
    True
    """
    salt = secrets.token_bytes(_SALT_BYTES)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM, dklen=_KEY_BYTES)
    return f"{_SCHEME}${_N}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches a :func:`hash_password` result (constant-time comparison).

    ``stored`` None (no such user) is checked against a dummy hash and fails: a login then
    takes as long whether the user exists or not, so timing does not reveal user names.

    >>> h = hash_password("correct horse battery")
    >>> verify_password("correct horse battery", h), verify_password("Correct horse battery", h)
    (True, False)
    """
    if stored is None:
        verify_password(password, _dummy_hash())
        return False
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected = _unb64(key)
        actual = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), maxmem=_MAXMEM, dklen=len(expected)
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def new_secret(prefix: str = "") -> str:
    """256 random bits, URL-safe (an API token with :data:`TOKEN_PREFIX`, or a session id)."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 hex of a token or session id: what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()
