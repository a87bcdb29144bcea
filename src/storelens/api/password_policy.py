"""What a new password must be: long, varied, free of the user's name, and not a known common password.

Length alone let ten spaces through. The common-password check is offline: the list is
``common-passwords.txt.gz`` beside this module, Django's list of the 20,000 passwords most often
found in breach dumps (BSD licence; see ``scripts/make_common_passwords.py``, which made it). A
password is refused when it is on the list or is a listed one padded with digits, symbols or
spaces (``Dragon2024!``), the usual way people meet a "must contain a digit" rule.
"""

from __future__ import annotations

import functools
import gzip
import string
from importlib import resources

__all__ = ["MIN_DISTINCT_CHARACTERS", "MIN_PASSWORD_LENGTH", "common_passwords", "password_problem"]

MIN_PASSWORD_LENGTH = 10
"""Shorter passwords fall to a guessing run against a stolen hash within days."""
MIN_DISTINCT_CHARACTERS = 5
"""Fewer, and a long password is a short one repeated (``abababababab``)."""
MIN_NAME_IN_PASSWORD = 3
"""User names at least this long may not appear in their password (a 1-letter name would forbid that letter)."""
_PADDING = string.digits + string.punctuation + string.whitespace


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped common passwords, lower-cased (loaded once, ~19,000 of them)."""
    data = resources.files(__package__).joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def password_problem(password: str, user_name: str) -> str | None:
    """The rule ``password`` breaks as ``user_name``'s password, in one line; None if it may be used.

    >>> password_problem("          ", "sam")
    'the password must not be only spaces'
    >>> password_problem("Basketball2024!", "sam")
    'the password is a common one with digits or symbols added, found in breached-password lists'
    >>> password_problem("copper kettle in the rain", "sam") is None
    True
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if not password.strip():
        return "the password must not be only spaces"
    if len(set(password)) < MIN_DISTINCT_CHARACTERS:
        return f"the password must use at least {MIN_DISTINCT_CHARACTERS} different characters"
    folded = password.casefold()
    names = {user_name.casefold(), user_name.casefold().partition("@")[0]}
    if any(len(name) >= MIN_NAME_IN_PASSWORD and name in folded for name in names):
        return "the password must not contain the user name"
    common = common_passwords()
    if folded in common:
        return "the password is a common one, found in breached-password lists"
    if folded.strip(_PADDING) in common:
        return "the password is a common one with digits or symbols added, found in breached-password lists"
    return None
