"""Reading a store's YAML file into a validated :class:`StoreConfig`, with readable errors.

Pydantic reports problems as locations inside its own model tree (union tags, dict-key
markers, list indices). A store manager editing YAML needs the key path they wrote, the
problem and the fix, one line each, so this module translates every error into
``store.yaml: cameras.entrance.calibration.points: need at least 4 point pairs, got 3``.
"""

from __future__ import annotations

import difflib
import logging
import types
from collections.abc import Hashable
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from storelens.config.cameras import OpenCvJsonCalibrationConfig
from storelens.config.references import reference_problems
from storelens.config.storage import DEFAULT_DB_NAME
from storelens.config.store import StoreConfig
from storelens.errors import ConfigError, first_line

__all__ = ["format_validation_error", "load_config", "resolve_paths"]

logger = logging.getLogger(__name__)

ITEM_NOUNS = {
    "points": "point pairs",
    "check_points": "point pairs",
    "polygon": "vertices",
    "outline": "vertices",
    "to": "recipients",
}
"""What the items of a list are called in "need at least N ..." messages, by key."""

_SQLITE_PREFIX = "sqlite:///"
_SQLITE_MEMORY = ":memory:"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which PyYAML otherwise resolves silently to the last.

    Two cameras or zones pasted under the same key would otherwise lose one without a word.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader itself refuses unhashable keys with its own message
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read config: {err}") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or first_line(err)
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the type that holds the keys."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _step(tp: Any, part: str | int) -> tuple[Any, bool]:
    """The type one location step below ``tp``, and whether ``part`` was a union tag.

    Pydantic puts the tag of a discriminated union (``homography``) into the location
    although the user never wrote it as a key; such steps are left out of the printed path.
    """
    tp = _unwrap(tp)
    origin = get_origin(tp)
    if _is_model(tp):
        fields = {f.alias or n: f for n, f in tp.model_fields.items()}  # keys as written (`from`)
        field = fields.get(part) if isinstance(part, str) else None
        return (field.annotation if field else None), False
    if origin is dict:
        return get_args(tp)[1], False
    if origin in (list, tuple):
        return get_args(tp)[0], False
    if origin in (Union, types.UnionType):
        for member in map(_unwrap, get_args(tp)):
            kind = member.model_fields.get("kind") if _is_model(member) else None
            if kind is not None and get_args(kind.annotation) == (part,):
                return member, True
    return None, False


def _union_tags(tp: Any) -> list[str]:
    """The ``kind`` values a discriminated union accepts."""
    tp = _unwrap(tp)
    members = map(_unwrap, get_args(tp)) if get_origin(tp) in (Union, types.UnionType) else []
    return [
        get_args(m.model_fields["kind"].annotation)[0] for m in members if _is_model(m) and "kind" in m.model_fields
    ]


