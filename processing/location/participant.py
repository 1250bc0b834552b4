"""The atlas step of one participant: which image is registered, and the output it writes.

The participant's reference space is visit 1's DWI grid, else visit 1's
anchor grid (README, "The reference space"). Its T1-like image is one of
visit 1's images already resampled into that space by the ``resample`` step,
the first present of :data:`T1_LIKE`: a T1w (the template's own contrast),
else the anchor UNIT1 (MP2RAGE: white matter brighter than grey matter,
brighter than CSF, as on a T1w), else the R1 map computed from it. It is
masked by the brain mask resampled beside it (``space-ref_desc-brain_mask``,
from the MP2RAGE's second inversion), else by Ferret's automatic head mask of
the image itself (:func:`processing.registration.masks.brain_mask`).

Output (with a provenance sidecar)::

    derivatives/ferret/sub-XX/atlas/sub-XX_space-ref_mars.nii.gz    MARS region numbers, uint8
    derivatives/ferret/sub-XX/atlas/sub-XX_from-ref_to-MNI152NLin2009aSym_xfm.txt
        ITK transform (LPS), participant (fixed) points -> template points
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from processing.errors import FerretError
from processing.location.atlas import TEMPLATE, atlas_path, load_atlas, load_template
from processing.location.register import TemplateSettings
from processing.progress import Progress, null_progress
from processing.spaces.grid import Grid

#: Suffixes of visit 1's reference-space images, in the order the atlas step prefers them.
T1_LIKE = ("space-ref_T1w", "space-ref_UNIT1", "space-ref_R1map")
MASK = "space-ref_desc-brain_mask"
METHOD = (
    "MNI ICBM152 2009a T1 template registered to the participant's T1-like image "
    "(SimpleITK: similarity, affine, B-spline; Mattes MI, fixed seed); MARS regions "
    "carried by nearest neighbour"
)


def atlas_file(study_root: str | Path, participant: str) -> Path:
    """Return the participant's MARS region map in the reference space."""
    folder = Path(study_root) / "derivatives" / "ferret" / participant / "atlas"
    return folder / f"{participant}_space-ref_mars.nii.gz"


def transform_file(study_root: str | Path, participant: str) -> Path:
    """Return the stored template transform of the participant."""
    return atlas_file(study_root, participant).with_name(
        f"{participant}_from-ref_to-{TEMPLATE}_xfm.txt"
    )


def choose_inputs(first_visit_images: list[Path]) -> tuple[Path, Path | None]:
    """Return the T1-like image and the brain mask (or None) among visit 1's reference-space images.

    Raises
    ------
    FerretError
        When none of :data:`T1_LIKE` is among them.
    """
    by_stem = {path.name.split(".")[0].split("_", 2)[-1]: path for path in first_visit_images}
    image = next((by_stem[name] for name in T1_LIKE if name in by_stem), None)
    if image is None:
        raise FerretError(
            "the first visit has no T1-like image (T1w, UNIT1 or an R1 map) to register the "
            "MARS atlas to.",
            first_visit_images[0].parent if first_visit_images else None,
            "add a T1w or MP2RAGE acquisition to the first visit; without one, rate the "
            "microbleeds' MARS region in the form.",
        )
    return image, by_stem.get(MASK)


def compute_atlas(
    study_root: str | Path,
    participant: str,
    image: Path,
    mask: Path | None,
    settings: TemplateSettings | None = None,
    progress: Progress | None = None,
) -> Path:
    """Register the template to ``image``, write the MARS map on its grid; return its path."""
    from processing.fileio import load_nifti, save_nifti, write_provenance
    from processing.location.carry import labels_on_grid
    from processing.location.register import register_template
    from processing.registration.masks import brain_mask

    settings, progress = settings or TemplateSettings(), progress or null_progress()
    data, affine, _ = load_nifti(image)
    data = np.nan_to_num(data)
    if mask is not None:
        brain = np.asarray(load_nifti(mask, dtype=None)[0]) > 0
        if brain.shape != data.shape:
            raise FerretError(
                f"the brain mask's grid {brain.shape} is not the image's {data.shape}.",
                mask,
                "run ferret process STUDY --steps resample again.",
            )
    else:
        brain = brain_mask(data, affine)
    template, template_mask = load_template()
    atlas = load_atlas()
    result = register_template(
        (data, affine), brain, (template.data, template.affine), template_mask, settings, progress
    )
    labels = labels_on_grid(atlas, Grid(data.shape, affine), result.transform)
    out = save_nifti(atlas_file(study_root, participant), labels.astype(np.uint8), affine)
    xfm = _write_transform(transform_file(study_root, participant), result.transform)
    inputs = [image] + ([mask] if mask is not None else []) + [atlas_path()]
    write_provenance(
        out,
        METHOD,
        {**settings.as_dict(), "template": TEMPLATE, "mask": "resampled" if mask else "automatic"},
        inputs,
        Transform=xfm.name,
        TemplateFromRefAffineRAS=result.affine_ras.tolist(),
        Metrics=result.metrics,
        Warnings=result.notes,
        Seconds=round(result.seconds, 1),
        Regions="MARS: 1 brainstem, 2 cerebellum, 3 basal ganglia, 4 thalamus, 5 internal "
        "capsule, 6 external capsule, 7 corpus callosum, 8 deep and periventricular white "
        "matter, 9 frontal, 10 parietal, 11 temporal, 12 occipital, 13 insula; 0 outside",
    )
    return out


def _write_transform(path: Path, transform) -> Path:
    import SimpleITK as sitk

    from processing.fileio import atomic_path

    with atomic_path(path) as tmp:  # the temporary name keeps the .txt suffix ITK needs
        sitk.WriteTransform(transform, str(tmp))
    return path


def load_participant_atlas(study_root: str | Path, participant: str) -> tuple[np.ndarray, Grid]:
    """Return the participant's MARS map (uint8) and its grid.

    Raises
    ------
    FerretError
        The atlas step has not run yet, or its output is damaged.
    """
    from processing.fileio import load_nifti

    path = atlas_file(study_root, participant)
    fix = f"run ferret process {study_root} --steps location --participant {participant}."
    if not path.is_file():
        raise FerretError("the MARS atlas step has not run for this participant yet.", path, fix)
    try:
        data, affine, _ = load_nifti(path, dtype=None)
    except FerretError as exc:
        reason = exc.problem.rstrip(".")
        raise FerretError(f"the MARS atlas map is damaged ({reason}).", path, fix) from exc
    data = np.asarray(data)
    if data.ndim != 3 or not np.issubdtype(data.dtype, np.integer) or int(data.max()) > 13:
        raise FerretError("this is not a MARS region map (3D, values 0-13).", path, fix)
    return data.astype(np.uint8), Grid(data.shape, affine)
