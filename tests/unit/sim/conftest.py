"""Shared simulations: built once per test session, as each takes a second or two."""

from __future__ import annotations

import pytest
from sim_cases import BUSY_HOUR

from storelens.sim import PeopleLog, SimStore, build_store, simulate_people


@pytest.fixture(scope="session")
def store() -> SimStore:
    return build_store(4)


@pytest.fixture(scope="session")
def busy_hour(store: SimStore) -> PeopleLog:
    return simulate_people(store, BUSY_HOUR, 3600.0, fps=5.0, seed=7)
