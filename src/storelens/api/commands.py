"""``storelens user ...`` and ``storelens token ...``: accounts, managed from the store's machine.

There is no default account: the first admin is made here, with a password typed at a prompt
(never on the command line, where ``ps`` and shell history would keep it) or piped on stdin.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from storelens.api.accounts import AccountStore
from storelens.errors import ConfigError

__all__ = ["user_add", "user_delete", "user_list", "user_passwd", "token_create", "token_list", "token_revoke"]


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise ConfigError("--password-stdin: no password on standard input")
        return password
    if not sys.stdin.isatty():
        raise ConfigError("no terminal to ask for the password: pipe it in with --password-stdin")
    password = getpass.getpass(f"password for {args.name}: ")
    if getpass.getpass("again: ") != password:
        raise ConfigError("the passwords differ; nothing changed")
    return password


def _accounts(args: argparse.Namespace):
    """The store database named by ``--config`` (and ``--db``), and its account store."""
    from storelens.config import load_config
    from storelens.runner import open_store_database

    db = open_store_database(load_config(args.config), args.db)
    return db, AccountStore(db.engine)


def user_add(args: argparse.Namespace) -> int:
    password = _read_password(args)
    db, accounts = _accounts(args)
    with db:
        user = accounts.add_user(args.name, args.role, password)
    print(f"added {user.role} {user.name!r} to {db.url}")
    return 0


def user_passwd(args: argparse.Namespace) -> int:
    password = _read_password(args)
    db, accounts = _accounts(args)
    with db:
        accounts.set_password(args.name, password)
    print(f"changed the password of {args.name!r}; their browser sessions are closed")
    return 0


def user_delete(args: argparse.Namespace) -> int:
    db, accounts = _accounts(args)
    with db:
        accounts.delete_user(args.name)
    print(f"deleted user {args.name!r} with their tokens and sessions")
    return 0


def user_list(args: argparse.Namespace) -> int:
    db, accounts = _accounts(args)
    with db:
        users = accounts.users()
    for user in users:
        print(f"{user.name}\t{user.role}\tsince {user.created:%Y-%m-%d %H:%M} UTC")
    if not users:
        print(f"no users in {db.url}: add one with `storelens user add NAME --role admin --config CONFIG`")
    return 0


def token_create(args: argparse.Namespace) -> int:
    db, accounts = _accounts(args)
    with db:
        record, token = accounts.create_token(args.user, args.name, args.scope)
    print(
        f"token {record.id} {record.name!r} for {record.user!r}, scope {record.scope} "
        "(shown only now; send as 'Authorization: Bearer ...'):"
    )
    print(token)
    return 0


def token_list(args: argparse.Namespace) -> int:
    db, accounts = _accounts(args)
    with db:
        tokens = accounts.tokens()
    for t in tokens:
        print(f"{t.id}\t{t.name}\t{t.user}\t{t.scope}\tsince {t.created:%Y-%m-%d %H:%M} UTC")
    return 0


def token_revoke(args: argparse.Namespace) -> int:
    db, accounts = _accounts(args)
    with db:
        accounts.revoke_token(args.id)
    print(f"revoked token {args.id}")
    return 0
