"""The simulated till's receipts, with the exact truth of which group paid each.

One member of a paying group queues and is served (`storelens.sim.checkout_queue`); the till
prints the receipt when the service ends. Its lines come from the displays the group stopped at
(`Plan.stops`): at each, the group buys with probability ``BUY_P`` one to three items of the
display zone's categories; a group that bought nothing on its way still pays for one item of the
display it stayed at longest. Amounts are lognormal around each category's typical price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from storelens.pos.receipts import Receipt, ReceiptLine
from storelens.sim.layout import SimStore
from storelens.sim.people_log import PeopleLog

__all__ = ["BUY_P", "SIM_TILL", "SimReceipts", "simulate_receipts"]

SIM_TILL = "till_1"
"""The simulated shop's one till."""
BUY_P = 0.6
"""Chance that a paying group buys from a display it stopped at."""
EXTRA_ITEMS_P = 0.3
"""Items bought at a display are 1 + Binomial(2, p)."""
PRICE_SIGMA = 0.5
"""Log-space spread of an item's price around its category's median."""
TYPICAL_PRICE = {
    "promotions": 6.0, "seasonal": 8.0, "snacks": 2.5, "confectionery": 2.0, "pantry": 3.5, "canned_food": 2.5,
    "household": 5.0, "cleaning": 4.0, "drinks": 2.2, "dairy": 1.8, "cosmetics": 8.0, "hygiene": 5.0,
    "electronics": 25.0, "accessories": 12.0,
}
"""Median price per item of each category the simulated displays show (others: ``DEFAULT_PRICE``)."""
DEFAULT_PRICE = 4.0


@dataclass(frozen=True, eq=False)
class SimReceipts:
    """Receipts by column, in time order, with who paid; and their lines.

    Attributes:
        receipt_id: (r,) str, unique per simulation (its start time and a counter).
        t_s: (r,) seconds from the simulation start: the end of the payer's service.
        till: (r,) str.
        total: (r,) float, the sum of the lines.
        payer: (r,) int64 person id of the member who queued and paid.
        group_id: (r,) int64 the paying group (the buying unit).
        line_receipt / line_category / line_amount: (m,) the lines.
    """

    receipt_id: np.ndarray
    t_s: np.ndarray
    till: np.ndarray
    total: np.ndarray
    payer: np.ndarray
    group_id: np.ndarray
    line_receipt: np.ndarray
    line_category: np.ndarray
    line_amount: np.ndarray

    def __len__(self) -> int:
        return len(self.receipt_id)

    def to_receipts(self, start: datetime) -> list[Receipt]:
        """The receipts as the POS would send them (``start``: the simulation's first frame, UTC)."""
        lines: list[list[ReceiptLine]] = [[] for _ in range(len(self))]
        items = zip(self.line_receipt.tolist(), self.line_category.tolist(), self.line_amount.tolist())
        for r, category, amount in items:
            lines[r].append(ReceiptLine(category, amount))
        return [
            Receipt(rid, start + timedelta(seconds=t), till, total, tuple(items))
            for rid, t, till, total, items in zip(
                self.receipt_id.tolist(), self.t_s.tolist(), self.till.tolist(), self.total.tolist(), lines
            )
        ]


def simulate_receipts(store: SimStore, log: PeopleLog, seed: int = 0) -> SimReceipts:
    """A receipt for every payer whose service ended within the simulation (see the module docstring)."""
    rng = np.random.default_rng([seed, 0x5EC1])
    queue = log.plan.queue
    done = queue.service_end_s < log.n_frames / log.fps
    payers, t_s = queue.person_id[done], queue.service_end_s[done]
    order = np.argsort(t_s, kind="stable")
    payers, t_s = payers[order], t_s[order]
    groups = log.persons.group_id[payers]
    categories = {z.name: z.categories for z in store.zones if z.categories}
    stops = log.plan.stops
    stop_group = log.persons.group_id[stops.person_id]
    line_receipt, line_category, line_amount = [], [], []
    for r, group in enumerate(groups.tolist()):
        mine = (stop_group == group) & np.isin(stops.zone, list(categories))
        stayed: dict[str, float] = {}
        for zone, a, b in zip(stops.zone[mine].tolist(), stops.start_s[mine].tolist(), stops.end_s[mine].tolist()):
            stayed[zone] = stayed.get(zone, 0.0) + (b - a)
        bought = [zone for zone in stayed if rng.uniform() < BUY_P]
        if not bought and stayed:
            bought = [max(stayed, key=stayed.get)]
        for zone in bought:
            for _ in range(1 + rng.binomial(2, EXTRA_ITEMS_P)):
                category = str(rng.choice(categories[zone]))
                price = TYPICAL_PRICE.get(category, DEFAULT_PRICE) * rng.lognormal(0.0, PRICE_SIGMA)
                line_receipt.append(r)
                line_category.append(category)
                line_amount.append(round(float(price), 2))
    line_receipt_a = np.array(line_receipt, dtype=np.int64)
    line_amount_a = np.array(line_amount, dtype=np.float64)
    totals = np.round(np.bincount(line_receipt_a, weights=line_amount_a, minlength=len(payers)), 2)
    stamp = f"S{log.start:%Y%m%d%H%M%S}"
    return SimReceipts(
        receipt_id=np.array([f"{stamp}-{k:05d}" for k in range(len(payers))], dtype=object),
        t_s=t_s,
        till=np.full(len(payers), SIM_TILL, dtype=object),
        total=totals,
        payer=payers,
        group_id=groups,
        line_receipt=line_receipt_a,
        line_category=np.array(line_category, dtype=object),
        line_amount=line_amount_a,
    )
