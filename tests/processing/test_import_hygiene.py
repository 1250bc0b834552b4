"""Light imports: the undo stack and the annotation package load no registration stack.

Each check runs in a fresh interpreter (this test process has long imported
everything), from the project root so that this tree's packages are the ones
imported.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _modules_after(statement: str) -> set[str]:
    """Return the names in ``sys.modules`` after ``statement`` in a fresh interpreter."""
    script = f"{statement}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stdout.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import viewers.state.undo",
        "import processing.annotations",
        "import processing.annotations.labels",
        "import processing.spaces.grid",
    ],
)
def test_import_loads_no_simpleitk(statement):
    assert "SimpleITK" not in _modules_after(statement)


def test_undo_stack_loads_few_processing_modules():
    loaded = {m for m in _modules_after("import viewers.state.undo") if m.startswith("processing")}
    assert not {m for m in loaded if m.startswith("processing.registration")}
    assert not {m for m in loaded if m.startswith("processing.annotations.s")}  # session, store


def test_package_names_still_resolve():
    modules = _modules_after(
        "from processing.annotations import Grid, RaterWorkspace\n"
        "assert RaterWorkspace.__module__ == 'processing.annotations.workspace'\n"
        "assert Grid.__module__ == 'processing.spaces.grid'"
    )
    assert "processing.annotations.workspace" in modules
