"""The API's routes, one module per area; :data:`ROUTERS` lists them for the app."""

from storelens.api.routes import accounts, alerts, conversion, daily_reports, live, pos, reports, store

ROUTERS = (
    live.router,
    accounts.router,
    store.router,
    reports.router,
    conversion.router,
    daily_reports.router,
    alerts.router,
    pos.router,
)
"""In matching order: the live routes, polled most, first."""

__all__ = ["ROUTERS"]
