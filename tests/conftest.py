"""Test configuration shared by every test.

Qt runs offscreen; the real scans live in ``../shared/data/real`` beside the
project and tests that need them skip with a reason when that folder is absent.
Every test that uses a phantom study fixture (directly or through another
fixture) is marked ``slow``, so that ``-m "not slow"`` never builds a phantom.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = Path(
    os.environ.get("FERRET_REAL_DATA", PROJECT_ROOT.parent / "shared" / "data" / "real")
)


# building either study takes seconds; its users are slow (see pytest_collection_modifyitems)
PHANTOM_FIXTURES = frozenset({"phantom_study", "phantom_noiseless"})


def pytest_collection_modifyitems(config, items) -> None:
    """Mark ``slow`` every test whose fixture closure builds a phantom study."""
    for item in items:
        if PHANTOM_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Return the folder of real scans; skip the test when it is absent (a user's fresh clone)."""
    if not REAL_DATA.is_dir():
        pytest.skip(f"real scans not found at {REAL_DATA} (set FERRET_REAL_DATA to use them)")
    return REAL_DATA


@pytest.fixture(scope="session")
def phantom_study(tmp_path_factory) -> Path:
    """Return a tiny phantom study (1 participant, 4 visits, seed 0, with noise), made once per test worker."""
    from processing.phantom import make_phantom_study

    return make_phantom_study(
        tmp_path_factory.mktemp("phantom") / "study", visits=4, scale="tiny", seed=0
    )


@pytest.fixture(scope="session")
def phantom_noiseless(tmp_path_factory) -> Path:
    """Return a tiny phantom study without noise (3 visits, seed 0): exact signals for accuracy tests."""
    from processing.phantom import make_phantom_study

    return make_phantom_study(
        tmp_path_factory.mktemp("phantom_noiseless") / "study",
        visits=3,
        scale="tiny",
        seed=0,
        noise=False,
    )


def wait_until(condition, timeout: float = 30.0, message: str = "the condition") -> None:
    """Poll ``condition()`` until it is true; fail the test after ``timeout`` seconds.

    The non-Qt counterpart of ``qtbot.waitUntil``: the timeout bounds a hang,
    it is not a speed requirement.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{message} did not happen within {timeout} s")
        time.sleep(0.01)


@pytest.fixture(autouse=True)
def gui_thread_collection(request):
    """Around every Qt test, collect cyclic garbage in the GUI thread only.

    A Qt object destroyed by the collector in another thread deadlocks against
    the GUI thread (:mod:`viewers.widgets.collector`). After every test,
    collection is automatic again, whatever windows the test left open.
    """
    if "qapp" in request.fixturenames:
        from viewers.widgets.collector import GuiThreadCollector

        GuiThreadCollector.shared().hold()
    yield
    module = sys.modules.get("viewers.widgets.collector")  # imported: some window may hold it
    if module is not None:
        module.GuiThreadCollector.shared().release_all()


@pytest.fixture(name="wait_until")
def wait_until_fixture():
    """:func:`wait_until`, for tests (conftest modules cannot be imported by name)."""
    return wait_until
