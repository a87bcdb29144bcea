"""Fusion and analytics settings on a simulated store, replayed on its cameras' recorded tracks.

Tracking the cameras is most of a simulated run's time; fusion and analytics are a few
seconds a minute. This script tracks every camera of a simulated store once (as `run_store`
does for recorded video), keeps the cameras' floor observations in ``bench/out/``, and then
runs fusion -> analytics -> `score_simulation` on them for each variant given, so settings can
be compared on the same observations in seconds:

    scripts/bench bench/sim_fusion_replay.py --seed 0 base confirm_after_s=2 inertia=1
    scripts/bench bench/sim_fusion_replay.py base hold_lost_s=0+model_sigma_m=0.2

``--oracle`` first replaces every camera's track ids by the true person each observation is
nearest to (within 1 m; observations of nobody keep ids of their own): fusion then starts from
perfect camera tracks, which tells what identities fusion itself loses.

A variant is ``base`` (the simulated store's own `Scenario.fusion_config` and zones) or
``key=value`` changes joined by ``+``: any numeric `FusionConfig` field, ``inertia`` (the inertia
of the zones whose dwell is scored), or a numeric field of the staff rule (`StaffRule`:
``uniform_match``, ``hue_window``, ``saturation_window``, ``staff_zone_s``, ``uniform_min_s``) or of
the unit rule (`UnitRule`: ``enter_gap_s``, ``together_m``, ``together_share``, ``decide_after_s``).
Scores are those of `storelens eval-sim`, except that occupancy is counted from every fused
position rather than the stored (downsampled) ones; the identity columns (stored ids per true
person, continuity, store IDF1) come from `SimScore.visitors`, the zone columns are the range over
the scored zones of the signed stay-count and median-dwell errors.
``--people`` prints the staff and unit columns of `SimScore.people` instead of the line, dwell,
identity and zone ones.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from storelens.analytics import AnalyticsEvents, StoreAnalytics
from storelens.analytics.staff import StaffRule
from storelens.analytics.units import UnitRule
from storelens.calibrate import camera_mapper
from storelens.eval.sim_score import SimScore, StoredRecords, score_simulation
from storelens.fusion import STORE_CAMERA_ID, CameraObservations, FusionConfig, StoreFusion, observations_from_tracks
from storelens.pipeline import track_source
from storelens.runner import RECORDED_PIPELINE, analytics_spec
from storelens.sim.scenario import Scenario, make_scenario
from storelens.storage.models import TrackPoints

OUT = Path(__file__).resolve().parent / "out"
NOBODY = 10_000_000
"""With --oracle, observations of nobody keep their camera's track id plus this (no person's id)."""
_NUMERIC_FIELDS = {f.name for f in dataclasses.fields(FusionConfig) if f.type in ("int", "float", "bool")}
_STAFF_FIELDS = {f.name for f in dataclasses.fields(StaffRule) if f.type == "float"}
_UNIT_FIELDS = {f.name for f in dataclasses.fields(UnitRule) if f.type == "float"}


def record(scenario: Scenario) -> list[CameraObservations]:
    """Every camera's floor observations, tracked as `run_store` tracks recorded video."""
    observations: list[CameraObservations] = []
    for camera_id, camera in scenario.config.cameras.items():
        mapper = camera_mapper(camera, config_dir=Path.cwd())
        with scenario.open_camera(camera_id, camera, None) as source:
            track_source(
                source,
                scenario.detector,
                RECORDED_PIPELINE,
                on_tracks=lambda tracks: observations.append(observations_from_tracks(tracks, mapper)),
                keep=False,
            )
    return observations


def oracle(scenario: Scenario, observations: list[CameraObservations]) -> list[CameraObservations]:
    """The observations with each camera track id replaced by the nearest true person's (see --oracle)."""
    log, out = scenario.log, []
    for obs in observations:
        k = min(max(round((obs.ts - log.start).total_seconds() * log.fps), 0), log.n_frames - 1)
        truth = log.frame(k)
        ids = NOBODY + obs.track_id
        if len(truth) and len(obs.track_id):
            d = np.linalg.norm(obs.xy_m[:, None] - truth.xy_m[None], axis=2)
            rows, cols = linear_sum_assignment(d)
            near = d[rows, cols] < 1.0
            ids[rows[near]] = truth.person_id[cols[near]]
        out.append(dataclasses.replace(obs, track_id=ids))
    return out


