"""The simulated store's layout: a valid, walkable shop that its cameras actually watch."""

from __future__ import annotations

import numpy as np
import pytest

from storelens.geometry.polygons import points_in_polygon, polygon_within
from storelens.sim import SimStore, build_store, camera_floor_coverage, occupancy_grid
from storelens.sim.camera_mounts import CameraMount, mount_camera, sees_floor
from storelens.sim.layout import floor_samples


@pytest.mark.parametrize("n", range(2, 9))
def test_build_store_has_the_cameras_asked_for(n: int):
    store = build_store(n)
    assert len(store.cameras) == n
    assert all(cam.fps == 5 for cam in store.cameras.values())


@pytest.mark.parametrize("n", [0, 1, 9])
def test_build_store_refuses_other_camera_counts(n: int):
    with pytest.raises(ValueError, match="n_cameras"):
        build_store(n)


def test_two_cameras_watch_the_door_and_the_floor():
    assert set(build_store(2).cameras) == {"entrance", "floor"}


def test_zones_lie_inside_the_outline_and_names_are_unique(store: SimStore):
    outline = [tuple(p) for p in store.outline]
    for zone in store.zones:
        assert polygon_within([tuple(p) for p in zone.polygon], outline, 1e-9), zone.name
    assert len({z.name for z in store.zones}) == len(store.zones)
    assert {z.kind for z in store.zones} >= {"entrance", "aisle", "display", "checkout_queue", "staff_only"}


def test_places_people_go_are_walkable_and_in_their_zones(store: SimStore):
    grid = occupancy_grid(store)
    for poi in store.pois:
        assert len(poi.spots) >= 4
        assert (grid.clearance_at(poi.spots) >= grid.inflate_m).all(), poi.name
        assert points_in_polygon(poi.spots, store.zone(poi.name).polygon).all(), poi.name
    queue = store.checkout.slot(np.arange(store.checkout.entry_slots + 1))
    # The queue zone holds the places people wait in, not the service point where they pay.
    assert points_in_polygon(queue, store.zone("checkout_queue").polygon).tolist() == [False] + [True] * (len(queue) - 1)
    for places in (queue, store.checkout.till_point, store.checkout.wait_spots, store.stock_spots, store.door.inside):
        assert (grid.clearance_at(places) >= grid.inflate_m).all()


def test_entrance_line_spans_the_door_with_the_store_on_its_in_side(store: SimStore):
    (line,) = [line for line in store.lines if line.kind == "entrance"]
    mid = (np.array(line.a) + np.array(line.b)) / 2
    normal = np.array([-(line.b[1] - line.a[1]), line.b[0] - line.a[0]])  # points left of a -> b
    inward = normal if line.in_side == "left" else -normal
    assert points_in_polygon((mid + 0.1 * inward / np.linalg.norm(inward))[None], store.outline)[0]


def test_every_camera_sees_part_of_the_floor_and_together_most_of_it():
    store = build_store(8)
    floor_m2 = points_in_polygon(floor_samples(store), store.outline).sum() * 0.25**2
    coverage = camera_floor_coverage(store, spacing_m=0.25)
    # The smallest view is the back room's (17 m^2): at least 10 m^2 each.
    assert min(coverage.values()) * len(floor_samples(store)) * 0.25**2 >= 10.0, coverage
    assert floor_m2 == pytest.approx(280.0)
    points = floor_samples(store)
    in_store = points_in_polygon(points, store.outline)
    four = build_store(4)
    seen = np.any([sees_floor(cam, points) for cam in four.cameras.values()], axis=0)
    assert seen[in_store].mean() >= 0.8


def test_door_and_pavement_line_are_fully_in_view(store: SimStore):
    lines = {line.name: line for line in store.lines}
    door = np.array([lines["entrance"].a, lines["entrance"].b])
    assert sees_floor(store.cameras["entrance"], np.concatenate([door, store.door.inside, store.door.outside])).all()
    pavement = np.linspace(lines["pavement"].a, lines["pavement"].b, 9)[:-1]  # up to the shop front
    assert sees_floor(store.cameras["street"], pavement).all()


def test_mounted_camera_looks_where_it_is_pointed():
    mount = CameraMount("c", (2.0, 3.0, 3.0), pan_deg=90.0, tilt_deg=45.0, hfov_deg=90.0, width=1280, height=720)
    cam = mount_camera(mount, fps=5.0)
    # The optical axis meets the floor 3 m ahead (45 degrees down from 3 m): at the image centre.
    np.testing.assert_allclose(cam.camera.floor_to_image(np.array([[2.0, 6.0]])), [[640.0, 360.0]], atol=1e-6)
    # Right in the image is right on the floor when facing +y.
    assert cam.camera.floor_to_image(np.array([[3.0, 6.0]]))[0, 0] > 640
    assert not sees_floor(cam, np.array([[2.0, 1.0]]))[0]  # behind the camera
