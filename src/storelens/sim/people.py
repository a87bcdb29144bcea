"""Simulate everyone in and around the shop: passers-by, shoppers, staff, with exact positions.

Each person's whole movement is planned up front as keyframes (walk this route, stand until
then); only the checkout queue couples people, and it is resolved in one event pass. Frame
positions are then interpolated for everyone in a single vectorised step, so a 12-hour day
costs about as much as its number of (person, frame) rows, not frames x people in Python.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import numpy as np

from storelens.sim.arrivals import TrafficProfile, sample_arrivals, to_utc
from storelens.sim.checkout_queue import serve_queue
from storelens.sim.layout import SimStore
from storelens.sim.navigation import Navigator, occupancy_grid
from storelens.sim.people_log import DoorPasses, PeopleLog, Persons, Plan, QueueVisits, Stops
from storelens.sim.shoppers import QUEUE_STEP_FACTOR, finish_visits, plan_passers_by, start_visits
from storelens.sim.staff import cashier_track, floor_staff_track, plan_cashier_trips
from storelens.sim.walker import Track

__all__ = ["simulate_people"]

HEIGHT_MEAN_M, HEIGHT_SD_M, HEIGHT_RANGE_M = 1.70, 0.08, (1.45, 2.0)
WIDTH_RANGE_M = (0.45, 0.55)
SWAY_AMPLITUDE_M = (0.01, 0.03)
SWAY_PERIOD_S = (3.0, 8.0)
"""Nobody stands perfectly still: a slow sway of a few centimetres."""

SERVICE_RANGE_S = (10.0, 300.0)
"""Service times are lognormal, cut to what a till can take (no 1 s sales, no 20 min ones)."""


def simulate_people(
    store: SimStore,
    start: datetime,
    duration_s: float,
    fps: float = 5.0,
    seed: int = 0,
    profile: TrafficProfile | None = None,
) -> PeopleLog:
    """Everyone's floor position at every frame of ``duration_s`` seconds from ``start``.

    Args:
        store: The shop.
        start: Time of frame 0 (naive: UTC). Arrival rates follow the store's local hour.
        duration_s: Length of the simulation.
        fps: Frames per second.
        seed: Same seed, same store, same arguments: identical log.
        profile: Traffic; None: :class:`TrafficProfile` defaults.

    The shop is empty of customers at the start (staff are in); people still inside at the
    end are cut off there.
    """
    if duration_s <= 0 or fps <= 0:
        raise ValueError(f"duration_s and fps must be positive, got {duration_s} and {fps}")
    profile = profile or TrafficProfile()
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    arrivals_rng, street_rng, shop_rng, staff_rng, body_rng = streams
    arrivals = sample_arrivals(profile, start, duration_s, store.timezone, arrivals_rng)
    nav = _navigator(store)

    trips = plan_cashier_trips(store, nav, duration_s, staff_rng)
    visits = start_visits(store, nav, arrivals, np.flatnonzero(arrivals.enters), shop_rng)
    payers = [v.walkers[0] for v in visits if v.pays]
    service_s = np.clip(
        shop_rng.lognormal(np.log(store.checkout.service_median_s), store.checkout.service_sigma, len(payers)),
        *SERVICE_RANGE_S,
    )
    queue = serve_queue(
        store.checkout,
        np.array([w.now for w in payers]),
        service_s,
        np.array([w.speed * QUEUE_STEP_FACTOR for w in payers]),
        [t.trip for t in trips],
    )
    staff = [cashier_track(store, nav, trips, queue.trip_start_s, duration_s)]
    staff += [floor_staff_track(store, nav, k, duration_s, staff_rng) for k in range(1, store.staff)]
    others = finish_visits(store, nav, visits, queue) + plan_passers_by(
        store, arrivals, np.flatnonzero(~arrivals.enters), street_rng
    )
    others.sort(key=lambda tr: tr.t[0])  # stable: ties keep planning order
    tracks = staff + [tr for tr in others if tr.t[0] < duration_s]
    persons = _persons(tracks, body_rng)
    n_frames = round(float(duration_s) * fps)
    frame, person_id, xy = _sample(tracks, fps, n_frames, body_rng)
    return PeopleLog(frame, person_id, xy, persons, _plan(tracks), fps, to_utc(start), n_frames)


@lru_cache(maxsize=4)
def _navigator(store: SimStore) -> Navigator:
    """One navigator (grid and route cache) per store object: routes do not depend on the seed,
    so reusing them across simulations changes nothing but the time taken."""
    return Navigator(occupancy_grid(store))


def _persons(tracks: list[Track], rng: np.random.Generator) -> Persons:
    n = len(tracks)
    return Persons(
        id=np.arange(n, dtype=np.int64),
        role=np.array([tr.role for tr in tracks], dtype="<U8"),
        group_id=np.array([tr.group_id for tr in tracks], dtype=np.int64),
        height_m=np.clip(rng.normal(HEIGHT_MEAN_M, HEIGHT_SD_M, n), *HEIGHT_RANGE_M),
        width_m=rng.uniform(*WIDTH_RANGE_M, n),
        appear_s=np.array([tr.t[0] for tr in tracks]),
        leave_s=np.array([tr.t[-1] for tr in tracks]),
    )


def _sample(
    tracks: list[Track], fps: float, n_frames: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interpolate every track at the frame times, all people in one call, plus sway.

    Each person's keyframe times are shifted by ``id * span`` so all tracks lie end to end on
    one time axis; one ``np.interp`` then serves everyone without mixing neighbours.
    """
    n = len(tracks)
    counts = np.array([len(tr.t) for tr in tracks])
    key_t = np.concatenate([tr.t for tr in tracks]) if n else np.zeros(0)
    key_xy = np.concatenate([tr.xy for tr in tracks]) if n else np.zeros((0, 2))
    span = float(key_t.max()) + 1.0 if n else 1.0
    owner = np.repeat(np.arange(n), counts)
    key = key_t + owner * span
    first = np.array([tr.t[0] for tr in tracks])
    last = np.array([tr.t[-1] for tr in tracks])
    k0 = np.ceil(first * fps - 1e-9).astype(np.int64)
    k1 = np.minimum(np.floor(last * fps + 1e-9).astype(np.int64), n_frames - 1)
    rows = np.maximum(k1 - k0 + 1, 0)
    person = np.repeat(np.arange(n, dtype=np.int64), rows)
    frame = np.repeat(k0, rows) + (np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows))
    t = frame / fps
    at = t + person * span
    xy = np.column_stack([np.interp(at, key, key_xy[:, 0]), np.interp(at, key, key_xy[:, 1])])
    amplitude = rng.uniform(*SWAY_AMPLITUDE_M, (n, 1))
    omega = 2 * np.pi / rng.uniform(*SWAY_PERIOD_S, (n, 2))
    phase = rng.uniform(0, 2 * np.pi, (n, 2))
    xy += amplitude[person] * np.sin(omega[person] * t[:, None] + phase[person])
    order = np.argsort(frame, kind="stable")
    return frame[order], person[order], xy[order]


def _plan(tracks: list[Track]) -> Plan:
    stops = [(i, *stop) for i, tr in enumerate(tracks) for stop in tr.stops]
    queue = sorted(((i, *tr.queue) for i, tr in enumerate(tracks) if tr.queue), key=lambda row: row[1])
    doors = [(i, *tr.door) for i, tr in enumerate(tracks) if tr.door]
    return Plan(
        stops=Stops(*_columns(stops, (np.int64, str, np.float64, np.float64))),
        queue=QueueVisits(*_columns(queue, (np.int64, np.float64, np.float64, np.float64))),
        doors=DoorPasses(*_columns(doors, (np.int64, np.float64, np.float64))),
    )


def _columns(rows: list[tuple], dtypes: tuple[type, ...]) -> list[np.ndarray]:
    """Rows of tuples -> one typed array per column (empty arrays when there are no rows)."""
    cols = list(zip(*rows)) if rows else [()] * len(dtypes)
    return [np.array(col, dtype=dt) for col, dt in zip(cols, dtypes)]
