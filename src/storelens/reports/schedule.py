"""The daily report on schedule: `storelens serve` makes yesterday's report at ``reports.daily_at``
(store time), keeps it in the archive and mails it.

One thread in the serving process (never in each ``--workers`` process: one report, one mail).
Each wake-up does whatever is due and sleeps until the next thing is: the next ``daily_at``, or a
retry. A day whose report is not in the archive is made when its time has come, also after the
server was down at ``daily_at`` (the latest due day only; a day with nothing recorded is not
reported). A mail that fails (the server unreachable, a refusal) is logged on one line and tried
again after 1, 2, 4 ... minutes up to an hour between tries, for :data:`RESEND_DAYS` days; the
report stays in the archive either way. A mail is marked sent as soon as the server takes it,
so it goes once (were the process killed between the two, it would go again on restart).
"""

from __future__ import annotations

import logging
import threading
import time as clock_time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from typing import Self
from zoneinfo import ZoneInfo

from storelens.config import StoreConfig
from storelens.errors import ConfigError, DeliveryError, StorelensError
from storelens.reports.archive import ArchivedReport, ReportArchive
from storelens.reports.crossings import day_bounds
from storelens.reports.daily_output import make_daily_report
from storelens.reports.mail import report_message, send_message, smtp_password
from storelens.storage import StoreDatabase

__all__ = ["RESEND_DAYS", "DailyReports", "RetryPolicy", "due_day", "next_run"]

logger = logging.getLogger(__name__)

RESEND_DAYS = 3
"""Reports whose mail failed are tried again for this many days; older ones stay in the archive unsent."""
STOP_WAIT_S = 60.0
"""How long stopping waits for a report being made or a mail being sent (an SMTP timeout is 30 s)."""


def due_day(now: datetime, at: time, tz: ZoneInfo) -> date:
    """The newest local day whose report is due at ``now``: yesterday once today's ``at`` has come,
    else the day before.

    >>> london = ZoneInfo("Europe/London")
    >>> due_day(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), time(7, 0), london), due_day(
    ...     datetime(2026, 3, 8, 6, 59, tzinfo=UTC), time(7, 0), london)
    (datetime.date(2026, 3, 7), datetime.date(2026, 3, 6))
    """
    today = now.astimezone(tz).date()
    return today - timedelta(days=1 if now >= datetime.combine(today, at, tzinfo=tz) else 2)


def next_run(now: datetime, at: time, tz: ZoneInfo) -> datetime:
    """The first local ``at`` strictly after ``now`` (each day's own offset: DST changes are kept)."""
    today = now.astimezone(tz).date()
    for k in range(3):
        run = datetime.combine(today + timedelta(days=k), at, tzinfo=tz)
        if run > now:
            return run
    raise AssertionError("unreachable: a day ahead always has its daily_at")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Waits between tries of something that failed: ``first_s``, doubling, at most ``max_s``."""

    first_s: float = 60.0
    max_s: float = 3600.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after the ``failures``-th failure in a row (1 or more)."""
        return min(self.first_s * 2 ** max(failures - 1, 0), self.max_s)


