"""The dependency direction app -> viewers -> processing, checked on the source.

A violation (processing importing Qt, pyqtgraph, viewers or app; viewers'
Qt-free state importing Qt; viewers importing app) fails the test run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QT = {"PySide6", "PyQt5", "PyQt6", "pyqtgraph", "qtpy", "superqt", "shiboken6"}
FORBIDDEN = {
    "processing": QT | {"viewers", "app"},
    "viewers/state": QT | {"app"},
    "viewers": {"app"},
}


def imported_roots(path: Path) -> set[str]:
    """Top-level module names imported anywhere in ``path`` (including inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def violations(package: str, banned: set[str]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_roots(path) & banned
        if bad:
            found.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_layering(package):
    assert not violations(package, FORBIDDEN[package])


def test_checker_catches_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from PySide6 import QtCore\n")
    assert imported_roots(bad) == {"PySide6"}
