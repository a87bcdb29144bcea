"""Street groups: those who walk past, and those who come in, browse displays, pay and leave.

A group moves as one: members share the leader's plan, each a little behind the one before
(single file through the door and aisles) and at a spot of their own at each display, so
they stand side by side. One member of a paying group queues; the others wait near the door
and the group leaves together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storelens.sim.arrivals import Arrivals
from storelens.sim.checkout_queue import QueueOutcome
from storelens.sim.layout import SimStore
from storelens.sim.navigation import Navigator
from storelens.sim.walker import Track, Walker

__all__ = ["GroupVisit", "finish_visits", "plan_passers_by", "start_visits", "walking_speeds"]

SPEED_MEAN, SPEED_SD, SPEED_RANGE = 1.2, 0.2, (0.7, 1.8)
"""Free walking speed, m/s (pedestrian studies: about 1.2-1.4 m/s, slower when shopping)."""

GROUP_SLOWDOWN = 0.9
"""Groups walk at their slowest member's pace, a little slower still (they talk)."""

FOLLOW_LAG_S = 0.8
"""Each member walks this long behind the one before: 0.6-1 m at walking pace."""

LANE_OFFSETS_M = (0.0, 0.7, -0.7, 1.4)
"""Side-by-side offsets of members on the pavement."""

MAX_DISPLAYS, DISPLAY_CHOICE_P = 5, 0.35
"""Displays per visit are 1 + Binomial(MAX_DISPLAYS - 1, p): mostly 1-3, sometimes five."""

STAND_JITTER_M = 0.1
"""People stand near, not exactly on, a display's spot."""

DWELL_RANGE_S = (3.0, 900.0)

SAME_WAY_P = 0.7
"""Share of groups that carry on in the direction they came from after their visit."""

QUEUE_STEP_FACTOR = 0.7
"""Shuffling forward in a queue is slower than walking."""


def walking_speeds(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n,) free walking speeds, m/s."""
    return np.clip(rng.normal(SPEED_MEAN, SPEED_SD, n), *SPEED_RANGE)


def _lanes(store: SimStore, size: int, rng: np.random.Generator) -> np.ndarray:
    """Pavement y of each member walking side by side, all within the walking lanes."""
    offsets = np.array(LANE_OFFSETS_M[:size])
    lo, hi = store.street.lane_y
    y0 = rng.uniform(lo - offsets.min(), hi - offsets.max())
    return y0 + offsets


def plan_passers_by(
    store: SimStore, arrivals: Arrivals, group_ids: np.ndarray, rng: np.random.Generator
) -> list[Track]:
    """Tracks of the groups that walk past: straight along the pavement, end to end."""
    x_left, x_right = store.street.x_ends
    tracks = []
    for g in group_ids.tolist():
        size = int(arrivals.size[g])
        speed = walking_speeds(rng, size).min() * (GROUP_SLOWDOWN if size > 1 else 1.0)
        x0, x1 = (x_left, x_right) if arrivals.from_left[g] else (x_right, x_left)
        duration = abs(x1 - x0) / speed
        for k, y in enumerate(_lanes(store, size, rng)):
            t0 = arrivals.t_s[g] + k * FOLLOW_LAG_S / 2
            xy = np.array([[x0, y], [x1, y]])
            tracks.append(Track("passerby", g, np.array([t0, t0 + duration]), xy))
    return tracks


@dataclass(eq=False)
class GroupVisit:
    """A shopping group part-way through its plan (before the queue is resolved)."""

    group_id: int
    walkers: list[Walker]
    tracks: list[Track]
    door_lane: int
    to_left: bool
    exit_lanes: np.ndarray
    pays: bool


def _stand(walker: Walker, spot: np.ndarray, rng: np.random.Generator) -> None:
    """Step from the spot to where this person actually stands (within two jitters of it)."""
    offset = np.clip(rng.normal(0.0, STAND_JITTER_M, 2), -2 * STAND_JITTER_M, 2 * STAND_JITTER_M)
    walker.walk_to(spot + offset)


def _display_order(store: SimStore, chosen: np.ndarray) -> list[int]:
    """Visit the chosen displays nearest-first from the door (people do not criss-cross a shop)."""
    centres = np.array([store.pois[i].spots.mean(axis=0) for i in chosen])
    here, order, left = store.door.inside.mean(axis=0), [], list(range(len(chosen)))
    while left:
        nearest = min(left, key=lambda j: float(np.hypot(*(centres[j] - here))))
        order.append(int(chosen[nearest]))
        here = centres[nearest]
        left.remove(nearest)
    return order


def _member_spots(spots: np.ndarray, leader: int, size: int) -> np.ndarray:
    """Spot indices for the members: the leader's, then the others nearest to it."""
    d = np.hypot(*(spots - spots[leader]).T)
    return np.argsort(d, kind="stable")[:size]


