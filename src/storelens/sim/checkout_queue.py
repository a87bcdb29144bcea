"""The checkout queue: the one place simulated people wait for each other.

Everything else a shopper does depends only on their own plan, so it is planned per person;
the queue is resolved afterwards in one pass over the customers in order of reaching it.
A single till serves first come, first served. Each waiting customer stands one spacing
behind the one ahead and steps up when the queue moves, so their walk is known exactly from
the service end times of the people ahead. The cashier's short trips to the back room
happen between customers; whoever is at the front waits at the till meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storelens.sim.layout import Checkout

__all__ = ["CashierTrip", "QueueOutcome", "serve_queue"]


@dataclass(frozen=True, slots=True)
class CashierTrip:
    """The cashier wants to leave the till at ``request_s`` for ``away_s`` (walks included)."""

    request_s: float
    away_s: float


@dataclass(frozen=True, eq=False)
class QueueOutcome:
    """Per customer (input order): service start and end, and the walk from the queue entry
    to the service point as keyframes (times, positions); plus when the cashier really left."""

    service_start_s: np.ndarray
    service_end_s: np.ndarray
    walks: list[tuple[np.ndarray, np.ndarray]]
    trip_start_s: np.ndarray


def serve_queue(
    checkout: Checkout,
    join_s: np.ndarray,
    service_s: np.ndarray,
    step_speed: np.ndarray,
    trips: list[CashierTrip],
) -> QueueOutcome:
    """Resolve the FIFO queue.

    Args:
        checkout: The till and its queue line.
        join_s: (n,) time each customer reaches the queue entry.
        service_s: (n,) how long serving each customer takes.
        step_speed: (n,) walking speed within the queue, m/s.
        trips: The cashier's trips, in request order.

    Returns:
        The outcome, per customer in the order given.
    """
    order = np.argsort(join_s, kind="stable")
    n = len(join_s)
    start, end = np.zeros(n), np.zeros(n)
    walks: list[tuple[np.ndarray, np.ndarray]] = [(np.zeros(0), np.zeros((0, 2)))] * n
    trip_start = np.zeros(len(trips))
    next_trip, last_end = 0, -np.inf
    ends_so_far: list[float] = []
    for i in order:
        t_q, q = _walk_to_front(
            float(join_s[i]),
            checkout.entry_slots * checkout.queue_spacing_m,
            np.asarray(ends_so_far)[np.asarray(ends_so_far) > join_s[i]],
            checkout.queue_spacing_m,
            float(step_speed[i]),
        )
        s = t_q[-1]
        while next_trip < len(trips) and trips[next_trip].request_s <= s:
            trip_start[next_trip] = max(trips[next_trip].request_s, last_end)
            s = max(s, trip_start[next_trip] + trips[next_trip].away_s)
            next_trip += 1
        start[i], end[i] = s, s + service_s[i]
        last_end = end[i]
        ends_so_far.append(end[i])
        times = np.append(t_q, end[i])
        walks[i] = (times, checkout.slot(np.append(q, 0.0)))
    for j in range(next_trip, len(trips)):
        trip_start[j] = max(trips[j].request_s, last_end)
    return QueueOutcome(start, end, walks, trip_start)


def _walk_to_front(
    t0: float, q0: float, drops: np.ndarray, spacing: float, speed: float
) -> tuple[np.ndarray, np.ndarray]:
    """Keyframes (times, distance from the service point) of one customer reaching the front.

    ``drops`` are the (ascending) service ends of the people ahead: at each the queue moves up
    one place. The customer walks at ``speed`` towards their place (``spacing`` x people
    ahead) and holds there; the last keyframe is arriving at the service point.
    """
    times, dist = [t0], [q0]
    ahead = len(drops)
    for d in [*drops.tolist(), np.inf]:
        target = spacing * ahead
        reach = times[-1] + abs(dist[-1] - target) / speed
        if reach <= d:
            if reach > times[-1]:
                times.append(reach)
                dist.append(target)
            if np.isfinite(d) and d > times[-1]:
                times.append(d)
                dist.append(target)
        else:
            dist.append(dist[-1] + np.sign(target - dist[-1]) * speed * (d - times[-1]))
            times.append(d)
        ahead -= 1
    return np.asarray(times), np.asarray(dist)
