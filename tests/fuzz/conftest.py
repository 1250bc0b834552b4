"""Fixtures of the hostile-input tests (the harness itself is :mod:`fuzz_harness`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # so that test modules can import fuzz_harness

from fuzz_harness import FuzzCase, check_case  # noqa: E402


@pytest.fixture(scope="session")
def pristine_studies(tmp_path_factory) -> dict[str, Path]:
    """Return valid studies made once per worker, copied per case."""
    from processing.study import validate
    from processing.study.example import write_tiny_study

    root = tmp_path_factory.mktemp("fuzz-pristine")
    studies = {"tiny": write_tiny_study(root / "tiny", participants=1, visits=2)}
    for (
        name,
        study,
    ) in studies.items():  # every refusal must come from the damage, never from the copy
        problems = validate(study)
        assert not problems, f"pristine study {name} is not clean:\n" + "\n".join(
            map(str, problems)
        )
    return studies


@pytest.fixture
def fuzz(pristine_studies, tmp_path) -> Callable[[FuzzCase], None]:
    """``fuzz(case)`` runs one case in a fresh copy (see :func:`check_case`)."""
    return lambda case: check_case(case, pristine_studies[case.study], tmp_path)
