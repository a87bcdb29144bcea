"""`storelens demo`: a simulated store with a week of history and a live feed, on the dashboard.

Nothing to configure and no server to install: the demo writes a 4-camera shop's config and
SQLite database into a folder, backfills the past days (exact simulated tracks through the
analytics, see `storelens.sim.history`), runs the full pipeline live on simulated cameras
(detections -> tracking -> fusion -> analytics -> database), posts the simulated till's receipts as
its customers pay, and serves the dashboard. It creates an admin with a random password and prints
it; there is no default password.
"""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import platformdirs

from storelens.config.identity import store_id_of
from storelens.pos import store_receipts
from storelens.runner import open_store_database
from storelens.shell import storelens_command
from storelens.sim.arrivals import TrafficProfile
from storelens.sim.history import fill_history
from storelens.sim.receipts import simulate_receipts
from storelens.sim.scenario import Scenario, make_scenario
from storelens.storage import StoreDatabase

__all__ = ["DemoOptions", "demo_profile", "run_demo"]

logger = logging.getLogger(__name__)

DEMO_ADMIN = "admin"
LIVE_VISITORS_PER_HOUR = 120.0
"""The live feed's traffic at any hour of the day, so the demo is busy whenever it is run."""
TILL_POLL_S = 5.0
"""How often the live till stores the receipts of the customers who have paid since."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What `storelens demo` was asked for."""

    directory: Path | None = None
    cameras: int = 4
    days: int = 7
    hours: float = 4.0
    seed: int = 0
    host: str = "127.0.0.1"
    port: int = 8080
    serve: bool = True


def default_directory() -> Path:
    return platformdirs.user_data_path("storelens") / "demo"


def demo_profile() -> TrafficProfile:
    """A busy shop at every hour: the live demo should show people whenever it runs."""
    return TrafficProfile(visitors_per_hour=np.full((7, 24), LIVE_VISITORS_PER_HOUR))


def run_demo(options: DemoOptions) -> int:
    """Build, fill, run and serve the demo store until Ctrl-C."""
    directory = options.directory or default_directory()
    now = datetime.now(timezone.utc)
    print(f"storelens demo: building a {options.cameras}-camera shop in {directory}")
    scenario = make_scenario(
        directory,
        n_cameras=options.cameras,
        start=now,
        duration_s=options.hours * 3600,
        seed=options.seed,
        profile=demo_profile(),
        live=True,
        keep_config=True,
    )
    config_path = scenario.config_path
    with open_store_database(scenario.config) as db:
        password = _ensure_admin(db)
        live = threading.Thread(target=_run_live, args=(scenario, db), name="demo-live", daemon=True)
        live.start()
        history = threading.Thread(
            target=_fill_history, args=(scenario, db, options, now), name="demo-history", daemon=True
        )
        history.start()
        till_closed = threading.Event()
        till = threading.Thread(
            target=_run_till, args=(scenario, db, till_closed, options.seed), name="demo-till", daemon=True
        )
        till.start()
        _print_where_to_look(options, config_path, db.url, password)
        try:
            if options.serve:
                from storelens.api.server import serve

                serve(scenario.config, config_path, host=options.host, port=options.port)
            else:  # no dashboard: the feed and the history are what the run is for
                live.join()
                history.join()
        except KeyboardInterrupt:
            pass
        finally:
            scenario.stop()
            till_closed.set()
            live.join(timeout=30)
    print("storelens demo: stopped; the data stays in", directory)
    return 0


def _ensure_admin(db: StoreDatabase) -> str | None:
    """Create the demo's admin with a random password (printed once); None if users exist."""
    from storelens.api.accounts import AccountStore

    accounts = AccountStore(db.engine)
    if accounts.count_users():
        return None
    password = secrets.token_urlsafe(12)
    accounts.add_user(DEMO_ADMIN, "admin", password)
    return password


def _run_live(scenario: Scenario, db: StoreDatabase) -> None:
    try:
        runs = scenario.run(db)
        logger.info("live feed ended: %s", "; ".join(r.summary() for r in runs))
    except Exception as err:  # the server keeps serving what was stored; say why the feed stopped
        print(f"storelens demo: the live feed stopped: {err}")


def _run_till(scenario: Scenario, db: StoreDatabase, closed: threading.Event, seed: int) -> None:
    """The live feed's till: each simulated receipt is stored once its time has come (the live
    cameras' stream time is the wall clock), as a till posting to `POST /api/pos/receipts` would."""
    receipts = simulate_receipts(scenario.store, scenario.log, seed).to_receipts(scenario.log.start)
    store_id = store_id_of(scenario.config)
    sent = 0
    try:
        while sent < len(receipts) and not closed.is_set():
            now = datetime.now(timezone.utc)
            due = sent
            while due < len(receipts) and receipts[due].ts <= now:
                due += 1
            if due > sent:
                store_receipts(db, store_id, receipts[sent:due])
                sent = due
            closed.wait(TILL_POLL_S)
    except Exception as err:  # the dashboard keeps what was stored; say why the till stopped
        print(f"storelens demo: the till stopped: {err}")


def _fill_history(scenario: Scenario, db: StoreDatabase, options: DemoOptions, now: datetime) -> None:
    """Past days, newest first (the dashboard's 'same weekday last week' needs the oldest too)."""
    today = now.astimezone(ZoneInfo(scenario.store.timezone)).date()
    days = [today - timedelta(days=d) for d in range(1, options.days + 1)]
    try:
        fill_history(scenario.config, scenario.store, db, days, seed=options.seed, on_day=_day_done)
    except Exception as err:
        print(f"storelens demo: history stopped: {err}")


def _day_done(day) -> None:
    print(f"storelens demo: history {day.day:%a %d %b} written ({day.people} people, {day.crossings} line crossings)")


def _print_where_to_look(options: DemoOptions, config_path: Path, url: str, password: str | None) -> None:
    lines = [
        "",
        f"  store config : {config_path}",
        f"  database     : {url}",
        f"  live feed    : {options.cameras} simulated cameras at 5 frames/s, full pipeline, from now on",
        f"  history      : the last {options.days} days, filling in the background (newest first)",
    ]
    if options.serve:
        lines.append(f"  dashboard    : http://{options.host}:{options.port}/")
    if password is not None:
        lines.append(
            f"  log in as    : {DEMO_ADMIN} / {password}   "
            f"(shown once; `{storelens_command('user', 'passwd', '-c', config_path, DEMO_ADMIN)}` changes it)"
        )
    else:
        users = storelens_command("user", "list", "-c", config_path)
        lines.append(f"  log in as    : the users already in this database (`{users}`)")
    lines += [
        f"  counts       : {storelens_command('stats', config_path)}",
        f"  heatmap      : {storelens_command('heatmap', config_path, '-o', 'heatmap.png')}",
        "",
    ]
    print("\n".join(lines), flush=True)
