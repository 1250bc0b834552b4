"""Lesions painted on unregistered views move by their acquisition's transform once it exists (issue 12.2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from processing.annotations import Grid, RaterWorkspace
from processing.annotations.relocation import (
    PAINTED,
    moved_block,
    relocate,
    unregistered_acquisition,
    unregistered_origin,
)

GRID = Grid(
    (40, 40, 30),
    np.array([[1.2, 0, 0, -24.0], [0, 1.2, 0, -24.0], [0, 0, 1.5, -22.5], [0, 0, 0, 1]]),
)


def head_movement(
    degrees=(4.0, -3.0, 6.0), shift=(2.6, -1.9, 3.1), centre=(0.0, 0.0, 0.0)
) -> np.ndarray:
    """Return a rigid world transform like the head movement between two sessions (rotation about ``centre``)."""
    matrix = np.eye(4)
    matrix[:3, :3] = Rotation.from_euler("xyz", degrees, degrees=True).as_matrix()
    matrix[:3, 3] = np.asarray(centre) - matrix[:3, :3] @ np.asarray(centre) + np.asarray(shift)
    return matrix


def paint_ball(session, centre_mm, radius_mm, origin) -> int:
    """Paint the voxels within ``radius_mm`` of a world point as one new lesion with ``origin``."""
    world = GRID.voxel_to_world(np.indices(GRID.shape).reshape(3, -1).T).reshape(GRID.shape + (3,))
    inside = np.linalg.norm(world - np.asarray(centre_mm), axis=-1) <= radius_mm
    session.origin = origin
    block = session.labels.data.copy()
    lesion_id = session.labels.reserve_id()
    block[inside & (block == 0)] = lesion_id
    with session.labels.stroke():
        session.labels.write(tuple(slice(0, n) for n in GRID.shape), block, "paint")
    return lesion_id


def centre_mm(labels, lesion_id) -> np.ndarray:
    return GRID.voxel_to_world(np.argwhere(labels.data == lesion_id).mean(0))


def test_origin_names_the_unregistered_acquisition():
    assert unregistered_origin(None) == PAINTED
    assert unregistered_acquisition(unregistered_origin("FLAIR")) == "FLAIR"
    assert unregistered_acquisition(PAINTED) is None and unregistered_acquisition(None) is None


def test_a_rotated_move_keeps_the_lesion_whole_and_lands_at_the_transformed_centre(tmp_path):
    transform = head_movement(centre=(10.0, 5.0, 0.0))
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", GRID)
        lesion = paint_ball(session, (8.0, 6.0, 1.0), 3.1, unregistered_origin("FLAIR"))
        before = centre_mm(session.labels, lesion)
        voxels = int((session.labels.data == lesion).sum())
        box, block = moved_block(session.labels, lesion, transform)
        session.labels.write(box, block)
        after = centre_mm(session.labels, lesion)
        expected = transform[:3, :3] @ before + transform[:3, 3]
        assert np.linalg.norm(after - expected) < 0.35  # within a third of a voxel
        assert np.linalg.norm(after - before) > 3.0  # and it did move
        assert (
            abs(int((session.labels.data == lesion).sum()) - voxels) <= 0.15 * voxels
        )  # no holes, no growth
        from scipy import ndimage

        assert ndimage.label(session.labels.data == lesion)[1] == 1  # one piece


def test_relocate_moves_only_unregistered_lesions_with_a_transform_and_never_overwrites_others(
    tmp_path,
):
    transform = head_movement()
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", GRID)
        session.visit = "ses-02"
        waiting = paint_ball(session, (0.0, 0.0, 0.0), 2.5, unregistered_origin("FLAIR"))
        registered = paint_ball(
            session, (3.0, 2.0, 2.0), 2.5, PAINTED
        )  # where the moved lesion lands
        no_transform = paint_ball(session, (-12.0, -10.0, -6.0), 2.0, unregistered_origin("T1w"))
        kept = {
            lesion: np.argwhere(session.labels.data == lesion)
            for lesion in (registered, no_transform)
        }
        calls = []

        def transform_of(visit, acquisition):
            calls.append((visit, acquisition))
            return transform if acquisition == "FLAIR" else None

        assert relocate(session, transform_of) == [waiting]
        assert sorted(calls) == [("ses-02", "FLAIR"), ("ses-02", "T1w")]
        for lesion, voxels in kept.items():
            assert np.array_equal(np.argwhere(session.labels.data == lesion), voxels)
        records = {r.lesion_id: r for r in session.store.lesions()}
        assert records[waiting].origin == PAINTED and records[
            no_transform
        ].origin == unregistered_origin("T1w")
        assert relocate(session, transform_of) == []  # moved once only
        audit = [row for row in session.store.audit_log() if row["lesion_id"] == waiting]
        assert any(row["field"] == "origin" and "FLAIR" in (row["before"] or "") for row in audit)
        moved_centre = centre_mm(session.labels, waiting)
        assert (
            np.linalg.norm(moved_centre - transform[:3, 3]) < 1.0
        )  # the transform of the old centre 0
        session.flush()
        stored = session.labels.data.copy()
    with RaterWorkspace(tmp_path, "A") as workspace:  # journaled: survives a reopen
        assert np.array_equal(workspace.open_session("sub-01").labels.data, stored)


@pytest.mark.parametrize("killed_after_voxels", [True, False])
def test_a_move_cut_short_by_a_crash_is_finished_once_never_twice(tmp_path, killed_after_voxels):
    from processing.annotations import relocation

    transform = head_movement()
    with RaterWorkspace(tmp_path, "A") as workspace:
        session = workspace.open_session("sub-01", GRID)
        session.visit = "ses-02"
        lesion = paint_ball(session, (0.0, 0.0, 0.0), 2.5, unregistered_origin("FLAIR"))
        expected = moved_block(session.labels, lesion, transform)
        real_update = session.store.update_lesion

        def crash_at_the_end(lesion_id, **changes):  # the kill: the last origin write never lands
            if changes.get("origin") == PAINTED:
                raise KeyboardInterrupt
            real_update(lesion_id, **changes)

        session.store.update_lesion = crash_at_the_end
        if not killed_after_voxels:
            session.labels.write = lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())
        with pytest.raises(KeyboardInterrupt):
            relocation.relocate(session, lambda visit, acquisition: transform)
        del session.store.update_lesion
        if not killed_after_voxels:
            del session.labels.write
        session.flush()
    with RaterWorkspace(tmp_path, "A") as workspace:  # reopen, the registration is there
        session = workspace.open_session("sub-01")
        assert relocation.relocate(session, lambda visit, acquisition: transform) == [lesion]
        box, block = expected
        assert np.array_equal(
            session.labels.data[box] == lesion, block == lesion
        )  # moved exactly once
        assert session.store.lesions()[0].origin == PAINTED
