"""End to end on the real phantom: ``ferret open`` draws every modality it made (tiny scale)."""

import numpy as np
import pytest
from PIL import Image

from app.cli import main
from app.main_presenter import MainPresenter
from processing.study import discover
from viewers.state import ViewGeometry, WorldCursor

pytestmark = [pytest.mark.slow, pytest.mark.gui]


@pytest.fixture(scope="module")
def phantom_study(tmp_path_factory):
    from processing.phantom import make_phantom_study

    return make_phantom_study(
        tmp_path_factory.mktemp("phantom") / "study",
        participants=1,
        visits=2,
        scale="tiny",
        seed=0,
        noise=True,
    )


class QuietView:
    def __getattr__(self, name):
        return lambda *args: None


def test_every_phantom_acquisition_displays_with_content(phantom_study):
    study = discover(phantom_study)
    presenter = MainPresenter(QuietView(), study, WorldCursor(), ViewGeometry())
    presenter.start()
    for visit in presenter.participant.visits:
        for kind in visit.acquisitions:
            presenter.select_acquisition(visit.session, kind)
            assert presenter.selection == (visit.session, kind)
            for orientation in ("axial", "coronal", "sagittal"):
                presenter.set_orientation(orientation)
                pixels = presenter.slice_model.pixels()
                assert len(np.unique(pixels)) > 20, (visit.session, kind, orientation)


def test_open_phantom_screenshot(phantom_study, tmp_path):
    target = tmp_path / "phantom.png"
    assert (
        main(["open", str(phantom_study), "--screenshot", str(target), "--size", "1000x600"]) == 0
    )
    pixels = np.asarray(Image.open(target).convert("L"))[60:540, 450:950]
    assert len(np.unique(pixels)) > 60
