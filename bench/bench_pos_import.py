"""POS import speed: 100,000 receipts from a CSV export into SQLite (and PostgreSQL), then again.

    scripts/bench bench/bench_pos_import.py                      # 100,000 receipts, SQLite
    scripts/bench bench/bench_pos_import.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Writes a seeded export (one row per receipt line, 1-6 lines a receipt, a year of opening hours),
then times `storelens.pos.import_csv` end to end (read and parse the file, check every receipt,
store them in one transaction) into a fresh database, and a second import of the same file (every
receipt unchanged, nothing written). The target is under 10 s for the first import.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa

from storelens.config import PosConfig
from storelens.pos import import_csv
from storelens.storage import open_database

OUT = Path(__file__).resolve().parent / "out"
CATEGORIES = ("snacks", "drinks", "pantry", "household", "cosmetics", "electronics", "promotions", "dairy")


def write_export(path: Path, n: int, seed: int = 0) -> int:
    """``n`` receipts over a year as a CSV export; returns its data rows."""
    rng = np.random.default_rng(seed)
    start = datetime(2025, 1, 1, 9, tzinfo=UTC)
    day = rng.integers(0, 365, n)
    seconds = np.sort(day * 86_400 + rng.integers(0, 12 * 3600, n))
    lines = rng.integers(1, 7, n)
    rows = ["receipt_id,time,till,total,category,amount"]
    for i in range(n):
        ts = (start + timedelta(seconds=int(seconds[i]))).isoformat()
        amounts = np.round(rng.uniform(0.5, 30, lines[i]), 2)
        total = f"{amounts.sum():.2f}"
        till = f"till_{1 + i % 3}"
        for category, amount in zip(rng.choice(CATEGORIES, lines[i]), amounts):
            rows.append(f"R{i:07d},{ts},{till},{total},{category},{amount:.2f}")
    path.write_text("\n".join(rows) + "\n")
    return len(rows) - 1


def python_speed() -> float:
    """Seconds a 10-million-step Python loop takes here and now: a yardstick for timings taken on a
    shared or busy machine (about 0.4-0.6 s on an idle recent x86 core)."""
    t0, total = time.perf_counter(), 0
    for i in range(10_000_000):
        total += i
    return round(time.perf_counter() - t0, 2)


def timed_imports(url: str, export: Path) -> dict:
    tz = ZoneInfo("Europe/London")
    out = {}
    with open_database(url) as db:
        for label in ("first", "again"):
            t0 = time.perf_counter()
            report = import_csv(db, "bench-shop", export, PosConfig(), tz)
            seconds = round(time.perf_counter() - t0, 2)
            out[label] = {"seconds": seconds, **report.to_dict(), "problems": len(report.problems)}
            print(f"  {label}: {out[label]['seconds']:.2f} s  ({report.text().splitlines()[0]})")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--receipts", type=int, default=100_000)
    parser.add_argument("--pg", help="also import into this PostgreSQL database (a schema of its own, dropped after)")
    args = parser.parse_args()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, 2 cores",
        "receipts": args.receipts,
        "python_10m_loop_s": python_speed(),
    }
    print(f"this machine now: a 10-million-step Python loop takes {result['python_10m_loop_s']:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "receipts.csv"
        result["rows"] = write_export(export, args.receipts)
        size_mb = export.stat().st_size / 1e6
        print(f"export: {args.receipts} receipts, {result['rows']} rows, {size_mb:.1f} MB")
        print("SQLite:")
        result["sqlite"] = timed_imports(f"sqlite:///{Path(tmp) / 'pos.db'}", export)
        if args.pg:
            schema = f"bench_pos_{uuid.uuid4().hex[:8]}"
            engine = sa.create_engine(args.pg)
            with engine.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            try:
                print("PostgreSQL:")
                result["postgresql"] = timed_imports(f"{args.pg}?options=-csearch_path%3D{schema}", export)
            finally:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                engine.dispose()
    OUT.mkdir(exist_ok=True)
    path = OUT / "bench_pos_import.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
