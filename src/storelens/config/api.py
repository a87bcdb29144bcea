"""The web server (``storelens serve``): settings that belong with the store's deployment."""

from __future__ import annotations

from pydantic import Field, IPvAnyNetwork

from storelens.config.base import StorelensModel

__all__ = ["ApiConfig"]


class ApiConfig(StorelensModel):
    """How the API sees its clients.

    Forwarded headers are ignored unless their sender is listed: anyone can send
    ``X-Forwarded-For``, and believing it would let one client pose as many and escape the
    per-client login limits.
    """

    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        title="Trusted proxies",
        description=(
            "Addresses or networks (e.g. 127.0.0.1, 10.0.0.0/8) of reverse proxies whose X-Forwarded-For and "
            "X-Forwarded-Proto headers are believed; empty (default): every client is its own connecting address"
        ),
    )
