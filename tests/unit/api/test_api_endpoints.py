"""What the endpoints answer for the records of api_helpers.fill, and clean 4xx for bad input."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
import sqlalchemy as sa
from api_helpers import NOW, add_users, bearer, fixed_clock, store_config
from fastapi.testclient import TestClient

from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.calibrate import check_image_path
from storelens.config import StoreConfig, load_config
from storelens.errors import StorageError
from storelens.runner import store_id_of
from storelens.storage import CameraHealth, SpoolHealth, open_database
from storelens.storage.times import to_us


@pytest.fixture
def viewer(client, tokens):
    client.headers.update(bearer(tokens["vic"]))
    return client


def test_summary(viewer):
    s = viewer.get("/api/summary").json()
    assert s["day_start"] == "2026-03-04T00:00:00Z" and s["day_end"] == "2026-03-05T00:00:00Z"
    assert s["visitors"] == {
        "entries": 3,
        "exits": 2,
        "units": 3,  # hours apart, and no visit carries a unit yet: each its own, provisional
        "provisional_units": 3,
        "last_week_entries": 2,
        "last_week_exits": 0,
    }
    # 3 people came in, 10 walked past (none of them came in): 3 of the 13 at the front
    assert s["passers_by"] == 10 and s["capture_rate"] == pytest.approx(3 / 13)
    assert s["open_alerts"] == 1 and s["siren"] is False
    # Three tracks in view a second ago: two in aisle_1, one on the pavement outside the store.
    assert s["occupancy"]["store"] == 2
    assert s["occupancy"]["zones"] == {"entrance": 0, "aisle_1": 2, "till": 0}
    assert s["occupancy"]["as_of"].startswith("2026-03-04T14:59:59")


def test_occupancy_fades_when_cameras_stop(make_client, tokens, clock):
    client = make_client()
    clock.advance(120)
    s = client.get("/api/summary", headers=bearer(tokens["vic"])).json()
    assert s["occupancy"]["store"] == 0 and s["occupancy"]["as_of"] is None
    assert s["visitors"]["entries"] == 3  # today's counts stay


def test_live_positions(viewer):
    p = viewer.get("/api/positions/live").json()
    tracks = {t["track_id"]: (t["x_m"], t["y_m"]) for t in p["cameras"]["door"]}
    assert set(tracks) == {7, 8, 9} and tracks[8] == (8.0, 7.0) and tracks[9] == (-2.0, 5.0)


def test_store_layout(viewer):
    s = viewer.get("/api/store").json()
    assert s["timezone"] == "Europe/London" and s["outline"][2] == [20.0, 10.0]
    assert [z["name"] for z in s["zones"]] == ["entrance", "aisle_1", "till"]
    assert {ln["name"]: ln["kind"] for ln in s["lines"]} == {"door": "entrance", "pavement": "passerby"}
    assert s["cameras"] == [{"id": "door", "fps": 10.0, "analysis_fps": None, "calibrated": True}]
    assert viewer.get("/api/floor-plan").status_code == 404


def test_camera_status(viewer):
    (camera,) = viewer.get("/api/cameras").json()
    assert camera["camera_id"] == "door" and camera["name"] == "Door" and camera["fps"] == 10.0
    assert camera["status"] == "active" and 0 <= camera["seconds_since_last_position"] < 2


def test_camera_status_from_health_reports(viewer, db_url):
    """A run's health report decides the status: running (frames, fps) or stopped on an error."""
    with open_database(db_url) as db:
        db.set_camera_health(CameraHealth("door", NOW - timedelta(seconds=3), NOW - timedelta(seconds=3), 120, 4.9))
    (camera,) = viewer.get("/api/cameras").json()
    assert camera["status"] == "active" and camera["frames_per_s"] == 4.9 and camera["last_error"] is None
    assert camera["last_frame_at"].startswith("2026-03-04T14:59:57")
    with open_database(db_url) as db:
        db.set_camera_health(CameraHealth("door", NOW, NOW, 121, 4.9, "rtsp://door: connection refused"))
    (camera,) = viewer.get("/api/cameras").json()
    assert camera["status"] == "error" and camera["last_error"] == "rtsp://door: connection refused"


def test_a_fused_stores_camera_was_last_seen_when_its_run_last_detected_someone(viewer, db_url):
    """A camera of a several-camera store stores no positions of its own (they are the store's
    visitors): its health report says when it last saw someone."""
    with open_database(db_url) as db:  # the newest stored point of "door" is 0.5 s before NOW
        db.set_camera_health(CameraHealth("door", NOW - timedelta(hours=1), NOW, 500, 5.5, None, NOW))
    (camera,) = viewer.get("/api/cameras").json()
    assert camera["last_position_at"].startswith("2026-03-04T15:00:00")  # the report's, the newer one
    assert camera["status"] == "active" and camera["seconds_since_last_position"] == 0