class DailyReports:
    """Makes, archives and mails the daily report on schedule, in a thread of its own.

    Args:
        config: The store (``reports.daily_at`` must be set).
        db: Its database.
        archive: Where reports are kept (default: the store's, `ReportArchive.of`).
        clock: Seconds since the epoch; tests pass their own to be at ``daily_at``.
        retry: Waits between failed tries (making a report while the database is down, mailing).

    Raises:
        ConfigError: ``daily_at`` is not set, or the mail password's environment variable is not
            (checked now, when the server starts, not at the first report).
    """

    def __init__(
        self,
        config: StoreConfig,
        db: StoreDatabase,
        archive: ReportArchive | None = None,
        clock: Callable[[], float] = clock_time.time,
        retry: RetryPolicy | None = None,
    ) -> None:
        at = config.reports.daily_time
        if at is None:
            raise ConfigError("reports.daily_at is not set: no daily report to schedule")
        self.config = config
        self.db = db
        self.archive = archive or ReportArchive.of(config, db)
        self.errors = 0
        """Unexpected failures of a wake-up (bugs): logged with their traceback, then tried again."""
        self._at = at
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._email = config.reports.email
        self._password = smtp_password(self._email) if self._email is not None else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._nothing_recorded: dict[date, float] = {}
        """Days found empty, and when to look again."""
        self._make_failures = 0
        self._make_after_s = 0.0
        self._mail_after_s: dict[date, float] = {}

    # ------------------------------------------------------------------ the thread

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="storelens-daily-report", daemon=True)
            self._thread.start()
            logger.info(
                "daily report: made at %s %s, kept in %s%s",
                self.config.reports.daily_at,
                self.config.timezone,
                self.archive.folder,
                f", mailed to {', '.join(self._email.to)}" if self._email else "",
            )
        return self

    def stop(self) -> None:
        """Stop after what is being done (a report, a mail); the thread is gone when this returns,
        unless it is stuck past :data:`STOP_WAIT_S` (it is a daemon: it ends with the process)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(STOP_WAIT_S)
            if self._thread.is_alive():
                logger.warning("daily report: still busy after %.0f s; leaving it to end with the server", STOP_WAIT_S)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    def _run(self) -> None:
        wait = 0.0
        while not self._stop.wait(wait):
            try:
                wait = self.step()
            except Exception:  # a bug must not end the schedule: log it and carry on
                self.errors += 1
                wait = self._retry.first_s
                logger.exception("daily report: unexpected failure; trying again in %.0f s", wait)

    # ------------------------------------------------------------------ one wake-up

    def step(self) -> float:
        """Make and mail what is due now; returns the seconds until something is due again."""
        now_s = self._clock()
        now = datetime.fromtimestamp(now_s, UTC)
        tz = self.config.tz
        day = due_day(now, self._at, tz)
        waits = [(next_run(now, self._at, tz) - now).total_seconds()]
        if now_s >= self._make_after_s:
            self._make(day, now, now_s)
        for after in (self._make_after_s, self._nothing_recorded.get(day, 0.0)):
            if after > now_s:
                waits.append(after - now_s)
        if self._email is not None:
            for old in (day - timedelta(days=k) for k in range(RESEND_DAYS - 1, -1, -1)):
                entry = self.archive.get(old)
                if entry is None or entry.mailed_at is not None:
                    continue
                after = self._mail_after_s.get(old, 0.0)
                if now_s < after:
                    waits.append(after - now_s)
                    continue
                retry_in = self._mail(entry, now, now_s)
                if retry_in is not None:
                    waits.append(retry_in)
        return max(min(waits), 0.5)

    def _make(self, day: date, now: datetime, now_s: float) -> None:
        if now_s < self._nothing_recorded.get(day, 0.0) or self.archive.get(day) is not None:
            return
        try:
            if not self.db.recorded(*day_bounds(day, self.config.tz)):
                # Looked at again later: records of a past day can still arrive (a spool catching up).
                self._nothing_recorded[day] = now_s + self._retry.max_s
                logger.info("daily report: nothing was recorded on %s, so there is no report of it", day)
                return
            entry = self.archive.save(make_daily_report(self.config, self.db, day, now), now)
            self.archive.prune(self.config.reports.keep_days, day)
        except StorelensError as err:  # the database or the archive folder: try again later
            self._make_failures += 1
            delay = self._retry.delay(self._make_failures)
            self._make_after_s = now_s + delay
            logger.error("daily report of %s: %s; trying again in %s", day, err, _wait_text(delay))
            return
        self._make_failures = 0
        logger.info("daily report of %s: archived %s and %s", day, entry.html, entry.pdf)

    def _mail(self, entry: ArchivedReport, now: datetime, now_s: float) -> float | None:
        """Send ``entry``; on failure record it and return the wait before the next try."""
        assert self._email is not None
        try:
            msg = report_message(
                self._email,
                entry.subject,
                entry.text,
                entry.html.read_text(encoding="utf-8"),
                entry.pdf.read_bytes(),
                entry.pdf.name,
            )
            refused = send_message(msg, self._email, self._password)
        except (DeliveryError, OSError) as err:
            reason = str(err) if isinstance(err, DeliveryError) else f"cannot read {err.filename}: {err.strerror}"
            failed = self.archive.mail_failed(entry, reason)
            delay = self._retry.delay(failed.mail_attempts)
            self._mail_after_s[entry.day] = now_s + delay
            logger.error(
                "daily report of %s: not mailed: %s; trying again in %s (the report is kept in %s)",
                entry.day,
                reason,
                _wait_text(delay),
                self.archive.folder,
            )
            return delay
        self.archive.mailed(entry, now)
        self._mail_after_s.pop(entry.day, None)
        if refused:
            logger.warning("daily report of %s: the mail server refused %s", entry.day, ", ".join(refused))
        logger.info("daily report of %s: mailed to %s", entry.day, ", ".join(self._email.to))
        return None


def _wait_text(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
