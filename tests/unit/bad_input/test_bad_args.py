"""Bad command-line arguments: ports, dates, numbers, database URLs, paths and unknown options, each
one `storelens: error:` line (argparse's own errors included), exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from bad_input_helpers import Fails

# Arguments after the command; {store} is a valid store config, {db} a SQLite URL in a temporary folder.
CASES = [
    ([], "the following arguments are required: command"),
    (["trak"], "argument command: invalid choice: 'trak'"),
    (["track", "clip.mp4", "--bogus"], "unrecognized arguments: --bogus"),
    (["track"], "track: the following arguments are required: source"),
    (["eval", "--video", "clip.mp4"], "eval: the following arguments are required: --gt"),
    (["serve", "{store}", "--db", "{db}"], "has no users, so nobody could log in"),
    (["serve", "{store}", "--port", "http"], "serve: argument --port: invalid int value: 'http'"),
    (["serve", "{store}", "--port", "80.5"], "serve: argument --port: invalid int value: '80.5'"),
    (["serve", "{store}", "--workers", "0", "--db", "{db}"], "--workers must be 1 or more, got 0"),
    (["serve", "{store}", "--db", "sqlite:///"], "sqlite:/// names no file; give sqlite:///path/to/file.db"),
    (["demo", "--port", "eighty"], "demo: argument --port: invalid int value: 'eighty'"),
    (["demo", "--cameras", "1"], "--cameras must be 2 to 8, got 1"),
    (["demo", "--cameras", "9"], "--cameras must be 2 to 8, got 9"),
    (["demo", "--days", "-1"], "demo: argument --days: not a whole number, 0 or more: '-1'"),
    (["demo", "--hours", "0"], "demo: argument --hours: not a positive number of hours: '0'"),
    (["demo", "--hours", "-2"], "not a positive number of hours: '-2'"),
    (["demo", "--seed", "x"], "demo: argument --seed: not a whole number, 0 or more: 'x'"),
    (["eval-sim", "--cameras", "20"], "--cameras must be 2 to 8, got 20"),
    (["eval-sim", "--hours", "0"], "eval-sim: argument --hours: not a positive number of hours: '0'"),
    (["eval-sim", "--hours", "nan"], "not a positive number of hours: 'nan'"),
    (["eval-sim", "--hours", "inf"], "not a positive number of hours: 'inf'"),
    (["eval-sim", "--seed", "-1"], "eval-sim: argument --seed: not a whole number, 0 or more: '-1'"),
    (["eval-sim", "--start", "next tuesday"], "eval-sim: argument --start: not an ISO date/time: 'next tuesday'"),
    (["eval-sim", "--db", "sqlite://"], "sqlite:// names no file"),
    (["eval-sim", "-o", "{tmp}/store.yaml", "--hours", "0.01"], "store.yaml: is a file, not a folder"),
    (
        ["eval-sim", "-o", "/proc/storelens-sim", "--hours", "0.01"],
        "/proc/storelens-sim: cannot make the output folder",
    ),
    (["stats", "{store}", "--from", "2026-13-01"], "stats: argument --from: not an ISO date/time: '2026-13-01'"),
    (["stats", "{store}", "--to", "tomorrow"], "stats: argument --to: not an ISO date/time: 'tomorrow'"),
    (["stats", "{store}", "--from", "2026-01-01T00:00+25:00"], "not an ISO date/time: '2026-01-01T00:00+25:00'"),
    (["stats", "{store}", "--from", "0001-01-01"], "'0001-01-01' is out of range: give a time from 1970-01-01"),
    (["stats", "{store}", "--to", "9999-12-31T23:59:59"], "'9999-12-31T23:59:59' is out of range"),
    (
        ["stats", "{store}", "--from", "2026-02-01", "--to", "2026-01-01", "--db", "{db}"],
        "--from 2026-02-01T00:00:00+01:00 is not before --to 2026-01-01T00:00:00+01:00",  # the store is in Paris
    ),
    (
        ["stats", "{store}", "--from", "2026-01-01", "--to", "2026-01-01", "--db", "{db}"],
        "is not before --to",
    ),
    (["stats", "{store}", "--db", "sqlite:///"], "sqlite:/// names no file"),
    (["stats", "{store}", "--db", "mysql://shop@db/shop"], "unsupported database URL 'mysql'"),
    (["stats", "{store}", "--db", "sqlite:////proc/storelens/s.db"], "cannot open the database"),
    (["stats", "{store}", "--db", "sqlite:///{tmp}"], "cannot open the database"),
    (["stats", "{tmp}/nope.yaml"], "nope.yaml: config file not found"),
    (["heatmap", "{store}", "--camera", "till", "--db", "{db}"], "no camera 'till'; the config has door"),
    (["heatmap", "{store}", "-o", "{tmp}/heat.jpg", "--db", "{db}"], "heat.jpg: the heatmap is a PNG image"),
    (["heatmap", "{store}", "-o", "{tmp}", "--db", "{db}"], "the heatmap is a PNG image"),
    (["heatmap", "{store}", "-o", "/proc/storelens/heat.png", "--db", "{db}"], "cannot make the output folder"),
    (["heatmap", "{store}", "--from", "yesterday"], "heatmap: argument --from: not an ISO date/time"),
    (["run", "{store}", "--db", "sqlite:///"], "run: argument --db: sqlite:/// names no file"),
    (["run", "{store}", "--processes", "0", "--db", "{db}"], "--processes must be at least 1, got 0"),
    (["run", "{store}", "--start", "2026-02-30", "--db", "{db}"], "run: argument --start: not an ISO date/time"),
    (["run", "{store}", "--start", "9999-12-31T23:59:59", "--db", "{db}"], "run: argument --start: '9999-12-31"),
    (["run", "{store}", "--camera", "till", "--db", "{db}"], "unknown camera till; the config has door"),
    (["run", "{store}", "--camera", "door", "--camera", "till", "--db", "{db}"], "unknown camera till"),
    (["calibrate", "{store}", "--camera", "till"], "no camera 'till'; the config has door"),
    (["calibrate", "{store}", "-o", "{store}"], "store.yaml: cannot create the output folder"),
    (["user", "add", "bob", "--role", "boss", "-c", "{store}"], "user add: argument --role: invalid choice: 'boss'"),
    (["user", "add", "bob", "--role", "admin"], "user add: the following arguments are required: -c/--config"),
    (["user", "list", "-c", "{store}", "--db", "sqlite:///"], "user list: argument --db: sqlite:/// names no file"),
    (["token", "revoke", "abc", "-c", "{store}"], "token revoke: argument id: invalid int value: 'abc'"),
    (["token"], "token: the following arguments are required: action"),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(a)[:50] or "nothing" for a, _ in CASES])
def test_bad_arguments(
    fails: Fails,
    no_detector: list[str],
    tmp_path: Path,
    store_of,
    video: Path,
    args: list[str],
    expected: str,
) -> None:
    values = {"store": store_of(video), "db": f"sqlite:///{tmp_path}/s.db", "tmp": tmp_path}
    fails(*(a.format(**values) for a in args), expected=expected)
