"""The daily report made on schedule, archived and mailed to a real SMTP server (aiosmtpd) started here.

One simulated day of the demo's shop (``tests/report_history.py``). The schedule's clock is the
test's, so "07:00 the next morning" comes at once; the mail server is real, so what it receives
is what a recipient would: the HTML body with its pictures as parts, the PDF attached.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from report_history import month_store, simulate_day
from smtp_server import free_port, smtp_server

from storelens.config.identity import store_id_of
from storelens.errors import ConfigError
from storelens.reports.archive import ReportArchive
from storelens.reports.schedule import DailyReports, RetryPolicy, due_day, next_run
from storelens.runner import open_store_database

DAY = date(2026, 3, 7)
RECIPIENTS = ["manager@example.com", "owner@example.com"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A store with one simulated day (no other day: last week says "no data")."""
    folder = tmp_path_factory.mktemp("shop")
    store, config = month_store(folder)
    with open_store_database(config) as db:
        simulate_day(store, DAY).write(db, store_id_of(config))
    return config


def with_reports(config, port: int, tmp_path, **email):
    reports = {
        "daily_at": "07:00",
        "archive": tmp_path / "archive",
        "email": {"smtp_host": "127.0.0.1", "smtp_port": port, "security": "none",
                  "from": "Corner shop <reports@example.com>", "to": RECIPIENTS, "timeout_s": 5, **email},
    }
    return config.model_copy(update={"reports": type(config.reports).model_validate(reports)})


def morning_after(config, minutes: float = 1.0) -> float:
    """Seconds since the epoch a little after 07:00 the day after DAY, store time."""
    at = datetime.combine(DAY + timedelta(days=1), dtime(7), tzinfo=config.tz) + timedelta(minutes=minutes)
    return at.timestamp()


def test_report_is_archived_and_mailed_with_the_pdf_attached(shop, tmp_path):
    port = free_port()
    config = with_reports(shop, port, tmp_path)
    now = morning_after(config)
    with smtp_server(port) as inbox, open_store_database(config) as db:
        reports = DailyReports(config, db, clock=lambda: now)
        wait = reports.step()
        assert wait == pytest.approx(24 * 3600 - 60)  # asleep until tomorrow's 07:00
        reports.step()  # nothing new: the mail goes once
    assert len(inbox.messages) == 1
    rcpt, raw = inbox.messages[0]
    assert rcpt == RECIPIENTS
    entry = ReportArchive.of(config, db).get(DAY)
    assert entry is not None and entry.mailed_at is not None and entry.mail_attempts == 1 and entry.mail_error is None
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == entry.subject and msg["Subject"].startswith("Simulated corner shop: Saturday 7 Mar 2026, ")
    assert msg["From"] == "Corner shop <reports@example.com>" and msg["To"] == ", ".join(RECIPIENTS)
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "simulated-corner-shop-2026-03-07.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == entry.pdf.read_bytes() and entry.pdf.read_bytes().startswith(b"%PDF")
    html = msg.get_body(("html",))
    body = html.get_content()
    pictures = entry.html.read_text(encoding="utf-8").count("<img ")  # the charts, heatmap, queue
    assert "data:image" not in body and body.count('src="cid:') == pictures >= 3
    related = [part for part in msg.walk() if part.get_content_type() == "image/png"]
    assert len(related) == pictures  # the wide versions only: mail programs show the <img>
    for part in related:
        assert f'src="cid:{part["Content-ID"][1:-1]}"' in body and part.get_content().startswith(b"\x89PNG")
    text = msg.get_body(("plain",)).get_content()
    assert "Visitors in:" in text and "no data for last Saturday" in text


def test_smtp_down_then_up_is_delivered_once_and_the_report_kept(shop, tmp_path, caplog):
    """The schedule's own thread: the mail server is down when the report is made, then comes up."""
    port = free_port()  # nothing listens here yet
    config = with_reports(shop, port, tmp_path)
    shift = morning_after(config) - time.time()  # the clock runs, from 07:01 the morning after
    with open_store_database(config) as db:
        reports = DailyReports(config, db, clock=lambda: time.time() + shift, retry=RetryPolicy(first_s=0.2, max_s=0.4))
        archive = reports.archive
        with reports:
            deadline = time.monotonic() + 30
            while (entry := archive.get(DAY)) is None or entry.mail_attempts < 2:
                assert time.monotonic() < deadline, "the report was not made and tried twice"
                time.sleep(0.05)
            assert entry.mailed_at is None and "cannot reach the mail server 127.0.0.1" in entry.mail_error
            assert entry.html.is_file() and entry.pdf.is_file()  # kept, not lost
            with smtp_server(port) as inbox:
                while not inbox.messages:
                    assert time.monotonic() < deadline, "not delivered once the server was up"
                    time.sleep(0.05)
                time.sleep(1.0)  # a few more wake-ups: nothing is sent again
            thread = reports._thread
        assert not thread.is_alive()  # stopped cleanly with the block
    assert len(inbox.messages) == 1
    assert archive.get(DAY).mailed_at is not None
    failures = [r for r in caplog.records if "not mailed" in r.getMessage()]
    assert failures and all("\n" not in r.getMessage() for r in failures)
    assert "trying again in 0 s (the report is kept in" in failures[0].getMessage()


def test_a_day_with_nothing_recorded_is_not_reported(shop, tmp_path):
    config = with_reports(shop, free_port(), tmp_path)
    later = datetime.combine(DAY + timedelta(days=3), dtime(8), tzinfo=config.tz).timestamp()
    with open_store_database(config) as db:
        reports = DailyReports(config, db, clock=lambda: later)
        reports.step()
        assert reports.archive.days() == []


def test_missing_password_variable_stops_the_server_at_start(shop, tmp_path, monkeypatch):
    monkeypatch.delenv("STORELENS_TEST_SMTP_PASSWORD", raising=False)
    config = with_reports(
        shop, free_port(), tmp_path, security="starttls", username="shop", password_env="STORELENS_TEST_SMTP_PASSWORD"
    )
    with open_store_database(config) as db, pytest.raises(ConfigError, match="STORELENS_TEST_SMTP_PASSWORD is not set"):
        DailyReports(config, db)


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("now", "due", "next_at"),
    [
        (datetime(2026, 3, 8, 6, 59, tzinfo=UTC), date(2026, 3, 6), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), date(2026, 3, 7), datetime(2026, 3, 9, 7, 0, tzinfo=UTC)),
        # Clocks go forward on 29 March: 07:00 BST is 06:00 UTC.
        (datetime(2026, 3, 29, 6, 30, tzinfo=UTC), date(2026, 3, 28), datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 27), datetime(2026, 3, 29, 6, 0, tzinfo=UTC)),
        # Clocks go back on 25 October: 07:00 GMT is 07:00 UTC again.
        (datetime(2026, 10, 25, 6, 30, tzinfo=UTC), date(2026, 10, 23), datetime(2026, 10, 25, 7, 0, tzinfo=UTC)),
    ],
)
def test_due_day_and_next_run_on_the_stores_clock(now, due, next_at):
    assert due_day(now, dtime(7), LONDON) == due
    assert next_run(now, dtime(7), LONDON) == next_at
