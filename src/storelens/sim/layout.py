"""The simulated shop: walls, shelves, zones, counting lines, displays, checkout and cameras.

A 20 m x 14 m convenience store with its door in the middle of the street side and a 4 m
pavement outside. Floor frame: x along the street, y into the store (y = 0 is the shop
front), so the plan reads like a map with the street at the bottom. Everything the people
simulation needs to know about the place (where to stand, how long, where to queue) lives
here, next to the geometry it refers to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from storelens.geometry.polygons import points_in_polygon
from storelens.sim.camera_mounts import CameraMount, mount_camera, sees_floor
from storelens.sim.model import SimCamera

__all__ = [
    "CAMERA_FPS",
    "Checkout",
    "Door",
    "Obstacle",
    "PointOfInterest",
    "SimLine",
    "SimStore",
    "SimZone",
    "StaffDoor",
    "Street",
    "build_store",
    "camera_floor_coverage",
    "floor_samples",
    "rectangle",
]

CAMERA_FPS = 5.0
"""Frame rate of every simulated camera: what a store box analyses, enough to follow walkers."""

MIN_CAMERAS, MAX_CAMERAS = 2, 8


def rectangle(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """(4, 2) corners of an axis-aligned rectangle, counter-clockwise."""
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False)
class Obstacle:
    """Something nobody walks through: a shelf, a wall, the counter."""

    name: str
    kind: str
    polygon: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class SimZone:
    """A named floor area, as it will be written to the store config."""

    name: str
    kind: str
    polygon: np.ndarray
    categories: tuple[str, ...] = ()
    min_dwell_s: float = 0.0
    inertia_s: float | None = None
    """None: the analytics' default."""


@dataclass(frozen=True, slots=True)
class SimLine:
    """A counting line a -> b; ``in_side`` (left/right of a -> b) is the store side, if any."""

    name: str
    kind: str
    a: tuple[float, float]
    b: tuple[float, float]
    in_side: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class PointOfInterest:
    """A display shoppers stop at.

    Attributes:
        name: Display name (also the name of its zone).
        spots: (k, 2) standing positions facing the display, at least 4 so a group of 4 each
            has one, 0.7 m or more apart.
        dwell_median_s: Median stop; stops are lognormal (a few long browsers, many glances).
        dwell_sigma: Log-space spread of the stop.
        weight: Relative chance a shopper picks this display.
    """

    name: str
    spots: np.ndarray
    dwell_median_s: float
    dwell_sigma: float
    weight: float


@dataclass(frozen=True, slots=True, eq=False)
class Checkout:
    """One staffed till with a straight FIFO queue behind its service point.

    Attributes:
        service_point: (2,) where the customer being served stands.
        queue_direction: (2,) unit vector from the service point along the queue.
        queue_spacing_m: Distance between people waiting.
        entry_slots: The queue is joined at this many spacings from the service point (the
            end of the queue barrier); longer queues extend past it.
        till_point: (2,) where the cashier stands, behind the counter.
        service_median_s: Median service time (lognormal).
        service_sigma: Log-space spread of the service time.
        buy_share: Share of shopping groups that pay (one payer per group).
        wait_spots: (k, 2) where the payer's companions wait, near the door.
    """

    service_point: np.ndarray
    queue_direction: np.ndarray
    queue_spacing_m: float
    entry_slots: int
    till_point: np.ndarray
    service_median_s: float
    service_sigma: float
    buy_share: float
    wait_spots: np.ndarray

    @property
    def entry(self) -> np.ndarray:
        """(2,) where people join the queue."""
        return self.slot(self.entry_slots)

    def slot(self, k: float | np.ndarray) -> np.ndarray:
        """Position(s) k spacings along the queue (k = 0 is the service point)."""
        k = np.asarray(k, dtype=np.float64)
        return self.service_point + (k * self.queue_spacing_m)[..., None] * self.queue_direction


@dataclass(frozen=True, slots=True, eq=False)
class Door:
    """The shop door: walking lanes through it, as points just inside and just outside."""

    inside: np.ndarray
    outside: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class StaffDoor:
    """The back door only staff use: from the back room to a yard no camera covers.

    Attributes:
        inside: (2,) just inside the door.
        outside: (2,) where staff stand in the yard (on a break).
        yard: (4, 2) the yard, walkable floor outside the shop.
    """

    inside: np.ndarray
    outside: np.ndarray
    yard: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class Street:
    """The pavement along the shop front, where passers-by walk from one end to the other."""

    polygon: np.ndarray
    x_ends: tuple[float, float]
    lane_y: tuple[float, float]


