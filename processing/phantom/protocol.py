"""The acquisition protocol of the phantom at each scale (DESIGN section 1).

Each acquisition has its own voxel size, field of view and stored
orientation (axis codes of the voxel axes, as nibabel's ``aff2axcodes``, plus
an optional oblique tilt about the left-right axis), so that readers meet
RAS, LPS, radiological, sagittal-permuted and oblique images.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCALES = ("tiny", "small", "full")

MP2RAGE = dict(
    tr=5.0,
    ti1=0.7,
    ti2=2.5,
    flip1_deg=4.0,
    flip2_deg=5.0,
    echo_spacing=0.007,
    slices_per_slab=176,
    partial_fourier=0.75,
    inversion_efficiency=0.96,
)
MEGRE_ECHO_TIMES = tuple(round(0.00492 * (k + 1), 5) for k in range(6))
MEGRE = dict(repetition_time=0.035, flip_angle=15.0, b0_tesla=3.0)
MESE_ECHO_TIMES = tuple(round(0.0115 * (k + 1), 5) for k in range(8))
MESE = dict(repetition_time=4.0, flip_angle=90.0)
FLAIR = dict(tr=9.0, ti=2.5, te=0.1)
DWI_SHELLS: tuple[float, float] = (1000.0, 3000.0)  # b-values of the two weighted shells, s/mm^2
DWI = dict(repetition_time=4.2, echo_time=0.08, shells=DWI_SHELLS)


@dataclass(frozen=True)
class AcquisitionSpec:
    """Grid and orientation of one acquisition."""

    name: str  # MP2RAGE, MEGRE, MESE, FLAIR, dwi, epi
    voxel_size: tuple[float, float, float]  # along the stored voxel axes, mm
    fov: tuple[float, float, float]  # along the stored voxel axes, mm
    axcodes: str  # direction each voxel axis points to, e.g. "LPS"
    tilt_deg: float = 0.0  # oblique rotation about the world x (L-R) axis
    snr: float = 40.0  # white-matter signal / noise sigma (first echo / b=0 / inv-2)
    extra: dict = field(default_factory=dict)


def _specs(iso_anat, gre, mese, dwi, directions, full_fov=False, mese_slices=24):
    head = (180.0, 220.0, 180.0)  # the head is about 165 x 200 x 150 mm; motion can clip the scalp
    sag = (220.0, 180.0, 180.0) if not full_fov else (240.0, 240.0, 176.0)
    return {
        "MP2RAGE": AcquisitionSpec("MP2RAGE", (iso_anat,) * 3, sag, "ASR", snr=60.0),
        "MEGRE": AcquisitionSpec("MEGRE", gre, (180.0, 220.0, 150.0), "LPS", snr=50.0),
        "MESE": AcquisitionSpec(
            "MESE", mese, (180.0, 220.0, mese_slices * mese[2]), "RAS", tilt_deg=12.0, snr=35.0
        ),
        "FLAIR": AcquisitionSpec("FLAIR", (iso_anat,) * 3, head, "RAS", snr=30.0),
        "dwi": AcquisitionSpec(
            "dwi", (dwi,) * 3, head, "LAS", snr=30.0, extra={"directions": directions}
        ),
        "epi": AcquisitionSpec("epi", (dwi,) * 3, head, "LAS", snr=30.0),
    }


def protocol(scale: str) -> dict[str, AcquisitionSpec]:
    """Acquisition specs by name for ``tiny``, ``small`` or ``full``.

    ``directions`` of the DWI is (b=0 count, b=1000 count, b=3000 count).
    The spin-echo slab has 24 slices at ``tiny`` and 30 at ``small`` and
    ``full`` (120, 120 and 99 mm): at the coarse scales it covers the
    upper-brain lesions whatever the head movement.
    """
    if scale == "tiny":
        return _specs(3.5, (3.5, 3.5, 4.0), (2.5, 2.5, 5.0), 4.0, (2, 6, 10))
    if scale == "small":
        return _specs(1.6, (1.6, 1.6, 2.5), (1.2, 1.2, 4.0), 3.0, (10, 30, 60), mese_slices=30)
    if scale == "full":
        return _specs(
            0.85,
            (0.8, 0.8, 2.0),
            (0.36, 0.36, 3.3),
            1.7,
            (10, 30, 60),
            full_fov=True,
            mese_slices=30,
        )
    raise ValueError(f"unknown scale {scale!r}; use one of {SCALES}")
