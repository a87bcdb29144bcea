"""``storelens calibrate``: build each camera's floor mapping and draw it on a frame to check by eye.

A calibration can be numerically fine and still wrong (a landmark typed in the wrong
corner, millimetres read as metres). The quickest check is to look: one frame of the
camera with a 1 m floor grid, the zones and the counting lines projected onto it. Grid
lines should run along tile joints and the zones sit where they belong. The frame shows
real people, so their heads are pixelated before anything is drawn or written.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from storelens.config import (
    CameraConfig,
    HomographyCalibrationConfig,
    LineConfig,
    LineKind,
    OpenCvJsonCalibrationConfig,
    PinholeCalibrationConfig,
    PointPairConfig,
    StoreConfig,
    ZoneConfig,
    ZoneKind,
    resolve_paths,
)
from storelens.detect import Detector, make_detector
from storelens.errors import CalibrationError, ConfigError, SourceError, StorageError
from storelens.geometry import FloorMapper, HomographyCalibration, PinholeCamera, ReprojectionError, load_opencv_cameras
from storelens.geometry.homography import MIN_POINTS
from storelens.render import Anonymiser
from storelens.sources import open_source
from storelens.types import Frame

__all__ = ["CalibrationReport", "FloorProjector", "camera_mapper", "check_image_path", "run_calibrate"]

logger = logging.getLogger(__name__)

CHECK_PRIVACY_FRAMES = 1
"""Frames after the check image's whose people are hidden in it too (someone the detector misses
in one frame is usually found in the next, a few pixels away)."""

GRID_STEP_M = 1.0
"""Spacing of the floor grid: one line per metre is easy to compare with floor tiles."""

GRID_LABEL_EVERY_M = 5
"""Grid intersections labelled with their floor coordinates, every this many metres."""

MAX_GRID_SPAN_M = 60.0
"""Largest grid drawn without an outline: floor seen near the horizon maps to huge distances."""

VISIBLE_FLOOR_SAMPLES = 24
"""Pixels sampled per image axis to find which part of the floor the camera sees."""

SAMPLES_PER_M = 10
"""Points per metre along drawn floor lines, so lens distortion shows as curves."""

ROUND_TRIP_TOLERANCE_M = 0.05
"""A projected floor point that does not map back within this is behind the camera or where
the distortion model folds over, and is not drawn."""

IMAGE_MARGIN_FRACTION = 0.5
"""Projected points further outside the frame than this share of its size are not drawn."""

IN_ARROW_M = 0.7
"""Length on the floor of the arrow pointing to the inside of an entrance line."""

PIXEL_RULER_STEP_PX = 50
"""Spacing of the pixel ruler drawn on uncalibrated cameras (to read off landmark pixels)."""

GRID_COLOUR = (0, 215, 255)
LABEL_COLOUR = (255, 255, 255)
LANDMARK_COLOUR = (255, 0, 255)
ZONE_COLOURS = {
    ZoneKind.ENTRANCE: (0, 200, 0),
    ZoneKind.AISLE: (255, 160, 0),
    ZoneKind.DISPLAY: (255, 0, 160),
    ZoneKind.CHECKOUT_QUEUE: (0, 140, 255),
    ZoneKind.STAFF_ONLY: (160, 160, 160),
    ZoneKind.STAFF_DOOR: (110, 110, 110),
    ZoneKind.RESTRICTED: (0, 0, 255),
}
LINE_COLOURS = {LineKind.ENTRANCE: (0, 255, 0), LineKind.PASSERBY: (255, 255, 0)}
FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.45


class FloorProjector(FloorMapper, Protocol):
    """A floor mapping that also projects floor points into the image (to draw them)."""

    def floor_to_image(self, floor_xy_m: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """What ``calibrate`` found for one camera.

    Attributes:
        camera_id: The camera.
        method: Calibration kind (``homography``, ``opencv_json``, ``pinhole``) or ``none``.
        error_m: Landmark error on the floor, metres: of the fitted point pairs for a
            homography (how well the fit agrees with them), of the check points for a camera
            model; None when there are no points to compare.
        error_px: The same landmarks' error in the image, pixels.
        image_path: The check image written.
        people_blurred: Person boxes whose heads were pixelated in the image.
    """

    camera_id: str
    method: str
    error_m: ReprojectionError | None
    error_px: ReprojectionError | None
    image_path: Path
    people_blurred: int

    def summary(self) -> str:
        """One line for the command line."""
        return f"{self.finding()}; wrote {self.image_path}"

    def finding(self) -> str:
        """What was found, without where it was written (the check image's legend)."""
        if self.method == "none":
            what = "no calibration; the image has a pixel ruler to read landmark pixels from"
        elif self.error_m is None or self.error_px is None:
            what = f"{self.method}, no check points to measure its error"
        else:
            what = (
                f"{self.method}, error over {self.error_m.count} points: {self.error_m.mean:.3f} m mean, "
                f"{self.error_m.max:.3f} m max ({self.error_px.mean:.1f} / {self.error_px.max:.1f} px)"
            )
            if self.method == "homography" and self.error_m.count == MIN_POINTS:
                what += f" (any {MIN_POINTS} pairs fit exactly: add pairs to measure the error)"
        return f"{self.camera_id}: {what}"


def check_image_path(out_dir: Path, camera_id: str) -> Path:
    """Where the check image of ``camera_id`` is written."""
    return out_dir / f"calibration_{camera_id}.png"


def _relative_to(path: Path, config_dir: Path) -> Path:
    return path if path.is_absolute() else config_dir / path


def camera_mapper(camera: CameraConfig, config_dir: Path) -> FloorProjector:
    """The floor mapping a camera's calibration describes.

    Args:
        camera: The camera's config.
        config_dir: Folder that a relative ``opencv_json`` file is relative to.

    Raises:
        CalibrationError: No calibration, a missing or malformed calibration file, an unknown
            view, or points that fix no homography.
    """
    calibration = camera.calibration
    if isinstance(calibration, HomographyCalibrationConfig):
        return HomographyCalibration.from_points(*_pairs(calibration.points))
    if isinstance(calibration, OpenCvJsonCalibrationConfig):
        path = _relative_to(calibration.file, config_dir)
        views = load_opencv_cameras(path, world_unit_m=calibration.world_unit_m)
        if calibration.view not in views:
            raise CalibrationError(
                f"{path}: no view {calibration.view!r}; the file has {', '.join(sorted(views)) or 'none'}"
            )
        return views[calibration.view]
    if isinstance(calibration, PinholeCalibrationConfig):
        return PinholeCamera(
            K=np.array(calibration.K),
            dist=np.array(calibration.dist),
            R=np.array(calibration.R),
            t=np.array(calibration.t),
            world_unit_m=calibration.world_unit_m,
        )
    raise CalibrationError("no calibration given; add a calibration section (kind: homography, opencv_json or pinhole)")


def _pairs(points: list[PointPairConfig]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) pixels and (n, 2) floor metres of landmark pairs."""
    image_px = np.array([p.image_px for p in points], dtype=np.float64).reshape(-1, 2)
    floor_m = np.array([p.floor_m for p in points], dtype=np.float64).reshape(-1, 2)
    return image_px, floor_m


def _landmarks(camera: CameraConfig) -> list[PointPairConfig]:
    """The points whose error is reported: fitted pairs of a homography, else check points."""
    calibration = camera.calibration
    if isinstance(calibration, HomographyCalibrationConfig):
        return calibration.points
    if isinstance(calibration, OpenCvJsonCalibrationConfig | PinholeCalibrationConfig):
        return calibration.check_points
    return []


def _errors(
    mapper: FloorProjector, landmarks: list[PointPairConfig]
) -> tuple[ReprojectionError | None, ReprojectionError | None]:
    if not landmarks:
        return None, None
    image_px, floor_m = _pairs(landmarks)
    return (
        ReprojectionError.between(mapper.image_to_floor(image_px), floor_m),
        ReprojectionError.between(mapper.floor_to_image(floor_m), image_px),
    )


def _first_frames(camera_id: str, camera: CameraConfig) -> list[Frame]:
    """The first frame, and up to :data:`CHECK_PRIVACY_FRAMES` after it."""
    with open_source(camera.source, camera_id=camera_id, fps=camera.fps) as source:
        frames = list(itertools.islice(source, 1 + CHECK_PRIVACY_FRAMES))
    if not frames:
        raise SourceError(f"{camera.source}: gave no frame")
    return frames


# Drawing -----------------------------------------------------------------------------------


def _densify(floor_m: np.ndarray, closed: bool) -> np.ndarray:
    """(k, 2) polyline -> (m, 2) points every 1 / SAMPLES_PER_M metres along it."""
    vertices = np.vstack([floor_m, floor_m[:1]]) if closed else floor_m
    pieces = []
    for a, b in itertools.pairwise(vertices):
        n = max(2, math.ceil(float(np.linalg.norm(b - a)) * SAMPLES_PER_M) + 1)
        pieces.append(np.linspace(a, b, n)[:-1])
    pieces.append(vertices[-1:])
    return np.vstack(pieces)


def _project(mapper: FloorProjector, floor_m: np.ndarray, image_wh: tuple[int, int]) -> np.ndarray:
    """(n, 2) floor metres -> (n, 2) pixels; NaN where the point cannot be shown truthfully."""
    px = mapper.floor_to_image(floor_m)
    back = mapper.image_to_floor(px)
    with np.errstate(invalid="ignore"):
        ok = np.linalg.norm(back - floor_m, axis=1) <= ROUND_TRIP_TOLERANCE_M
        margin = IMAGE_MARGIN_FRACTION * np.array(image_wh, dtype=np.float64)
        ok &= ((px >= -margin) & (px <= np.array(image_wh) + margin)).all(axis=1)
    px[~ok] = np.nan
    return px


def _draw_floor_path(
    image: np.ndarray,
    mapper: FloorProjector,
    floor_m: np.ndarray,
    colour: tuple[int, int, int],
    thickness: int,
    closed: bool = False,
) -> np.ndarray:
    """Draw a floor polyline as the camera sees it (curved by distortion, cut at the horizon).

    Returns:
        (m, 2) pixels of the drawn samples, NaN where not drawn.
    """
    wh = (image.shape[1], image.shape[0])
    px = _project(mapper, _densify(np.asarray(floor_m, dtype=np.float64), closed), wh)
    valid = np.isfinite(px).all(axis=1)
    # Draw each run of consecutive drawable samples as its own polyline.
    edges = np.flatnonzero(np.diff(np.concatenate([[0], valid.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start >= 2:
            run = np.round(px[start:stop]).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(image, [run], False, colour, thickness, cv2.LINE_AA)
    return px


def _label(image: np.ndarray, text: str, at_px: np.ndarray, colour: tuple[int, int, int]) -> None:
    """Text with a dark outline so it reads on any background."""
    if not np.isfinite(at_px).all():
        return
    x, y = (int(v) for v in np.round(at_px))
    cv2.putText(image, text, (x + 3, y - 3), FONT, FONT_SCALE, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(image, text, (x + 3, y - 3), FONT, FONT_SCALE, colour, 1, cv2.LINE_AA)


def _grid_extent(
    mapper: FloorProjector, image_wh: tuple[int, int], outline: list[tuple[float, float]] | None
) -> tuple[float, float, float, float] | None:
    """(x0, x1, y0, y1) floor metres to cover with the grid: the outline, else what the camera sees."""
    if outline is not None:
        pts = np.array(outline)
    else:
        xs = np.linspace(0, image_wh[0] - 1, VISIBLE_FLOOR_SAMPLES)
        ys = np.linspace(0, image_wh[1] - 1, VISIBLE_FLOOR_SAMPLES)
        pts = mapper.image_to_floor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2))
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) == 0:
            return None
        centre = np.median(pts, axis=0)
        pts = np.clip(pts, centre - MAX_GRID_SPAN_M / 2, centre + MAX_GRID_SPAN_M / 2)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    return (
        math.floor(x0 / GRID_STEP_M) * GRID_STEP_M,
        math.ceil(x1 / GRID_STEP_M) * GRID_STEP_M,
        math.floor(y0 / GRID_STEP_M) * GRID_STEP_M,
        math.ceil(y1 / GRID_STEP_M) * GRID_STEP_M,
    )


def _major(value_m: float) -> bool:
    """Whether a grid line is a labelled (thicker) one."""
    return round(value_m) % GRID_LABEL_EVERY_M == 0


def _draw_grid(image: np.ndarray, mapper: FloorProjector, config: StoreConfig) -> None:
    wh = (image.shape[1], image.shape[0])
    extent = _grid_extent(mapper, wh, config.floor_plan.outline)
    if extent is None:
        logger.warning("no part of the image maps onto the floor; check the calibration")
        return
    x0, x1, y0, y1 = extent
    xs = np.arange(x0, x1 + GRID_STEP_M / 2, GRID_STEP_M)
    ys = np.arange(y0, y1 + GRID_STEP_M / 2, GRID_STEP_M)
    for x in xs:
        _draw_floor_path(image, mapper, np.array([[x, y0], [x, y1]]), GRID_COLOUR, 2 if _major(x) else 1)
    for y in ys:
        _draw_floor_path(image, mapper, np.array([[x0, y], [x1, y]]), GRID_COLOUR, 2 if _major(y) else 1)
    labelled = [(x, y) for x in xs for y in ys if _major(x) and _major(y)]
    if labelled:
        at_px = _project(mapper, np.array(labelled, dtype=np.float64), wh)
        for (x, y), px in zip(labelled, at_px):
            if np.isfinite(px).all() and 0 <= px[0] < wh[0] and 0 <= px[1] < wh[1]:
                _label(image, f"{x:g},{y:g}", px, GRID_COLOUR)


def _draw_zone(image: np.ndarray, mapper: FloorProjector, zone: ZoneConfig) -> None:
    colour = ZONE_COLOURS[zone.kind]
    polygon = np.array(zone.polygon, dtype=np.float64)
    px = _draw_floor_path(image, mapper, polygon, colour, 2, closed=True)
    centre = _project(mapper, polygon.mean(axis=0, keepdims=True), (image.shape[1], image.shape[0]))[0]
    visible = px[np.isfinite(px).all(axis=1)]
    anchor = centre if np.isfinite(centre).all() else (visible[0] if len(visible) else centre)
    _label(image, f"{zone.name} ({zone.kind.value})", anchor, colour)


def _draw_line(image: np.ndarray, mapper: FloorProjector, line: LineConfig) -> None:
    colour = LINE_COLOURS[line.kind]
    a, b = np.array(line.a, dtype=np.float64), np.array(line.b, dtype=np.float64)
    px = _draw_floor_path(image, mapper, np.stack([a, b]), colour, 3)
    visible = px[np.isfinite(px).all(axis=1)]
    if len(visible):
        _label(image, f"{line.name} ({line.kind.value})", visible[0], colour)
    if line.in_side is None:
        return
    direction = (b - a) / np.linalg.norm(b - a)
    left = np.array([-direction[1], direction[0]])  # floor y is up, so this is the left side
    inward = left if line.in_side == "left" else -left
    mid = (a + b) / 2
    ends = _project(mapper, np.stack([mid, mid + IN_ARROW_M * inward]), (image.shape[1], image.shape[0]))
    if np.isfinite(ends).all():
        start, end = (tuple(int(v) for v in np.round(p)) for p in ends)
        cv2.arrowedLine(image, start, end, colour, 2, cv2.LINE_AA, tipLength=0.3)
        _label(image, "in", ends[1], colour)


def _draw_landmarks(image: np.ndarray, mapper: FloorProjector, landmarks: list[PointPairConfig]) -> None:
    """Circle: the landmark's pixel as given. Cross: where the calibration puts its floor position."""
    if not landmarks:
        return
    image_px, floor_m = _pairs(landmarks)
    predicted = _project(mapper, floor_m, (image.shape[1], image.shape[0]))
    for given, fitted in zip(image_px, predicted):
        g = tuple(int(v) for v in np.round(given))
        cv2.circle(image, g, 5, LANDMARK_COLOUR, 1, cv2.LINE_AA)
        if np.isfinite(fitted).all():
            f = tuple(int(v) for v in np.round(fitted))
            cv2.drawMarker(image, f, LANDMARK_COLOUR, cv2.MARKER_CROSS, 8, 1, cv2.LINE_AA)
            cv2.line(image, g, f, LANDMARK_COLOUR, 1, cv2.LINE_AA)


def _draw_pixel_ruler(image: np.ndarray) -> None:
    """Lines every PIXEL_RULER_STEP_PX, labelled, to read landmark pixels off an uncalibrated view."""
    height, width = image.shape[:2]
    for x in range(0, width, PIXEL_RULER_STEP_PX):
        cv2.line(image, (x, 0), (x, height - 1), GRID_COLOUR, 1)
        _label(image, str(x), np.array([x, 14.0]), GRID_COLOUR)
    for y in range(PIXEL_RULER_STEP_PX, height, PIXEL_RULER_STEP_PX):
        cv2.line(image, (0, y), (width - 1, y), GRID_COLOUR, 1)
        _label(image, str(y), np.array([0.0, float(y)]), GRID_COLOUR)


def _draw_legend(image: np.ndarray, lines: list[str]) -> None:
    line_h = 18
    width = max(cv2.getTextSize(text, FONT, FONT_SCALE, 1)[0][0] for text in lines) + 12
    cv2.rectangle(image, (0, 0), (width, line_h * len(lines) + 8), (0, 0, 0), -1)
    for i, text in enumerate(lines):
        cv2.putText(image, text, (6, line_h * (i + 1)), FONT, FONT_SCALE, LABEL_COLOUR, 1, cv2.LINE_AA)


def _check_image(
    image: np.ndarray,
    config: StoreConfig,
    camera_id: str,
    mapper: FloorProjector | None,
    landmarks: list[PointPairConfig],
    report_line: str,
) -> None:
    """Draw the calibration (or, without one, a pixel ruler) onto ``image`` in place."""
    if mapper is None:
        _draw_pixel_ruler(image)
        _draw_legend(image, [f"{camera_id}: not calibrated", "pixel ruler: read landmark image_px here"])
        return
    _draw_grid(image, mapper, config)
    if config.floor_plan.outline is not None:
        _draw_floor_path(image, mapper, np.array(config.floor_plan.outline), LABEL_COLOUR, 2, closed=True)
    for zone in config.zones:
        _draw_zone(image, mapper, zone)
    for line in config.lines:
        _draw_line(image, mapper, line)
    _draw_landmarks(image, mapper, landmarks)
    key = f"grid {GRID_STEP_M:g} m, labels x,y every {GRID_LABEL_EVERY_M} m"
    _draw_legend(image, [report_line, f"{key}; landmarks: o given pixel, + calibrated" if landmarks else key])


def _calibrate_camera(
    config: StoreConfig, camera_id: str, config_dir: Path, out_dir: Path, detector: Detector
) -> CalibrationReport:
    camera = config.cameras[camera_id]
    mapper = None if camera.calibration is None else camera_mapper(camera, config_dir)
    landmarks = _landmarks(camera) if mapper is not None else []
    error_m, error_px = _errors(mapper, landmarks) if mapper is not None else (None, None)
    method = "none" if camera.calibration is None else camera.calibration.kind
    frame, *later = _first_frames(camera_id, camera)
    # Privacy first: people are anonymised before anything else touches the frame, also those
    # the detector misses in it but finds in the next frame.
    people = detector(frame).xyxy_px
    anonymiser = Anonymiser(detector, camera.privacy)
    regions = [anonymiser.regions(frame, people), *(anonymiser.regions(f) for f in later)]
    image = anonymiser.hide(frame.image, np.concatenate(regions))
    path = check_image_path(out_dir, camera_id)
    report = CalibrationReport(camera_id, method, error_m, error_px, path, len(people))
    _check_image(image, config, camera_id, mapper, landmarks, report.finding())
    if not cv2.imwrite(str(path), image):
        raise StorageError(f"{path}: cannot write the check image")
    logger.info("%s", report.summary())
    return report


def run_calibrate(
    config: StoreConfig,
    camera_id: str | None,
    out_dir: Path,
    *,
    detector: Detector | None = None,
    config_dir: Path | None = None,
) -> list[CalibrationReport]:
    """Build every (or one) camera's floor mapping, measure it, and write a check image.

    For each camera: the mapping from its calibration; the landmark error (fitted pairs of a
    homography, check points of a camera model, else none); one frame anonymised as the
    camera's ``privacy`` says, the 1 m floor grid, outline, zones, lines and landmarks drawn on it, written to
    ``<out_dir>/calibration_<camera>.png``. An uncalibrated camera gets a pixel ruler
    instead, to read landmark pixels from.

    Args:
        config: The store config (from :func:`storelens.config.load_config`, whose paths are
            absolute).
        camera_id: Only this camera; None for all.
        out_dir: Folder for the images; created if missing.
        detector: Person detector whose boxes' heads are pixelated; the bundled default if
            None (built once, only when there is a camera to do).
        config_dir: Folder that relative paths in ``config`` are relative to; the current
            folder if None.

    Returns:
        One report per camera, in config order.

    Raises:
        ConfigError: ``camera_id`` is not one of the cameras.
        CalibrationError: A calibration cannot be built (message names the camera).
        SourceError: A camera's source cannot be opened or gives no frame.
        StorageError: An image cannot be written.
    """
    if camera_id is not None and camera_id not in config.cameras:
        raise ConfigError(f"no camera {camera_id!r}; the config has {', '.join(config.cameras)}")
    config_dir = (config_dir or Path.cwd()).absolute()
    config = resolve_paths(config, config_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StorageError(f"{out_dir}: cannot create the output folder: {err.strerror}") from None
    if detector is None:
        detector = make_detector()
    reports = []
    for cid in [camera_id] if camera_id is not None else list(config.cameras):
        try:
            reports.append(_calibrate_camera(config, cid, config_dir, out_dir, detector))
        except (CalibrationError, SourceError) as err:
            raise type(err)(f"camera {cid}: {err}") from None
    return reports
