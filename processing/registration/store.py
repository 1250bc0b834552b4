"""Transforms on disk: names, ITK files with JSON sidecars, and the cache check.

Per DESIGN section 4, under ``derivatives/ferret/sub-XX/ses-YY/xfm/``::

    sub-01_ses-03_from-FLAIR_to-UNIT1_mode-image_xfm.txt    (ITK text file)
    sub-01_ses-03_from-FLAIR_to-UNIT1_mode-image_xfm.json   (sidecar)
    sub-01_ses-03_from-UNIT1_to-ses01UNIT1_mode-image_xfm.txt   (visit to visit 1)
    sub-01_ses-03_from-FLAIR_to-ref_mode-image_xfm.txt      (composed, to the reference)

Directions. The sidecar's ``MatrixRAS`` is the 4x4 ``<to>_from_<from>``
matrix: it maps RAS mm of a point in the *from* image's world to the *to*
image's world. The ``.txt`` file follows ITK's (and ANTs'/fMRIPrep's)
convention for a ``from-A_to-B`` transform: it maps LPS points of B to LPS
points of A, i.e. it is the transform that resamples A onto B's grid
(``antsApplyTransforms -i A -r B -t file``). It is therefore the inverse of
``MatrixRAS``, in LPS.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from processing.fileio import file_checksum, write_provenance
from processing.fileio.provenance import sidecar_path
from processing.study.model import Visit

ITK_DIRECTION = (
    "the .txt file maps LPS points of the 'to' image to LPS points of the 'from' image"
    " (ITK resampling convention)"
)


def label(text: str) -> str:
    """Return a BIDS entity value: letters and digits only (``dwi_dir-AP`` -> ``dwidirAP``)."""
    return re.sub(r"[^A-Za-z0-9]", "", text)


def xfm_path(visit: Visit, source: str, target: str) -> Path:
    """Path of the ITK file of the transform from ``source`` to ``target`` of a visit."""
    return visit.derivative(f"from-{label(source)}_to-{label(target)}_mode-image_xfm.txt", "xfm")


def sidecar_of(path: Path) -> Path:
    """Return the JSON beside an output.

    ``x_xfm.txt`` -> ``x_xfm.json``, ``x.nii.gz`` -> ``x.json``.
    """
    return sidecar_path(path)


def write_transform(
    path: Path,
    to_from_from: np.ndarray,
    *,
    source: str,
    target: str,
    method: str,
    parameters: dict[str, Any],
    inputs: Iterable[Path],
    **fields: Any,
) -> Path:
    """Write the ITK file and its sidecar (matrix, direction in words, provenance, QC)."""
    # SimpleITK only when a transform is written: readers of the chain stay light
    from processing.registration.spaces import write_itk_transform

    to_from_from = np.asarray(to_from_from, dtype=float)
    write_itk_transform(path, np.linalg.inv(to_from_from))
    try:
        write_provenance(
            path,
            method,
            parameters,
            list(inputs),
            MatrixRAS=to_from_from.tolist(),
            Direction=f"MatrixRAS maps RAS mm of {source}'s world to RAS mm of {target}'s world "
            f"({label(target).lower()}_from_{label(source).lower()})",
            ITKFileDirection=ITK_DIRECTION,
            From=source,
            To=target,
            **fields,
        )
    except BaseException:
        path.unlink(
            missing_ok=True
        )  # never a transform without its sidecar (e.g. the disk filled up)
        raise
    return path


def read_matrix(path: Path) -> np.ndarray:
    """Return the ``MatrixRAS`` (<to>_from_<from>) stored in a transform's sidecar."""
    record = json.loads(sidecar_of(path).read_text(encoding="utf-8"))
    return np.array(record["MatrixRAS"], dtype=float)


def ref_from(visit: Visit, key: str) -> np.ndarray | None:
    """Return the composed ``ref_from_<key>`` matrix of a visit's acquisition, or None when not registered.

    This is the public reader of the chain's result: 4x4, RAS mm of the
    acquisition's world -> RAS mm of the participant's reference space.
    """
    path = xfm_path(visit, key, "ref")
    record = read_sidecar(path)
    if not isinstance(record, dict) or "MatrixRAS" not in record:
        return None
    try:
        matrix = np.array(record["MatrixRAS"], dtype=float)
    except (ValueError, TypeError):
        return None
    return matrix if matrix.shape == (4, 4) and np.all(np.isfinite(matrix)) else None


def read_sidecar(path: Path) -> dict[str, Any] | None:
    """Return the sidecar's content, or None when missing or unreadable."""
    try:
        return json.loads(sidecar_of(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_cached(
    path: Path, parameters: dict[str, Any], inputs: Iterable[Path], root: Path | None = None
) -> bool:
    """Return True when the transform exists with the same parameters and input checksums.

    With ``root`` (the study folder), input paths are compared relative to it:
    a stored ``/old/place/study/sub-01/...`` matches ``<root>/sub-01/...``, so
    a moved or re-mounted study is not registered again.
    """
    record = read_sidecar(path)
    if record is None or not path.exists() or record.get("Parameters") != _jsonable(parameters):
        return False
    stored = [(item.get("path"), item.get("checksum")) for item in record.get("Inputs", [])]
    inputs = list(inputs)
    if len(stored) != len(inputs):
        return False
    return all(
        _same_path(old, Path(new), root) and checksum == file_checksum(new)
        for (old, checksum), new in zip(stored, inputs, strict=True)
    )


def _same_path(stored: str | None, current: Path, root: Path | None) -> bool:
    """Whether a path recorded in a sidecar names ``current`` (relative to ``root`` when given)."""
    if stored is None:
        return False
    if root is None:
        return stored == str(current)
    try:
        relative = Path(os.path.abspath(current)).relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return stored == str(current)
    return ("/" + stored.replace("\\", "/")).endswith("/" + relative)


def _jsonable(value: Any) -> Any:
    return json.loads(
        json.dumps(value, default=lambda v: v.tolist() if hasattr(v, "tolist") else str(v))
    )
