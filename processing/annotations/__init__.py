"""Lesion annotation without a screen: labels, lesions, ratings, storage, import, export.

- :mod:`~processing.annotations.grid`: nearest-neighbour :func:`resample_labels`
  between grids (:class:`processing.spaces.grid.Grid`; registration transforms
  compose in).
- :mod:`~processing.annotations.labels`: :class:`LabelVolume`, the int32 lesion
  IDs in the reference space, with one committed :class:`LabelEdit` per stroke.
- :mod:`~processing.annotations.editing`: delete, merge, split, import components.
- :mod:`~processing.annotations.geometry`: centre, volume, largest diameter,
  cortex; the 5 mm microinfarct warning.
- :mod:`~processing.annotations.schema`: rating schemas (JSON data) and their validation.
- :mod:`~processing.annotations.database`, :mod:`~processing.annotations.store`,
  :mod:`~processing.annotations.checkpoint`, :mod:`~processing.annotations.session`:
  per-rater storage (SQLite WAL + atomic NIfTI + stroke journal) that saves as the
  rater works and survives a kill.
- :mod:`~processing.annotations.integrity`, :mod:`~processing.annotations.backup`,
  :mod:`~processing.annotations.recovery`: damage checks on every open (a damaged
  store is never opened, nor rebuilt silently), rolling verified backups, and
  recovery by the rater's explicit choice.
- :mod:`~processing.annotations.lock`, :mod:`~processing.annotations.workspace`:
  one writer per rater, blinded rating mode and explicit review mode.
- :mod:`~processing.annotations.importing`, :mod:`~processing.annotations.export`,
  :mod:`~processing.annotations.spreadsheet`: masks in, masks and spreadsheets out.

Layout on disk: ``<study>/derivatives/ferret-annotations/rater-<id>/sub-XX/``.
The reference grid and visit transforms live in :mod:`processing.spaces.reference`.
The public names below are imported on first use, so that importing one
submodule (the undo stack imports ``labels``) loads no storage or registration.
"""

from typing import TYPE_CHECKING

from processing._lazy import lazy_exports

if TYPE_CHECKING:
    from processing.annotations.grid import resample_labels
    from processing.annotations.labels import LabelEdit, LabelVolume
    from processing.annotations.schema import LESION_TYPES, RatingSchema, load_schema, load_schemas
    from processing.annotations.session import AnnotationSession
    from processing.annotations.workspace import RaterWorkspace, ReviewWorkspace, rater_folder
    from processing.spaces.grid import Grid

# public names, imported on first use (importing a submodule stays light)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Grid": "grid",  # processing.spaces.grid, imported there
        "resample_labels": "grid",
        "LabelEdit": "labels",
        "LabelVolume": "labels",
        "LESION_TYPES": "schema",
        "RatingSchema": "schema",
        "load_schema": "schema",
        "load_schemas": "schema",
        "AnnotationSession": "session",
        "RaterWorkspace": "workspace",
        "ReviewWorkspace": "workspace",
        "rater_folder": "workspace",
    },
)

__all__ = [
    "Grid",
    "resample_labels",
    "LabelEdit",
    "LabelVolume",
    "LESION_TYPES",
    "RatingSchema",
    "load_schema",
    "load_schemas",
    "AnnotationSession",
    "RaterWorkspace",
    "ReviewWorkspace",
    "rater_folder",
]