def _locate(loc: tuple[str | int, ...], raw: Any) -> tuple[str, Any, Any, bool]:
    """Printed key path of ``loc``, the model holding its last key, the type at ``loc``, and
    whether the error is about a dict key rather than a value.

    List items are named by their ``name`` key when they have one (``zones.front_lawn``),
    else by index (``zones[2]``).
    """
    path, tp, parent, data, is_key = "", StoreConfig, None, raw, False
    for part in loc:
        if part == "[key]":
            is_key = True
            continue
        next_tp, is_tag = _step(tp, part)
        if is_tag:
            tp = next_tp
            continue
        item = data[part] if isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data) else None
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(part, int):
            path += f".{name}" if isinstance(name, str) and name else f"[{part}]"
            data = item
        else:
            path += f".{part}"
            data = data.get(part) if isinstance(data, dict) else None
        parent, tp = tp, next_tp
    return path.lstrip("."), _unwrap(parent), tp, is_key


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _message(error: dict[str, Any], key_path: str, parent: Any, tp: Any, is_key: bool) -> str:
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    noun = ITEM_NOUNS.get(key_path.rsplit(".", 1)[-1], "items")
    if kind == "missing":
        return "required key missing"
    if kind == "extra_forbidden":
        valid = sorted(f.alias or n for n, f in parent.model_fields.items()) if _is_model(parent) else []
        unknown = key_path.rsplit(".", 1)[-1]
        close = difflib.get_close_matches(unknown, valid, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key{hint}; valid keys: {', '.join(valid)}"
    if kind == "too_short":
        return f"need at least {ctx['min_length']} {noun}, got {ctx['actual_length']}"
    if kind == "too_long":
        return f"need at most {ctx['max_length']} {noun}, got {ctx['actual_length']}"
    if kind == "union_tag_not_found":
        return f"missing {ctx['discriminator']}: one of {', '.join(_union_tags(tp))}"
    if kind == "union_tag_invalid":
        return f"{ctx['discriminator']} is {ctx['tag']!r}; valid kinds: {ctx['expected_tags']}"
    if kind == "string_pattern_mismatch":
        what = "name" if is_key else "value"
        return f"{what} {value!r} must match {ctx['pattern']}"
    if kind in ("value_error", "assertion_error"):
        # Our own validators' messages: already lower-case where it matters ("R is not...").
        return error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    text = _lower_first(error["msg"])
    return text if isinstance(value, dict | list) else f"{text}, got {value!r}"


def format_validation_error(err: ValidationError, raw: Any) -> list[str]:
    """One ``"key.path: problem"`` line per error of validating ``raw`` as a :class:`StoreConfig`."""
    lines = []
    for error in err.errors(include_url=False):
        key_path, parent, tp, is_key = _locate(tuple(error["loc"]), raw)
        message = _message(error, key_path, parent, tp, is_key)
        lines.append(f"{key_path}: {message}" if key_path else message)
    return list(dict.fromkeys(lines))


def _resolve(path: Path, config_dir: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else (config_dir / path).resolve()


def _resolve_source(source: str | int, config_dir: Path) -> str | int:
    """Paths relative to the config folder; URLs and webcam numbers unchanged."""
    if isinstance(source, int) or "://" in source or source.isdigit():
        return source
    return str(_resolve(Path(source), config_dir))


def _resolve_db_url(url: str | None, config_dir: Path) -> str:
    if url is None:
        return f"{_SQLITE_PREFIX}{config_dir / DEFAULT_DB_NAME}"
    if url.startswith(_SQLITE_PREFIX) and url[len(_SQLITE_PREFIX) :] != _SQLITE_MEMORY:
        return f"{_SQLITE_PREFIX}{_resolve(Path(url[len(_SQLITE_PREFIX) :]), config_dir)}"
    return url


def resolve_paths(config: StoreConfig, config_dir: Path) -> StoreConfig:
    """A copy of ``config`` whose relative paths are made absolute against ``config_dir``.

    Relative paths in a config mean "beside this file", whatever folder storelens is started
    from. Camera sources, calibration files, the plan image, SQLite files and the spool are
    resolved; the default database becomes ``sqlite:///<config_dir>/storelens.db``. Nothing is
    checked for existence: a config is valid on a machine that lacks the videos (CI, the dashboard host).
    """
    config_dir = config_dir.absolute()
    cameras = {}
    for camera_id, camera in config.cameras.items():
        update: dict[str, Any] = {"source": _resolve_source(camera.source, config_dir)}
        if isinstance(camera.calibration, OpenCvJsonCalibrationConfig):
            update["calibration"] = camera.calibration.model_copy(
                update={"file": _resolve(camera.calibration.file, config_dir)}
            )
        cameras[camera_id] = camera.model_copy(update=update)
    floor_plan = config.floor_plan
    if floor_plan.image is not None:
        floor_plan = floor_plan.model_copy(update={"image": _resolve(floor_plan.image, config_dir)})
    reports = config.reports
    if reports.archive is not None:
        reports = reports.model_copy(update={"archive": _resolve(reports.archive, config_dir)})
    spool = config.storage.spool
    storage = config.storage.model_copy(
        update={
            "url": _resolve_db_url(config.storage.url, config_dir),
            "spool": None if spool is None else str(_resolve(Path(spool), config_dir)),
        }
    )
    return config.model_copy(
        update={"cameras": cameras, "floor_plan": floor_plan, "storage": storage, "reports": reports}
    )


def load_config(path: str | Path) -> StoreConfig:
    """Read, validate and cross-check a store config file.

    Args:
        path: The YAML file. Relative paths inside it are relative to its folder.

    Returns:
        The config, with every path absolute (see :func:`resolve_paths`).

    Raises:
        ConfigError: The file is missing or not YAML, or has problems; the message has one
            line per problem, ``<file>: <key.path>: <problem>``.
    """
    path = Path(path)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: expected a mapping of settings (name:, timezone:, cameras: ...), got {type(raw).__name__}"
        )
    try:
        config = StoreConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError("\n".join(f"{path}: {line}" for line in format_validation_error(err, raw))) from None
    config = resolve_paths(config, path.absolute().parent)
    problems = reference_problems(config)
    if problems:
        raise ConfigError("\n".join(f"{path}: {line}" for line in problems))
    logger.info(
        "loaded %s: %d cameras, %d zones, %d lines", path, len(config.cameras), len(config.zones), len(config.lines)
    )
    return config
