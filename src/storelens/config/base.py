"""The base model every config section derives from, and the small typed values they share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, FiniteFloat

__all__ = ["FloorPoint", "ImagePoint", "StorelensModel"]


class StorelensModel(BaseModel):
    """Base of every config model.

    ``extra="forbid"`` makes a misspelt key fail at load instead of silently meaning "use the
    default" (``analysis_fsp: 2`` would otherwise analyse every frame). Models are frozen: a
    loaded config is shared by every stage, and a stage that changed it would change it for
    the others behind their backs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


FloorPoint = Annotated[
    tuple[FiniteFloat, FiniteFloat],
    Field(description="(x, y) on the floor plan in metres; x to the right, y up the plan"),
]
"""A floor position in metres, written ``[x, y]`` in YAML."""

ImagePoint = Annotated[
    tuple[FiniteFloat, FiniteFloat],
    Field(description="(x, y) pixel in the camera image; x to the right, y down from the top-left corner"),
]
"""A pixel position in a camera frame, written ``[x, y]`` in YAML."""
