"""The server's archive of daily reports: one folder of files, read by the dashboard.

Each day is three files named by store and day: ``<store id>-<YYYY-MM-DD>.html`` and ``.pdf``
(exactly what `storelens report` writes) and ``.json``, its delivery record (when it was made,
its mail subject and text, when it was mailed, the attempts and the last error). The files
outlive the server: a report whose mail failed is still there, and is mailed again when the
mail server is back, also after a restart.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from storelens.config import StoreConfig
from storelens.config.identity import store_id_of
from storelens.errors import StorageError
from storelens.folders import output_folder
from storelens.reports.daily import report_stem
from storelens.reports.daily_output import RenderedReport, write_atomic
from storelens.storage import StoreDatabase

__all__ = ["ArchivedReport", "ReportArchive", "archive_folder"]

logger = logging.getLogger(__name__)

_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})\.html$")


def archive_folder(config: StoreConfig, db: StoreDatabase) -> Path:
    """Where the server keeps its reports: ``reports.archive``, else ``reports`` beside an SQLite
    database, else ``$XDG_STATE_HOME/storelens/reports`` (files are named by store, so stores
    sharing a folder do not mix)."""
    if config.reports.archive is not None:
        return config.reports.archive
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).parent / "reports"
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "storelens" / "reports"


@dataclass(frozen=True, slots=True)
class ArchivedReport:
    """A day in the archive.

    Attributes:
        day: The local date reported.
        html / pdf: Its files.
        made_at: When it was made (UTC).
        subject / text: Its mail's subject and text part.
        figures: Its headline figures (visitors, passers_by, capture_rate, conversion, alerts).
        mailed_at: When the mail server took it (UTC); None: not yet (or no mail configured).
        mail_attempts: Failed and successful tries to mail it.
        mail_error: Why the last try failed, one line; None after a success or before any try.
    """

    day: date
    html: Path
    pdf: Path
    made_at: datetime
    subject: str
    text: str
    figures: dict[str, int | float | None] = field(default_factory=dict)
    mailed_at: datetime | None = None
    mail_attempts: int = 0
    mail_error: str | None = None


class ReportArchive:
    """The archive folder of one store.

    Args:
        folder: Where the files are (made on the first report).
        store_id: The store's key, the files' prefix (`storelens.runner.store_id_of`).
    """

    def __init__(self, folder: Path, store_id: str) -> None:
        self.folder = folder
        self.store_id = store_id

    @classmethod
    def of(cls, config: StoreConfig, db: StoreDatabase) -> ReportArchive:
        """The archive ``storelens serve`` keeps for ``config``'s store."""
        return cls(archive_folder(config, db), store_id_of(config))

    def _path(self, day: date, suffix: str) -> Path:
        return self.folder / f"{report_stem(self.store_id, day)}.{suffix}"

    def save(self, rendered: RenderedReport, now: datetime | None = None) -> ArchivedReport:
        """Keep a rendered report (replacing that day's, and starting its mail afresh).

        Raises:
            StorageError: The folder or a file cannot be written.
        """
        output_folder(self.folder)
        day = rendered.report.day
        entry = ArchivedReport(
            day=day,
            html=self._path(day, "html"),
            pdf=self._path(day, "pdf"),
            made_at=(now or datetime.now(UTC)).astimezone(UTC),
            subject=rendered.subject,
            text=rendered.text,
            figures=rendered.figures,
        )
        write_atomic(entry.html, rendered.html.encode("utf-8"))
        write_atomic(entry.pdf, rendered.pdf)
        self._write_record(entry)  # last: a day counts as archived once all three files are there
        return entry

    def get(self, day: date) -> ArchivedReport | None:
        """The archived report of ``day``, or None (also when a file of it is missing or unreadable)."""
        html, pdf, record = self._path(day, "html"), self._path(day, "pdf"), self._path(day, "json")
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            if not (html.is_file() and pdf.is_file()):
                return None
            return ArchivedReport(
                day=day,
                html=html,
                pdf=pdf,
                made_at=datetime.fromisoformat(data["made_at"]),
                subject=data["subject"],
                text=data["text"],
                figures=dict(data.get("figures") or {}),
                mailed_at=datetime.fromisoformat(data["mailed_at"]) if data.get("mailed_at") else None,
                mail_attempts=int(data.get("mail_attempts", 0)),
                mail_error=data.get("mail_error"),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as err:
            logger.warning("%s: unreadable delivery record, the day is left out: %s", record, err)
            return None

    def days(self) -> list[date]:
        """Days with an HTML file of this store in the folder, newest first."""
        prefix = f"{self.store_id}-"
        try:
            names = [p.name[len(prefix) :] for p in self.folder.iterdir() if p.name.startswith(prefix)]
        except FileNotFoundError:
            return []
        except OSError as err:
            raise StorageError(f"{self.folder}: cannot read the report archive: {err.strerror or err}") from None
        days = set()
        for name in names:
            match = _DAY.match(name)
            if match:
                try:
                    days.add(date.fromisoformat(match.group(1)))
                except ValueError:
                    continue
        return sorted(days, reverse=True)

    def reports(self) -> list[ArchivedReport]:
        """Every archived report, newest first."""
        return [entry for entry in map(self.get, self.days()) if entry is not None]

    def mailed(self, entry: ArchivedReport, at: datetime) -> ArchivedReport:
        """Record that ``entry`` was mailed at ``at``."""
        done = replace(entry, mailed_at=at.astimezone(UTC), mail_attempts=entry.mail_attempts + 1, mail_error=None)
        self._write_record(done)
        return done

    def mail_failed(self, entry: ArchivedReport, error: str) -> ArchivedReport:
        """Record a failed try to mail ``entry``."""
        failed = replace(entry, mail_attempts=entry.mail_attempts + 1, mail_error=error)
        self._write_record(failed)
        return failed

    def prune(self, keep_days: int | None, today: date) -> list[date]:
        """Delete the reports of days more than ``keep_days`` before ``today``; returns those days."""
        if keep_days is None:
            return []
        oldest = today - timedelta(days=keep_days)
        gone = [day for day in self.days() if day < oldest]
        for day in gone:
            for suffix in ("json", "html", "pdf"):
                self._path(day, suffix).unlink(missing_ok=True)
        if gone:
            logger.info("report archive %s: deleted %d reports older than %s", self.folder, len(gone), oldest)
        return gone

    def _write_record(self, entry: ArchivedReport) -> None:
        record = {
            "day": entry.day.isoformat(),
            "made_at": entry.made_at.isoformat(),
            "subject": entry.subject,
            "text": entry.text,
            "figures": entry.figures,
            "mailed_at": entry.mailed_at.isoformat() if entry.mailed_at else None,
            "mail_attempts": entry.mail_attempts,
            "mail_error": entry.mail_error,
        }
        write_atomic(self._path(entry.day, "json"), json.dumps(record, indent=1).encode("utf-8"))
