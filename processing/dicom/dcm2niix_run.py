"""Running dcm2niix: a scan pass (sidecars only, for planning) and the conversion pass.

The binary is the one of the PyPI wheel ``dcm2niix`` (else one on ``PATH``).
Both passes use the same file-name template, so the stems of the scan pass
name the files of the conversion pass. The scan pass keeps the identifying
keys (``-ba n``) in a folder outside the study, only to read the patient
identity (one patient per folder) and the acquisition date and time; the
conversion pass anonymises (``-ba y``: no patient name, ID, birth date or
dates in the sidecars). Cancelling the progress object kills dcm2niix.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from processing.errors import Cancelled, FerretError
from processing.progress import Progress

#: file-name template of both passes: series number and description (dcm2niix adds _e2, _ph...)
NAME_TEMPLATE = "%s_%d"

#: seconds between looks at the cancel flag while dcm2niix runs
POLL_SECONDS = 0.2

_MISSING = re.compile(r"missing images\?", re.IGNORECASE)
_DIMENSIONS = re.compile(r"dimensions vary", re.IGNORECASE)


@dataclass(frozen=True)
class Series:
    """One output of dcm2niix: one image (with its sidecar) of one DICOM series.

    Attributes
    ----------
    stem : str
        The file name without extension in dcm2niix's output folder.
    sidecar : dict
        The JSON sidecar as dcm2niix wrote it.
    """

    stem: str
    sidecar: dict[str, Any]

    @property
    def label(self) -> str:
        """``series 5 'gre_me' (5_gre_me_e2_ph)`` for messages."""
        number = self.sidecar.get("SeriesNumber", "?")
        description = self.sidecar.get("SeriesDescription", "")
        return f"series {number} {description!r} ({self.stem})"


def executable() -> str:
    """Return the dcm2niix binary: the PyPI wheel's, else one on ``PATH``."""
    try:
        import dcm2niix

        if Path(dcm2niix.bin).is_file():
            return str(dcm2niix.bin)
    except ImportError:
        pass
    found = shutil.which("dcm2niix")
    if found is None:
        raise FerretError(
            "dcm2niix is not installed.",
            fix="install it into Ferret's environment: pip install dcm2niix",
        )
    return found


def version() -> str:
    """Return the version dcm2niix reports, e.g. ``v1.0.20260724``."""
    out = subprocess.run([executable(), "--version"], capture_output=True, text=True).stdout
    match = re.search(r"v\d+\.\d+\.\d+", out)
    return match.group(0) if match else "unknown"


def run_dcm2niix(
    dicom_dir: Path, out_dir: Path, *, sidecars_only: bool, progress: Progress | None = None
) -> list[Series]:
    """Convert every series of ``dicom_dir`` into ``out_dir``; return what came out.

    Parameters
    ----------
    dicom_dir : Path
        The visit's DICOM folder (searched 5 sub-folders deep).
    out_dir : Path
        An existing, empty folder.
    sidecars_only : bool
        True: the scan pass (``-b o -ba n``, sidecars with identity and dates,
        no images); False: the conversion (``-b y -ba y -z y``).
    progress : Progress, optional
        Cancelling it kills dcm2niix (within :data:`POLL_SECONDS`).

    Returns
    -------
    list of Series
        In file-name order.

    Raises
    ------
    FerretError
        No DICOM in the folder, a series with missing slices or with images of different
        dimensions, or dcm2niix failing.
    Cancelled
        When ``progress`` was cancelled while dcm2niix ran.
    """
    flags = ["-b", "o", "-ba", "n"] if sidecars_only else ["-b", "y", "-ba", "y", "-z", "y"]
    command = [executable(), *flags, "-f", NAME_TEMPLATE, "-w", "2", "-o", str(out_dir)]
    output, returncode = _run_cancellable([*command, str(dicom_dir)], progress or Progress())
    check_output(dicom_dir, output, returncode)
    series = [Series(p.name[: -len(".json")], read_sidecar(p)) for p in out_dir.glob("*.json")]
    if not series:
        raise _no_dicom(dicom_dir)
    return sorted(series, key=lambda s: s.stem)


def _run_cancellable(command: list[str], progress: Progress) -> tuple[str, int]:
    """Run ``command``; return its stdout + stderr and exit status.

    Raises
    ------
    Cancelled
        When ``progress`` is cancelled meanwhile: the process is killed first.
    """
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace"
    )
    while True:
        try:
            out, err = process.communicate(timeout=POLL_SECONDS)
            return out + err, process.returncode
        except subprocess.TimeoutExpired:
            if progress.cancelled:
                process.kill()
                process.communicate()
                raise Cancelled("dcm2niix was stopped") from None


def check_output(dicom_dir: Path, output: str, returncode: int) -> None:
    """Turn dcm2niix's complaints into one :class:`FerretError`.

    Examples
    --------
    >>> check_output(Path("dcm"), "Warning: Missing images? Expected 519 images", 0)
    Traceback (most recent call last):
    ...
    processing.errors.FerretError: dcm: a series is missing slices (dcm2niix: Missing images? Expected 519 images). \
Fix: copy the whole series from the scanner or PACS again (every slice), or remove that series from the folder.
    """
    if "Unable to find any DICOM" in output or returncode == 2:
        raise _no_dicom(dicom_dir)
    for line in output.splitlines():
        if _MISSING.search(line):
            said = line.removeprefix("Warning: ").strip()
            raise FerretError(
                f"a series is missing slices (dcm2niix: {said}).",
                dicom_dir,
                "copy the whole series from the scanner or PACS again (every slice), "
                "or remove that series from the folder.",
            )
        if _DIMENSIONS.search(line):
            # dcm2niix then writes one image per size under one name: the scan pass's sidecars
            # overwrite each other, so the plan would miss images (nibabel's Siemens samples)
            said = line.removeprefix("Warning: ").strip()
            raise FerretError(
                f"a series holds images of different dimensions (dcm2niix: {said}); dcm2niix "
                "would make one image per size under the same name. Nothing was written.",
                dicom_dir,
                "keep the images of one size of that series in the folder (move the others "
                "into a folder of their own and import that separately).",
            )
    if returncode != 0:
        errors = [line.strip() for line in output.splitlines() if "rror" in line]
        said = errors[0] if errors else f"exit status {returncode}"
        raise FerretError(
            f"dcm2niix could not convert this folder ({said}).",
            dicom_dir,
            "check that the folder holds complete, readable DICOM of one visit.",
        )


def _no_dicom(dicom_dir: Path) -> FerretError:
    gz = next(iter(sorted(dicom_dir.rglob("*.dcm.gz"))), None) if dicom_dir.is_dir() else None
    hint = f" (it holds gzipped files such as {gz.name}: gunzip them first)" if gz else ""
    return FerretError(
        f"no DICOM files found in this folder or its sub-folders{hint}.",
        dicom_dir,
        "give the folder holding one visit's DICOM files as exported from the scanner or PACS.",
    )


def read_sidecar(path: Path) -> dict[str, Any]:
    """Read a JSON sidecar written by dcm2niix (an object)."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise FerretError("dcm2niix wrote a sidecar that is not a JSON object.", path)
    return data