def test_storage_status_from_the_runs_write_reports(viewer, db_url):
    """No report until a run writes; then what waits in its spool, what it dropped, and the last outage."""
    assert viewer.get("/api/storage").json() == {
        "database": db_url,
        "status": "no report",
        "reported_at": None,
        "waiting_batches": 0,
        "waiting_mb": 0.0,
        "dropped_points": 0,
        "last_outage": None,
    }
    store_id = store_id_of(store_config())
    down = NOW - timedelta(minutes=5)
    with open_database(db_url) as db:  # as the run reports right after the database came back
        db.set_spool_health(SpoolHealth(store_id, NOW, 12, 3 * 2**20, 40, down, 75.5, "database is locked"))
    s = viewer.get("/api/storage").json()
    assert s["status"] == "catching up" and s["reported_at"] == "2026-03-04T15:00:00Z"
    assert (s["waiting_batches"], s["waiting_mb"], s["dropped_points"]) == (12, 3.0, 40)
    assert s["last_outage"] == {"start": "2026-03-04T14:55:00Z", "seconds": 75.5, "error": "database is locked"}
    with open_database(db_url) as db:
        db.set_spool_health(SpoolHealth(store_id, NOW, 0, 0, 40, down, 75.5, "database is locked"))
        db.set_spool_health(SpoolHealth("another-store", NOW, 9, 2**20))  # another store's run: not ours
    s = viewer.get("/api/storage").json()
    assert s["status"] == "up to date" and s["waiting_batches"] == 0 and s["last_outage"]["seconds"] == 75.5


def test_camera_check_image_names_what_is_wrong(viewer):
    assert viewer.get("/api/cameras/till/check.png").status_code == 404
    response = viewer.get("/api/cameras/door/check.png")  # its source door.mp4 does not exist here
    assert response.status_code == 503 and "door.mp4" in response.json()["detail"]


def test_a_simulated_camera_says_it_has_no_image(make_client, tokens):
    config = store_config()
    door = config.cameras["door"].model_copy(update={"source": "sim://door"})
    client = make_client(config=config.model_copy(update={"cameras": {"door": door}}))
    client.headers.update(bearer(tokens["vic"]))
    (camera,) = client.get("/api/cameras").json()
    assert camera["has_image"] is False
    response = client.get("/api/cameras/door/check.png")
    assert response.status_code == 503 and "simulated camera" in response.json()["detail"]


