"""Where a user-chosen output may go: anywhere but into a raw BIDS study.

Inputs are read-only (DESIGN section 3): commands that take ``--out`` check it
with :func:`check_output_location` before writing, so that a typo such as
``--out study/sub-01`` never drops files among the raw scans. Writing under a
study's ``derivatives/`` folder is allowed.
"""

from __future__ import annotations

from pathlib import Path

from processing.errors import FerretError

DESCRIPTION = "dataset_description.json"


def raw_study_holding(path: str | Path) -> Path | None:
    """Return the BIDS study whose raw part (outside ``derivatives/``) would hold ``path``, else None.

    A study is recognised by its ``dataset_description.json``; derivative
    datasets (folders inside some ``derivatives/``) do not count as raw studies.
    """
    path = Path(path).resolve()
    for folder in (path, *path.parents):
        if "derivatives" in folder.parts or not (folder / DESCRIPTION).is_file():
            continue
        inside = path.relative_to(folder).parts
        return None if inside and inside[0] == "derivatives" else folder
    return None


def check_output_location(out: str | Path, study_root: str | Path | None = None) -> Path:
    """Return ``out`` if writing there leaves every raw study untouched, else raise.

    Parameters
    ----------
    out : str or Path
        The output file or folder the user asked for.
    study_root : str or Path, optional
        The study the command reads (refused as a target even without a
        ``dataset_description.json``).

    Raises
    ------
    FerretError
        When ``out`` lies inside the raw part of a study.
    """
    out = Path(out)
    study = raw_study_holding(out)
    if study is None and study_root is not None:
        root, target = Path(study_root).resolve(), out.resolve()
        inside = target == root or root in target.parents
        if inside and root / "derivatives" not in target.parents:
            study = root
    if study is not None:
        raise FerretError(
            f"this output would be written into the raw study {study}, which Ferret never "
            "modifies.",
            out,
            f"choose a folder outside the study, or under {study / 'derivatives'}.",
        )
    return out
