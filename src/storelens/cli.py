"""storelens: store analytics from CCTV cameras (visitor counts, paths, dwell, heatmaps, alerts).

Try `storelens demo` first: a simulated shop with a week of history on the dashboard. Then point a
store config at your cameras: `storelens calibrate`, `run`, `stats`, `heatmap` and `serve`.
`storelens COMMAND --help` describes each command with an example.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import NoReturn

from storelens import __version__
from storelens.errors import ConfigError, EvalError, StorelensError
from storelens.shell import storelens_command

__all__ = ["main"]

logger = logging.getLogger("storelens")

GT_MIN_CONF = 1.0
"""Ground-truth rows flagged 0 are not scored, as in MOTChallenge's evaluator (TrackEval)."""

TIME_RANGE = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(9000, 1, 1, tzinfo=timezone.utc))
"""Times the command line accepts: from the Unix epoch (nothing is recorded before) to well short
of the calendar's end, so adding a run's length to one cannot overflow."""


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors read like every other error: one `storelens: error:` line."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]
        raise ConfigError(f"{command + ': ' if command else ''}{message} (see {self.prog} --help)")


def _count(text: str) -> int:
    """A whole number, 0 or more (days, random seeds)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number, 0 or more: {text!r}")
    return int(text)


def _day(text: str) -> date:
    """A calendar date, YYYY-MM-DD, within the times the command line accepts."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None
    first, end = (t.date() for t in TIME_RANGE)
    if not first + timedelta(days=7) <= day < end:  # the report reads the week before too
        raise argparse.ArgumentTypeError(f"{text!r} is out of range: give a day from {first + timedelta(days=7)} on")
    return day


def _hours(text: str) -> float:
    """A positive, finite number of hours."""
    try:
        hours = float(text)
    except ValueError:
        hours = math.nan
    if not 0 < hours < math.inf:
        raise argparse.ArgumentTypeError(f"not a positive number of hours: {text!r}")
    return hours


