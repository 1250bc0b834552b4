"""Damaged sidecars and gradient tables: refused by ``validate`` and by ``process``, blaming the right file.

``process`` must apply the very checks of ``validate``: a ``.bval`` one entry
short shifts every gradient by a volume and once gave MD -94 % with exit 0.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fuzz_harness import FuzzCase, case_ids, replaced

ANAT = ("sub-01", "ses-01", "anat")


def sidecar(name: str):
    return lambda study: study.joinpath(*ANAT, f"sub-01_ses-01_{name}.json")


def gradient(suffix: str):
    return lambda study: study / "sub-01" / "ses-01" / "dwi" / f"sub-01_ses-01_dwi.{suffix}"


MAG1, MAG2, MAG3 = (sidecar(f"echo-{n}_part-mag_MEGRE") for n in (1, 2, 3))
INV1 = sidecar("inv-1_MP2RAGE")
BVAL, BVEC = gradient("bval"), gradient("bvec")


def written(path_of, content):
    """Replace the file with ``content`` (bytes, text, or a JSON-able object)."""

    def damage(study: Path) -> Path:
        path = path_of(study)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path

    return damage


def edited_json(path_of, **changes):
    def damage(study: Path) -> Path:
        path = path_of(study)
        data = json.loads(path.read_text())
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        path.write_text(json.dumps(data))
        return path

    return damage


def edited_lines(path_of, change):
    def damage(study: Path) -> Path:
        path = path_of(study)
        rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
        path.write_text("\n".join(" ".join(row) for row in change(rows)) + "\n")
        return path

    return damage


def _column(rows, n, value):
    return [row[:n] + [value] + row[n + 1 :] for row in rows]


SIDECAR = [
    FuzzCase("sidecar/not-json", written(MAG1, '{"EchoTime": 0.005,,}')),
    FuzzCase("sidecar/json-array", written(MAG1, [0.005])),
    FuzzCase("sidecar/deeply-nested", written(MAG1, "[" * 100000 + "]" * 100000)),
    FuzzCase("sidecar/empty-file", written(MAG1, b"")),
    FuzzCase("sidecar/not-utf8", written(MAG1, b'{"EchoTime": 0.005, "Name": "\xff\xfe"}')),
    FuzzCase("sidecar/folder", replaced(MAG1, Path.mkdir)),
    FuzzCase("sidecar/echo-time-text", edited_json(MAG2, EchoTime="ten")),
    FuzzCase("sidecar/echo-time-negative", edited_json(MAG2, EchoTime=-0.01)),
    FuzzCase("sidecar/echo-time-zero", edited_json(MAG1, EchoTime=0)),
    FuzzCase("sidecar/echo-time-nan", written(MAG2, '{"EchoTime": NaN}')),
    FuzzCase("sidecar/echo-time-infinite", written(MAG2, '{"EchoTime": 1e400}')),
    FuzzCase("sidecar/echo-time-list", edited_json(MAG2, EchoTime=[0.01, 0.02])),
    FuzzCase("sidecar/echo-time-duplicated", edited_json(MAG3, EchoTime=0.010)),
    FuzzCase("sidecar/echo-time-decreasing", edited_json(MAG3, EchoTime=0.001)),
    FuzzCase("sidecar/echo-time-milliseconds", edited_json(MAG1, EchoTime=5.0)),
    FuzzCase("sidecar/echo-time-missing", edited_json(MAG2, EchoTime=None)),
    FuzzCase(
        "sidecar/inversion-time-text",
        edited_json(INV1, InversionTime="soon"),
        commands=("validate",),
    ),
    FuzzCase(
        "sidecar/huge-file", written(MAG1, '{"EchoTime": 0.005, "pad": "' + "x" * (5 << 20) + '"}')
    ),
]

GRADIENTS = [
    FuzzCase("gradients/bval-short", edited_lines(BVAL, lambda rows: [rows[0][:-1]])),
    FuzzCase("gradients/bval-long", edited_lines(BVAL, lambda rows: [rows[0] + ["1000"]])),
    FuzzCase("gradients/bvec-short", edited_lines(BVEC, lambda rows: [row[:-1] for row in rows])),
    FuzzCase("gradients/bvec-two-rows", edited_lines(BVEC, lambda rows: rows[:2])),
    FuzzCase("gradients/bvec-ragged", edited_lines(BVEC, lambda rows: [rows[0][:-1]] + rows[1:])),
    FuzzCase("gradients/bval-words", written(BVAL, "zero thousand thousand\n")),
    FuzzCase(
        "gradients/bvec-words", edited_lines(BVEC, lambda rows: [["x"] * len(rows[0])] + rows[1:])
    ),
    FuzzCase("gradients/bval-negative", edited_lines(BVAL, lambda rows: _column(rows, 3, "-1000"))),
    FuzzCase("gradients/bval-nan", edited_lines(BVAL, lambda rows: _column(rows, 2, "nan"))),
    FuzzCase("gradients/bvec-nan", edited_lines(BVEC, lambda rows: _column(rows, 4, "nan"))),
    FuzzCase(
        "gradients/bvec-zero-for-weighted", edited_lines(BVEC, lambda rows: _column(rows, 5, "0"))
    ),
    FuzzCase("gradients/bvec-not-unit", edited_lines(BVEC, lambda rows: _column(rows, 6, "3"))),
    FuzzCase("gradients/bval-empty", written(BVAL, "")),
    FuzzCase("gradients/bval-missing", replaced(BVAL, lambda p: None)),
    FuzzCase("gradients/bvec-missing", replaced(BVEC, lambda p: None)),
    FuzzCase("gradients/bval-folder", replaced(BVAL, Path.mkdir)),
    FuzzCase("gradients/bvec-binary", written(BVEC, os.urandom(64) + b"\0\xff")),
]

CASES = SIDECAR + GRADIENTS


@pytest.mark.parametrize("case", CASES, ids=case_ids(CASES))
def test_damaged_table_is_refused(case, fuzz):
    fuzz(case)
