"""Staff on duty: a cashier at the till and up to two colleagues between stockroom and shelves.

Staff are in the shop for the whole simulation (they came before it starts and leave after
it ends), but for the floor staff's breaks, taken in the yard behind the staff's back door, and
their trips out of the front door to tidy the shop's board on the pavement: then they cross the
entrance line like visitors do, and must not be counted as visitors. All wear the uniform
(`storelens.sim.appearance`). The cameras see them, and they count towards occupancy, as in a
real shop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storelens.sim.checkout_queue import CashierTrip
from storelens.sim.layout import SimStore
from storelens.sim.navigation import Navigator
from storelens.sim.walker import Track, Walker

__all__ = ["StockTrip", "cashier_track", "floor_staff_track", "plan_cashier_trips"]

STAFF_SPEED = 1.3
"""Staff walk briskly and know the way."""

TRIP_EVERY_S = (3600.0, 7200.0)
"""The cashier goes to the stockroom every one to two hours..."""

TRIP_STAY_S = (120.0, 240.0)
"""...for two to four minutes."""

STOCKROOM_SPELL_S = (300.0, 1200.0)
SHELF_SPELL_S = (120.0, 600.0)
SHELVES_PER_ROUND = (1, 3)

FRONT_TRIP_FIRST_S = (300.0, 2400.0)
FRONT_TRIP_EVERY_S = (1200.0, 3000.0)
FRONT_TRIP_STAY_S = (60.0, 180.0)
"""Floor staff step out of the front door to tidy the pavement board every 20 to 50 minutes, for
one to three minutes."""

BREAK_FIRST_S = (0.0, 7200.0)
BREAK_EVERY_S = (5400.0, 9000.0)
BREAK_S = (600.0, 900.0)
"""A 10 to 15 minute break in the yard every one and a half to two and a half hours."""


@dataclass(frozen=True, slots=True)
class StockTrip:
    """A planned cashier trip: which stockroom spot, how long there, and the till's view of it."""

    spot: int
    stay_s: float
    trip: CashierTrip


def plan_cashier_trips(store: SimStore, nav: Navigator, duration_s: float, rng: np.random.Generator) -> list[StockTrip]:
    """The cashier's stockroom trips over the simulation (none when alone in the shop)."""
    if store.staff < 2:
        return []
    trips, t = [], float(rng.uniform(*TRIP_EVERY_S)) / 2
    while t < duration_s:
        spot = int(rng.integers(len(store.stock_spots)))
        stay = float(rng.uniform(*TRIP_STAY_S))
        walk = 2 * nav.length(store.checkout.till_point, store.stock_spots[spot]) / STAFF_SPEED
        trips.append(StockTrip(spot, stay, CashierTrip(t, walk + stay)))
        t += float(rng.uniform(*TRIP_EVERY_S))
    return trips


def cashier_track(
    store: SimStore, nav: Navigator, trips: list[StockTrip], trip_start_s: np.ndarray, duration_s: float
) -> Track:
    """The cashier at the till, leaving for each trip when the queue lets them."""
    till = store.checkout.till_point
    w = Walker(0.0, till, STAFF_SPEED)
    for trip, start in zip(trips, trip_start_s.tolist()):
        w.stay_until(start)
        w.walk(nav.route(till, store.stock_spots[trip.spot]))
        w.stay_until(w.now + trip.stay_s)
        w.walk(nav.route(store.stock_spots[trip.spot], till))
    w.stay_until(max(duration_s, w.now))
    t, xy = w.keyframes()
    return Track("staff", -1, t, xy)


def floor_staff_track(
    store: SimStore, nav: Navigator, index: int, duration_s: float, rng: np.random.Generator
) -> Track:
    """A colleague alternating between the stockroom and restocking displays, with breaks in the
    yard (through the staff door) and trips out of the front door to the pavement board."""
    home = store.stock_spots[index % len(store.stock_spots)]
    w = Walker(0.0, home, STAFF_SPEED)
    in_stockroom = bool(rng.uniform() < 0.5)
    next_trip, next_break = rng.uniform(*FRONT_TRIP_FIRST_S), rng.uniform(*BREAK_FIRST_S)
    while w.now < duration_s:
        if w.now >= next_break:
            _take_break(store, nav, w, rng)
            next_break = w.now + rng.uniform(*BREAK_EVERY_S)
            continue
        if w.now >= next_trip:
            _tidy_board(store, nav, w, rng)
            next_trip = w.now + rng.uniform(*FRONT_TRIP_EVERY_S)
            continue
        if in_stockroom:
            w.stay_until(w.now + rng.uniform(*STOCKROOM_SPELL_S))
        else:
            for _ in range(int(rng.integers(SHELVES_PER_ROUND[0], SHELVES_PER_ROUND[1] + 1))):
                poi = store.pois[int(rng.integers(len(store.pois)))]
                spot = poi.spots[int(rng.integers(len(poi.spots)))]
                w.walk(nav.route(w.here, spot))
                w.stay_until(w.now + rng.uniform(*SHELF_SPELL_S))
            w.walk(nav.route(w.here, home))
        in_stockroom = not in_stockroom
    t, xy = w.keyframes()
    return Track("staff", -1, t, xy)


def _take_break(store: SimStore, nav: Navigator, w: Walker, rng: np.random.Generator) -> None:
    """Out through the staff door to the yard, a break there, and back to where they were."""
    back = w.here.copy()
    door = store.staff_door
    w.walk(nav.route(w.here, door.inside))
    w.walk(nav.route(door.inside, door.outside))
    w.stay_until(w.now + rng.uniform(*BREAK_S))
    w.walk(nav.route(door.outside, door.inside))
    w.walk(nav.route(door.inside, back))


def _tidy_board(store: SimStore, nav: Navigator, w: Walker, rng: np.random.Generator) -> None:
    """Out of the front door to the pavement board, a minute or three there, and back in."""
    back = w.here.copy()
    lane = int(rng.integers(len(store.door.inside)))
    inside, outside = store.door.inside[lane], store.door.outside[lane]
    w.walk(nav.route(w.here, inside))
    w.walk_to(outside)
    w.walk_to(store.pavement_board)
    w.stay_until(w.now + rng.uniform(*FRONT_TRIP_STAY_S))
    w.walk_to(outside)
    w.walk_to(inside)
    w.walk(nav.route(inside, back))