def _db_url(text: str) -> str:
    """A ``--db`` URL, checked as the config's storage.url is."""
    from storelens.config.storage import check_database_url

    try:
        return check_database_url(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _add_source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fps", type=float, help="true frame rate of the video when its container is wrong")
    p.add_argument("--analysis-fps", type=float, help="analyse only this many frames per second")
    p.add_argument("--camera-id", default="cam", help="camera name stamped on every record")
    p.add_argument(
        "--model",
        help="detector: 'ssd-mobilenet-v2' (bundled default) or a path to an Ultralytics YOLO .onnx export",
    )
    p.add_argument(
        "--detections", type=Path, help="MOT detection file to track instead of running the detector"
    )
    p.add_argument("--threads", type=int, default=2, help="CPU threads for the detector (default 2)")
    p.add_argument(
        "--accept-partial",
        action="store_true",
        help="keep the frames read before a truncated or corrupt file fails (with a warning) instead of an error",
    )


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="storelens", description=__doc__)
    parser.add_argument("--version", action="version", version=f"storelens {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and warnings")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("track", help="track people in a video, stream, webcam or image folder")
    p.add_argument("source", help="video file, image folder, rtsp:// or http:// URL, or webcam index")
    _add_source_args(p)
    p.add_argument("-o", "--out", type=Path, default=Path("out"), help="output folder (default ./out)")
    p.add_argument("--no-video", action="store_true", help="skip the annotated video")
    p.add_argument(
        "--privacy",
        choices=("heads", "silhouette"),
        default="heads",
        help="what the annotated video hides: each head (default) or each whole person",
    )
    p.set_defaults(func=_cmd_track)

    p = sub.add_parser("eval", help="score tracking against MOT ground truth")
    p.add_argument("--video", required=True, help="the video the ground truth belongs to")
    p.add_argument("--gt", required=True, type=Path, help="MOT ground-truth file (rows flagged 0 are ignored)")
    _add_source_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--tracks-out", type=Path, help="also write the tracks as a MOT file")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("run", help="process every camera of a store config into its database")
    p.add_argument("config", type=Path, help="store config (YAML)")
    p.add_argument("--camera", action="append", help="run only this camera (repeatable)")
    p.add_argument(
        "--start",
        type=_utc,
        help=(
            "UTC time of the first frame of video files (default: the files' modification time; "
            "a run of the same files at the same start replaces the earlier one)"
        ),
    )
    p.add_argument("--db", type=_db_url, help="database URL instead of the config's storage.url")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for the detector (default 2)")
    p.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes for the cameras of recorded video, each with its own detector (default 1; "
        "e.g. the number of cores divided by --threads); live cameras always run in one process",
    )
    p.add_argument(
        "--accept-partial",
        action="store_true",
        help="keep what was read of a truncated or corrupt video file (with a warning) instead of an error",
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("stats", help="counts, dwell and occupancy from the database")
    p.add_argument("config", type=Path, help="store config (YAML)")
    _add_range_args(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_stats)

    p = sub.add_parser("heatmap", help="draw the floor heatmap for a time range as PNG")
    p.add_argument("config", type=Path, help="store config (YAML)")
    _add_range_args(p)
    p.add_argument("--camera", help="one camera only (default: all)")
    p.add_argument("--no-flow", action="store_true", help="time spent only, without the main routes' lines")
    p.add_argument("--staff", action="store_true", help="show staff-only zones too (left out by default)")
    p.add_argument("-o", "--out", type=Path, default=Path("heatmap.png"), help="PNG to write")
    p.set_defaults(func=_cmd_heatmap)

    p = sub.add_parser("report", help="the daily report of one day as HTML and PDF (and mail it)")
    p.add_argument("config", type=Path, help="store config (YAML)")
    p.add_argument("--day", type=_day, help="local date YYYY-MM-DD of the store (default: yesterday there)")
    p.add_argument("-o", "--out", type=Path, default=Path("out"), help="folder for <store>-<day>.html and .pdf")
    p.add_argument("--db", type=_db_url, help="database URL instead of the config's storage.url")
    p.add_argument("--mail", action="store_true", help="also mail it to the config's reports.email recipients")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("calibrate", help="check each camera's floor calibration: error and a grid image")
    p.add_argument("config", type=Path, help="store config (YAML)")
    p.add_argument("--camera", help="one camera only (default: all)")
    p.add_argument("-o", "--out", type=Path, default=Path("out"), help="folder for the check images")
    p.add_argument("--model", help="detector used to find (and blur) heads in the check images")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for the detector (default 2)")
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser("serve", help="serve the dashboard and its API (log in with a `storelens user` account)")
    p.add_argument("config", type=Path, help="store config (YAML)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.add_argument("--db", type=_db_url, help="database URL instead of the config's storage.url")
    p.add_argument("--secure-cookies", action="store_true", help="mark cookies Secure (when behind a TLS proxy)")
    p.add_argument("--workers", type=int, default=1, help="server processes (default 1; e.g. one per core)")
    p.set_defaults(func=_cmd_serve)
    _add_account_parsers(sub)

    p = sub.add_parser("demo", help="a simulated shop with a week of history and a live feed, on the dashboard")
    p.add_argument("--dir", type=Path, help="folder for the demo's config and database (default: user data dir)")
    p.add_argument("--cameras", type=int, default=4, help="simulated cameras, 2-8 (default 4)")
    p.add_argument("--days", type=_count, default=7, help="days of history to fill (default 7)")
    p.add_argument("--hours", type=_hours, default=4.0, help="length of the live feed, hours (default 4)")
    p.add_argument("--seed", type=_count, default=0, help="random seed: same seed, same shoppers")
    p.add_argument("--host", default="127.0.0.1", help="dashboard address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="dashboard port (default 8080)")
    p.add_argument("--no-serve", action="store_true", help="run the feed without the dashboard")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("pos", help="till receipts: import a POS export (CSV) into the store's database")
    actions = p.add_subparsers(dest="action", required=True)
    q = actions.add_parser(
        "import", help="import receipts from a CSV export (columns as the config's pos section says); "
        "importing the same receipts again changes nothing"
    )
    q.add_argument("config", type=Path, help="store config (YAML)")
    q.add_argument("file", type=Path, help="the CSV export")
    q.add_argument("--db", type=_db_url, help="database URL instead of the config's storage.url")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=_cmd_pos_import)

    p = sub.add_parser("eval-sim", help="score tracking, fusion and analytics on a simulated store with exact truth")
    p.add_argument("--cameras", type=int, default=4, help="simulated cameras, 2-8 (default 4)")
    p.add_argument("--hours", type=_hours, default=1.0, help="simulated hours (default 1)")
    p.add_argument("--seed", type=_count, default=0, help="random seed: same seed, same result")
    p.add_argument("--start", type=_utc, help="UTC start (default: the busiest hour of the past week)")
    p.add_argument("-o", "--out", type=Path, default=Path("out/eval-sim"), help="folder for config and database")
    p.add_argument("--db", type=_db_url, help="database URL (default: SQLite in the output folder, emptied first)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_eval_sim)
    _describe(sub)
    return parser


EXAMPLES = {
    "track": "storelens track video.mp4 -o out/",
    "eval": "storelens eval --video PETS09/video.avi --gt PETS09/gt/gt.txt --fps 7",
    "run": "storelens run store.yaml --start 2026-11-20T10:00",
    "stats": "storelens stats store.yaml --from 2026-11-20 --to 2026-11-21",
    "heatmap": "storelens heatmap store.yaml -o heatmap.png",
    "report": "storelens report store.yaml --day 2026-11-20 -o out/",
    "calibrate": "storelens calibrate store.yaml -o out/",
    "serve": "storelens serve store.yaml --port 8080",
    "user": "storelens user add alice --role manager -c store.yaml",
    "token": "storelens token create pos-export --user alice -c store.yaml",
    "demo": "storelens demo --dir demo/",
    "eval-sim": "storelens eval-sim --cameras 4 --hours 0.25",
    "pos": "storelens pos import store.yaml receipts.csv",
}
"""One example per command, shown by its --help."""


def _describe(sub: argparse._SubParsersAction) -> None:
    """Give each command's --help its one-line summary as a description and an example."""
    summaries = {action.dest: action.help for action in sub._choices_actions}
    for name, p in sub.choices.items():
        p.description = summaries.get(name)
        p.epilog = f"example:\n  {EXAMPLES[name]}"
        p.formatter_class = argparse.RawDescriptionHelpFormatter


def _account_command(name: str):
    """A handler of storelens.api.commands, imported only when it runs."""

    def run(args: argparse.Namespace) -> int:
        from storelens.api import commands

        return getattr(commands, name)(args)

    return run


def _add_account_parsers(sub) -> None:
    def database_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("-c", "--config", type=Path, required=True, help="store config (YAML) naming the database")
        p.add_argument("--db", type=_db_url, help="database URL instead of the config's storage.url")

    def password_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--password-stdin", action="store_true", help="read the password from stdin, not a prompt")

    users = sub.add_parser("user", help="web users: add, list, passwd, delete")
    users = users.add_subparsers(dest="action", required=True)
    p = users.add_parser("add", help="add a user; the password is prompted for (or read with --password-stdin)")
    p.add_argument("name", help="user name (letters, digits, _ . @ -)")
    p.add_argument(
        "--role",
        required=True,
        choices=["admin", "manager", "viewer"],
        help="viewer: read only; manager: also acknowledges alerts and switches the siren; admin: also accounts",
    )
    database_args(p)
    password_args(p)
    p.set_defaults(func=_account_command("user_add"))
    p = users.add_parser("passwd", help="set a user's password (closes their browser sessions)")
    p.add_argument("name")
    database_args(p)
    password_args(p)
    p.set_defaults(func=_account_command("user_passwd"))
    p = users.add_parser("list", help="list users and roles")
    database_args(p)
    p.set_defaults(func=_account_command("user_list"))
    p = users.add_parser("delete", help="delete a user with their tokens and sessions")
    p.add_argument("name")
    database_args(p)
    p.set_defaults(func=_account_command("user_delete"))

    tokens = sub.add_parser("token", help="API tokens for scripts: create, list, revoke").add_subparsers(
        dest="action", required=True
    )
    p = tokens.add_parser("create", help="create a token for a user and print it (once)")
    p.add_argument("name", help="what the token is for, e.g. 'pos-export'")
    p.add_argument("--user", required=True, help="user whose role the token carries")
    p.add_argument(
        "--scope",
        choices=["full", "pos"],
        default="full",
        help="full (default): everything the user's role allows; pos: post till receipts and nothing else "
        "(for a till system; the user must be a manager or admin)",
    )
    database_args(p)
    p.set_defaults(func=_account_command("token_create"))
    p = tokens.add_parser("list", help="list tokens (not their secrets)")
    database_args(p)
    p.set_defaults(func=_account_command("token_list"))
    p = tokens.add_parser("revoke", help="revoke a token by id")
    p.add_argument("id", type=int, help="token id, from `storelens token list`")
    database_args(p)
    p.set_defaults(func=_account_command("token_revoke"))


def _utc(text: str) -> datetime:
    """An ISO time; without a zone it is taken as UTC."""
    value = _local(text)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _local(text: str) -> datetime:
    """An ISO time, left without a zone if it names none (the store's zone is applied later)."""
    try:
        value = datetime.fromisoformat(text)
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        in_range = TIME_RANGE[0] <= aware < TIME_RANGE[1]
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"not an ISO date/time: {text!r} (e.g. 2026-11-22T09:00)") from None
    if not in_range:
        first, end = (t.date().isoformat() for t in TIME_RANGE)
        raise argparse.ArgumentTypeError(f"{text!r} is out of range: give a time from {first} to before {end}")
    return value


def _add_range_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--from", dest="start", type=_local, help="start, ISO time in the store's time zone unless one is given "
        "(default: today's midnight there)"
    )
    p.add_argument("--to", dest="end", type=_local, help="end, ISO time likewise (default: now)")
    p.add_argument("--db", type=_db_url, help="database URL instead of the config's storage.url")


def _database(args: argparse.Namespace, config):
    from storelens.storage.of_store import open_store_database

    return open_store_database(config, args.db)


def _range(args: argparse.Namespace, tz: tzinfo) -> tuple[datetime, datetime]:
    """--from / --to in the store's time zone unless they name one; default: today so far."""
    now = datetime.now(tz)
    end = now if args.end is None else args.end if args.end.tzinfo else args.end.replace(tzinfo=tz)
    if args.start is None:
        start = end.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        start = args.start if args.start.tzinfo else args.start.replace(tzinfo=tz)
    if start >= end:
        raise ConfigError(f"--from {start.isoformat()} is not before --to {end.isoformat()}")
    return start, end


def _cmd_run(args: argparse.Namespace) -> int:
    from functools import partial

    from storelens.camera_workers import sigterm_as_ctrl_c
    from storelens.config import load_config
    from storelens.detect import make_detector
    from storelens.runner import PerProcessDetector, default_start_time, run_store

    if args.processes < 1:
        raise ConfigError(f"--processes must be at least 1, got {args.processes}")
    config = load_config(args.config)
    cameras = list(dict.fromkeys(args.camera)) if args.camera else None
    _check_cameras(config, cameras)
    start = args.start or default_start_time(config, cameras)
    if args.processes == 1:
        detector = make_detector(threads=args.threads)
    else:  # built in each worker: a detector's ONNX Runtime session is not shared across a fork
        detector = PerProcessDetector(partial(make_detector, threads=args.threads))
    with sigterm_as_ctrl_c(), _database(args, config) as db:  # systemd's stop flushes, as Ctrl-C does
        runs = run_store(
            config,
            db,
            detector,
            start_time=start,
            cameras=cameras,
            processes=args.processes,
            accept_partial=args.accept_partial,
        )
        for run in runs:
            print(run.summary())
        print(f"stored in {db.url}")
    spans = [(r.first_ts, r.last_ts) for r in runs if r.first_ts is not None]
    if spans:
        first, last = min(a for a, _ in spans), max(b for _, b in spans) + timedelta(seconds=1)
        local = [t.astimezone(config.tz).replace(microsecond=0, tzinfo=None).isoformat() for t in (first, last)]
        db = ["--db", args.db] if args.db else []
        print(f"counts: {storelens_command('stats', args.config, '--from', local[0], '--to', local[1], *db)}")
    return 0


def _check_cameras(config, cameras: list[str] | None) -> None:
    """Check the cameras to run before the detector loads (seconds), so a wrong id or a missing
    or undecodable file fails at once: each video file or image folder is opened once (live
    cameras are left to the run, which retries them)."""
    from storelens.sources import is_live_uri, open_source

    unknown = [c for c in cameras or () if c not in config.cameras]
    if unknown:
        raise ConfigError(f"unknown camera {', '.join(unknown)}; the config has {', '.join(config.cameras)}")
    for camera_id in cameras or config.cameras:
        camera = config.cameras[camera_id]
        if not is_live_uri(camera.source):
            open_source(camera.source, camera_id=camera_id, fps=camera.fps, analysis_fps=camera.analysis_fps).close()


def _cmd_stats(args: argparse.Namespace) -> int:
    from storelens.config import load_config
    from storelens.reports import store_stats

    config = load_config(args.config)
    start, end = _range(args, config.tz)
    with _database(args, config) as db:
        stats = store_stats(config, db, start, end)
    print(json.dumps(stats.to_dict()) if args.json else stats.to_text())
    return 0


def _cmd_pos_import(args: argparse.Namespace) -> int:
    """Exit 0 when every row was imported, 1 when some were left out (the others are stored)."""
    from storelens.config import load_config
    from storelens.pos import import_csv
    from storelens.runner import store_id_of
    from storelens.storage import StoreInfo

    config = load_config(args.config)
    with _database(args, config) as db:
        store_id = store_id_of(config)
        db.upsert_store(StoreInfo(store_id, config.name, config.timezone))
        report = import_csv(db, store_id, args.file, config.pos, config.tz)
    print(json.dumps(report.to_dict()) if args.json else report.text())
    return 1 if report.problems else 0


def _cmd_heatmap(args: argparse.Namespace) -> int:
    from storelens.config import load_config
    from storelens.reports import write_heatmap_png

    config = load_config(args.config)
    start, end = _range(args, config.tz)
    with _database(args, config) as db:
        path, report = write_heatmap_png(
            config, db, start, end, args.out, camera=args.camera, flow=not args.no_flow, staff=args.staff
        )
    scale = report.heat.scale
    print(
        f"wrote {path}: {report.heat.seconds.sum() / 60:,.0f} visitor-minutes on the floor shown, colour scale "
        f"0-{scale.top:,.3g} visitor-minutes per m2 (95th-percentile spot at {scale.p95_share:.0%} of it)"
    )
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from storelens.config import load_config
    from storelens.reports.daily_output import make_daily_report, write_report_files
    from storelens.reports.mail import report_message, send_message, smtp_password

    config = load_config(args.config)
    email = config.reports.email
    if args.mail and email is None:
        raise ConfigError(f"{args.config}: --mail needs a reports.email section (smtp_host, from, to)")
    password = smtp_password(email) if args.mail else None  # a missing one stops here, before the work
    day = args.day or datetime.now(config.tz).date() - timedelta(days=1)
    with _database(args, config) as db:
        rendered = make_daily_report(config, db, day)
    for path in write_report_files(rendered, args.out):
        print(path)
    if args.mail:
        message = report_message(
            email, rendered.subject, rendered.text, rendered.html, rendered.pdf, f"{rendered.stem}.pdf"
        )
        refused = send_message(message, email, password)
        sent = [a for a in email.to if a not in refused]
        print(f"mailed to {', '.join(sent)}" + (f"; refused: {', '.join(refused)}" if refused else ""))
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from storelens.calibrate import run_calibrate
    from storelens.config import load_config
    from storelens.detect import make_detector

    config = load_config(args.config)
    detector = make_detector(args.model, threads=args.threads)
    for report in run_calibrate(config, args.camera, args.out, detector=detector):
        print(report.summary())
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from storelens.api.server import serve
    from storelens.config import load_config

    serve(
        load_config(args.config),
        args.config,
        args.db,
        args.host,
        args.port,
        args.secure_cookies,
        workers=args.workers,
        access_log=args.verbose,
    )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from storelens.demo import DemoOptions, run_demo

    if not 2 <= args.cameras <= 8:
        raise ConfigError(f"--cameras must be 2 to 8, got {args.cameras}")
    options = DemoOptions(
        directory=args.dir, cameras=args.cameras, days=args.days, hours=args.hours, seed=args.seed,
        host=args.host, port=args.port, serve=not args.no_serve,
    )
    return run_demo(options)


def _cmd_eval_sim(args: argparse.Namespace) -> int:
    from storelens.eval.sim_score import evaluate_simulation
    from storelens.outputs import output_folder

    if not 2 <= args.cameras <= 8:
        raise ConfigError(f"--cameras must be 2 to 8, got {args.cameras}")
    out = output_folder(args.out)
    score = evaluate_simulation(out, args.cameras, args.hours * 3600, args.seed, args.start, args.db)
    print(json.dumps(score.to_dict(), indent=2) if args.json else score.text())
    return 0


def _detector(args: argparse.Namespace):
    """The detector the arguments ask for (imported lazily: ONNX Runtime is slow to load)."""
    if args.detections is not None:
        from storelens.detect.replay import ReplayDetector

        return ReplayDetector(_read_boxes(args.detections))
    from storelens.detect import make_detector

    return make_detector(args.model, threads=args.threads)


def _open(args: argparse.Namespace, uri: str):
    from storelens.sources import open_source

    return open_source(
        uri, camera_id=args.camera_id, fps=args.fps, analysis_fps=args.analysis_fps, accept_partial=args.accept_partial
    )


def _read_boxes(path: Path, min_conf: float | None = None):
    """A MOT file of boxes to track or score against; an empty one is the wrong file."""
    from storelens.eval.motio import read_mot

    table = read_mot(path, min_conf=min_conf)
    if not len(table):
        flagged = "" if min_conf is None else f" with conf >= {min_conf:g}"
        raise EvalError(f"{path}: no boxes{flagged}")
    return table


def _cmd_track(args: argparse.Namespace) -> int:
    from storelens.outputs import TrackFileWriter, output_folder, write_annotated_video, write_summary
    from storelens.pipeline import track_source

    out = output_folder(args.out)
    with _open(args, args.source) as source, TrackFileWriter(out / "tracks.txt") as writer:
        live = source.is_live
        run = track_source(source, _detector(args), on_tracks=writer.write)
    paths = [writer.path]
    summary = run.summary()
    paths.append(write_summary(summary, out / "summary.json"))
    if live and not args.no_video:
        print("no annotated video for a live source: its frames cannot be read a second time")
    elif not args.no_video:
        with _open(args, args.source) as source:
            fps = args.analysis_fps or source.nominal_fps or 10.0
            paths.append(write_annotated_video(run, source, out / "annotated.mp4", fps, privacy=args.privacy))
    timing = summary["timing"]
    print(
        f"{summary['tracks']} tracks in {summary['frames']} frames "
        f"({timing['fps']} frames/s); wrote {', '.join(str(p) for p in paths)}"
    )
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from storelens.eval.mot_metrics import score_boxes
    from storelens.outputs import write_tracks
    from storelens.pipeline import track_source

    gt = _read_boxes(args.gt, min_conf=GT_MIN_CONF)
    with _open(args, args.video) as source:
        run = track_source(source, _detector(args))
    stats = source.stats
    frames, last_gt = stats.frames_read + stats.frames_skipped, int(gt.frame.max())
    if last_gt > frames and stats.last_error is None:  # not a partial file (--accept-partial)
        raise EvalError(f"{args.gt}: has boxes up to frame {last_gt}, {args.video} only {frames} frames")
    if args.tracks_out:
        write_tracks(run, args.tracks_out)
    score = score_boxes(gt, run.to_mot())
    timing = run.times.to_dict()
    result = {
        "mota": round(score.mota, 4),
        "idf1": round(score.idf1, 4),
        "id_switches": score.id_switches,
        "recall": round(score.recall, 4),
        "precision": round(score.precision, 4),
        "fps": timing["fps"],
        "motp": round(score.motp, 4),
        "false_positives": score.num_false_positives,
        "misses": score.num_misses,
        "tracks": score.num_unique_pred,
        "gt_tracks": score.num_unique_gt,
        "timing_ms": {k: v for k, v in timing.items() if k.endswith("_ms")},
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"MOTA {result['mota']:.3f}  IDF1 {result['idf1']:.3f}  ID switches {result['id_switches']}  "
            f"recall {result['recall']:.3f}  precision {result['precision']:.3f}  "
            f"{result['fps']} frames/s  ({result['tracks']} tracks for {result['gt_tracks']} people)"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; errors the user can fix print one line and exit 2."""
    try:
        args = _build_parser().parse_args(argv)
        logging.basicConfig(
            level=logging.INFO if args.verbose else logging.WARNING,
            format="%(levelname)s %(name)s: %(message)s",
        )
        return args.func(args)
    except StorelensError as err:
        for line in str(err).splitlines() or [type(err).__name__]:
            print(f"storelens: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("storelens: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `storelens stats ... | head`: the reader had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141


if __name__ == "__main__":
    sys.exit(main())