@dataclass(frozen=True, eq=False)
class SimStore:
    """A simulated store with exact geometry; the single source of the config and the truth.

    Attributes:
        name: Store name.
        timezone: IANA time zone (traffic profiles are in local time).
        outline: (n, 2) walls of the sales floor and back room, metres.
        street: The pavement outside.
        obstacles: Shelves, tables, counter and walls.
        zones: Named areas (display zones carry their product categories).
        lines: Counting lines: the door and a pavement line.
        pois: Displays people stop at.
        checkout: The till and its queue.
        door: Lanes through the door.
        stock_spots: (k, 2) places in the back room where staff work.
        staff: Number of staff on duty (1-3); the first is the cashier.
        staff_door: The staff's back door (breaks).
        pavement_board: (2,) the shop's board on the pavement, which floor staff go out to tidy.
        opening_hours: Weekday name -> ("HH:MM-HH:MM", ...), as the config writes them.
        cameras: Camera id -> exact simulated camera.
        uniform_colour: Colour of the staff's uniform top (#rrggbb); the config names it.
    """

    name: str
    timezone: str
    outline: np.ndarray
    street: Street
    obstacles: tuple[Obstacle, ...]
    zones: tuple[SimZone, ...]
    lines: tuple[SimLine, ...]
    pois: tuple[PointOfInterest, ...]
    checkout: Checkout
    door: Door
    stock_spots: np.ndarray
    staff: int
    staff_door: StaffDoor
    pavement_board: np.ndarray
    opening_hours: dict[str, tuple[str, ...]]
    cameras: dict[str, SimCamera] = field(default_factory=dict)
    uniform_colour: str = "#2e7d32"

    def zone(self, name: str) -> SimZone:
        """The zone called ``name`` (KeyError if there is none)."""
        for zone in self.zones:
            if zone.name == name:
                return zone
        raise KeyError(name)


WIDTH_M, DEPTH_M = 20.0, 14.0
DOOR_X = (9.0, 11.0)

_OBSTACLES = (
    Obstacle("front_wall_left", "wall", rectangle(-0.2, -0.12, DOOR_X[0], 0.0)),
    Obstacle("front_wall_right", "wall", rectangle(DOOR_X[1], -0.12, WIDTH_M + 0.2, 0.0)),
    Obstacle("wall_shelf_left", "shelf", rectangle(0.0, 1.5, 0.6, 12.0)),
    Obstacle("gondola_1", "shelf", rectangle(2.2, 3.5, 3.2, 9.5)),
    Obstacle("gondola_2", "shelf", rectangle(4.6, 3.5, 5.6, 9.5)),
    Obstacle("gondola_3", "shelf", rectangle(7.0, 3.5, 8.0, 9.5)),
    Obstacle("promo_table", "table", rectangle(9.3, 4.0, 10.7, 5.2)),
    Obstacle("electronics_table", "table", rectangle(12.0, 7.0, 13.6, 8.6)),
    Obstacle("fridges", "shelf", rectangle(0.6, 13.4, 9.5, 14.0)),
    Obstacle("wall_shelf_back", "shelf", rectangle(9.5, 13.4, 14.9, 14.0)),
    Obstacle("wall_shelf_right", "shelf", rectangle(19.4, 4.5, 20.0, 9.8)),
    Obstacle("counter", "counter", rectangle(14.6, 2.2, 18.5, 3.0)),
    Obstacle("counter_side", "counter", rectangle(14.6, 0.0, 15.0, 2.2)),
    Obstacle("back_room_wall_west", "wall", rectangle(14.9, 10.4, 15.1, 14.0)),
    Obstacle("back_room_wall_south", "wall", rectangle(16.5, 10.4, 20.0, 10.6)),
    Obstacle("stock_rack", "shelf", rectangle(17.0, 13.4, 20.0, 14.0)),
    Obstacle("back_room_wall_east_1", "wall", rectangle(20.0, 10.4, 20.2, 11.1)),
    Obstacle("back_room_wall_east_2", "wall", rectangle(20.0, 12.5, 20.2, 14.0)),
)
"""The door gap in the front wall is 2 m, the aisles 1.4-1.6 m, the back-room door 1.4 m, the
staff's back door (east wall of the back room, to the yard) 1.4 m."""


def _spots(*xy: tuple[float, float]) -> np.ndarray:
    return np.array(xy, dtype=np.float64)


