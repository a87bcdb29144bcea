"""The report archive's files: saved whole, listed per store, mail state kept, old days pruned."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from storelens.errors import StorageError
from storelens.reports.archive import ReportArchive

NOW = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def rendered(day: date) -> SimpleNamespace:
    """What the archive keeps of a rendered report (its pages stand in as short texts)."""
    return SimpleNamespace(
        report=SimpleNamespace(day=day),
        html=f"<p>{day}</p>",
        pdf=b"%PDF-1.4 " + day.isoformat().encode(),
        subject=f"Corner shop: {day}",
        text="figures",
        figures={"visitors": 12, "conversion": None},
    )


def test_days_of_this_store_only_newest_first(tmp_path):
    archive, other = ReportArchive(tmp_path, "corner-shop"), ReportArchive(tmp_path, "corner-shop-2")
    for k in range(3):
        archive.save(rendered(date(2026, 3, 5) + timedelta(days=k)), NOW)
    other.save(rendered(date(2026, 3, 1)), NOW)  # "corner-shop-2-2026-03-01": not corner-shop's
    (tmp_path / "corner-shop-notes.html").write_text("not a report")
    assert archive.days() == [date(2026, 3, 7), date(2026, 3, 6), date(2026, 3, 5)]
    assert other.days() == [date(2026, 3, 1)]
    entry = archive.get(date(2026, 3, 6))
    assert entry.html.read_text() == "<p>2026-03-06</p>" and entry.figures == {"visitors": 12, "conversion": None}
    assert entry.made_at == NOW and entry.mailed_at is None and entry.mail_attempts == 0
    assert not list(tmp_path.glob(".*.part"))


def test_mail_state_is_kept_across_reads(tmp_path):
    archive = ReportArchive(tmp_path, "corner-shop")
    entry = archive.save(rendered(date(2026, 3, 7)), NOW)
    failed = archive.mail_failed(entry, "cannot reach the mail server")
    assert archive.get(entry.day).mail_error == "cannot reach the mail server" and failed.mail_attempts == 1
    archive.mailed(failed, NOW + timedelta(minutes=2))
    sent = archive.get(entry.day)
    assert (sent.mailed_at, sent.mail_attempts, sent.mail_error) == (NOW + timedelta(minutes=2), 2, None)
    archive.save(rendered(date(2026, 3, 7)), NOW)  # made again: its mail starts afresh
    assert archive.get(entry.day).mailed_at is None


def test_a_day_missing_a_file_or_with_a_broken_record_is_left_out(tmp_path):
    archive = ReportArchive(tmp_path, "corner-shop")
    for day in (date(2026, 3, 6), date(2026, 3, 7)):
        archive.save(rendered(day), NOW)
    (tmp_path / "corner-shop-2026-03-06.pdf").unlink()
    (tmp_path / "corner-shop-2026-03-07.json").write_text("{not json")
    assert archive.get(date(2026, 3, 6)) is None and archive.get(date(2026, 3, 7)) is None
    assert archive.reports() == []


def test_prune_keeps_the_last_days(tmp_path):
    archive = ReportArchive(tmp_path, "corner-shop")
    for k in range(10):
        archive.save(rendered(date(2026, 3, 1) + timedelta(days=k)), NOW)
    assert archive.prune(7, date(2026, 3, 10)) == [date(2026, 3, 2), date(2026, 3, 1)]
    assert archive.days()[-1] == date(2026, 3, 3) and len(list(tmp_path.iterdir())) == 8 * 3
    assert archive.prune(None, date(2026, 3, 10)) == []


def test_an_archive_folder_that_is_a_file_is_one_line(tmp_path):
    (tmp_path / "reports").write_text("a file")
    with pytest.raises(StorageError, match=r"reports: is a file, not a folder"):
        ReportArchive(tmp_path / "reports", "corner-shop").save(rendered(date(2026, 3, 7)), NOW)
