"""The daily report: when `storelens serve` makes it, where it is kept, and whom it is mailed to."""

from __future__ import annotations

import re
from datetime import time
from email.utils import parseaddr
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, PositiveFloat, PositiveInt, field_validator, model_validator

from storelens.config.base import StorelensModel

__all__ = ["DEFAULT_SMTP_PORTS", "EmailConfig", "ReportsConfig", "parse_daily_at"]

DEFAULT_SMTP_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
"""The submission port each kind of connection uses unless ``smtp_port`` says otherwise."""

_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _check_address(text: str) -> str:
    """``text`` if it is an address (``name@example.com``, or ``Name <name@example.com>``)."""
    _, address = parseaddr(text)
    if not _ADDRESS.match(address):
        raise ValueError(f"{text!r} is not an e-mail address (e.g. manager@example.com or 'Shop <shop@example.com>')")
    return text


def parse_daily_at(text: str) -> time:
    """The local time of day ``daily_at`` names.

    >>> parse_daily_at("07:30")
    datetime.time(7, 30)
    """
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a time of day 'HH:MM' (24-hour clock, e.g. '07:00')")
    return time(int(match.group(1)), int(match.group(2)))


class EmailConfig(StorelensModel):
    """The SMTP server the report is sent through, and its recipients.

    The password is never written in the config: it is read from the environment variable
    ``password_env`` names, when a report is sent.
    """

    smtp_host: str = Field(min_length=1, title="SMTP server", description="Host name or address of the mail server")
    smtp_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        title="SMTP port",
        description="Port of the mail server; null: 587 with starttls, 465 with ssl, 25 with none",
    )
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        title="Connection security",
        description=(
            "starttls: plain connection upgraded to TLS (port 587); ssl: TLS from the start (port 465); "
            "none: unencrypted, only for a relay on this machine or network (no login allowed)"
        ),
    )
    username: str | None = Field(None, title="User name", description="Login on the mail server; null: none")
    password_env: str | None = Field(
        None,
        title="Password variable",
        description="Name of the environment variable holding the login's password (set with username)",
    )
    sender: str = Field(
        alias="from",
        title="From",
        description="Sender address, e.g. 'Corner shop <reports@example.com>'",
    )
    to: list[str] = Field(min_length=1, title="To", description="Recipients' addresses")
    timeout_s: PositiveFloat = Field(
        30.0, title="Timeout", description="Seconds to wait for the mail server before the attempt counts as failed"
    )

    @field_validator("sender")
    @classmethod
    def _check_sender(cls, sender: str) -> str:
        return _check_address(sender)

    @field_validator("to")
    @classmethod
    def _check_recipients(cls, to: list[str]) -> list[str]:
        for address in to:
            _check_address(address)
        return to

    @field_validator("password_env")
    @classmethod
    def _check_env_name(cls, name: str | None) -> str | None:
        if name is not None and not _ENV_NAME.match(name):
            raise ValueError(
                f"{name!r} is not an environment variable name (letters, digits and _, e.g. SMTP_PASSWORD)"
            )
        return name

    @model_validator(mode="after")
    def _check_login(self) -> Self:
        if (self.username is None) != (self.password_env is None):
            raise ValueError("username and password_env go together: give both to log in, or neither")
        if self.username is not None and self.security == "none":
            raise ValueError("security none would send the password unencrypted; use starttls or ssl to log in")
        return self

    @property
    def port(self) -> int:
        """The port connected to: ``smtp_port``, else the usual one for ``security``."""
        return self.smtp_port or DEFAULT_SMTP_PORTS[self.security]


class ReportsConfig(StorelensModel):
    """The daily report (visitors, capture rate, peak hours, zones, heatmap, alerts) as HTML and PDF."""

    daily_at: str | None = Field(
        "07:00",
        title="Daily at",
        description=(
            "Local time 'HH:MM' at which `storelens serve` makes the report of the day before, archives it and "
            "mails it; null: not made by the server (`storelens report` still makes one)"
        ),
    )
    archive: Path | None = Field(
        None,
        title="Archive folder",
        description=(
            "Folder the server keeps its reports in (relative to the config file); default: 'reports' beside an "
            "SQLite database, else $XDG_STATE_HOME/storelens/reports"
        ),
    )
    keep_days: PositiveInt | None = Field(
        400,
        title="Archive retention",
        description="Days of reports kept in the archive (older ones are deleted as new ones are made); null: all",
    )
    email: EmailConfig | None = Field(
        None, title="E-mail", description="Where the server mails each report; null: archived only"
    )

    @field_validator("daily_at")
    @classmethod
    def _check_daily_at(cls, text: str | None) -> str | None:
        if text is not None:
            parse_daily_at(text)
        return text

    @property
    def daily_time(self) -> time | None:
        """``daily_at`` as a time of day (None: not scheduled)."""
        return None if self.daily_at is None else parse_daily_at(self.daily_at)
