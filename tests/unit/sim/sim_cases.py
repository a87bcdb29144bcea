"""Constants the simulator tests share."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

BUSY_HOUR = datetime(2024, 6, 12, 18, 0, tzinfo=ZoneInfo("Europe/London"))
"""A Wednesday's evening peak: 155 visitors an hour in the default profile."""