@pytest.mark.parametrize("source_ok", [True, False])
def test_camera_check_images_are_removed_when_the_server_stops(db_url, tokens, tmp_path, monkeypatch, source_ok):
    """Check images are frames of the shop floor: their temporary folder goes with the server, made or failed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr("storelens.detect.make_detector", lambda: (lambda frame: None))
    if source_ok:  # else the real one fails on the missing door.mp4
        monkeypatch.setattr(
            "storelens.calibrate.run_calibrate",
            lambda config, camera_id, out_dir, detector: check_image_path(out_dir, camera_id).write_bytes(b"png"),
        )
    with open_database(db_url) as db:
        app = create_app(store_config(), db, ApiSettings(static_dir=None), clock=fixed_clock())
        with TestClient(app) as client:
            assert not list(tmp_path.glob("storelens-check-*"))  # nothing is made before an image is asked for
            response = client.get("/api/cameras/door/check.png", headers=bearer(tokens["vic"]))
            assert response.status_code == (200 if source_ok else 503)
            assert len(list(tmp_path.glob("storelens-check-*"))) == 1
    assert not list(tmp_path.glob("storelens-check-*"))


def test_camera_check_image_of_a_real_camera(shared_data, tmp_path):
    """PETS09's camera: a PNG frame with heads pixelated and the floor grid (as `storelens calibrate`)."""
    config = load_config(Path(__file__).resolve().parents[3] / "examples/pets09/store.yaml")
    with open_database(f"sqlite:///{tmp_path / 'pets.db'}") as db:
        token = add_users(db.engine)["vic"]
        app = create_app(config, db, ApiSettings(static_dir=None, max_age_s=0.0), clock=fixed_clock())
        with TestClient(app) as client:
            client.headers.update(bearer(token))
            response = client.get("/api/cameras/view_001/check.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == (576, 768, 3)


def test_traffic_per_hour_and_day(viewer):
    t = viewer.get("/api/traffic").json()
    assert len(t["buckets"]) == 24 and t["totals"]["entries"] == 3 and t["totals"]["passers_by"] == 10
    by_hour = {b["start"][11:13]: b for b in t["buckets"]}
    assert by_hour["10"]["entries"] == 1 and by_hour["14"]["entries"] == 1 and by_hour["14"]["exits"] == 2
    assert t["peak_grid"]["days"] == [0, 0, 1, 0, 0, 0, 0]
    assert t["peak_grid"]["mean_entries"][2][10] == 1.0  # Wednesday 10:00
    week = viewer.get("/api/traffic", params={"from": "2026-02-23", "to": "2026-03-05", "bucket": "day"}).json()
    assert len(week["buckets"]) == 10 and week["totals"]["entries"] == 6
    assert week["peak_grid"]["days"][2] == 2  # two Wednesdays: their entries are averaged
    assert week["peak_grid"]["mean_entries"][2][14] == 1.0  # (1 + 1) / 2
    assert sum(week["peak_grid"]["days"]) == 2  # the eight days nothing was counted are not averaged in


def test_traffic_against_the_period_before(viewer):
    assert viewer.get("/api/traffic").json()["previous"] is None  # yesterday: nothing counted
    four_days = viewer.get("/api/traffic", params={"from": "2026-03-01", "to": "2026-03-05", "bucket": "day"}).json()
    assert four_days["totals"]["entries"] == 3
    assert four_days["previous"]["entries"] == 3  # 2026-02-25 to 03-01 holds last Wednesday's 3


def test_no_comparison_against_a_day_nobody_counted(make_client, tokens, db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:  # last week's crossings gone: the store was not counting then
        conn.execute(sa.text("DELETE FROM line_crossings WHERE ts_us < :t"), {"t": to_us(NOW - timedelta(days=1))})
    engine.dispose()
    client = make_client()
    s = client.get("/api/summary", headers=bearer(tokens["vic"])).json()
    v = s["visitors"]
    assert (v["entries"], v["exits"], v["last_week_entries"], v["last_week_exits"]) == (3, 2, None, None)
    assert s["last_week_passers_by"] is None


def test_traffic_buckets_follow_the_local_clock(make_client, tokens):
    """Europe/London moves to BST at 01:00 on 2026-03-29: that day has 23 local hours, no 01:00."""
    client = make_client()
    day = client.get("/api/traffic", params={"from": "2026-03-29", "to": "2026-03-30"}, headers=bearer(tokens["vic"]))
    starts = [b["start"] for b in day.json()["buckets"]]
    assert len(starts) == 23 and starts[0] == "2026-03-29T00:00:00Z" and starts[1] == "2026-03-29T02:00:00+01:00"


def test_zones(viewer):
    z = viewer.get("/api/zones").json()
    zones = {zone["name"]: zone for zone in z["zones"]}
    assert zones["aisle_1"]["visits"] == 3 and zones["aisle_1"]["kind"] == "aisle"
    assert zones["aisle_1"]["dwell_s"]["p50"] == 40.0 and zones["aisle_1"]["dwell_s"]["max"] == 100.0
    histogram = {b["from_s"]: b["visits"] for b in zones["aisle_1"]["histogram"]}
    assert histogram[5.0] == 1 and histogram[30.0] == 1 and histogram[60.0] == 1 and sum(histogram.values()) == 3
    assert zones["entrance"]["visits"] == 1 and zones["till"]["dwell_s"]["mean"] == 5.0
    assert {(t["from_zone"], t["to_zone"], t["people"]) for t in z["transitions"]} == {
        ("entrance", "aisle_1", 1),
        ("aisle_1", "till", 1),
    }
    sankey = z["sankey"]
    assert sankey["people"] == sankey["all_people"] == 2 and len(sankey["links"]) == 2
    assert set(sankey["colours"]) == {"entrance", "aisle_1", "till"} and z["left_out"] == []


def test_heatmap_json_and_png(viewer):
    h = viewer.get("/api/heatmap").json()
    assert h["start"] == "2026-03-04T00:00:00Z" and h["total_person_s"] > 0
    assert len(h["seconds"]) == h["rows"] and len(h["seconds"][0]) == h["cols"] == len(h["flow_dx"][0])
    scale = h["scale"]
    assert scale["unit"] == "visitor-minutes per m²" and 0 < scale["p95"] <= scale["top"] <= scale["peak"]
    assert scale["ticks"][0][0] == 0.0 and scale["ticks"][-1] == [scale["top"], scale["ticks"][-1][1]]
    assert scale["ticks"][-1][1].endswith("+")
    assert scale["colours"][0][0] == 0.0 and scale["colours"][-1][0] == 1.0
    ranked = [z["minutes_per_m2"] for z in h["zones"]]
    assert ranked == sorted(ranked, reverse=True) and h["zones"][0]["name"] == "aisle_1"  # where the tracks stood
    assert h["left_out"] == [] and h["staff"] is False and h["visitors"] == 1
    assert h["sankey"]["people"] == 2  # track 1: entrance -> aisle_1 -> till
    assert [(m["from_zone"], m["to_zone"]) for m in h["routes"]] == [("aisle_1", "till"), ("entrance", "aisle_1")]
    png = viewer.get("/api/heatmap.png", params={"flow": "false", "camera": "door"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    plan = viewer.get("/api/heatmap.png", params={"legend": "false", "width": 400, "dpr": 2})
    image = cv2.imdecode(np.frombuffer(plan.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1] == 800  # 400 CSS pixels at 2 device pixels each
    unknown = viewer.get("/api/heatmap", params={"camera": "roof"})
    assert unknown.status_code == 422 and "unknown camera 'roof'" in unknown.json()["detail"]


def test_staff_zones_are_left_out_of_heat_ranking_and_moves(make_client, tokens):
    data = store_config().model_dump()
    next(z for z in data["zones"] if z["name"] == "aisle_1")["kind"] = "staff_only"
    client = make_client(config=StoreConfig.model_validate(data))
    client.headers.update(bearer(tokens["vic"]))
    week = {"from": "2026-02-25", "to": "2026-03-05"}
    h = client.get("/api/heatmap", params=week).json()
    assert h["left_out"] == ["aisle_1"] and "aisle_1" not in {z["name"] for z in h["zones"]}
    assert h["scale"]["top"] == 0  # every track stood in aisle_1
    shown = client.get("/api/heatmap", params={**week, "staff": "true"}).json()
    assert shown["left_out"] == [] and shown["zones"][0]["name"] == "aisle_1"
    z = client.get("/api/zones", params=week).json()
    assert z["left_out"] == ["aisle_1"]
    assert {(t["from_zone"], t["to_zone"]) for t in z["transitions"]} == {("entrance", "till")}
    assert [(n["zone"], n["side"]) for n in z["sankey"]["nodes"]] == [("entrance", "from"), ("till", "to")]


def test_alerts_and_acknowledging_them(client, tokens):
    manager = bearer(tokens["mia"])
    alerts = client.get("/api/alerts", headers=manager).json()
    assert [a["kind"] for a in alerts] == ["queue", "restricted"]  # newest first
    (open_alert,) = client.get("/api/alerts", params={"state": "open"}, headers=manager).json()
    acked = client.post(f"/api/alerts/{open_alert['id']}/ack", headers=manager)
    assert acked.status_code == 200 and acked.json()["acknowledged"] is True
    assert client.get("/api/alerts", params={"state": "open"}, headers=manager).json() == []
    assert client.get("/api/summary", headers=manager).json()["open_alerts"] == 0
    missing = client.post("/api/alerts/999/ack", headers=manager)
    assert missing.status_code == 404 and missing.json()["detail"] == "no alert with id 999"


def test_siren_state_is_shared_through_the_database(make_client, tokens):
    first, second = make_client(), make_client()  # two server processes on one database
    assert first.put("/api/siren", json={"on": True}, headers=bearer(tokens["mia"])).status_code == 200
    state = second.get("/api/siren", headers=bearer(tokens["vic"])).json()
    assert state["on"] is True and state["changed_by"] == "mia"
    assert second.get("/api/summary", headers=bearer(tokens["vic"])).json()["siren"] is True


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "message"),
    [
        ("GET", "/api/traffic", {"params": {"from": "yesterday"}}, 422, "'yesterday' is not an ISO date"),
        ("GET", "/api/zones", {"params": {"to": "2026-13-01"}}, 422, "is not an ISO date"),
        ("GET", "/api/alerts", {"params": {"from": "2026-03-04T09:00+99:00"}}, 422, "is not an ISO date"),
        ("GET", "/api/heatmap", {"params": {"from": "0001-01-01T00:00+01:00"}}, 422, "is outside the times served"),
        ("GET", "/api/traffic", {"params": {"from": "2026-03-05", "to": "2026-03-04"}}, 422, "must be before"),
        (
            "GET",
            "/api/traffic",
            {"params": {"from": "2020-01-01", "to": "2026-01-01", "bucket": "day"}},
            422,
            "longer than 400 days",
        ),
        ("GET", "/api/traffic", {"params": {"from": "2025-09-01", "bucket": "hour"}}, 422, "use bucket=day"),
        ("GET", "/api/traffic", {"params": {"bucket": "week"}}, 422, None),
        ("GET", "/api/alerts", {"params": {"limit": "0"}}, 422, None),
        ("GET", "/api/alerts", {"params": {"state": "closed"}}, 422, None),
        ("GET", "/api/heatmap.png", {"params": {"flow": "maybe"}}, 422, None),
        ("POST", "/api/alerts/0/ack", {}, 422, None),
        ("POST", "/api/alerts/99999999999999999999999/ack", {}, 422, None),
        ("POST", "/api/alerts/abc/ack", {}, 422, None),
        ("PUT", "/api/siren", {"json": {"on": "perhaps"}}, 422, None),
        ("PUT", "/api/siren", {"json": {"on": True, "volume": 11}}, 422, None),
        ("PUT", "/api/siren", {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, None),
        ("PUT", "/api/siren", {}, 422, None),
        ("POST", "/api/login", {"json": {"username": "x" * 65, "password": "p"}}, 422, None),
        ("POST", "/api/login", {"json": ["vic"]}, 422, None),
        ("POST", "/api/login", {"content": b"username=vic&password=x"}, 422, None),
        ("POST", "/api/tokens", {"json": {"name": "has space", "user": "vic"}}, 422, None),
        ("POST", "/api/tokens", {"json": {"name": "t", "user": "nobody"}}, 404, "no user 'nobody'"),
        ("DELETE", "/api/tokens/12345", {}, 404, "no token with id 12345"),
        ("DELETE", "/api/users/nobody", {}, 404, "no user 'nobody'"),
    ],
)
def test_bad_input_gets_a_clear_4xx(shared_client, tokens, method, path, kwargs, status, message):
    kwargs = dict(kwargs)
    headers = {**bearer(tokens["alice"]), **kwargs.pop("headers", {})}
    response = shared_client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text[:300]
    if message:
        assert message in response.json()["detail"]


def test_database_failure_is_503_and_bugs_a_bare_500(db_url, tokens, monkeypatch):
    db = open_database(db_url)
    app = create_app(store_config(), db, ApiSettings(static_dir=None, max_age_s=0.0), clock=fixed_clock())
    with TestClient(app, raise_server_exceptions=False) as client:

        def down(*_args, **_kwargs):
            raise StorageError("cannot read zone visits in sqlite:///secret/path.db: disk I/O error")

        monkeypatch.setattr(db, "zone_visits", down)
        response = client.get("/api/zones", headers=bearer(tokens["vic"]))
        assert response.status_code == 503 and "secret" not in response.text

        def bug(*_args, **_kwargs):
            raise KeyError("internal detail")

        monkeypatch.setattr(db, "zone_visits", bug)
        response = client.get("/api/zones", headers=bearer(tokens["vic"]))
        assert response.status_code == 500 and response.json() == {"detail": "internal server error"}
    db.close()


def test_today_follows_the_clock(make_client, tokens):
    """Default ranges are today on the store's clock (late evening in London is still today)."""
    client = make_client()
    clock = client.app.state.context.clock
    clock.advance(8 * 3600 + 59 * 60)  # 23:59 local
    assert client.get("/api/traffic", headers=bearer(tokens["vic"])).json()["start"] == "2026-03-04T00:00:00Z"
    clock.advance(120)
    t = client.get("/api/traffic", headers=bearer(tokens["vic"])).json()
    assert t["start"] == "2026-03-05T00:00:00Z" and t["totals"]["entries"] == 0
    assert NOW.isoformat() == "2026-03-04T15:00:00+00:00"


def test_oversized_bodies_are_refused_unread(shared_client, tokens):
    big = b'{"username": "vic", "password": "' + b"x" * 70_000 + b'"}'
    login = shared_client.post("/api/login", content=big, headers={"content-type": "application/json"})
    assert login.status_code == 413 and "too large" in login.json()["detail"]
    chunks = (b"x" * 10_000 for _ in range(10))  # no Content-Length: sent chunked
    siren = shared_client.put("/api/siren", content=chunks, headers=bearer(tokens["mia"]))
    assert siren.status_code == 413
    small = (part for part in (b'{"on": ', b"false}"))
    headers = {**bearer(tokens["mia"]), "content-type": "application/json"}
    assert shared_client.put("/api/siren", content=small, headers=headers).status_code == 200
