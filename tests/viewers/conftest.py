"""Fixtures of the viewers tests: small volumes with known content and shared models."""

from __future__ import annotations

import numpy as np
import pytest

from viewers.state import ViewGeometry, WindowLevel, WorldCursor
from viewers.state.slice_view_model import SliceViewModel
from viewers.state.volume import Volume


@pytest.fixture
def ramp_volume() -> Volume:
    """20 x 16 x 10 voxels of 1 x 1 x 2 mm whose value is ``i + 100 j + 10000 k``."""
    i, j, k = np.indices((20, 16, 10))
    affine = np.diag([1.0, 1.0, 2.0, 1.0])
    affine[:3, 3] = (-10.0, -8.0, -10.0)
    return Volume.from_array(i + 100 * j + 10000 * k, affine, "FLAIR", "ramp")


@pytest.fixture
def shared_models():
    """Return a cursor, a geometry and a window shared by the views of one test."""
    return WorldCursor(), ViewGeometry(), WindowLevel()


@pytest.fixture
def view_model(shared_models, ramp_volume) -> SliceViewModel:
    """Return a view model showing the ramp volume, cursor at its centre."""
    cursor, geometry, window = shared_models
    model = SliceViewModel(cursor, geometry, window)
    model.set_volume(ramp_volume)
    cursor.set_position(ramp_volume.centre)
    return model


@pytest.fixture(scope="session")
def registered_phantom(phantom_study, tmp_path_factory):
    """Return a copy of the phantom study with maps at every visit and truth-perfect ``to-ref`` transforms."""
    import shutil

    from app.cli import main

    root = tmp_path_factory.mktemp("registered") / "study"
    shutil.copytree(phantom_study, root)
    assert main(["process", str(root), "--steps", "maps"]) == 0
    from processing.phantom.perfect_registration import write_truth_registrations

    write_truth_registrations(root)
    return root


@pytest.fixture
def phantom_participant(registered_phantom):
    from processing.study import discover

    return discover(registered_phantom).participants["sub-01"]


def record_events(group) -> list[str]:
    """Return a list that receives the names of ``group``'s events (``model.events``) as emitted."""
    seen: list[str] = []
    for name in group.names():
        getattr(group, name).connect(lambda *_, _name=name, **__: seen.append(_name))
    return seen
