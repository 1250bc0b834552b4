"""The settings and the outcome of one rigid (or affine) registration.

:class:`RegistrationParams` holds every setting that changes a result (it is
stored in transform sidecars and keys the cache); :class:`RegistrationResult`
is what :func:`~processing.registration.rigid.register_rigid` returns;
``Image`` is the ``(array, affine)`` pair (nibabel order, RAS) that every
registration function takes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(frozen=True)
class RegistrationParams:
    """Every setting that changes a registration's result (stored in sidecars).

    ``shrink_factors`` and ``smoothing_sigmas_mm`` give one pyramid level each.
    ``working_spacing_mm`` first resamples both images to at least that voxel
    size (after anti-alias smoothing): registration cost falls with the cube.
    ``mask_dilation_mm`` grows brain masks (in
    :func:`~processing.registration.pairing.register_pair_images`) so that the
    metric sees the brain's outline, where pairs of low tissue contrast carry
    most of their shared information.
    ``mask_grid``: where the masks are grown, ``"working"`` (on the working grid,
    :mod:`~processing.registration.working`) or ``"image"`` (on each image's
    own grid, then carried to the working grid: the same masks, several
    times slower on full-scale scans).
    ``multistart_spacing_mm``: with ``initialiser="best"``, both starts (headers
    and centres of mass) are registered on a grid this coarse and the one
    reaching the better metric is refined at ``working_spacing_mm``
    (:func:`~processing.registration.pairing.register_multistart`); ``None`` picks
    the start with the better metric *before* optimising (cheaper, but on the
    small phantom it chose a local optimum 6-10 mm off for 4 of 9 visit links).
    """

    transform: str = "rigid"
    bins: int = 32
    sampling_fraction: float = 0.25
    min_samples: int = 100_000
    seed: int = 20240601
    shrink_factors: tuple[int, ...] = (4, 2, 1)
    smoothing_sigmas_mm: tuple[float, ...] = (6.0, 3.0, 1.5)
    iterations: int = 200
    learning_rate: float = 2.0
    min_step: float = 1e-3
    initialiser: str = "best"
    multistart_spacing_mm: float | None = 3.0
    working_spacing_mm: float | None = 1.5
    mask_dilation_mm: float = 4.0
    mask_grid: str = "working"
    threads: int = 1
    poor_metric: float = -0.1
    max_shift_mm: float = 20.0
    max_rotation_deg: float = 15.0

    def as_dict(self) -> dict:
        """Plain dict (for JSON sidecars and cache keys)."""
        return {key: list(v) if isinstance(v, tuple) else v for key, v in asdict(self).items()}


#: The default registration parameters (a frozen value shared as the functions' default).
DEFAULT_PARAMS = RegistrationParams()


@dataclass
class RegistrationResult:
    """Outcome of one registration.

    Attributes
    ----------
    fixed_from_moving : ndarray (4, 4)
        RAS matrix mapping a point's coordinates in the moving image's world to
        the fixed image's world.
    metric : float
        Final Mattes MI (negative; closer to 0 is worse).
    iterations : int
        Optimizer iterations at the last level.
    flags : list of str
        QC flags (empty when nothing looks wrong).
    swapped, attempts, start
        Set by :func:`~processing.registration.pairing.register_pair_images`:
        whether fixed and moving were swapped (the matrix is still
        fixed_from_moving of the caller's pair), how many starts were tried,
        and the start kept.
    """

    fixed_from_moving: np.ndarray
    metric: float
    iterations: int
    stop_condition: str
    flags: list[str] = field(default_factory=list)
    header_shift_mm: float = 0.0
    header_rotation_deg: float = 0.0
    seconds: float = 0.0
    params: RegistrationParams = field(default_factory=RegistrationParams)
    swapped: bool = False
    attempts: int = 1
    start: str = ""

    @property
    def moving_from_fixed(self) -> np.ndarray:
        """The inverse matrix (fixed world -> moving world)."""
        return np.linalg.inv(self.fixed_from_moving)

    @property
    def direction(self) -> str:
        """The direction of :attr:`fixed_from_moving` in words."""
        return "maps RAS mm of the moving image's world to RAS mm of the fixed image's world"


Image = tuple[np.ndarray, np.ndarray]
