"""The hostile-input suite covers at least 80 cases across its classes (issue 11's bar)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

MINIMUM_CASES = 80
CLASSES = {"nifti", "gzip", "sidecar", "gradients", "tsv", "layout", "annotations", "outputs"}


def all_cases() -> list:
    """Every ``CASES`` entry of the sibling ``test_fuzz_*.py`` modules."""
    cases = []
    for path in sorted(Path(__file__).parent.glob("test_fuzz_*.py")):
        if path.name == Path(__file__).name:
            continue
        spec = importlib.util.spec_from_file_location(f"_fuzz_count_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases.extend(getattr(module, "CASES", []))
    return cases


def test_cases_are_many_unique_and_classified():
    cases = all_cases()
    names = [case.name for case in cases]
    assert len(names) == len(set(names)), [n for n, k in Counter(names).items() if k > 1]
    unknown = {case.kind for case in cases} - CLASSES
    assert not unknown, f"cases of unknown classes: {unknown}"
    assert len(cases) >= MINIMUM_CASES, (
        f"{len(cases)} cases: {Counter(case.kind for case in cases)}"
    )