def start_visits(
    store: SimStore, nav: Navigator, arrivals: Arrivals, group_ids: np.ndarray, rng: np.random.Generator
) -> list[GroupVisit]:
    """Plan each entering group from the pavement to the end of its last display stop.

    A payer is left at the queue entry, their companions at a waiting spot by the door, the
    rest at their last display; :func:`finish_visits` takes them all out.
    """
    weights = np.array([p.weight for p in store.pois])
    weights = weights / weights.sum()
    x_left, x_right = store.street.x_ends
    visits = []
    for g in group_ids.tolist():
        size = int(arrivals.size[g])
        speed = walking_speeds(rng, size).min() * (GROUP_SLOWDOWN if size > 1 else 1.0)
        lanes = _lanes(store, size, rng)
        door_lane = int(rng.integers(len(store.door.inside)))
        n_displays = 1 + rng.binomial(min(MAX_DISPLAYS, len(store.pois)) - 1, DISPLAY_CHOICE_P)
        displays = _display_order(store, rng.choice(len(store.pois), n_displays, replace=False, p=weights))
        dwell = [
            float(
                np.clip(rng.lognormal(np.log(store.pois[i].dwell_median_s), store.pois[i].dwell_sigma), *DWELL_RANGE_S)
            )
            for i in displays
        ]
        spot_of = [
            _member_spots(store.pois[i].spots, int(rng.integers(len(store.pois[i].spots))), size) for i in displays
        ]
        came_from_left = bool(arrivals.from_left[g])
        to_left = (not came_from_left) if rng.uniform() < SAME_WAY_P else came_from_left
        pays = bool(rng.uniform() < store.checkout.buy_share)
        x0 = x_left if came_from_left else x_right
        walkers, tracks = [], []
        leader_departs: list[float] = []
        for k in range(size):
            lane = (door_lane + k) % len(store.door.inside)
            w = Walker(float(arrivals.t_s[g]) + k * FOLLOW_LAG_S, np.array([x0, lanes[k]]), speed)
            w.walk_to(store.door.outside[lane])
            t_out = w.now
            w.walk_to(store.door.inside[lane])
            # Keyframes and the way out are filled in by finish_visits.
            track = Track("shopper", g, np.zeros(0), np.zeros((0, 2)), door=((t_out + w.now) / 2, np.nan))
            for n, i in enumerate(displays):
                poi = store.pois[i]
                spot = poi.spots[spot_of[n][k]]
                w.walk(nav.route(w.here, spot))
                _stand(w, spot, rng)
                arrive = w.now
                if k == 0:
                    leader_departs.append(arrive + dwell[n])
                w.stay_until(max(leader_departs[n] + k * FOLLOW_LAG_S, arrive + 1.0))
                track.stops.append((poi.name, arrive, w.now))
                w.walk_to(spot)
            if pays and k == 0:
                w.walk(nav.route(w.here, store.checkout.entry))
            elif pays:
                wait = store.checkout.wait_spots[(g + k) % len(store.checkout.wait_spots)]
                w.walk(nav.route(w.here, wait))
            walkers.append(w)
            tracks.append(track)
        visits.append(GroupVisit(g, walkers, tracks, door_lane, to_left, _lanes(store, size, rng), pays))
    return visits


def finish_visits(store: SimStore, nav: Navigator, visits: list[GroupVisit], queue: QueueOutcome) -> list[Track]:
    """Take every group out of the shop and along the pavement; returns the finished tracks.

    ``queue`` holds the payers' queue outcomes in the order the paying groups have in ``visits``.
    """
    payers = iter(range(len(queue.walks)))
    out = []
    for visit in visits:
        leader_door_s = 0.0
        for k, (w, track) in enumerate(zip(visit.walkers, visit.tracks)):
            lane = (visit.door_lane + k) % len(store.door.inside)
            door = store.door.inside[lane]
            if visit.pays and k == 0:
                i = next(payers)
                track.queue = (w.now, float(queue.service_start_s[i]), float(queue.service_end_s[i]))
                w.append(*queue.walks[i])
            elif visit.pays:
                # Companions leave their waiting spot so as to reach the door just behind the payer.
                w.stay_until(leader_door_s + k * FOLLOW_LAG_S - nav.length(w.here, door) / w.speed)
            w.walk(nav.route(w.here, door))
            if k == 0:
                leader_door_s = w.now
            inside_s = w.now
            w.walk_to(store.door.outside[lane])
            track.door = (track.door[0], (inside_s + w.now) / 2)
            x_end = store.street.x_ends[0] if visit.to_left else store.street.x_ends[1]
            w.walk_to(np.array([x_end, visit.exit_lanes[k]]))
            track.t, track.xy = w.keyframes()
            out.append(track)
    return out
