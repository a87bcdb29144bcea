"""A simulated store with exact ground truth: layout, people, truth and its storelens config.

``build_store`` lays out the shop and its cameras, ``simulate_people`` moves everyone in and
around it frame by frame, ``storelens.sim.truth`` measures what perfect analytics would
report, and ``write_store_config`` writes the config the pipeline runs on.
"""

from storelens.sim.arrivals import TrafficProfile
from storelens.sim.layout import SimLine, SimStore, SimZone, build_store, camera_floor_coverage
from storelens.sim.model import PeopleFrame, SimCamera
from storelens.sim.navigation import Navigator, OccupancyGrid, occupancy_grid
from storelens.sim.people import simulate_people
from storelens.sim.people_log import PeopleLog, Persons, Plan
from storelens.sim.store_config import write_store_config
from storelens.sim.truth import line_crossings, occupancy, queue_waits, store_visits, zone_visits

__all__ = [
    "Navigator",
    "OccupancyGrid",
    "PeopleFrame",
    "PeopleLog",
    "Persons",
    "Plan",
    "SimCamera",
    "SimLine",
    "SimStore",
    "SimZone",
    "TrafficProfile",
    "build_store",
    "camera_floor_coverage",
    "line_crossings",
    "occupancy",
    "occupancy_grid",
    "queue_waits",
    "simulate_people",
    "store_visits",
    "write_store_config",
    "zone_visits",
]
