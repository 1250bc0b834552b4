"""Partial volume of tubes on a voxel grid: :func:`vein_fraction`.

Each voxel gets the fraction of its volume inside a vein. That is exact for
a straight tube up to the sampling of its cross-section: voxels wholly
inside count 1; for a voxel on the boundary, chords parallel to the tube
start on a grid (up to 24 x 24, spaced at most 0.4 of the smallest voxel
edge and a fifth of the radius) over the part of the tube's cross-section
the voxel can reach, each cut by the voxel box and by the vein's ends, with
the cross-section's area integrated exactly. On oblique, anisotropic grids
of 0.36-4 mm voxels the total is the tube's volume within 1-3 % (a test).
Curved veins are treated as straight across a voxel, at the nearest point of
their centreline (sampled every 0.1 mm).
"""

from __future__ import annotations

import itertools

import numpy as np

from processing.phantom.veins import SAMPLE_STEP_MM, Vein


def vein_fraction(veins, points, anatomy_from_grid) -> np.ndarray:
    """Fraction (float32, 0..1) of each voxel's volume inside a vein.

    Parameters
    ----------
    veins : list of Vein
    points : ndarray (*shape, 3)
        Voxel centres in anatomy mm.
    anatomy_from_grid : 4x4
        Voxel indices to anatomy mm (its columns are the voxel edges).
    """
    shape = points.shape[:-1]
    out = np.zeros(shape, dtype=np.float32)
    if not veins:
        return out
    edges = np.asarray(anatomy_from_grid, dtype=float)[:3, :3]
    corners = np.array(list(itertools.product((-0.5, 0.5), repeat=3)))
    half_diagonal = float(np.max(np.linalg.norm(corners @ edges.T, axis=1)))
    flat = points.reshape(-1, 3)
    for vein in veins:
        near = _near_voxels(vein, shape, np.linalg.inv(anatomy_from_grid), half_diagonal)
        if near.size:
            f = _coverage(vein, flat[near].astype(float), edges, half_diagonal)
            out.flat[near] = np.maximum(out.flat[near], f)
    return out


