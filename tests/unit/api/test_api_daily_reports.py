"""The daily report archive in the API: the list, each day's page and PDF, behind the same logins."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from api_helpers import NOW, bearer, store_config

from storelens.reports.archive import ReportArchive
from storelens.reports.daily_output import make_daily_report
from storelens.storage import open_database

DAY = date(2026, 3, 4)  # NOW's day: the template's crossings are on it


@pytest.fixture
def archive_client(make_client, db_url, tokens, tmp_path):
    config = store_config(reports={"daily_at": "07:00", "archive": str(tmp_path / "archive")})
    archive = ReportArchive(tmp_path / "archive", "corner-shop")
    with open_database(db_url) as db:
        entry = archive.save(make_daily_report(config, db, DAY, NOW), NOW)
    archive.mail_failed(entry, "cannot reach the mail server mail.example.com:587: Connection refused")
    client = make_client(config=config)
    client.headers.update(bearer(tokens["vic"]))  # a viewer may read reports
    return client, archive


def test_list_of_reports(archive_client):
    client, archive = archive_client
    body = client.get("/api/reports/daily").json()
    assert body["timezone"] == "Europe/London" and body["daily_at"] == "07:00" and body["mailed"] is False
    (report,) = body["reports"]
    entry = archive.get(DAY)
    assert report["day"] == "2026-03-04" and report["subject"] == entry.subject
    assert report["html_url"] == "/api/reports/daily/2026-03-04.html"
    assert report["pdf_url"] == "/api/reports/daily/2026-03-04.pdf"
    assert report["visitors"] == entry.figures["visitors"] > 0
    assert report["mailed_at"] is None and report["mail_attempts"] == 1
    assert report["mail_error"].startswith("cannot reach the mail server")
    rows = list(csv.DictReader(io.StringIO(client.get("/api/reports/daily.csv").text)))
    assert [(r["reports.day"], r["reports.visitors"]) for r in rows] == [("2026-03-04", str(report["visitors"]))]


def test_page_and_pdf(archive_client):
    client, archive = archive_client
    page = client.get("/api/reports/daily/2026-03-04.html")
    assert page.status_code == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text == archive.get(DAY).html.read_text(encoding="utf-8")
    assert "default-src 'self'" in page.headers["content-security-policy"]  # no scripts, pictures inside
    pdf = client.get("/api/reports/daily/2026-03-04.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="corner-shop-2026-03-04.pdf"'
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/reports/daily/2026-03-02.html", 404),
        ("/api/reports/daily/2026-03-02.pdf", 404),
        ("/api/reports/daily/2026-02-30.pdf", 422),
        ("/api/reports/daily/..%2Fstore.db", 404),  # no way out of the archive
    ],
)
def test_missing_or_bad_days(archive_client, path, status):
    client, _ = archive_client
    response = client.get(path)
    assert response.status_code == status, response.text
    if "2026-03-02" in path:
        assert response.json()["detail"] == "no daily report of 2026-03-02 in the archive"


def test_reports_need_a_login(archive_client):
    client, _ = archive_client
    client.headers.pop("Authorization")
    for path in ("/api/reports/daily", "/api/reports/daily/2026-03-04.html", "/api/reports/daily/2026-03-04.pdf"):
        assert client.get(path).status_code == 401