_POIS = (
    PointOfInterest("promo", _spots((9.6, 3.45), (10.4, 3.45), (8.6, 4.6), (11.4, 4.6), (10.0, 5.8)), 20.0, 0.6, 3.0),
    PointOfInterest("snacks", _spots((1.3, 4.8), (1.3, 5.8), (1.3, 6.8), (1.3, 7.8), (1.3, 8.7)), 30.0, 0.6, 2.0),
    PointOfInterest("pantry", _spots((3.9, 4.6), (3.9, 5.6), (3.9, 6.6), (3.9, 7.6), (3.9, 8.6)), 25.0, 0.6, 1.5),
    PointOfInterest("household", _spots((6.3, 5.0), (6.3, 5.9), (6.3, 6.8), (6.3, 7.7)), 35.0, 0.6, 1.5),
    PointOfInterest(
        "drinks", _spots((1.5, 12.8), (3.0, 12.8), (4.5, 12.8), (6.0, 12.8), (7.5, 12.8), (9.0, 12.8)), 25.0, 0.6, 2.5
    ),
    PointOfInterest(
        "personal_care", _spots((18.8, 5.2), (18.8, 6.2), (18.8, 7.2), (18.8, 8.2), (18.8, 9.2)), 45.0, 0.6, 1.5
    ),
    PointOfInterest(
        "electronics", _spots((12.4, 6.45), (13.2, 6.45), (12.8, 9.15), (11.45, 7.8), (14.15, 7.8)), 60.0, 0.6, 1.0
    ),
)
"""Displays: (name, spots, dwell median s, dwell sigma, weight); the promo table by the door
is the most visited and glanced at, electronics the least visited and longest browsed."""

DISPLAY_INERTIA_S = 3.0
"""How long a shopper must be in (out of) a display zone before the stay starts (ends), as the
installer sets it: the displays are 1.4-1.6 m deep and ceiling cameras place people 0.2-0.5 m
off, so with the default 1 s a stay broke whenever the position wandered out for a moment
(4-camera busiest hour, seeds 0 / 1, `bench/sim_fusion_replay.py`: median dwell error
11.7 % / 13.5 % at 1 s, 6.6 % / 6.6 % at 2 s, 6.5 % / 5.8 % at 3 s, 8.9 % / 7.2 % at 5 s)."""

_ZONES = (
    SimZone("entrance", "entrance", rectangle(7.5, 0.0, 12.5, 2.5)),
    SimZone("aisle_1", "aisle", rectangle(3.2, 3.5, 4.6, 9.5)),
    SimZone("back_aisle", "aisle", rectangle(0.6, 9.5, 14.9, 12.0)),
    SimZone("promo", "display", rectangle(8.3, 3.1, 11.7, 6.2), ("promotions", "seasonal"), 5.0, DISPLAY_INERTIA_S),
    SimZone("snacks", "display", rectangle(0.6, 4.2, 2.2, 9.3), ("snacks", "confectionery"), 5.0, DISPLAY_INERTIA_S),
    SimZone("pantry", "display", rectangle(3.2, 4.2, 4.6, 9.0), ("pantry", "canned_food"), 5.0, DISPLAY_INERTIA_S),
    SimZone("household", "display", rectangle(5.6, 4.5, 7.0, 8.2), ("household", "cleaning"), 5.0, DISPLAY_INERTIA_S),
    SimZone("drinks", "display", rectangle(0.6, 12.0, 9.5, 13.4), ("drinks", "dairy"), 5.0, DISPLAY_INERTIA_S),
    SimZone(
        "personal_care", "display", rectangle(18.0, 4.5, 19.4, 9.8), ("cosmetics", "hygiene"), 5.0, DISPLAY_INERTIA_S
    ),
    SimZone(
        "electronics",
        "display",
        rectangle(11.1, 6.1, 14.5, 9.5),
        ("electronics", "accessories"),
        5.0,
        DISPLAY_INERTIA_S,
    ),
    SimZone("checkout_queue", "checkout_queue", rectangle(16.0, 4.1, 17.6, 8.2)),  # the line, not the till
    SimZone("behind_counter", "staff_only", rectangle(15.0, 0.0, 20.0, 2.2)),
    SimZone("back_room", "staff_only", rectangle(15.1, 10.6, 20.0, 14.0)),
    SimZone("staff_door", "staff_door", rectangle(18.9, 10.8, 20.0, 12.8)),
)

_LINES = (
    # Walking a -> b (+x) along the door, the store (+y) is on the left.
    SimLine("entrance", "entrance", (DOOR_X[0], 0.0), (DOOR_X[1], 0.0), "left"),
    # Across the pavement, perpendicular to the street: everyone walking past crosses it.
    SimLine("pavement", "passerby", (4.0, -4.0), (4.0, 0.0)),
)

_CHECKOUT = Checkout(
    service_point=np.array([16.8, 3.7]),
    queue_direction=np.array([0.0, 1.0]),
    queue_spacing_m=0.8,
    entry_slots=4,
    till_point=np.array([16.8, 1.4]),
    service_median_s=40.0,
    service_sigma=0.4,
    buy_share=0.55,
    wait_spots=_spots((7.9, 1.9), (12.1, 1.9), (8.6, 2.6), (11.4, 2.6), (6.8, 1.6), (13.2, 1.6)),
)

