"""The archive of daily reports that ``storelens serve`` makes: the days, each as a page and a PDF.

Same authentication as every route (any logged-in role may read them). The page is served as
it was made: self-contained (its pictures are inside it), no scripts, so the API's content
security policy holds for it too.
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from storelens.api.auth import Viewer
from storelens.api.context import ApiContext
from storelens.api.csv_route import CsvRoute
from storelens.api.params import Ctx
from storelens.reports.archive import ArchivedReport, ReportArchive

__all__ = ["DailyReportOut", "DailyReportsOut", "router"]

router = APIRouter(prefix="/api/reports", tags=["reports"], route_class=CsvRoute)


class DailyReportOut(BaseModel):
    day: date = Field(description="The local date reported")
    made_at: datetime
    subject: str = Field(description="Its mail's subject line")
    visitors: int | None = Field(description="People who came in (staff left out); null: nothing recorded")
    passers_by: int | None
    capture_rate: float | None
    conversion: float | None = Field(description="Receipts / buying units; null without sales data")
    alerts: int | None
    html_url: str = Field(description="The report page")
    pdf_url: str = Field(description="The report as PDF (a download)")
    mailed_at: datetime | None = Field(description="When the mail server took it; null: not (yet) mailed")
    mail_attempts: int
    mail_error: str | None = Field(description="Why the last try to mail it failed")


class DailyReportsOut(BaseModel):
    timezone: str
    daily_at: str | None = Field(description="Local time the server makes each report; null: it does not")
    mailed: bool = Field(description="Whether the server mails its reports (reports.email is set)")
    reports: list[DailyReportOut] = Field(description="Newest first")


def _archive(ctx: ApiContext) -> ReportArchive:
    return ReportArchive.of(ctx.config, ctx.db)


def _report_out(entry: ArchivedReport, ctx: ApiContext) -> DailyReportOut:
    base = f"/api/reports/daily/{entry.day.isoformat()}"
    f = entry.figures
    return DailyReportOut(
        day=entry.day,
        made_at=entry.made_at.astimezone(ctx.config.tz),
        subject=entry.subject,
        visitors=f.get("visitors"),
        passers_by=f.get("passers_by"),
        capture_rate=f.get("capture_rate"),
        conversion=f.get("conversion"),
        alerts=f.get("alerts"),
        html_url=f"{base}.html",
        pdf_url=f"{base}.pdf",
        mailed_at=entry.mailed_at.astimezone(ctx.config.tz) if entry.mailed_at else None,
        mail_attempts=entry.mail_attempts,
        mail_error=entry.mail_error,
    )


def _entry(ctx: ApiContext, day: date) -> ArchivedReport:
    entry = _archive(ctx).get(day)
    if entry is None:
        raise HTTPException(404, f"no daily report of {day.isoformat()} in the archive")
    return entry


@router.get("/daily", response_model=DailyReportsOut, summary="The daily reports in the archive, newest first")
def daily_reports(_: Viewer, ctx: Ctx) -> DailyReportsOut:
    reports = ctx.config.reports
    return DailyReportsOut(
        timezone=ctx.config.timezone,
        daily_at=reports.daily_at,
        mailed=reports.email is not None,
        reports=[_report_out(entry, ctx) for entry in _archive(ctx).reports()],
    )


@router.get(
    "/daily/{day}.html",
    response_class=FileResponse,
    summary="One day's report as its self-contained page",
    responses={200: {"content": {"text/html": {}}}, 404: {"description": "No report of that day"}},
)
def daily_report_html(_: Viewer, ctx: Ctx, day: date) -> FileResponse:
    return FileResponse(_entry(ctx, day).html, media_type="text/html; charset=utf-8")


@router.get(
    "/daily/{day}.pdf",
    response_class=FileResponse,
    summary="One day's report as PDF (a download)",
    responses={200: {"content": {"application/pdf": {}}}, 404: {"description": "No report of that day"}},
)
def daily_report_pdf(_: Viewer, ctx: Ctx, day: date) -> FileResponse:
    entry = _entry(ctx, day)
    return FileResponse(entry.pdf, media_type="application/pdf", filename=entry.pdf.name)
