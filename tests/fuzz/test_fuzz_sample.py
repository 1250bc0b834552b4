"""Harness self-check: damage the harness must catch as it is today (kept small; classes live elsewhere)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_harness import FuzzCase, case_ids


def _megre(study: Path, part: str = "mag", echo: int = 1, suffix: str = ".nii.gz") -> Path:
    return (
        study
        / "sub-01"
        / "ses-01"
        / "anat"
        / f"sub-01_ses-01_echo-{echo}_part-{part}_MEGRE{suffix}"
    )


def _truncate_half(study: Path) -> Path:
    path = _megre(study)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


CASES = [FuzzCase("gzip/truncated-half", _truncate_half, commands=("validate", "process"))]


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_sample(case, fuzz):
    fuzz(case)
