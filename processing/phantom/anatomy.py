"""The phantom's head in anatomy space (RAS mm, centred at 0).

Shells outward along each direction ``u`` from the centre, with ``R(u)`` the
radius of the brain ellipsoid: white matter up to the folded grey/white
boundary, a cortical ribbon of :data:`CORTEX_THICKNESS` mm below the pial
surface ``R(u) - fold(u)``, CSF (filling the sulci) up to ``R(u) + 3``, skull to
``R(u) + 9`` and scalp to ``R(u) + 14``. Folds are a smooth random radial
modulation (a sum of random plane waves on the unit sphere squashed by tanh)
reaching :data:`FOLD_DEPTH` mm where the wave sum exceeds :data:`SULCUS_LEVEL`.
Deep grey nuclei and ventricles are ellipsoids. Veins are drawn on top of
these labels (:mod:`processing.phantom.veins`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.ndimage import map_coordinates

from processing.phantom import tissues as T

BRAIN_SEMI_AXES = np.array([68.0, 85.0, 62.0])
CORTEX_THICKNESS = 2.75
FOLD_DEPTH = 10.0
FOLD_TABLE_STEP = 0.3  # degrees
SULCUS_LEVEL = 0.5  # in standard deviations of the wave sum: about a third of the surface is sulcal
CSF_OUTER, SKULL_OUTER, SCALP_OUTER = 3.0, 9.0, 14.0
INNER_RADIUS = 50.0  # every inner structure lies within this distance of the centre

#: (label, centre mm, semi-axes mm) of the inner structures, mirrored left/right
INNER_STRUCTURES = (
    (T.DEEP_GREY, (12.0, -15.0, 5.0), (8.0, 12.0, 8.0)),  # thalamus
    (T.DEEP_GREY, (25.0, 5.0, 2.0), (5.0, 12.0, 8.0)),  # putamen
    (T.VENTRICLE, (8.0, 5.0, 14.0), (5.0, 20.0, 7.0)),  # lateral ventricle
)


@dataclass(frozen=True)
class Anatomy:
    """Random folds of one participant; everything else is fixed.

    Parameters
    ----------
    wave_vectors : ndarray (K, 3)
    phases, amplitudes : ndarray (K,)
    """

    wave_vectors: np.ndarray
    phases: np.ndarray
    amplitudes: np.ndarray

    @classmethod
    def random(cls, rng: np.random.Generator, n_waves: int = 32) -> Anatomy:
        """Draw the folding pattern of one participant."""
        directions = rng.standard_normal((n_waves, 3))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        frequencies = rng.uniform(4.0, 6.5, n_waves)
        return cls(
            directions * frequencies[:, None],
            rng.uniform(0, 2 * np.pi, n_waves),
            rng.uniform(0.5, 1.0, n_waves),
        )

    def hull_radius(self, unit) -> np.ndarray:
        """Radius of the unfolded brain ellipsoid along unit directions ``(..., 3)``."""
        return 1.0 / np.sqrt(np.maximum(np.sum((unit / BRAIN_SEMI_AXES) ** 2, axis=-1), 1e-12))

    def fold_exact(self, unit) -> np.ndarray:
        """Sulcal depth (0..FOLD_DEPTH mm) from the wave sum along unit directions ``(..., 3)``."""
        phase = (2 * np.pi * unit @ self.wave_vectors.T + self.phases).astype(np.float32)
        waves = np.cos(phase) @ self.amplitudes.astype(np.float32)
        scale = np.sqrt(0.5 * np.sum(self.amplitudes**2))
        return FOLD_DEPTH * 0.5 * (1.0 + np.tanh(3.0 * (waves / scale - SULCUS_LEVEL)))

    @cached_property
    def _fold_table(self) -> np.ndarray:
        """:meth:`fold_exact` on a (polar, azimuth) grid of FOLD_TABLE_STEP degrees."""
        polar = np.deg2rad(np.arange(0.0, 180.0 + 1e-9, FOLD_TABLE_STEP))
        azimuth = np.deg2rad(np.arange(0.0, 360.0 + 1e-9, FOLD_TABLE_STEP))
        p, a = np.meshgrid(polar, azimuth, indexing="ij")
        unit = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), np.cos(p)], axis=-1)
        return self.fold_exact(unit).astype(np.float32)

    def fold(self, unit) -> np.ndarray:
        """Sulcal depth along unit directions: :meth:`fold_exact` interpolated from a fine table.

        This is the definition every label, lesion and truth uses; the table
        (0.3 degree, about 0.4 mm at the brain surface; interpolation differs
        from the wave sum by at most ~0.5 mm) is ten times faster.
        """
        unit = np.asarray(unit, dtype=np.float32)
        step = np.deg2rad(FOLD_TABLE_STEP)
        polar = np.arccos(np.clip(unit[..., 2], -1.0, 1.0)) / step
        azimuth = np.mod(np.arctan2(unit[..., 1], unit[..., 0]), 2 * np.pi) / step
        coords = np.stack([polar.ravel(), azimuth.ravel()])
        values = map_coordinates(self._fold_table, coords, order=1, mode="nearest")
        return values.reshape(unit.shape[:-1])

    def pial_radius(self, unit) -> np.ndarray:
        """Radius of the pial surface along unit directions."""
        return self.hull_radius(unit) - self.fold(unit)

    def labels(self, points) -> np.ndarray:
        """Tissue label (uint8) at points ``(..., 3)`` in anatomy mm.

        The folds are evaluated only in the shell where they matter (between
        the deepest grey/white boundary and the outer CSF), which keeps this
        fast on large grids.
        """
        points = np.asarray(points, dtype=np.float32)
        radius = np.linalg.norm(points, axis=-1)
        unit = points / np.maximum(radius, 1e-6)[..., None]
        hull = self.hull_radius(unit)
        label = np.zeros(radius.shape, dtype=np.uint8)
        for outer, tissue in (
            (hull + SCALP_OUTER, T.SCALP),
            (hull + SKULL_OUTER, T.SKULL),
            (hull + CSF_OUTER, T.CSF),
        ):
            label[radius <= outer] = tissue
        label[radius <= hull - FOLD_DEPTH - CORTEX_THICKNESS] = T.WHITE_MATTER
        shell = (radius > hull - FOLD_DEPTH - CORTEX_THICKNESS) & (radius <= hull + CSF_OUTER)
        pial = hull[shell] - self.fold(unit[shell])
        r = radius[shell]
        label[shell] = np.where(
            r > pial, T.CSF, np.where(r > pial - CORTEX_THICKNESS, T.CORTEX, T.WHITE_MATTER)
        )
        central = np.flatnonzero(
            (radius.ravel() < INNER_RADIUS) & (label.ravel() == T.WHITE_MATTER)
        )
        near = points.reshape(-1, 3)[central]
        flat = label.reshape(-1)
        for tissue, centre, semi in INNER_STRUCTURES:
            for side in (1.0, -1.0):
                c = np.array([side * centre[0], centre[1], centre[2]], dtype=np.float32)
                inside = (
                    np.sum(((near - c) / np.asarray(semi, dtype=np.float32)) ** 2, axis=-1) <= 1.0
                )
                flat[central[inside]] = tissue
        return flat.reshape(radius.shape)

    def to_dict(self) -> dict:
        """JSON-friendly parameters (for the truth file)."""
        return {
            "wave_vectors": self.wave_vectors,
            "phases": self.phases,
            "amplitudes": self.amplitudes,
            "brain_semi_axes": BRAIN_SEMI_AXES,
            "cortex_thickness_mm": CORTEX_THICKNESS,
            "fold_depth_mm": FOLD_DEPTH,
        }