def _near_voxels(vein: Vein, shape, grid_from_anatomy, half_diagonal: float) -> np.ndarray:
    """Flat indices of the voxels whose centre may lie within radius + ``half_diagonal`` of the vein."""
    dense_points = vein.dense[0]
    to_index = grid_from_anatomy[:3, :3]
    edge = 1.0 / np.max(np.linalg.norm(to_index, axis=1))  # smallest voxel edge
    samples = dense_points[:: max(int(edge / 2 / SAMPLE_STEP_MM), 1)]
    reach = float(np.max(vein.radii)) + 2 * half_diagonal  # + rounding of the sample's voxel
    half = np.ceil(reach * np.linalg.norm(to_index, axis=1)).astype(int)
    offsets = np.stack(
        np.meshgrid(*[np.arange(-h, h + 1) for h in half], indexing="ij"), axis=-1
    ).reshape(-1, 3)
    offsets = offsets[np.linalg.norm(offsets @ np.linalg.inv(to_index).T, axis=1) <= reach]
    base = np.rint(samples @ to_index.T + grid_from_anatomy[:3, 3]).astype(int)
    hit = np.zeros(shape, dtype=bool)
    chunk = max(1, 2_000_000 // len(offsets))
    for k in range(0, len(base), chunk):
        ijk = (base[k : k + chunk, None, :] + offsets[None]).reshape(-1, 3)
        inside = np.all((ijk >= 0) & (ijk < np.asarray(shape)), axis=1)
        hit[tuple(ijk[inside].T)] = True
    return np.flatnonzero(hit)


def _coverage(vein: Vein, centres: np.ndarray, edges: np.ndarray, half_diagonal: float):
    """Volume fraction of the voxels centred at ``centres`` inside the vein."""
    dense_points, dense_radii, tangents, arc = vein.dense
    fraction = np.zeros(len(centres))
    distance, index = vein.tree.query(
        centres, distance_upper_bound=float(np.max(vein.radii)) + half_diagonal
    )
    near = np.flatnonzero(np.isfinite(distance))
    index = index[near]
    t, r = tangents[index], dense_radii[index]
    offset = centres[near] - dense_points[index]
    along = np.sum(offset * t, axis=1)
    perp = offset - along[:, None] * t
    d = np.linalg.norm(perp, axis=1)
    # a frame across the tube: e1 radial (towards the voxel centre), e2 = t x e1
    e1 = np.where((d > 1e-9)[:, None], perp / np.maximum(d, 1e-9)[:, None], _any_normal(t))
    e2 = np.cross(t, e1)
    a1, a2, a3 = (0.5 * np.sum(np.abs(e @ edges), axis=1) for e in (e1, e2, t))  # box supports
    # the tube exists for axial coordinates (relative to the voxel centre) in [w_low, w_high]
    w_low, w_high = -arc[index] - along, arc[-1] - arc[index] - along
    full = ((d + a1) ** 2 + a2**2 <= r**2) & (w_low <= -a3) & (w_high >= a3)
    fraction[near[full]] = 1.0
    edge = ~full & (d - a1 < r) & (w_low < a3) & (w_high > -a3)
    if edge.any():
        frame = (e1[edge], e2[edge], t[edge])
        fraction[near[edge]] = _chord_fraction(
            d[edge], frame, (a1[edge], a2[edge]), r[edge], (w_low[edge], w_high[edge]), edges
        )
    return fraction.astype(np.float32)


def _any_normal(t: np.ndarray) -> np.ndarray:
    """Return unit vectors perpendicular to unit vectors ``t`` (N, 3)."""
    helper = np.where(np.abs(t[:, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
    normal = np.cross(t, helper)
    return normal / np.linalg.norm(normal, axis=1, keepdims=True)


def _sampling(d, supports, r, spacing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per voxel: where to sample the cross-section (centre on e1, half-widths) and how densely.

    The sampled rectangle is the voxel's shadow across the tube (half-widths
    ``supports`` about the voxel centre) cut to the tube's square ``[-r, r]^2``.
    """
    a1, a2 = supports
    low1, high1 = np.maximum(d - a1, -r), np.minimum(d + a1, r)
    half1, half2 = (high1 - low1) / 2, np.minimum(a2, r)
    step = np.minimum(spacing, r / 5)  # resolves the voxel's edges and the tube's rim
    counts = np.stack(
        [np.clip(np.ceil(2 * h / step), 2, 24) for h in (half1, half2)], axis=1
    ).astype(int)
    return (low1 + high1) / 2, np.stack([half1, half2], axis=1), counts


def _strip_area(x0, x1, r, a2) -> np.ndarray:
    """Area of the disk of radius ``r`` within ``x0 <= x <= x1`` and ``|y| <= a2`` (arrays)."""

    def primitive(x):  # integral from 0 to x of min(sqrt(r^2 - u^2), a2) du, odd in x
        u = np.clip(np.abs(x), 0, r)
        knee = np.sqrt(np.clip(r**2 - a2**2, 0, None))

        def circle(w):
            return 0.5 * (w * np.sqrt(np.clip(r**2 - w**2, 0, None)) + r**2 * np.arcsin(w / r))

        flat = a2 * np.minimum(u, knee)
        curved = np.where(u > knee, circle(u) - circle(knee), 0.0)
        return np.sign(x) * (flat + curved)

    return 2 * (primitive(x1) - primitive(x0))


def _chord_fraction(d, frame, supports, r, w_range, edges, max_work=2_000_000) -> np.ndarray:
    """Tube volume in each voxel / voxel volume, by chords parallel to the tube.

    The chords start on a grid (spaced at most 0.4 of the smallest voxel
    edge and a fifth of the radius, 2-24 per side) over the part of the
    cross-section the voxel can reach: midpoints along ``e1``, and along
    ``e2`` midpoints of the tube's own width there (so its rim is not
    staircased). Each chord is cut by the voxel box and by the vein's ends.
    """
    e1, e2, t = frame
    spacing = 0.4 * float(np.min(np.linalg.norm(edges, axis=0)))
    centre1, half, counts = _sampling(d, supports, r, spacing)
    to_index = np.linalg.inv(edges)
    volume = abs(np.linalg.det(edges))
    out = np.zeros(len(d))
    groups, inverse = np.unique(counts, axis=0, return_inverse=True)
    for g, (m1, m2) in enumerate(groups):
        members = np.flatnonzero(inverse.ravel() == g)
        u1 = (np.arange(m1) + 0.5) / m1 * 2 - 1
        u2 = (np.arange(m2) + 0.5) / m2 * 2 - 1
        step = max(1, max_work // (m1 * m2))
        for s in range(0, len(members), step):
            v = members[s : s + step]
            c1 = centre1[v, None] + half[v, :1] * u1  # (V, m1) along e1, relative to the axis
            # across e2 the tube spans +-sqrt(r^2 - c1^2): sampled within it, so the rim is exact
            h2 = np.minimum(np.sqrt(np.clip(r[v, None] ** 2 - c1**2, 0, None)), half[v, 1:])
            c2 = (h2[..., None] * u2).reshape(len(v), -1)
            weight = (2 * half[v, :1] / m1) * (2 * h2 / m2)  # cross-section area per chord
            exact = _strip_area(
                c1[:, :1] - half[v, :1] / m1, c1[:, -1:] + half[v, :1] / m1, r[v, None], half[v, 1:]
            )
            weight *= exact / np.maximum(np.sum(weight * m2, axis=1, keepdims=True), 1e-30)
            weight = weight.repeat(m2, axis=1)
            c1 = c1.repeat(m2, axis=1)
            # start of each chord relative to the voxel centre (which sits at d e1)
            start = (c1 - d[v, None])[..., None] * e1[v, None] + c2[..., None] * e2[v, None]
            origin = start @ to_index.T
            direction = (t[v] @ to_index.T)[:, None, :]
            with np.errstate(divide="ignore", invalid="ignore"):
                low, high = (-0.5 - origin) / direction, (0.5 - origin) / direction
            parallel = np.abs(direction) < 1e-9
            inside = np.abs(origin) <= 0.5
            low = np.where(parallel, np.where(inside, -np.inf, np.inf), low)
            high = np.where(parallel, np.where(inside, np.inf, -np.inf), high)
            enter = np.maximum(np.max(np.minimum(low, high), axis=-1), w_range[0][v, None])
            leave = np.minimum(np.min(np.maximum(low, high), axis=-1), w_range[1][v, None])
            chord = np.clip(leave - enter, 0.0, None)
            out[v] = np.sum(weight * chord, axis=1) / volume
    return np.clip(out, 0.0, 1.0)