def replay(scenario: Scenario, observations: list[CameraObservations], variant: str) -> SimScore:
    """Fuse and analyse the observations with one variant's settings; the score."""
    fusion, spec = scenario.fusion_config(), analytics_spec(scenario.config)
    for change in variant.split("+"):
        if change == "base":
            continue
        key, _, value = change.partition("=")
        try:
            float(value)
        except ValueError:
            raise SystemExit(f"variant {variant!r}: {change!r} is not key=number") from None
        if key == "inertia":
            scored = [dataclasses.replace(z, inertia_s=float(value)) if z.min_dwell_s > 0 else z for z in spec.zones]
            spec = dataclasses.replace(spec, zones=tuple(scored))
        elif key in _STAFF_FIELDS:
            spec = dataclasses.replace(spec, staff=dataclasses.replace(spec.staff, **{key: float(value)}))
        elif key in _UNIT_FIELDS:
            spec = dataclasses.replace(spec, units=dataclasses.replace(spec.units, **{key: float(value)}))
        elif key in _NUMERIC_FIELDS:
            kind = type(getattr(fusion, key))
            fusion = dataclasses.replace(fusion, **{key: kind(float(value)) if kind is not bool else value == "1"})
        else:
            raise SystemExit(
                f"variant {variant!r}: {key!r} is not a numeric field of FusionConfig, StaffRule or UnitRule, "
                "nor 'inertia'"
            )
    fuser = StoreFusion(fusion, list(scenario.config.cameras), scenario.coverage_m())
    analytics = StoreAnalytics(spec, STORE_CAMERA_ID)
    events, frames = AnalyticsEvents(), []

    def take(fused: list) -> None:
        for frame in fused:
            positions = frame.to_floor_positions()
            events.extend(analytics.update(positions, frame.appearance))
            frames.append(positions)

    for obs in sorted(observations, key=lambda o: o.ts):
        fuser.push(obs)
        take(fuser.pop_ready())
    take(fuser.flush())
    events.extend(analytics.flush())
    sizes = [len(p.track_id) for p in frames]
    points = TrackPoints(
        camera_id=np.full(sum(sizes), STORE_CAMERA_ID, dtype=object),
        track_id=np.concatenate([p.track_id for p in frames]),
        ts_us=np.repeat([round(p.ts.timestamp() * 1e6) for p in frames], sizes).astype(np.int64),
        floor_xy_m=np.concatenate([p.floor_xy_m for p in frames]),
    )
    stored = StoredRecords(events.crossings, events.zone_visits, events.visits, points)
    return score_simulation(scenario.store, scenario.log, stored)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("variants", nargs="+", help="'base' or key=value[+key=value...]")
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=datetime.fromisoformat, default=datetime(2026, 11, 27, 18, 0))
    parser.add_argument("--oracle", action="store_true", help="perfect camera tracks (see above)")
    parser.add_argument("--people", action="store_true", help="staff and buying unit columns (see above)")
    args = parser.parse_args()
    start = args.start if args.start.tzinfo else args.start.replace(tzinfo=timezone.utc)
    name = f"replay_{args.cameras}cam_{args.hours:g}h_seed{args.seed}_{start:%Y%m%dT%H%M}"
    scenario = make_scenario(
        OUT / name, n_cameras=args.cameras, start=start, duration_s=args.hours * 3600, seed=args.seed
    )
    cache = OUT / f"{name}.pkl"
    if cache.exists():
        observations = pickle.loads(cache.read_bytes())
    else:
        t0 = time.perf_counter()
        observations = record(scenario)
        cache.write_bytes(pickle.dumps(observations))
        print(f"tracked {args.cameras} cameras in {time.perf_counter() - t0:.0f} s (kept in {cache})")
    if args.oracle:
        observations = oracle(scenario, observations)
    print(f"{start:%a %Y-%m-%d %H:%M} UTC, {args.hours:g} h, seed {args.seed}, {args.cameras} cameras")
    if args.people:
        print(
            "variant | visitors in (staff left out / with staff) | out | staff recognised | shopper-seconds as staff"
            " | shoppers as staff | staff on floor (true) | buying units"
        )
        for variant in args.variants:
            print(f"{variant} | {_people(replay(scenario, observations, variant))}")
        return 0
    print(
        "variant | entrance in | entrance out | pavement in / out | dwell error | occupancy p95 / max"
        " | ids/person | continuity | IDF1 (IDP/IDR) | zone stays err | zone median dwell err"
    )
    for variant in args.variants:
        s = replay(scenario, observations, variant)
        ein, eout = s.line("entrance", "in"), s.line("entrance", "out")
        pin, pout = s.line("pavement", "in"), s.line("pavement", "out")
        print(
            f"{variant} | {ein.measured}/{ein.truth} ({_signed(ein)}) | "
            f"{eout.measured}/{eout.truth} ({_signed(eout)}) | {_signed(pin)} / {_signed(pout)} | "
            f"{s.dwell_median_rel_error:.1%} | "
            f"{s.occupancy_abs_error_p95:.0f} / {s.occupancy_abs_error_max:.0f} | {_visitors(s)} | {_zones(s)}"
        )
    return 0


def _people(s: SimScore) -> str:
    """Staff and unit columns (see `storelens.eval.sim_people`)."""
    p = s.people
    if p is None:
        return "n/a"
    return (
        f"{p.entries}/{p.true_entries} ({p.entries_error:+.1%}) / {p.entries_with_staff} | "
        f"{p.exits}/{p.true_exits} ({p.exits_error:+.1%}) | {p.staff_recognised:.1%} | "
        f"{p.shopper_s_as_staff:.2%} | {p.shoppers_as_staff:.2%} | {p.staff_on_floor:.2f} ({p.true_staff_on_floor:.2f})"
        f" | {p.units}/{p.true_units} ({p.units_error:+.1%})"
    )


def _visitors(s: SimScore) -> str:
    """Identity columns: stored ids per true person, continuity, store IDF1."""
    v = s.visitors
    if v is None:
        return "n/a | n/a | n/a"
    ids = f"{v.ids_per_person:.2f} ({v.stored_ids}/{v.true_people})"
    return f"{ids} | {v.continuity:.1%} | {v.idf1:.3f} ({v.idp:.2f}/{v.idr:.2f})"


def _zones(s: SimScore) -> str:
    """Range over the scored zones of the signed errors of stay counts and of median dwell."""
    counts = [z.count_error for z in s.zones]
    dwell = [z.median_dwell_error for z in s.zones]
    if not counts:
        return "n/a | n/a"
    return f"{min(counts):+.0%}..{max(counts):+.0%} | {min(dwell):+.0%}..{max(dwell):+.0%}"


def _signed(score) -> str:
    return f"{(score.measured - score.truth) / score.truth:+.1%}" if score.truth else "n/a"


if __name__ == "__main__":
    sys.exit(main())