_DOOR = Door(
    inside=_spots((9.6, 1.2), (10.0, 1.2), (10.4, 1.2)),
    outside=_spots((9.6, -1.2), (10.0, -1.2), (10.4, -1.2)),
)

_STREET = Street(polygon=rectangle(-6.0, -4.0, 26.0, 0.0), x_ends=(-5.5, 25.5), lane_y=(-3.5, -0.6))

_STAFF_DOOR = StaffDoor(
    inside=np.array([19.4, 11.8]), outside=np.array([21.6, 11.8]), yard=rectangle(20.0, 10.8, 22.6, 12.8)
)

_PAVEMENT_BOARD = np.array([12.8, -1.0])

_STOCK_SPOTS = _spots((16.2, 12.4), (17.6, 12.8), (19.0, 12.8), (18.6, 11.4), (16.4, 13.4))

_MOUNTS = (
    CameraMount("entrance", (10.0, 4.2, 3.2), -90.0, 45.0, 95.0, 1280, 720),
    CameraMount("floor", (19.6, 0.4, 3.4), 145.0, 30.0, 100.0, 1920, 1080),
    CameraMount("street", (4.0, 2.0, 3.0), -90.0, 32.0, 90.0, 1280, 720),
    CameraMount("aisles", (0.4, 13.6, 3.4), -35.0, 30.0, 100.0, 1920, 1080),
    CameraMount("checkout", (13.0, 8.5, 3.0), -50.0, 40.0, 90.0, 1280, 720),
    CameraMount("back_room", (15.4, 10.9, 2.8), 35.0, 40.0, 100.0, 1280, 720),
    CameraMount("drinks", (10.0, 10.0, 3.0), 160.0, 30.0, 90.0, 1280, 720),
    CameraMount("right_wall", (14.5, 12.5, 3.0), -55.0, 35.0, 90.0, 1920, 1080),
)
"""In the order cameras are added: with 2 the door and a wide floor view from the front corner,
then the pavement, the opposite (back) corner, the till, the back room, the fridges and the
right-hand wall. The two corner views cross over the whole floor, so with 4 cameras every
display is seen from two sides and none only from 15-20 m away (with the back-wall camera at
x = 4.6 m instead of the corner, a 15-minute diagnostic run's median dwell error was 25 %
against 15 %, before the display inertia below)."""


def build_store(n_cameras: int = 4, staff: int = 2) -> SimStore:
    """The simulated store watched by ``n_cameras`` cameras (2-8).

    Raises:
        ValueError: ``n_cameras`` outside 2..8 or ``staff`` outside 1..3.
    """
    if not MIN_CAMERAS <= n_cameras <= MAX_CAMERAS:
        raise ValueError(f"n_cameras must be {MIN_CAMERAS}..{MAX_CAMERAS}, got {n_cameras}")
    if not 1 <= staff <= 3:
        raise ValueError(f"staff must be 1..3, got {staff}")
    cameras = {m.camera_id: mount_camera(m, CAMERA_FPS) for m in _MOUNTS[:n_cameras]}
    week = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return SimStore(
        name="Simulated corner shop",
        timezone="Europe/London",
        outline=rectangle(0.0, 0.0, WIDTH_M, DEPTH_M),
        street=_STREET,
        obstacles=_OBSTACLES,
        zones=_ZONES,
        lines=_LINES,
        pois=_POIS,
        checkout=_CHECKOUT,
        door=_DOOR,
        stock_spots=_STOCK_SPOTS,
        staff=staff,
        staff_door=_STAFF_DOOR,
        pavement_board=_PAVEMENT_BOARD,
        opening_hours={day: ("09:00-21:00",) for day in week},
        cameras=cameras,
    )


def floor_samples(store: SimStore, spacing_m: float = 0.25) -> np.ndarray:
    """(n, 2) grid points over the sales floor and the pavement (cell centres)."""
    pts = np.concatenate([store.outline, store.street.polygon])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    xs = np.arange(lo[0] + spacing_m / 2, hi[0], spacing_m)
    ys = np.arange(lo[1] + spacing_m / 2, hi[1], spacing_m)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    keep = points_in_polygon(grid, store.outline) | points_in_polygon(grid, store.street.polygon)
    return grid[keep]


def camera_floor_coverage(store: SimStore, spacing_m: float = 0.25) -> dict[str, float]:
    """Share of the floor and pavement each camera sees (ignoring occlusion), by camera id."""
    points = floor_samples(store, spacing_m)
    return {cid: float(sees_floor(cam, points).mean()) for cid, cam in store.cameras.items()}
